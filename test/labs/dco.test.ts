// `lab dco` on the protocol toolkit: the f64 baselines (one divergence rule, core Adam, same
// minibatches as a DCO unroll), the logistic part's rows, option checks, and cancellation with a
// partial LabResult.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { adamF64Init, adamF64Step } from '../../src/core/adam.js';
import type { MetaoptimError } from '../../src/core/errors.js';
import { dco, ready } from '../../src/index.js';
import { BETA_GRID, curveDiverged, runBaseline, tuneBaseline } from '../../src/labs/dco/baselines.js';
import { type DcoLabResults, dcoLab } from '../../src/labs/dco/lab.js';
import { LOGISTIC_LR_GRID, logisticExperiment } from '../../src/labs/dco/logistic.js';
import type { LabResult } from '../../src/labs/lab.js';
import { labs } from '../../src/labs/registry.js';
import { materialize } from '../../src/dco/theta.js';
import { unroll } from '../../src/dco/unroll.js';

before(async () => {
  await ready();
});

const noTick = async () => {};

test('the dco lab is registered and declares its one option', () => {
  assert.ok(labs.includes(dcoLab));
  assert.equal(dcoLab.name, 'dco');
  assert.deepEqual(dcoLab.options.map((o) => o.name), ['parameterization']);
  assert.equal(LOGISTIC_LR_GRID.length, 19);
  assert.equal(LOGISTIC_LR_GRID[0], 1e-3);
  assert.ok(Math.abs(LOGISTIC_LR_GRID[18]! - 31.6) < 0.1);
});

test('baselines and DCO unrolls see the same minibatches: GD equals DCOG with P = I/α', async () => {
  const fam = await dco.logisticFamily('wine', { seed: 8 });
  const task = fam.task(fam.sample(2));
  const T = 12, alpha = 0.7;
  const gd = runBaseline(task.f64(), T, 'gd', alpha);
  const u = unroll(materialize(dco.dcog.init(0, fam.size, { lr: alpha, parameterization: 'full' })), task.f64(), { steps: T, weights: 'all', normalize: false, full: false });
  let num = 0, den = 0;
  for (let i = 0; i < fam.size; i++) {
    num += (gd.x[i]! - u.x[i]!) ** 2;
    den += gd.x[i]! ** 2;
  }
  assert.ok(Math.sqrt(num / den) < 1e-10, `x_T differs: ${Math.sqrt(num / den)}`);
  assert.ok(Math.abs(gd.trajectory - u.metaLoss / T) < 1e-10 * gd.trajectory);
  assert.equal(gd.diverged, false);
  // Heavy ball with β = 0 is GD; Adam is the core f64 Adam step for step.
  assert.deepEqual(runBaseline(task.f64(), T, 'heavy-ball', alpha, 0).x, gd.x);
  const f = task.f64(), x = f.x0.slice(), g = new Float64Array(f.size), st = adamF64Init(f.size);
  for (let t = 0; t < T; t++) {
    f.loss(x, g, t);
    adamF64Step(x, g, st, { lr: 0.01 });
  }
  assert.deepEqual(runBaseline(task.f64(), T, 'adam', 0.01).x, x);
});

test('the one divergence rule: a blown-up baseline is diverged, scores +∞ and is never the tuned point', async () => {
  const fam = dco.quadraticFamily({ n: 6, condition: 100, seed: 2 });
  const tasks = [1, 2, 3].map((s) => fam.task(fam.sample(s)).f64());
  const big = runBaseline(tasks[0]!, 10, 'gd', 10);
  assert.equal(big.diverged, true, 'lr 10 on κ = 100 blows up by far more than 1e8');
  assert.equal(big.finalLoss, Infinity);
  assert.equal(big.trajectory, Infinity);
  assert.equal(runBaseline(tasks[0]!, 10, 'gd', 0.01).diverged, false);
  assert.equal(curveDiverged([1, 2, 1e9]), true);
  assert.equal(curveDiverged([1, 2, 1e7]), false);
  assert.equal(curveDiverged([1, NaN]), true);
  let ticks = 0;
  const best = await tuneBaseline('heavy-ball', tasks, 10, [0.001, 0.01, 10], (_t, r) => r.finalLoss, async () => void ticks++);
  assert.equal(ticks, 3 * BETA_GRID.length, 'one tick per grid point');
  assert.notEqual(best.lr, 10);
  assert.ok(Number.isFinite(best.score));
  const none = await tuneBaseline('gd', tasks, 10, [10, 20], (_t, r) => r.finalLoss, noTick);
  assert.deepEqual(none, { lr: 10, beta: 0, score: Infinity });
});

