import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NormTrace, analyzeCheckpoint, recordRun, paretoSamples, stableSamples, largestDivisorBelowSqrt, logHistogram, noise, symmetryDeviations, tailIndexBlockSum, tailIndexHill, twoLayerViews, wouldUpdate } from '../../src/analysis/index.js';
import { adam, lion, momentum, ready, sgd } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { sampledThreshold } from '../../src/analysis/tail.js';
import { createRuntime } from '../../src/index.js';
import { hillRef, sampledThresholdRef } from '../support/reference/stats.js';

const N = 1 << 18;
function draw(kind: 'normal' | 'stable' | 'pareto', alpha: number, seed: number): Float64Array {
  const r = new Rng(seed, 77);
  const x = new Float64Array(N);
  for (let i = 0; i < N; i++) x[i] = kind === 'normal' ? r.normal() : kind === 'stable' ? r.stable(alpha) : r.pareto(alpha);
  return x;
}

test('largest divisor ≤ √N', () => {
  assert.equal(largestDivisorBelowSqrt(100), 10);
  assert.equal(largestDivisorBelowSqrt(469 * 15910), 2590); // B.1.6's MNIST case: 469·15,910
  assert.equal(largestDivisorBelowSqrt(97), 1);
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), (n) => {
    const m = largestDivisorBelowSqrt(n);
    assert.ok(n % m === 0 && m * m <= n);
    for (let q = m + 1; q * q <= n; q++) assert.notEqual(n % q, 0);
  }));
});

// Tolerances: for N = 2^18 the block-sum estimator has m = n = 512; the standard deviation of
// 1/α̂ is about sd(ln|Y|)/(√n·ln m) ≈ 0.01 for these laws, so ±0.15 on α is > 4σ at α = 2.
test('block-sum estimator: Gaussian ≈ 2, symmetric α-stable (CMS) recovers α', async () => {
  const g = tailIndexBlockSum(draw('normal', 2, 1));
  assert.equal(g.m, 512);
  assert.ok(Math.abs(g.alpha - 2) < 0.15, `Gaussian α̂ = ${g.alpha}`);
  for (const a of [0.8, 1.2, 1.5]) {
    const e = tailIndexBlockSum(draw('stable', a, 2)).alpha;
    assert.ok(Math.abs(e - a) < 0.1, `stable(${a}): α̂ = ${e}`);
  }
  // Pareto is only in the domain of attraction of a stable law, so at finite m the block-sum
  // estimator is biased upward (measured +0.07…+0.13 at this N; see docs/l2o.md).
  for (const a of [0.8, 1.5]) {
    const e = tailIndexBlockSum(draw('pareto', a, 3)).alpha;
    assert.ok(e > a - 0.05 && e < a + 0.2, `pareto(${a}): α̂ = ${e}`);
  }
  assert.throws(() => tailIndexBlockSum(new Float64Array(97)), { code: 'DEGENERATE_SAMPLE' });
  assert.throws(() => tailIndexBlockSum([1, 2, NaN, 4]), { code: 'NON_FINITE_INPUT' });
});

