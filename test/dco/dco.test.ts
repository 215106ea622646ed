// DCO optimizers: reductions to GD and heavy ball, exact meta-gradients (vs finite differences),
// the one-step claim on least squares with shared A, the Optimizer wrapper, the task families.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, dco, momentum, ready, sgd } from '../../src/index.js';
import type { ProgressEvent } from '../../src/core/loop.js';
import { centralDiff } from '../support/reference/nn.js';
import type { Optimizer } from '../../src/optim/types.js';
import type { Task } from '../../src/tasks/types.js';
import { type DcoTheta, materialize, paramGrads, paramNames, zeroDenseGrads } from '../../src/dco/theta.js';
import { unroll } from '../../src/dco/unroll.js';

before(async () => {
  await ready();
});

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
};

function trajectory(theta: DcoTheta, task: dco.F64Task, T: number): Float64Array[] {
  const m = materialize(theta);
  const xs: Float64Array[] = [];
  for (let t = 1; t <= T; t++) xs.push(unroll(m, task, { steps: t, weights: 'last', normalize: false, full: false }).x);
  return xs;
}

/** Relative distance of the parameters after `steps` steps of optimizers a and b from the same start (f32 states). */
function runApart(a: Optimizer, b: Optimizer, task: Task, steps: number): number {
  const sa = a.init(task.init(0)), sb = b.init(task.init(0));
  const ga = new Float32Array(task.size), gb = new Float32Array(task.size);
  for (let t = 0; t < steps; t++) {
    task.loss(sa.params, t, ga);
    task.loss(sb.params, t, gb);
    a.step(sa, ga);
    b.step(sb, gb);
  }
  const d = relErr(sa.params, sb.params);
  sa.dispose();
  sb.dispose();
  return d;
}

test('DCOG with P = I/α is gradient descent with step α (f64 unroll and the f32 Optimizer)', () => {
  const fam = dco.quadraticFamily({ n: 6, condition: 20, seed: 3 });
  const task = fam.task(fam.sample(1));
  const f = task.f64();
  const alpha = 0.04;
  for (const parameterization of ['diagonal', 'full'] as const) {
    const theta = dco.dcog.init(0, 6, { parameterization, lr: alpha });
    const xs = trajectory(theta, f, 15);
    let x = new Float64Array(6);
    const g = new Float64Array(6);
    for (let t = 0; t < 15; t++) {
      f.loss(x, g);
      x = x.map((v, i) => v - alpha * g[i]!);
      assert.ok(relErr(xs[t]!, x) < 1e-13, `${parameterization} step ${t}: ${relErr(xs[t]!, x)}`);
    }
    // The Optimizer (f32 state): same trajectory as sgd to f32 rounding.
    const d = runApart(dco.dcog.optimizer(theta), sgd({ lr: alpha }), task, 15);
    assert.ok(d < 1e-6, `optimizer vs sgd ${d}`);
  }
});

test('DCOM with P = I/α, M = (β/α)I is heavy ball; DCOGD at its defaults is DCOG', () => {
  const fam = dco.quadraticFamily({ n: 5, condition: 50, seed: 4 });
  const task = fam.task(fam.sample(2));
  const f = task.f64();
  const alpha = 0.02, beta = 0.8;
  for (const parameterization of ['diagonal', 'full'] as const) {
    const theta = dco.dcom.init(0, 5, { parameterization, lr: alpha, momentum: beta });
    const xs = trajectory(theta, f, 20);
    let x = new Float64Array(5), prev = new Float64Array(5);
    const g = new Float64Array(5);
    for (let t = 0; t < 20; t++) {
      f.loss(x, g);
      const next = x.map((v, i) => v - alpha * g[i]! + beta * (v - prev[i]!));
      prev = x;
      x = next;
      assert.ok(relErr(xs[t]!, x) < 1e-12, `${parameterization} step ${t}: ${relErr(xs[t]!, x)}`);
    }
    const d = runApart(dco.dcom.optimizer(theta), momentum({ lr: alpha, momentum: beta }), task, 20);
    assert.ok(d < 1e-5, `optimizer vs momentum ${d}`);
  }
  const g1 = trajectory(dco.dcogd.init(0, 5, { lr: 0.03, parameterization: 'full' }), f, 8);
  const g2 = trajectory(dco.dcog.init(0, 5, { lr: 0.03, parameterization: 'full' }), f, 8);
  g1.forEach((x, t) => assert.ok(relErr(x, g2[t]!) < 1e-14));
});