test('the logistic part: iris and wine rows for all six methods, mean ± sample sd over seeds', async () => {
  for (const ds of ['iris', 'wine'] as const) {
    const r = await logisticExperiment(ds, { seed: 3, seeds: 2, iterations: 4, poolTasks: 8, tuneTasks: 2, testTasks: 2, steps: 5 });
    assert.deepEqual(r.rows.map((x) => x.method), ['GD (tuned)', 'momentum (tuned)', 'Adam (tuned)', 'DCOG', 'DCOM', 'DCOGD']);
    assert.equal(r.size, ds === 'iris' ? 15 : 42);
    assert.equal(r.seedsDone, 2);
    for (const x of r.rows) {
      assert.equal(x.perSeedLoss.length, 2);
      assert.equal(x.loss.n, 2);
      const [a, b] = x.perSeedLoss as [number, number];
      assert.ok(Math.abs(x.loss.sd - Math.abs(a - b) / Math.SQRT2) < 1e-12, 'sample sd (n − 1)');
      for (const v of [x.loss.mean, x.loss.sd, x.accuracy, x.accuracySd, x.trajectory.mean, x.trajectory.sd]) assert.ok(Number.isFinite(v), `${ds} ${x.method}: ${v}`);
      assert.ok(x.accuracy >= 0 && x.accuracy <= 1);
      assert.ok(x.loss.mean < r.meanInitialLoss, `${ds} ${x.method}: ${x.loss.mean} vs x₀ ${r.meanInitialLoss}`);
    }
  }
  await assert.rejects(logisticExperiment('iris', { seed: 1, seed2: 3 } as never), (e: MetaoptimError) => e.code === 'UNKNOWN_OPTION');
  await assert.rejects(logisticExperiment('iris', { seed: 1, signal: AbortSignal.abort() }),
    (e: MetaoptimError) => e.code === 'ABORTED' && (e.details as { partial: { seedsDone: number } }).partial.seedsDone === 0);
});

test('lab dco rejects a bad --parameterization and unknown options before any work', async () => {
  let events = 0;
  await assert.rejects(dcoLab.run({ quick: true, seed: 1, extra: { parameterization: 'dense' }, onProgress: () => events++ }),
    (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(dcoLab.run({ quick: true, seed: 1, extra: { parametrisation: 'full' } }), (e: MetaoptimError) => e.code === 'UNKNOWN_OPTION');
  assert.equal(events, 0);
});

test('lab dco stops soon after an abort and returns a partial LabResult in the ABORTED details', async () => {
  const ctl = new AbortController();
  const labels = new Set<string>();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    ctl.abort();
  }, 400);
  const err = await dcoLab.run({ quick: true, seed: 1, signal: ctl.signal, onProgress: (e) => labels.add(e.label) }).then(
    () => assert.fail('should have been aborted'),
    (e: MetaoptimError) => e,
  );
  assert.ok(performance.now() - abortedAt < 1000, 'rejected long before the quick run would end');
  assert.equal(err.code, 'ABORTED');
  const d = err.details as { iteration: number; partial: LabResult };
  assert.ok(d.iteration < 5, 'not every part finished');
  const r = d.partial.results as DcoLabResults;
  assert.equal(r.lab, 'dco');
  assert.equal(r.partial, true);
  assert.equal(r.quick, true);
  assert.equal(r.seed, 1);
  assert.ok(r.elapsedMs > 0);
  assert.ok(r.build === 'simd' || r.build === 'scalar');
  assert.ok(r.oneStep, 'the running part contributes what it finished');
  assert.ok(d.partial.report.title.includes('partial'));
  assert.ok(d.partial.summary.at(-1)!.includes('partial'));
  assert.ok(labels.has('dco: one-step claim'), `labels: ${[...labels].join(', ')}`);
  assert.equal(d.partial.report.sections.length >= 1, true);
});
