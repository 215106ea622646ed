// DCO on the iris/wine logistic-regression families (SPEC B.3.4): the families are seeded and
// match the logistic `MlpTask`s they are built on, first-order meta-gradients are exact for the
// meta-loss with the task gradients held fixed, meta-training helps (the lab part: test/labs/dco.test.ts).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, dco, irisTask, ready } from '../../src/index.js';
import type { F64Task } from '../../src/tasks/f64.js';
import { type DcoTheta, materialize, paramGrads, paramNames, zeroDenseGrads } from '../../src/dco/theta.js';
import { unroll } from '../../src/dco/unroll.js';
import { centralDiff } from '../support/reference/nn.js';

before(async () => {
  await ready();
});

test('logistic families are deterministic given seeds and differ across seeds', async () => {
  for (const ds of ['iris', 'wine'] as const) {
    const a = await dco.logisticFamily(ds, { seed: 3 }), b = await dco.logisticFamily(ds, { seed: 3 }), c = await dco.logisticFamily(ds, { seed: 4 });
    assert.equal(a.size, ds === 'iris' ? 15 : 42);
    assert.deepEqual(a.scales, b.scales);
    assert.notDeepEqual(a.scales, c.scales);
    assert.deepEqual(a.sample(7), b.sample(7));
    assert.notDeepEqual(a.sample(7), a.sample(8));
    const t1 = a.task(a.sample(7)), t2 = b.task(b.sample(7));
    const f1 = t1.f64(), f2 = t2.f64();
    assert.deepEqual(f1.x0, f2.x0);
    const g1 = new Float64Array(a.size), g2 = new Float64Array(a.size);
    for (const step of [0, 5, 40]) {
      assert.equal(f1.loss(f1.x0, g1, step), f2.loss(f2.x0, g2, step));
      assert.deepEqual(g1, g2);
    }
    assert.notEqual(f1.loss(f1.x0, undefined, 0), f1.loss(f1.x0, undefined, 1));
    assert.notDeepEqual(a.task(a.sample(8)).f64().x0, f1.x0);
  }
  await assert.rejects(dco.logisticFamily('digits' as never), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(dco.logisticFamily('iris', { featureScale: 0.5 }), (e: MetaoptimError) => e.code === 'INVALID_HYPERPARAMETER' || e.code === 'INVALID_ARGUMENT');
});

test('a logistic task with unit scales and no ridge is the logistic irisTask: same minibatches, loss and gradient', async () => {
  const fam = await dco.logisticFamily('iris', { featureScale: 1, scaleJitter: 0, l2: 0 });
  const cfg = { ...fam.sample(1), streamSeed: 11 };
  const ours = fam.task(cfg);
  const ref = await irisTask({ streamSeed: 11 });
  try {
    const x = ours.init(5);
    const g1 = new Float32Array(15), g2 = new Float32Array(15);
    for (const b of [0, 2, 3, 17]) {
      assert.deepEqual(ours.batchRows(b), ref.batchRows(b));
      const l1 = ours.loss(x, b, g1), l2 = ref.loss(x, b, g2);
      assert.ok(Math.abs(l1 - l2) < 1e-5 * (1 + l2), `batch ${b}: ${l1} vs ${l2}`);
      for (let i = 0; i < 15; i++) assert.ok(Math.abs(g1[i]! - g2[i]!) < 1e-5, `grad ${i}`);
    }
    const e1 = ours.evaluate(x, 'test'), e2 = ref.evaluate(x, 'test');
    assert.ok(Math.abs(e1.loss - e2.loss) < 1e-5);
    assert.equal(e1.accuracy, e2.accuracy);
    // fromTask on the MlpTask also evaluates minibatch t at unroll step t.
    const f = dco.fromTask(ref, 5);
    assert.ok(Math.abs(f.loss(Float64Array.from(x), undefined, 3) - ref.loss(x, 3)) === 0);
  } finally {
    ref.dispose();
  }
});

test('logistic gradients (with ridge) match central finite differences', async () => {
  const fam = await dco.logisticFamily('wine', { seed: 2, l2: 0.05 });
  const t = fam.task(fam.sample(3)).f64();
  const x = t.x0.map((v, i) => v + 0.3 * Math.sin(i));
  const g = new Float64Array(t.size);
  t.loss(x, g, 4);
  const h = 1e-6;
  for (let i = 0; i < t.size; i++) {
    const keep = x[i]!;
    x[i] = keep + h;
    const up = t.loss(x, undefined, 4);
    x[i] = keep - h;
    const down = t.loss(x, undefined, 4);
    x[i] = keep;
    assert.ok(Math.abs((up - down) / (2 * h) - g[i]!) < 1e-7, `∂/∂x${i}`);
  }
});

/**
 * The task with its gradients frozen at those of a reference trajectory: loss(x, grad, t) is the
 * true f_t(x) but writes the recorded g_t. The meta-loss through this task, as a function of θ,
 * is what the first-order meta-gradient differentiates exactly (at the reference θ).
 */
function frozen(task: F64Task, theta: DcoTheta, T: number): F64Task {
  const gs: Float64Array[] = [];
  const rec: F64Task = {
    size: task.size,
    x0: task.x0,
    loss: (x, grad, step) => {
      const g = new Float64Array(task.size);
      const l = task.loss(x, g, step);
      gs[step!] = g;
      if (grad) grad.set(g);
      return l;
    },
  };
  unroll(materialize(theta), rec, { steps: T, weights: 'all', normalize: false, full: false });
  return {
    size: task.size,
    x0: task.x0,
    loss: (x, grad, step) => {
      const l = task.loss(x, undefined, step);
      if (grad) grad.set(gs[step!]!);
      return l;
    },
  };
}

test('first-order meta-gradients equal finite differences of the meta-loss with the task gradients held fixed (tiny iris)', async () => {
  const fam = await dco.logisticFamily('iris', { seed: 1, batchSize: 8 });
  const tasks = [1, 2].map((s) => fam.task(fam.sample(s)).f64());
  const T = 3;
  for (const kind of ['dcog', 'dcom', 'dcogd'] as const) {
    for (const parameterization of ['diagonal', 'full'] as const) {
      const theta = dco[kind].init(4, 15, { parameterization, lr: 0.5, momentum: 0.3, noise: 0.03 });
      const o = { steps: T, weights: 'all' as const, normalize: false, full: false };
      const dense = zeroDenseGrads(theta);
      const m = materialize(theta);
      for (const t of tasks) unroll(m, t, o, dense);
      const g = paramGrads(theta, dense);
      const fixed = tasks.map((t) => frozen(t, theta, T));
      const loss = (th: DcoTheta): number => {
        const mm = materialize(th);
        return fixed.reduce((s, t) => s + unroll(mm, t, o).metaLoss, 0);
      };
      const trueLoss = (th: DcoTheta): number => tasks.reduce((s, t) => s + unroll(materialize(th), t, o).metaLoss, 0);
      let worst = 0, differsFromTrue = 0;
      for (const name of paramNames(kind, parameterization)) {
        const p = theta.params[name]!;
        const an = g[name]!;
        centralDiff(() => loss(theta), p, 1e-6).forEach((fd, i) => (worst = Math.max(worst, Math.abs(an[i]! - fd) / (1e-3 + Math.abs(fd)))));
        if (name === 's' || name === 'L') {
          // The true meta-loss (gradients recomputed) has a different derivative for T > 1.
          centralDiff(() => trueLoss(theta), p, 1e-6).forEach((fd, i) => (differsFromTrue = Math.max(differsFromTrue, Math.abs(fd - an[i]!))));
        }
      }
      assert.ok(worst < 1e-5, `${kind}/${parameterization}: worst relative error ${worst}`);
      assert.ok(differsFromTrue > 1e-4, `${kind}/${parameterization}: first-order should differ from the true meta-gradient`);
    }
  }
});

test('meta-training (first-order) reduces the held-out meta-loss on iris; full meta-gradients are refused without hvp', async () => {
  const fam = await dco.logisticFamily('iris', { seed: 5 });
  const pool = Array.from({ length: 24 }, (_, i) => fam.task(fam.sample(i)));
  const held = Array.from({ length: 8 }, (_, i) => fam.task(fam.sample(1000 + i)));
  const T = 10;
  const theta0 = dco.dcog.init(0, 15, { parameterization: 'full', lr: 0.5 });
  const r = await dco.dcog.metaTrain(theta0, { tasks: pool, iterations: 60, batchSize: 8, unroll: T, lr: 0.003, finalLr: 3e-4, lrScale: 'relative', seed: 1 });
  assert.equal(r.gradient, 'first-order');
  const before = dco.metaLoss(theta0, held, { unroll: T });
  const after = dco.metaLoss(r.theta, held, { unroll: T });
  assert.ok(after < 0.8 * before, `held-out meta-loss ${before} → ${after}`);
  const k = 10;
  const first = r.history.slice(0, k).reduce((a, b) => a + b) / k, last = r.history.slice(-k).reduce((a, b) => a + b) / k;
  assert.ok(last < first, `training meta-loss ${first} → ${last}`);
  await assert.rejects(dco.dcog.metaTrain(theta0, { tasks: pool, iterations: 1, gradient: 'full' }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
});
