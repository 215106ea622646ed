import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eveContestants, pickContestants, suiteContestants } from '../../src/labs/contestants.js';
import { contestantTask, runFixed, runThreeBudgets } from '../../src/labs/protocol.js';
import { contestants as raceContestants } from '../../src/labs/race/contestants.js';
import { celoFromTheta } from '../../src/l2o/celo/celo.js';
import { loadCeloTheta } from '../../src/l2o/celo/theta.js';
import { ready } from '../../src/runtime/runtime.js';
import { rosenbrockTask } from '../../src/tasks/functions.js';
import { suiteTask } from '../../src/tasks/suite.js';

test('contestantTask: an MLP task gives its tensor shapes and the horizon; a task without tensors is one vector', async () => {
  await ready();
  const task = await suiteTask('iris-mlp').make();
  try {
    const info = contestantTask(task, 77);
    assert.deepEqual(info.shapes, (task as unknown as { model: { tensors: { shape: number[] }[] } }).model.tensors.map((t) => [...t.shape]));
    assert.deepEqual(info.shapes, [[16, 4], [16], [3, 16], [3]]);
    assert.equal(info.shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0), task.size);
    assert.equal(info.numSteps, 77);
    assert.equal(info.name, 'iris-mlp');
  } finally {
    task.dispose?.();
  }
  assert.deepEqual(contestantTask(rosenbrockTask(), 5), { name: 'rosenbrock', size: 2, shapes: [[2]], numSteps: 5 });
});

test('celo and celo-adam are suite and race contestants (untuned), not in lab eve\'s default list', () => {
  const names = suiteContestants().map((c) => c.name);
  assert.ok(names.includes('celo') && names.includes('celo-adam'));
  for (const c of pickContestants(['celo', 'celo-adam'])) assert.equal(c.defaultLr, null);
  assert.ok(!eveContestants().some((c) => c.name.startsWith('celo')));
  const race = raceContestants.filter((c) => c.name.startsWith('celo'));
  assert.deepEqual(race.map((c) => [c.name, c.tuned]), [['celo', false], ['celo-adam', false]]);
  assert.ok(raceContestants.filter((c) => !c.name.startsWith('celo')).every((c) => c.tuned));
});

test('the celo contestant gets numSteps and the shapes from the ContestantTask: its run equals celo() made by hand', async () => {
  await ready();
  const [c] = pickContestants(['celo']);
  assert.throws(() => pickContestants(['celo-adam'])[0]!.make({ steps: 3 }), /prepare\(\) before make\(\)/);
  await c!.prepare!();
  const task = await suiteTask('iris-mlp').make();
  try {
    const info = contestantTask(task, 12);
    const opt = c!.make({ steps: 12, task: info });
    assert.equal(opt.hyperparams.numSteps, 12);
    assert.equal(opt.hyperparams.shapes, JSON.stringify(info.shapes));
    const byHand = celoFromTheta(await loadCeloTheta('celo'), { numSteps: 12, shapes: info.shapes });
    const a = await runFixed(opt, task, 12, { seed: 3 });
    const b = await runFixed(byHand, task, 12, { seed: 3 });
    assert.deepEqual(Array.from(a.losses), Array.from(b.losses));
    // without shapes (one vector) Celo runs differently: the shapes did reach the optimizer
    const flat = await runFixed(celoFromTheta(await loadCeloTheta('celo'), { numSteps: 12 }), task, 12, { seed: 3 });
    assert.notDeepEqual(Array.from(flat.losses), Array.from(a.losses));
  } finally {
    task.dispose?.();
  }
});

test('runThreeBudgets runs celo and celo-adam on a suite task: every budget is the one untuned run (no tuning), finite', async () => {
  await ready();
  const task = await suiteTask('iris-mlp').make();
  try {
    for (const c of pickContestants(['celo', 'celo-adam'])) {
      const r = await runThreeBudgets(c, task, { steps: 15, target: 0.5, reportSeeds: [0, 1], tuneSeeds: [100] });
      assert.deepEqual(r.budgets.map((b) => [b.budget, b.lr, b.tuning.length]), [['oneShot', null, 0], ['small', null, 0], ['large', null, 0]]);
      for (const b of r.budgets) {
        assert.deepEqual(b.runs, r.budgets[0]!.runs);
        for (const m of b.runs) assert.ok(Number.isFinite(m.finalLoss) && !m.diverged, `${c.name}: ${m.finalLoss}`);
      }
    }
  } finally {
    task.dispose?.();
  }
});