/** θ-gradient of the mean meta-loss by the reverse pass, and by central differences. */
function checkMetaGradient(theta: DcoTheta, tasks: dco.F64Task[], T: number, full: boolean): void {
  const o = { steps: T, weights: 'all' as const, normalize: true, full };
  const dense = zeroDenseGrads(theta);
  const m = materialize(theta);
  for (const t of tasks) unroll(m, t, o, dense);
  const g = paramGrads(theta, dense);
  const loss = (th: DcoTheta): number => {
    const mm = materialize(th);
    return tasks.reduce((s, t) => s + unroll(mm, t, o).metaLoss, 0);
  };
  for (const name of paramNames(theta.kind, theta.parameterization)) {
    const fd = centralDiff(() => loss(theta), theta.params[name]!, 1e-6);
    fd.forEach((f, i) => {
      const an = g[name]![i]!;
      assert.ok(Math.abs(an - f) <= 1e-6 * (1 + Math.abs(f)), `${theta.kind}/${theta.parameterization} ${name}[${i}]: ${an} vs FD ${f}`);
    });
  }
}

test('meta-gradients (full, through Hessian-vector products) match central finite differences', () => {
  const fam = dco.quadraticFamily({ n: 3, condition: 5, seed: 9 });
  const tasks = [1, 2].map((s) => fam.task(fam.sample(s)).f64());
  for (const kind of ['dcog', 'dcom', 'dcogd'] as const) {
    for (const parameterization of ['diagonal', 'full'] as const) {
      const theta = dco[kind].init(7, 3, { parameterization, lr: 0.2, momentum: 0.3, noise: 0.05 });
      checkMetaGradient(theta, tasks, 3, true);
    }
  }
  const ls = dco.leastSquaresFamily({ n: 3, m: 5, seed: 2, varyA: 0.3 });
  checkMetaGradient(dco.dcom.init(1, 3, { parameterization: 'full', lr: 0.3, noise: 0.1 }), [ls.task(ls.sample(4)).f64()], 4, true);
});

test("first-order meta-gradients equal full ones for T = 1 and differ for T > 1", () => {
  const fam = dco.quadraticFamily({ n: 3, condition: 5, seed: 9 });
  const task = fam.task(fam.sample(1)).f64();
  const theta = dco.dcog.init(0, 3, { parameterization: 'full', lr: 0.2, noise: 0.05 });
  const grad = (T: number, full: boolean): Float64Array => {
    const d = zeroDenseGrads(theta);
    unroll(materialize(theta), task, { steps: T, weights: 'all', normalize: false, full }, d);
    return d.P;
  };
  assert.deepEqual(grad(1, true), grad(1, false));
  assert.ok(relErr(grad(4, false), grad(4, true)) > 1e-3);
});

