import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, adam, ready, train } from '../../src/index.js';
import { isAborted } from '../../src/core/loop.js';
import { mean } from '../../src/core/stats.js';
import { celoFromTheta, loadCeloTheta } from '../../src/l2o/celo/index.js';
import { suiteTasks } from '../../src/tasks/index.js';
import { CONTESTANT_BASELINES, type ContestPair, HELD_OUT_SUITE, contestTable, learnedContestants, runContest, stepsToReach, summarizeContest, taskShapes } from '../../src/labs/learned/index.js';
import { adamResidualLOpt, loadAdamResidualTheta } from '../../src/l2o/index.js';

test('held-out suite: 20 tasks, wine in it, widths/batches the meta-training distribution never samples', () => {
  assert.ok(HELD_OUT_SUITE.length >= 20);
  assert.ok(HELD_OUT_SUITE.filter((t) => t.id.startsWith('wine')).length >= 4);
  for (const t of HELD_OUT_SUITE.filter((x) => x.id.startsWith('digits'))) {
    const m = /digits ([\d-]+|logreg) .*b(\d+)$/.exec(t.id)!;
    assert.ok(![16, 32, 64, 128, 256].includes(Number(m[2])), `${t.id}: batch never sampled`);
    if (m[1] !== 'logreg') assert.ok(m[1]!.split('-').every((w) => ![8, 16, 32, 64, 128].includes(Number(w))) || m[1]!.split('-').length > 3, `${t.id}: width/depth never sampled`);
  }
});

test('stepsToReach and the summary rules on hand-made numbers', () => {
  assert.equal(stepsToReach([5, 4, 3, 2, 1], 3), 5); // trailing means 5, 4.5, 4, 3.5, 3
  assert.equal(stepsToReach([5, 4, 3, 2, 1], 4), 3);
  assert.equal(stepsToReach([5, 5], 1), Infinity);
  // Early losses 1e8 times the late ones: the last window's mean still reaches its own value.
  const curve = [...Array.from({ length: 50 }, (_, i) => 1e5 / (i + 1)), ...Array.from({ length: 10 }, (_, i) => 1e-7 * (1 + 0.1 * i))];
  const last = curve.slice(-10).reduce((a, b) => a + b, 0) / 10;
  assert.equal(stepsToReach(curve, last), 60);
  const run = (m: number, f: number, d = false) => ({ meanLoss: m, finalLoss: f, testAccuracy: 0.5, diverged: d });
  const pairs: ContestPair[] = [
    { task: 'a', steps: 10, entries: { adam: { runs: [run(2, 1)], stepsToTarget: 10 }, x: { runs: [run(1, 0.5)], stepsToTarget: 5 } } },
    { task: 'b', steps: 10, entries: { adam: { runs: [run(2, 1)], stepsToTarget: 8 }, x: { runs: [run(3, 3)], stepsToTarget: Infinity } } },
  ];
  const [a, x] = summarizeContest(pairs, ['adam', 'x'], 'adam');
  assert.equal(a!.wins, 0);
  assert.equal(x!.wins, 1);
  assert.equal(x!.maxFinalRatio, 3);
  assert.ok(Math.abs(x!.meanLossRatio - Math.sqrt(0.5 * 1.5)) < 1e-12);
  assert.equal(x!.speedupIqm, 1); // speed-ups {2, 0}: IQM of two values is their mean
});

test('runContest: tuned baselines take their argmin lr, the learned contestant is train() from task.init(s), deterministic', async () => {
  const rt = await ready();
  const grid = [1e-3, 1e-2, 0.1];
  const contestants = [{ ...CONTESTANT_BASELINES[0]!, grid }, ...(await learnedContestants())];
  const suite = [HELD_OUT_SUITE.find((t) => t.id.startsWith('wine logreg'))!];
  const run = () => runContest({ suite, contestants, horizons: [20], seeds: 2 });
  const e = await run();
  assert.equal(e.pairs.length, 1);
  const p = e.pairs[0]!;
  assert.ok(grid.includes(p.entries.adam!.lr!));
  const f = await loadAdamResidualTheta();
  const task = await suite[0]!.make(undefined as never);
  try {
    for (const s of [0, 1]) {
      const r = await train(task, adamResidualLOpt.optimizer(f.theta, { ...f.options, shapes: taskShapes(task), horizon: 20 }), { steps: 20, seed: s, evalSplits: [] });
      assert.ok(Math.abs(p.entries['learned (adam-residual)']!.runs[s]!.meanLoss - mean(r.losses)) <= 1e-12 * mean(r.losses));
      const a = await train(task, adam({ lr: p.entries.adam!.lr! }), { steps: 20, seed: s, evalSplits: [] });
      assert.ok(Math.abs(p.entries.adam!.runs[s]!.meanLoss - mean(a.losses)) <= 1e-12 * mean(a.losses));
    }
  } finally {
    task.dispose?.();
  }
  // Celo and Celo-Adam (issue 16) run untuned with the task's shapes and numSteps = the horizon.
  assert.deepEqual(contestants.slice(1).map((c) => c.name), ['learned (adam-residual)', 'celo', 'celo-adam']);
  assert.deepEqual((await learnedContestants({ celo: false })).map((c) => c.name), ['learned (adam-residual)']);
  {
    const t = await suite[0]!.make(undefined as never);
    try {
      const r = await train(t, celoFromTheta(await loadCeloTheta('celo'), { numSteps: 20, shapes: taskShapes(t) }), { steps: 20, seed: 1, evalSplits: [] });
      assert.ok(Math.abs(p.entries.celo!.runs[1]!.meanLoss - mean(r.losses)) <= 1e-12 * mean(r.losses));
      assert.equal(p.entries.celo!.lr, undefined, 'Celo is not tuned');
    } finally {
      t.dispose?.();
    }
  }
  assert.ok(p.entries.adam!.stepsToTarget <= 20);
  assert.match(contestTable(e), /wins vs tuned Adam/);
  assert.deepEqual(await run(), e);
  void rt;
  await assert.rejects(runContest({ suite, contestants, reference: 'nope' }), (err: MetaoptimError) => err.code === 'INVALID_ARGUMENT');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const err = await runContest({ suite: HELD_OUT_SUITE.slice(0, 3), contestants, horizons: [200], signal: ac.signal }).then(() => assert.fail('not aborted'), (x: unknown) => x);
  assert.ok(isAborted(err));
});

test('the held-out tasks are the benchmark suite\'s held-out entries: lab learned runs them, the race and lab eve never do', async () => {
  const held = suiteTasks({ heldOut: true });
  assert.equal(HELD_OUT_SUITE.length, 20);
  assert.deepEqual(HELD_OUT_SUITE.map((h) => h.suite), held.filter((t) => t.name.startsWith('heldout-')));
  for (const t of suiteTasks({ heldOut: false })) assert.ok(!t.name.startsWith('heldout-'), t.name);
  const { raceTasks } = await import('../../src/labs/race/tasks.js');
  assert.ok(Object.keys(raceTasks).every((n) => !n.startsWith('heldout-')));
  const wine = HELD_OUT_SUITE.find((h) => h.id === 'wine 24 relu b24')!;
  assert.equal(wine.suite!.name, 'heldout-wine-24-relu-b24');
  assert.deepEqual(wine.suite!.budget, { steps: 2000, batch: 24 });
  const task = await wine.suite!.make();
  try {
    assert.equal(task.size, 13 * 24 + 24 + 24 * 3 + 3);
  } finally {
    task.dispose?.();
  }
});
