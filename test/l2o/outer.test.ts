import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TruncatedUnroll, MetaoptimError, adam, esMetaTrain, mlpLOpt, ready, runParticle, startParticle, type Particle } from '../../src/index.js';

// A linear dynamical inner problem whose truncation losses are quadratic in θ:
//   s ← a·s + θ  per inner step,  ℓ = ½‖s − c‖²,  truncation loss = mean ℓ over K steps,
//   run length T = 3 truncations of K = 2. States are plain arrays (cloneable).
const D = 3, A = 0.8, K = 2, T = 6;
const C = [1, -2, 0.5];
interface Lin { s: number[]; t: number }
const linear: TruncatedUnroll<Lin> = {
  thetaSize: D,
  start: () => ({ s: [0.3, 0.1, -0.2], t: 0 }),
  unroll(theta, st, steps) {
    const s = st.s.slice();
    let sum = 0, n = 0, t = st.t;
    while (n < steps && t < T) {
      for (let i = 0; i < D; i++) s[i] = A * s[i]! + theta[i]!;
      sum += 0.5 * s.reduce((q, v, i) => q + (v - C[i]!) ** 2, 0);
      n++;
      t++;
    }
    return { state: { s, t }, loss: sum / n, done: t >= T };
  },
};

/** Loss of truncation j (0-based) when θ_all drives the run up to it and θ_j drives truncation j. */
function truncLoss(thetaAll: number[], thetaJ: number[], j: number): number {
  let st = linear.start(0);
  for (let q = 0; q < j; q++) st = linear.unroll(Float32Array.from(thetaAll), st, K).state;
  return linear.unroll(Float32Array.from(thetaJ), st, K).loss;
}

function fd(f: (x: number[]) => number, x: number[]): number[] {
  const h = 1e-3; // central differences are exact for quadratics up to rounding
  return x.map((_, i) => {
    const p = x.slice(), m = x.slice();
    p[i]! += h;
    m[i]! -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

function meanAndSe(rows: Float64Array[]): { mean: number[]; se: number[] } {
  const n = rows.length;
  const mean = Array.from({ length: D }, (_, i) => rows.reduce((s, r) => s + r[i]!, 0) / n);
  const se = mean.map((m, i) => Math.sqrt(rows.reduce((s, r) => s + (r[i]! - m) ** 2, 0) / (n - 1) / n));
  return { mean, se };
}

test('PES is unbiased for the full-run gradient of a truncation loss; truncated ES only sees its own truncation', () => {
  const theta = Float32Array.from([0.2, -0.4, 0.1]);
  const th = Array.from(theta);
  const N = 3000, sigma = 0.05;
  const j = 2; // third truncation: θ has shaped the state for 4 steps already
  const trueFull = fd((x) => truncLoss(x, x, j), th);
  const truePartial = fd((x) => truncLoss(th, x, j), th);
  for (const kind of ['pes', 'es'] as const) {
    const est: Float64Array[] = [];
    for (let i = 0; i < N; i++) {
      let p: Particle = startParticle(linear as TruncatedUnroll<unknown>, kind, 7, 0, i);
      for (let it = 0; it <= j; it++) {
        const r = runParticle(linear as TruncatedUnroll<unknown>, theta, { index: i, estimator: kind, particle: p, seed: 7, iteration: it, sigma, K });
        if (it === j) est.push(r.grad);
        p = r.next;
      }
    }
    const { mean, se } = meanAndSe(est);
    const target = kind === 'pes' ? trueFull : truePartial;
    const other = kind === 'pes' ? truePartial : trueFull;
    for (let i = 0; i < D; i++) {
      assert.ok(Math.abs(mean[i]! - target[i]!) < 4 * se[i]! + 1e-9, `${kind}[${i}]: ${mean[i]} vs ${target[i]} (se ${se[i]})`);
    }
    // The two targets differ by far more than the sampling error: the test can tell them apart.
    const z = Math.max(...mean.map((m, i) => Math.abs(m - other[i]!) / se[i]!));
    assert.ok(z > 8, `${kind} should be distinguishable from the other target (z = ${z})`);
  }
});

test('ES with σ → small matches the exact gradient of a one-truncation quadratic objective', () => {
  const theta = Float32Array.from([0.5, 0.5, -1]);
  const est: Float64Array[] = [];
  for (let i = 0; i < 2000; i++) {
    const p = startParticle(linear as TruncatedUnroll<unknown>, 'es', 3, 0, i);
    est.push(runParticle(linear as TruncatedUnroll<unknown>, theta, { index: i, estimator: 'es', particle: p, seed: 3, iteration: 0, sigma: 0.01, K }).grad);
  }
  const { mean, se } = meanAndSe(est);
  const exact = fd((x) => truncLoss(x, x, 0), Array.from(theta));
  for (let i = 0; i < D; i++) assert.ok(Math.abs(mean[i]! - exact[i]!) < 4 * se[i]!, `${mean[i]} vs ${exact[i]}`);
});

test('PES meta-training drives θ toward the optimum of the linear system', async () => {
  await ready();
  const r = await esMetaTrain({ estimator: 'pes', unroll: linear as TruncatedUnroll<unknown>, theta: new Float32Array(D), iterations: 150, particles: 8, sigma: 0.05, truncation: K, seed: 1, metaOptimizer: adam({ lr: 0.03 }) });
  const first = r.history.slice(0, 10).reduce((s, h) => s + h.loss, 0) / 10;
  const last = r.history.slice(-10).reduce((s, h) => s + h.loss, 0) / 10;
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
  assert.ok(r.history.some((h) => h.restarts > 0));
});

test('checkpoint + resume equals an uninterrupted run; abort from a timer carries a resumable checkpoint', async () => {
  await ready();
  const base = { estimator: 'pes' as const, unroll: linear as TruncatedUnroll<unknown>, theta: Float32Array.from([0.1, 0.2, 0.3]), particles: 3, sigma: 0.05, truncation: K, seed: 5 };
  const full = await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: 7 });
  let mid: Uint8Array | undefined;
  await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: 4, checkpointEvery: 4, onCheckpoint: (b) => void (mid = b) });
  const resumed = await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: 7, resume: mid });
  assert.deepEqual(resumed.theta, full.theta);
  assert.deepEqual(resumed.history, full.history);
  await assert.rejects(esMetaTrain({ ...base, seed: 6, iterations: 7, resume: mid }), { code: 'BAD_CHECKPOINT' });
  // Abort a run far too long to finish: ABORTED { iteration, partial = checkpoint } within the bound.
  const total = 10_000_000;
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 60);
  let at = 0;
  await assert.rejects(esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: total, signal: ac.signal }), (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
    const d = e.details as { iteration: number; partial: Uint8Array };
    assert.ok(d.iteration > 0 && d.iteration < total, `iteration ${d.iteration}`);
    assert.ok(d.partial instanceof Uint8Array);
    mid = d.partial;
    at = d.iteration;
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, 'rejected long before the run could finish');
  // The partial checkpoint resumes to the same bits as an uninterrupted run of the same length.
  const plain = await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: at + 3 });
  const again = await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: at + 3, resume: mid });
  assert.deepEqual(again.theta, plain.theta);
  assert.deepEqual(again.history, plain.history);
});