test('one-step claim: DCOG (full P) meta-trained on ≥ n least-squares tasks with shared A solves fresh tasks in one step', async () => {
  const n = 10;
  const fam = dco.leastSquaresFamily({ n, m: 20, seed: 1 });
  const train = Array.from({ length: 20 }, (_, i) => fam.task(fam.sample(i)));
  const theta0 = dco.dcog.init(0, n, { parameterization: 'full', lr: 0.3 });
  const r = await dco.dcog.metaTrain(theta0, { tasks: train, iterations: 3000, batchSize: 20, lr: 0.05, finalLr: 5e-5, seed: 1 });
  assert.equal(r.gradient, 'full');
  const m = materialize(r.theta);
  for (let i = 0; i < 10; i++) {
    const task = fam.task(fam.sample(10_000 + i));
    const x1 = unroll(m, task.f64(), { steps: 1, weights: 'last', normalize: false, full: false }).x;
    const err = relErr(x1, task.solution());
    assert.ok(err < 1e-6, `fresh task ${i}: one-step relative error ${err}`);
  }
  // With fewer than n tasks the learned step is not the Newton step.
  const few = await dco.dcog.metaTrain(theta0, { tasks: train.slice(0, 5), iterations: 1500, batchSize: 5, lr: 0.05, finalLr: 5e-5, seed: 1 });
  const mf = materialize(few.theta);
  const task = fam.task(fam.sample(20_000));
  const x1 = unroll(mf, task.f64(), { steps: 1, weights: 'last', normalize: false, full: false }).x;
  assert.ok(relErr(x1, task.solution()) > 1e-2);
});

test('metaTrain is seeded and reports progress in the one ProgressEvent shape', async () => {
  const fam = dco.quadraticFamily({ n: 4, condition: 10, seed: 1 });
  const sampler = (seed: number) => fam.task(fam.sample(seed));
  const theta0 = dco.dcom.init(0, 4, { lr: 0.05 });
  const events: ProgressEvent[] = [];
  const a = await dco.dcom.metaTrain(theta0, { tasks: sampler, iterations: 30, unroll: 5, seed: 3, onProgress: (e) => events.push(e) });
  const b = await dco.dcom.metaTrain(theta0, { tasks: sampler, iterations: 30, unroll: 5, seed: 3 });
  assert.deepEqual(a.theta.params, b.theta.params);
  assert.deepEqual(a.history, b.history);
  const c = await dco.dcom.metaTrain(theta0, { tasks: sampler, iterations: 30, unroll: 5, seed: 4 });
  assert.notDeepEqual(c.theta.params, a.theta.params, 'another seed draws other tasks');
  assert.ok(events.length >= 2, 'at least the first and the final event');
  const last = events[events.length - 1]!;
  assert.equal(last.label, 'dcom metaTrain');
  assert.equal(last.done, 30);
  assert.equal(last.total, 30);
  assert.equal(last.metrics?.metaLoss, a.history[29]);
  for (const e of events) assert.deepEqual(Object.keys(e).sort(), ['done', 'elapsedMs', 'label', 'metrics', 'total']);
  assert.ok(a.history[29]! < a.history[0]!, 'meta-loss decreases');
  assert.notDeepEqual(a.theta.params.s, theta0.params.s, 'θ moved; the input θ is untouched');
  assert.deepEqual(theta0.params.s, dco.dcom.init(0, 4, { lr: 0.05 }).params.s);
});

test('metaTrain rejects with ABORTED { iteration, partial: MetaTrainResult so far } soon after an abort', async () => {
  const fam = dco.quadraticFamily({ n: 8, condition: 10, seed: 1 });
  const theta0 = dco.dcogd.init(0, 8, { lr: 0.05, parameterization: 'full' });
  const iterations = 1_000_000;
  const ctl = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ctl.abort(), 50);
  const err = await dco.dcogd.metaTrain(theta0, { tasks: (s) => fam.task(fam.sample(s)), iterations, unroll: 5, signal: ctl.signal }).then(
    () => assert.fail('should have been aborted'),
    (e: MetaoptimError) => e,
  );
  assert.ok(performance.now() - t0 < 1000, 'rejected long before the full run');
  assert.equal(err.code, 'ABORTED');
  const d = err.details as { iteration: number; partial: dco.MetaTrainResult };
  assert.ok(d.iteration > 0 && d.iteration < iterations);
  assert.equal(d.partial.history.length, d.iteration);
  assert.ok(d.partial.history.every(Number.isFinite));
  assert.equal(d.partial.gradient, 'full');
  assert.equal(d.partial.theta.kind, 'dcogd');
  assert.notDeepEqual(d.partial.theta.params.L, theta0.params.L, 'partial θ is the trained θ so far');
  // Resuming from the partial θ works like any θ.
  const more = await dco.dcogd.metaTrain(d.partial.theta, { tasks: (s) => fam.task(fam.sample(s)), iterations: 2, unroll: 5 });
  assert.equal(more.history.length, 2);
  // An already aborted signal rejects before any iteration.
  await assert.rejects(dco.dcog.metaTrain(dco.dcog.init(0, 8), { tasks: (s) => fam.task(fam.sample(s)), signal: AbortSignal.abort() }),
    (e: MetaoptimError) => e.code === 'ABORTED' && (e.details as { iteration: number }).iteration === 0);
});

