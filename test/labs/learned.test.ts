import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, adam, ready, train } from '../../src/index.js';
import { digitsMlpFamily } from '../../src/tasks/index.js';
import { loadLearnedTheta, mlpLOpt, taskSegments } from '../../src/l2o/index.js';
import { isAborted } from '../../src/core/loop.js';
import { mean, sd } from '../../src/core/stats.js';
import type { LabResult } from '../../src/labs/lab.js';
import { lrGrid } from '../../src/labs/protocol.js';
import { labs } from '../../src/labs/registry.js';
import { ADAM_GRID, type LearnedEvaluation, evaluateLearned } from '../../src/labs/learned/evaluate.js';
import { HELD_OUT_BASE_SEED, heldOutDigitsConfigs } from '../../src/labs/learned/held-out.js';
import { learnedLab } from '../../src/labs/learned/lab.js';
import { evaluationTable } from '../../src/labs/learned/report.js';

await ready();
const family = await digitsMlpFamily();
const file = await loadLearnedTheta();
const grid = [1e-3, 1e-2, 0.1];
const tiny = () => evaluateLearned({ family, theta: file.theta, normEps: file.options.normEps, tasks: 2, steps: 20, tuneRuns: 1, grid });

test('lab learned: held-out tasks, per-task tuned Adam, mean ± sample sd over tasks', async () => {
  const e = await tiny();
  assert.equal(e.tasks.length, 2);
  assert.deepEqual(e.tasks.map((t) => t.config), heldOutDigitsConfigs(family, 2));
  assert.deepEqual(heldOutDigitsConfigs(family, 1)[0]!.hidden.map(() => 24), heldOutDigitsConfigs(family, 1)[0]!.hidden);
  assert.equal(heldOutDigitsConfigs(family, 1)[0]!.streamSeed, family.sample(HELD_OUT_BASE_SEED).streamSeed);
  for (const [i, t] of e.tasks.entries()) {
    // Adam's lr is the argmin of its tuning scores.
    assert.equal(t.adam.lr, grid[t.adam.scores.indexOf(Math.min(...t.adam.scores))]);
    // The learned run is `train` from task.init(i): its mean minibatch loss, recomputed here.
    const task = family.task(t.config);
    try {
      const r = await train(task, mlpLOpt.optimizer(file.theta, { segments: taskSegments(task), normEps: file.options.normEps }), { steps: 20, seed: i, evalSplits: [] });
      assert.ok(Math.abs(t.learned.meanLoss - mean(r.losses)) <= 1e-12 * mean(r.losses));
      const a = await train(task, adam({ lr: t.adam.lr }), { steps: 20, seed: i, evalSplits: ['test'] });
      assert.ok(Math.abs(t.adam.meanLoss - mean(a.losses)) <= 1e-12 * mean(a.losses));
      assert.equal(t.adam.testAccuracy, a.final.test!.accuracy);
    } finally {
      task.dispose();
    }
  }
  const xs = e.tasks.map((t) => t.learned.meanLoss);
  assert.equal(e.summary.learned.mean, mean(xs));
  assert.equal(e.summary.learned.sd, sd(xs));
  assert.ok(Math.abs(e.summary.learned.sd - Math.abs(xs[0]! - xs[1]!) / Math.SQRT2) <= 1e-12, "sample sd (n − 1)");
  assert.equal(e.winsVsTuned, e.tasks.filter((t) => t.learned.meanLoss < t.adam.meanLoss).length);
  assert.match(evaluationTable(e), /Learned beats tuned Adam on \d of 2 tasks/);
  // Deterministic.
  assert.deepEqual(await tiny(), e);
});

test('lab learned: the default Adam grid is the protocol half-decade grid around 1e-2', () => {
  assert.deepEqual(ADAM_GRID, lrGrid({ center: 1e-2, points: 7 }));
  assert.deepEqual(ADAM_GRID, [0.000316, 0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316]);
});

test('lab learned: abort rejects with ABORTED and the tasks that finished', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 200);
  const err = await evaluateLearned({ family, theta: file.theta, tasks: 50, steps: 200, signal: ac.signal }).then(() => assert.fail('not aborted'), (e: unknown) => e);
  assert.ok(isAborted(err));
  const { iteration, partial } = err.details as { iteration: number; partial: LearnedEvaluation };
  assert.ok(iteration < 50);
  assert.equal(partial.tasks.length, iteration);
  assert.ok(performance.now() - t0 < 5000);
  // Through the lab: the partial is a LabResult whose results say partial: true.
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 300);
  const err2 = await learnedLab.run({ quick: true, seed: 0, signal: ac2.signal }).then(() => assert.fail('not aborted'), (e: unknown) => e);
  assert.ok(isAborted(err2));
  const lr = (err2.details as { partial: LabResult }).partial;
  assert.equal((lr.results as { partial: boolean; lab: string }).partial, true);
  assert.equal((lr.results as { lab: string }).lab, 'learned');
});

test('lab learned: registered, options declared, bad values and unknown keys rejected', async () => {
  assert.ok(labs.some((l) => l.name === 'learned'));
  assert.deepEqual(learnedLab.options.map((o) => o.name), ['tasks', 'seeds', 'horizons', 'tune-runs', 'lolv2', 'skip-celo']);
  await assert.rejects(learnedLab.run({ quick: true, seed: 0, extra: { horizons: '5' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  await assert.rejects(learnedLab.run({ quick: true, seed: 0, extra: { tasks: '0' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  await assert.rejects(learnedLab.run({ quick: true, seed: 0, extra: { task: '3' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /--task/.test(e.message));
  await assert.rejects(evaluateLearned({ family, theta: file.theta, task: 3 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && /tasks/.test(e.message));
});