test('one progress shape: { label, done, total, elapsedMs, metrics: { loss, gradNorm, restarts } }; unknown options are rejected', async () => {
  await ready();
  const events: { label: string; done: number; total: number; elapsedMs: number; metrics?: Record<string, number> }[] = [];
  await esMetaTrain({ estimator: 'es', unroll: linear as TruncatedUnroll<unknown>, theta: new Float32Array(D), iterations: 5, particles: 2, truncation: K, onProgress: (e) => events.push(e) });
  const last = events[events.length - 1]!;
  assert.deepEqual([last.label, last.done, last.total], ['es meta-training', 5, 5]);
  assert.ok(Number.isFinite(last.elapsedMs) && Number.isFinite(last.metrics!.loss) && Number.isFinite(last.metrics!.gradNorm) && Number.isInteger(last.metrics!.restarts));
  await assert.rejects(esMetaTrain({ estimator: 'es', unroll: linear as TruncatedUnroll<unknown>, theta: new Float32Array(D), iterations: 1, particle: 2 } as never), (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION');
    assert.match(e.message, /particles/);
    return true;
  });
  await assert.rejects(esMetaTrain({ estimator: 'ses' as never, unroll: linear as TruncatedUnroll<unknown>, theta: new Float32Array(D), iterations: 1 }), { code: 'INVALID_ARGUMENT' });
});

test('worker count does not change the result (MLP optimizer on quadratics, 0/1/2 workers)', async () => {
  await ready();
  const setup = { module: new URL('../support/quadratic-setup.js', import.meta.url).href, args: { dim: 12, innerSteps: 8 } };
  const run = (workers: number) => esMetaTrain({ estimator: 'pes', setup, workers, theta: mlpLOpt.init(0), iterations: 3, particles: 4, truncation: 5, seed: 2, staggerSteps: 6 });
  const r0 = await run(0);
  const r1 = await run(1);
  const r2 = await run(2);
  assert.deepEqual(r1.theta, r0.theta);
  assert.deepEqual(r2.theta, r0.theta);
  assert.deepEqual(r2.history, r0.history);
  assert.ok(r0.history.some((h) => h.restarts > 0), 'inner runs of 8 steps restart within 3 truncations of 5');
  assert.ok(r0.theta.some((v, i) => v !== mlpLOpt.init(0)[i]), 'θ moved');
  // Checkpoint with 2 workers after 2 iterations, resume with 1 worker (no θ needed): same bits.
  let mid: Uint8Array | undefined;
  await esMetaTrain({ estimator: 'pes', setup, workers: 2, theta: mlpLOpt.init(0), iterations: 2, particles: 4, truncation: 5, seed: 2, staggerSteps: 6, checkpointEvery: 2, onCheckpoint: (b) => void (mid = b) });
  const r3 = await esMetaTrain({ estimator: 'pes', setup, workers: 1, iterations: 3, particles: 4, truncation: 5, seed: 2, staggerSteps: 6, resume: mid });
  assert.deepEqual(r3.theta, r0.theta);
});

test('staggered starts put particles at different steps of their runs', () => {
  const ps = Array.from({ length: 12 }, (_, i) => startParticle(linear as TruncatedUnroll<unknown>, 'pes', 3, 0, i, { theta: new Float32Array(D), steps: 5 }));
  const steps = ps.map((p) => ((p as { pos: Lin }).pos.t));
  assert.ok(new Set(steps).size >= 3, `offsets ${steps}`);
  assert.ok(steps.every((t) => t >= 0 && t <= 5));
  assert.ok(ps.every((p) => (p as { xi: Float64Array }).xi.every((v) => v === 0)));
});

test('worker errors surface as coded errors', async () => {
  await ready();
  const setup = { module: new URL('../support/quadratic-setup.js', import.meta.url).href, exportName: 'nope', args: {} };
  await assert.rejects(esMetaTrain({ estimator: 'es', setup, workers: 1, theta: mlpLOpt.init(0), iterations: 1 }), (e: unknown) => e instanceof MetaoptimError);
  await assert.rejects(esMetaTrain({ estimator: 'es', theta: mlpLOpt.init(0), iterations: 1, workers: 2 }), { code: 'INVALID_ARGUMENT' });
});