test('every DCO factory and metaTrain reject unknown options, naming the closest key', async () => {
  const fam = dco.quadraticFamily({ n: 4, condition: 10, seed: 1 });
  const sampler = (seed: number) => fam.task(fam.sample(seed));
  const unknown = (key: string, suggestion: string | undefined) => (e: MetaoptimError) =>
    e.code === 'UNKNOWN_OPTION' && (e.details as { key: string }).key === key && (e.details as { suggestion?: string }).suggestion === suggestion;
  assert.throws(() => dco.dcog.init(0, 4, { learningRate: 0.1 } as never), unknown('learningRate', 'lr'));
  assert.throws(() => dco.dcom.init(0, 4, { parametrization: 'full' } as never), unknown('parametrization', 'parameterization'));
  assert.throws(() => dco.dcog.optimizer(dco.dcog.init(0, 4), { trustRegon: 1 } as never), unknown('trustRegon', 'trustRegion'));
  await assert.rejects(dco.dcog.metaTrain(dco.dcog.init(0, 4), { tasks: sampler, iteration: 3 } as never), unknown('iteration', 'iterations'));
  await assert.rejects(dco.dcog.metaTrain(dco.dcog.init(0, 4), { tasks: sampler, gradient: 'second-order' as never }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => dco.metaLoss(dco.dcog.init(0, 4), [sampler(1)], { steps: 3 } as never), (e: MetaoptimError) => e.code === 'UNKNOWN_OPTION');
  await assert.rejects(dco.dcog.metaTrain(dco.dcog.init(0, 3), { tasks: sampler }), (e: MetaoptimError) => e.code === 'LENGTH_MISMATCH');
  await assert.rejects(dco.dcog.metaTrain(dco.dcom.init(0, 4), { tasks: sampler }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => dco.dcog.optimizer(dco.dcom.init(0, 4)), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
});

test('a P that lost definiteness is QP_NOT_PD at the DCO boundary (details from the core Cholesky)', () => {
  const theta = dco.dcog.init(0, 3, { parameterization: 'full', lr: 0.1 });
  theta.params.L!.fill(0);
  theta.eps = -1;
  assert.throws(() => dco.materialize(theta), (e: MetaoptimError) => e.code === 'QP_NOT_PD' && (e.details as { index: number }).index === 0 && (e.details as { pivot: number }).pivot === -1);
});

test('trust-region steps go through the QP box kernel: with diagonal P the step is −P⁻¹q clipped to ±r', () => {
  const fam = dco.quadraticFamily({ n: 6, condition: 10, seed: 5 });
  const task = fam.task(fam.sample(3));
  const theta = dco.dcog.init(0, 6, { lr: 0.5, noise: 0.3 });
  const r = 0.05;
  const opt = dco.dcog.optimizer(theta, { trustRegion: r });
  const P = materialize(theta).P;
  const s = opt.init(task.init());
  const g = new Float32Array(6);
  for (let t = 0; t < 5; t++) {
    task.loss(s.params, t, g);
    const before = Float64Array.from(s.params);
    opt.step(s, g);
    for (let i = 0; i < 6; i++) {
      const want = Math.min(r, Math.max(-r, -g[i]! / P[i * 6 + i]!));
      assert.ok(Math.abs(s.params[i]! - before[i]! - want) < 1e-6, `step ${t} coordinate ${i}`);
    }
  }
  s.dispose();
});

test('least-squares and quadratic tasks: gradients and Hessian-vector products match finite differences', () => {
  const ls = dco.leastSquaresFamily({ n: 4, m: 7, varyA: 0.2, seed: 3 });
  const qf = dco.quadraticFamily({ n: 4, condition: 30, seed: 3 });
  for (const task of [ls.task(ls.sample(1)), qf.task(qf.sample(1))]) {
    const f = task.f64();
    const x = Float64Array.from([0.3, -0.2, 0.5, 1.1]);
    const g = new Float64Array(4), gp = new Float64Array(4), gm = new Float64Array(4), hv = new Float64Array(4);
    f.loss(x, g);
    const v = Float64Array.from([1, -2, 0.5, 0.25]);
    f.hvp!(x, v, hv);
    for (let i = 0; i < 4; i++) {
      const e = 1e-6;
      const xp = x.slice(), xm = x.slice();
      xp[i]! += e;
      xm[i]! -= e;
      assert.ok(Math.abs((f.loss(xp) - f.loss(xm)) / (2 * e) - g[i]!) < 1e-6);
    }
    const xp = x.map((a, i) => a + 1e-6 * v[i]!), xm = x.map((a, i) => a - 1e-6 * v[i]!);
    f.loss(xp, gp);
    f.loss(xm, gm);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs((gp[i]! - gm[i]!) / 2e-6 - hv[i]!) < 1e-6);
  }
  // Conditioning: Rayleigh quotients of H lie in [1, κ], and the extremes are reached.
  const big = dco.quadraticFamily({ n: 8, condition: 100, seed: 1 });
  const t = big.task(big.sample(0));
  const out = new Float64Array(8);
  for (let k = 0; k < 20; k++) {
    const v = Float64Array.from({ length: 8 }, (_, i) => Math.sin(k * 7 + i * 3));
    t.hvpF64(v, out);
    const rq = out.reduce((s, o, i) => s + o * v[i]!, 0) / v.reduce((s, a) => s + a * a, 0);
    assert.ok(rq >= 1 - 1e-9 && rq <= 100 + 1e-9);
  }
  assert.ok(relErr(ls.task(ls.sample(0)).solution(), ls.task(ls.sample(0)).solution()) === 0);
  const x0 = t.init();
  assert.ok(x0.every((v) => v === 0));
});

test('DCO optimizer states checkpoint and restore bit-exactly; non-finite gradients follow the policy', () => {
  const fam = dco.quadraticFamily({ n: 4, condition: 10, seed: 2 });
  const task = fam.task(fam.sample(1));
  const opt = dco.dcom.optimizer(dco.dcom.init(3, 4, { lr: 0.05, momentum: 0.5, parameterization: 'full', noise: 0.01 }));
  const s = opt.init(task.init());
  const g = new Float32Array(4);
  for (let t = 0; t < 3; t++) {
    task.loss(s.params, t, g);
    opt.step(s, g);
  }
  const copy = opt.restore(s.save());
  task.loss(s.params, 3, g);
  opt.step(s, g);
  opt.step(copy, g);
  assert.deepEqual(copy.params, s.params);
  assert.deepEqual(copy.view('d'), s.view('d'));
  assert.throws(() => opt.step(s, [NaN, 0, 0, 0]), (e: MetaoptimError) => e.code === 'NON_FINITE_GRADIENT');
  const skip = dco.dcog.optimizer(dco.dcog.init(0, 4), { nonFinite: 'skip' });
  const s2 = skip.init([1, 2, 3, 4]);
  assert.equal(skip.step(s2, [Infinity, 0, 0, 0]), false);
  assert.deepEqual(Array.from(s2.params), [1, 2, 3, 4]);
  [s, copy, s2].forEach((x) => x.dispose());
});