// Hill: for a Pareto tail 1/α̂ is a mean of k Exp(1/α) variables, sd(α̂) ≈ α/√k; we allow 4σ.
test('Hill estimator: Pareto and α-stable recover α; O(N) selection equals the sorting reference', async () => {
  await ready();
  for (const a of [0.8, 1.5]) {
    const x = draw('pareto', a, 4);
    const k = N / 16;
    const h = tailIndexHill(x, { k });
    assert.ok(Math.abs(h.alpha - a) < (4 * a) / Math.sqrt(k), `pareto(${a}) Hill α̂ = ${h.alpha}`);
    assert.ok(Math.abs(h.alpha - hillRef(x, k)) < 1e-12 * a);
  }
  for (const a of [0.8, 1.2]) {
    const x = draw('stable', a, 5);
    const h = tailIndexHill(Float32Array.from(x));
    assert.equal(h.k, 512);
    assert.ok(Math.abs(h.alpha - a) < (4 * a) / Math.sqrt(512), `stable(${a}) Hill α̂ = ${h.alpha}`);
  }
  fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((v) => v !== 0), { minLength: 3, maxLength: 300 }), fc.nat(), (arr, kk) => {
    const k = 1 + (kk % (arr.length - 1));
    const x = Float64Array.from(arr);
    const got = tailIndexHill(x, { k }).alpha;
    const want = hillRef(x, k);
    assert.ok(got === want || Math.abs(got - want) <= 1e-9 * Math.abs(want) || (!Number.isFinite(got) && !Number.isFinite(want)));
  }), { numRuns: 100 });
  // Large inputs: the pre-filter path, its fallback (ties at the sampled threshold) and NaN.
  const ties = new Float64Array(20000).fill(1);
  for (let i = 0; i < 50; i++) ties[i * 97] = 2 + i;
  const hk = 140;
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${a} vs ${b}`);
  close(tailIndexHill(ties, { k: hk }).alpha, hillRef(ties, hk));
  const big = draw('stable', 1.2, 6).subarray(0, 50000);
  close(tailIndexHill(big).alpha, hillRef(big, 223));
  const withNaN = big.slice();
  withNaN[777] = NaN;
  assert.throws(() => tailIndexHill(withNaN), { code: 'NON_FINITE_INPUT' });
  withNaN[777] = Infinity;
  assert.throws(() => tailIndexHill(withNaN), { code: 'NON_FINITE_INPUT' });
  assert.throws(() => tailIndexHill(new Float64Array(10), { k: 3 }), { code: 'DEGENERATE_SAMPLE' });
  assert.throws(() => tailIndexHill(Float64Array.from([1, 2, 3]), { k: 3 }), { code: 'INVALID_ARGUMENT' });
});

// The pre-filter threshold comes from select_f64 on the sample; it must be the sorted sample's
// entry bit for bit (so the candidates, and hence α̂, are those of the sorting version).
test('Hill pre-filter threshold: selection equals sorting the sample, bit for bit (SIMD and scalar builds)', async () => {
  const rts = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
  try {
    const special = fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 1, -1);
    const value = fc.oneof({ weight: 8, arbitrary: fc.double({ noNaN: true }) }, { weight: 1, arbitrary: special });
    const input = fc.oneof(
      fc.array(value, { maxLength: 301 }),
      fc.tuple(fc.integer({ min: 4096, max: 20001 }), fc.array(fc.tuple(fc.nat(), value), { maxLength: 40 }), fc.integer()).map(([n, set, seed]) => {
        const r = new Rng(seed);
        const a = Array.from({ length: n }, () => (r.uniform() < 0.3 ? Math.round(r.normal() * 4) : r.stable(1.3)));
        for (const [i, v] of set) a[i % n] = v;
        return a;
      }),
    );
    fc.assert(fc.property(input, fc.nat(), fc.boolean(), (arr, kk, f32) => {
      const x = f32 ? Float32Array.from(arr) : Float64Array.from(arr);
      const need = 1 + (kk % Math.max(1, Math.floor(x.length / 8)));
      const want = sampledThresholdRef(x, need);
      for (const rt of rts) assert.ok(Object.is(sampledThreshold(rt, x, need), want), `N = ${x.length}, need = ${need}`);
    }), { numRuns: 60 });
  } finally {
    for (const rt of rts) rt.dispose();
  }
});

test('samplers: stable(2) is N(0, 2), stable(1) is Cauchy, Pareto tails start at 1; seeded and validated', () => {
  const n = 40000;
  const g = stableSamples(2, n, 1);
  const v = g.reduce((s, x) => s + x * x, 0) / n;
  assert.ok(Math.abs(v - 2) < 0.1, `var ${v}`); // sd of the variance estimate ≈ 2·√(2/n) = 0.014
  const c = Float64Array.from(stableSamples(1, n, 2), Math.abs).sort();
  assert.ok(Math.abs(c[n / 2]! - 1) < 0.05, `Cauchy median |x| ${c[n / 2]}`);
  const p = paretoSamples(1.5, n, 3);
  assert.ok(p.every((x) => Math.abs(x) >= 1));
  const frac = p.filter((x) => Math.abs(x) > 4).length / n; // P(|X| > 4) = 4^{-1.5} = 0.125
  assert.ok(Math.abs(frac - 0.125) < 0.01);
  assert.deepEqual(stableSamples(1.3, 10, 5), stableSamples(1.3, 10, 5));
  assert.throws(() => stableSamples(2.5, 3), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => paretoSamples(0, 3), { code: 'INVALID_ARGUMENT' });
});

test('noise() subtracts the per-coordinate mean over minibatches and reports ‖ξ_b‖', () => {
  const { noise: xi, norms, size } = noise([[1, 2, 3], [3, 2, 1], [2, 5, 2]]);
  assert.equal(size, 3);
  assert.deepEqual(Array.from(xi), [-1, -1, 1, 1, -1, -1, 0, 2, 0]);
  assert.ok(Math.abs(norms[2]! - 2) < 1e-15);
  assert.throws(() => noise([[1, 2], [1]]), { code: 'LENGTH_MISMATCH' });
});

// ---- symmetry deviations on a real 5-4-3 ReLU network with softmax cross-entropy ----------
const dims = { input: 5, hidden: 4, output: 3 };
const P = 4 * 5 + 4 + 3 * 4 + 3;

/** Mean softmax cross-entropy gradient of a ReLU MLP, f64, layout [W1, b1, W2, b2]. */
function gradient(theta: Float32Array, seed: number): Float64Array {
  const rng = new Rng(seed, 11);
  const t = twoLayerViews(Float64Array.from(theta), dims);
  const g = new Float64Array(P);
  const gv = twoLayerViews(g, dims);
  const B = 8;
  for (let b = 0; b < B; b++) {
    const x = Array.from({ length: 5 }, () => rng.normal());
    const y = rng.u32() % 3;
    const pre = Array.from({ length: 4 }, (_, j) => t.b1[j]! + x.reduce((s, xi, i) => s + t.W1[j * 5 + i]! * xi, 0));
    const h = pre.map((v) => Math.max(v, 0));
    const z = Array.from({ length: 3 }, (_, k) => t.b2[k]! + h.reduce((s, hj, j) => s + t.W2[k * 4 + j]! * hj, 0));
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const se = e.reduce((a, c) => a + c, 0);
    const dz = e.map((v, k) => (v / se - (k === y ? 1 : 0)) / B);
    for (let k = 0; k < 3; k++) {
      gv.b2[k]! += dz[k]!;
      for (let j = 0; j < 4; j++) gv.W2[k * 4 + j]! += dz[k]! * h[j]!;
    }
    for (let j = 0; j < 4; j++) {
      if (pre[j]! <= 0) continue;
      const dh = dz.reduce((s, d, k) => s + d * t.W2[k * 4 + j]!, 0);
      gv.b1[j]! += dh;
      for (let i = 0; i < 5; i++) gv.W1[j * 5 + i]! += dh * x[i]!;
    }
  }
  return g;
}

function relDev(theta: Float32Array, delta: Float64Array) {
  const ghat = delta.map((v) => -v);
  const d = symmetryDeviations(twoLayerViews(Float64Array.from(theta), dims), twoLayerViews(ghat, dims), dims);
  const tv = twoLayerViews(ghat, dims);
  const th = twoLayerViews(Float64Array.from(theta), dims);
  const l1 = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + Math.abs(v), 0);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + Math.abs(v * b[i]!), 0);
  return {
    translation: Math.abs(d.translation.total) / (l1(tv.W2) + l1(tv.b2)),
    rescale: Math.abs(d.rescale.total) / (dot(tv.W1, th.W1) + dot(tv.b1, th.b1) + dot(tv.W2, th.W2)),
    perUnitTranslation: Math.max(...Array.from(d.translation.perUnit, Math.abs)) / (l1(tv.W2) + l1(tv.b2)),
  };
}

test('exact gradients satisfy translation and rescale; SGD keeps them, momentum keeps translation, Adam and Lion break them', async () => {
  await ready();
  const init = new Rng(9).fillNormal(new Float32Array(P), 0.7) as Float32Array;
  const g0 = gradient(init, 0);
  const r0 = relDev(init, g0.map((v) => -v));
  assert.ok(r0.translation < 1e-12 && r0.rescale < 1e-12 && r0.perUnitTranslation < 1e-12, JSON.stringify(r0));

  const run = (opt: ReturnType<typeof sgd>) => {
    const s = opt.init(init);
    const out: ReturnType<typeof relDev>[] = [];
    for (let t = 0; t < 6; t++) {
      const g = Float32Array.from(gradient(s.params.slice(), t));
      const before = s.params.slice();
      const { delta } = wouldUpdate(opt, s, g);
      const saved = s.save();
      const d = relDev(before, delta);
      assert.deepEqual(s.save(), saved, 'wouldUpdate must not change the state');
      opt.step(s, g);
      const real = Float64Array.from(s.params, (v, i) => v - before[i]!);
      assert.deepEqual(Array.from(real), Array.from(delta), 'observed update = applied update');
      out.push(d);
    }
    s.dispose();
    return out;
  };
  // f32 rounding of the update limits exactness to ~1e-6 relative.
  for (const d of run(sgd({ lr: 0.1 }))) assert.ok(d.translation < 1e-5 && d.rescale < 1e-5, `sgd ${JSON.stringify(d)}`);
  const mom = run(momentum({ lr: 0.1, momentum: 0.9 }));
  for (const d of mom) assert.ok(d.translation < 1e-5 && d.perUnitTranslation < 1e-5, `momentum ${JSON.stringify(d)}`);
  assert.ok(mom.some((d) => d.rescale > 1e-4), 'momentum does not conserve rescale exactly');
  for (const [name, opt] of [['adam', adam({ lr: 0.01 })], ['lion', lion({ lr: 0.01 })]] as const) {
    const d = run(opt);
    assert.ok(Math.max(...d.map((q) => q.translation)) > 1e-2, `${name} should break translation: ${JSON.stringify(d)}`);
    assert.ok(Math.max(...d.map((q) => q.rescale)) > 1e-2, `${name} should break rescale`);
  }
});

/** A task whose gradient is `gradient(x, b)` (loss ‖g‖²), on the tiny softmax block. */
function tinySoftmax() {
  return {
    name: 'tiny-softmax', size: P,
    init: () => new Rng(9).fillNormal(new Float32Array(P), 0.7) as Float32Array,
    loss(x: Float32Array, b: number, grad?: Float32Array) {
      const g = gradient(x, b);
      if (grad) grad.set(g);
      return g.reduce((s, v) => s + v * v, 0);
    },
    evaluate: () => ({ loss: 0 }),
  };
}

test('analyzeCheckpoint: SGD updates are scaled gradients (same α̂, λ scaled by lr², no symmetry breaking); Adam breaks translation; the state is untouched', async () => {
  await ready();
  const task = tinySoftmax();
  const layout = [['W1', 20], ['b1', 4], ['W2', 12], ['b2', 3]].reduce<{ name: string; offset: number; length: number }[]>((acc, [name, length]) => {
    const offset = acc.length ? acc[acc.length - 1]!.offset + acc[acc.length - 1]!.length : 0;
    return [...acc, { name: name as string, offset, length: length as number }];
  }, []);
  const batches = Array.from({ length: 12 }, (_, i) => i);
  const lr = 0.1;
  const sOpt = sgd({ lr });
  const s = sOpt.init(task.init());
  const before = s.save();
  const a = analyzeCheckpoint(sOpt, s, task, { batches, layout, symmetry: dims });
  assert.deepEqual(s.save(), before);
  // Identical up to the f32 rounding of the update (Δθ = fl(θ − lr·g) − θ): measured ~2e-6 relative.
  assert.ok(Math.abs(a.update.blockSumAlpha - a.gradient.blockSumAlpha) < 1e-4 * a.gradient.blockSumAlpha);
  assert.ok(Math.abs(a.update.hillAlpha - a.gradient.hillAlpha) < 1e-4 * a.gradient.hillAlpha);
  assert.ok(Math.abs(a.update.covariance.lambdaMax - lr * lr * a.gradient.covariance.lambdaMax) < 1e-4 * a.update.covariance.lambdaMax);
  assert.ok(a.update.covariance.spectrum!.length === 12);
  // Gradients pass through f32 (the task writes a Float32Array): exact constraints hold to ~1e-8.
  const sy = a.symmetry!;
  assert.ok(sy.update.translation < 1e-6 && sy.gradient.translation < 1e-6 && sy.update.rescale < 1e-6 && sy.gradient.rescale < 1e-6, JSON.stringify(sy));
  // No batch norm here, so the scale deviation is not zero, and for SGD it is lr times the gradient's.
  assert.ok(sy.gradient.scale > 0.1 && Math.abs(sy.update.scale - lr * sy.gradient.scale) < 1e-4 * sy.update.scale);
  assert.ok(Math.abs(a.norms!.update.W2!.l2 - lr * a.norms!.gradient.W2!.l2) < 1e-6);
  const aOpt = adam({ lr: 0.01 });
  const sa = aOpt.init(task.init());
  const b = analyzeCheckpoint(aOpt, sa, task, { batches, layout, symmetry: dims });
  assert.ok(b.symmetry!.update.translation > 1e-3, `adam translation ${b.symmetry!.update.translation}`);
  assert.equal(sa.scalars.count, 0);
  s.dispose();
  sa.dispose();
  assert.throws(() => analyzeCheckpoint(sOpt, sOpt.init(task.init()), task, { batches: [1] }), { code: 'INVALID_ARGUMENT' });
});

test('recordRun: follows the optimizer\'s own path and records deviations, histograms, norms and checkpoints on schedule', async () => {
  await ready();
  const task = tinySoftmax();
  const layout = [{ name: 'W1', offset: 0, length: 20 }, { name: 'b1', offset: 20, length: 4 }, { name: 'W2', offset: 24, length: 12 }, { name: 'b2', offset: 36, length: 3 }];
  const opts = { steps: 21, layout, dims, histogramSteps: [1, 5], checkpointSteps: [3], checkpointBatches: [0, 1, 2, 3, 4, 5, 6, 7] };
  const rs = await recordRun(sgd({ lr: 0.1 }), task, opts);
  // Same path as a plain loop.
  const opt = sgd({ lr: 0.1 });
  const s = opt.init(task.init());
  const g = new Float32Array(P);
  for (let t = 0; t < 21; t++) {
    assert.equal(task.loss(s.params.slice(), t, g), rs.losses[t]);
    opt.step(s, g);
  }
  s.dispose();
  assert.deepEqual(rs.symmetry.map((r) => r.step), [1, 10, 20]);
  for (const r of rs.symmetry) assert.ok(r.update.translation < 1e-6 && r.update.rescale < 1e-6 && r.gradient.translation < 1e-6);
  assert.deepEqual(rs.histograms.map((h) => h.step), [1, 5]);
  assert.equal(rs.norms.length, 3 * 3 * 4); // steps 1, 10, 20 × update/params/gradient × 4 tensors
  assert.equal(rs.checkpoints.length, 1);
  assert.equal(rs.checkpoints[0]!.step, 2);
  const rl = await recordRun(lion({ lr: 0.01 }), task, { steps: 20, layout, dims });
  assert.ok(rl.symmetry.some((r) => r.update.translation > 1e-3), 'Lion breaks translation');
  await assert.rejects(recordRun(sgd(), task, { steps: 3, stepz: 4 } as never), { code: 'UNKNOWN_OPTION' });
  await assert.rejects(recordRun(sgd(), task, { steps: 3, checkpointSteps: [2] }), { code: 'INVALID_ARGUMENT' });
});

test('recordRun is cancellable: an abort from a timer rejects at once with ABORTED { iteration, partial }', async () => {
  await ready();
  const task = tinySoftmax();
  const steps = 5_000_000; // minutes of work if nothing stopped it
  const ac = new AbortController();
  const events: { done: number; elapsedMs: number; metrics?: Record<string, number> }[] = [];
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 60);
  await assert.rejects(recordRun(sgd({ lr: 0.01 }), task, { steps, signal: ac.signal, onProgress: (e) => events.push(e) }), (e: unknown) => {
    const err = e as { code: string; details: { iteration: number; partial: { losses: Float64Array; optimizer: string } } };
    assert.equal(err.code, 'ABORTED');
    assert.ok(err.details.iteration > 0 && err.details.iteration < steps, `iteration ${err.details.iteration}`);
    assert.equal(err.details.partial.losses.length, err.details.iteration, 'partial: the losses of the steps done');
    assert.equal(err.details.partial.optimizer, 'sgd');
    assert.ok(err.details.partial.losses.every(Number.isFinite));
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, 'rejected long before the run could finish');
  assert.ok(events.length > 0 && events.every((e) => typeof e.elapsedMs === 'number' && typeof e.metrics?.loss === 'number'));
});

test('scale deviation is zero for gradients orthogonal to each unit\'s incoming weights', () => {
  const rng = new Rng(4);
  const theta = rng.fillNormal(new Float64Array(P)) as Float64Array;
  const g = rng.fillNormal(new Float64Array(P)) as Float64Array;
  const t = twoLayerViews(theta, dims), gv = twoLayerViews(g, dims);
  for (let j = 0; j < 4; j++) {
    let dot = gv.b1[j]! * t.b1[j]!, nn = t.b1[j]! * t.b1[j]!;
    for (let i = 0; i < 5; i++) { dot += gv.W1[j * 5 + i]! * t.W1[j * 5 + i]!; nn += t.W1[j * 5 + i]! ** 2; }
    gv.b1[j]! -= (dot / nn) * t.b1[j]!;
    for (let i = 0; i < 5; i++) gv.W1[j * 5 + i]! -= (dot / nn) * t.W1[j * 5 + i]!;
  }
  const d = symmetryDeviations(t, gv, dims);
  for (const v of d.scale.perUnit) assert.ok(Math.abs(v) < 1e-12);
  const raw = symmetryDeviations(t, twoLayerViews(rng.fillNormal(new Float64Array(P)) as Float64Array, dims), dims);
  assert.ok(raw.scale.absSum > 0.1);
  assert.throws(() => symmetryDeviations(t, { ...gv, b2: new Float64Array(2) }, dims), { code: 'LENGTH_MISMATCH' });
});

test('log histogram bins every finite nonzero |x| exactly once; norm trace records per tensor', () => {
  fc.assert(fc.property(fc.array(fc.double({ noNaN: false }), { maxLength: 200 }), (arr) => {
    const h = logHistogram(arr, { bins: 12, min: 1e-6, max: 1e3 });
    const total = h.counts.reduce((a, c) => a + c, 0) + h.zeros + h.below + h.above + h.nonFinite;
    assert.equal(total, arr.length);
    for (const v of arr) {
      const a = Math.abs(v);
      if (a >= 1e-6 && a < 1e3) {
        const b = h.edges.findIndex((e, i) => i < 12 && a >= e && a < h.edges[i + 1]!);
        assert.ok(b >= 0);
      }
    }
  }));
  const h = logHistogram([1.5e-3, 2e-3, 0.5, 0, -7], { bins: 5, min: 1e-4, max: 10 });
  assert.deepEqual(Array.from(h.counts), [0, 2, 0, 1, 1]);
  assert.equal(h.zeros, 1);
  const tr = new NormTrace();
  tr.record(1, { update: { W: [3, 4], b: [0] } });
  assert.deepEqual(tr.series()[0], { step: 1, quantity: 'update', tensor: 'W', l2: 5, meanAbs: 3.5 });
});
