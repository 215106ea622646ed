import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Region } from '../../src/runtime/arena.js';
import { type Runtime, covariance, covarianceSummary, createRuntime, gram, lambdaMax, ready, traceAround } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { symmetricEigen } from '../../src/core/linalg.js';
import { centerRef, covarianceNaive, selectRef, symvRef, syrkRef } from '../support/reference/stats.js';

const builds = ['simd', 'scalar'] as const;
const runtimes: Record<string, Runtime> = {};
async function rt(build: 'simd' | 'scalar'): Promise<Runtime> {
  return (runtimes[build] ??= await createRuntime({ build }));
}

const finite = fc.oneof(
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.constantFrom(0, -0, 5e-324, -2.5e-310, 1e-300, 1),
);

function f64In(r: Runtime, data: ArrayLike<number>): Region<Float64Array> {
  const reg = new Region(r.arena, Float64Array, data.length);
  reg.view.set(data);
  return reg;
}

test('center_f64 / center_f32 + syrk_f64 equal the reference bit for bit (both builds)', async () => {
  for (const build of builds) {
    const r = await rt(build);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }), fc.array(finite, { minLength: 99, maxLength: 99 }), fc.boolean(), fc.boolean(), (rows, cols, pool, transpose, as32) => {
        const raw = Array.from({ length: rows * cols }, (_, i) => pool[i % pool.length]!);
        const data = as32 ? Float32Array.from(raw) : Float64Array.from(raw);
        const x = as32 ? new Region(r.arena, Float32Array, data.length) : new Region(r.arena, Float64Array, data.length);
        (x.view as Float32Array | Float64Array).set(data);
        const out = new Region(r.arena, Float64Array, rows * cols);
        const mean = new Region(r.arena, Float64Array, cols);
        (as32 ? r.kernels.center_f32 : r.kernels.center_f64)(out.ptr, x.ptr, mean.ptr, rows, cols, transpose ? 1 : 0);
        const ref = centerRef(data, rows, cols, transpose);
        assert.deepEqual(Array.from(mean.view), Array.from(ref.mean));
        assert.deepEqual(Array.from(out.view), Array.from(ref.out));
        const n = transpose ? cols : rows, len = transpose ? rows : cols;
        const k = new Region(r.arena, Float64Array, n * n);
        r.kernels.syrk_f64(k.ptr, out.ptr, n, len, 1 / rows);
        assert.deepEqual(Array.from(k.view), Array.from(syrkRef(ref.out, n, len, 1 / rows)));
        for (const reg of [x, out, mean, k]) reg.release();
      }),
      { numRuns: 150 },
    );
  }
});

test('syrk_f64 across several 8-row blocks and ragged edges equals the reference; count_nonfinite_f64 counts', async () => {
  for (const build of builds) {
    const r = await rt(build);
    for (const [n, len] of [[37, 29], [16, 2], [21, 1]] as const) {
      const data = new Rng(n * len).fillNormal(new Float64Array(n * len)) as Float64Array;
      const a = f64In(r, data), o = new Region(r.arena, Float64Array, n * n);
      r.kernels.syrk_f64(o.ptr, a.ptr, n, len, 0.5);
      assert.deepEqual(Array.from(o.view), Array.from(syrkRef(data, n, len, 0.5)));
      a.release(); o.release();
    }
    const v = f64In(r, [1, NaN, Infinity, -Infinity, 0, 5e-324, -0]);
    assert.equal(r.kernels.count_nonfinite_f64(v.ptr, 7), 3);
    assert.equal(r.kernels.count_nonfinite_f64(v.ptr, 1), 0);
    v.release();
  }
});

test('syrk_f64 handles len = 0 and propagates NaN; symv_f64 equals the reference', async () => {
  for (const build of builds) {
    const r = await rt(build);
    const a = f64In(r, []);
    const o = new Region(r.arena, Float64Array, 9);
    r.kernels.syrk_f64(o.ptr, a.ptr, 3, 0, 1);
    assert.deepEqual(Array.from(o.view), new Array(9).fill(0));
    const b = f64In(r, [1, NaN, 2, 3, 4, 5]);
    r.kernels.syrk_f64(o.ptr, b.ptr, 3, 2, 1);
    assert.ok(Number.isNaN(o.view[0]!) && Number.isNaN(o.view[1]!) && o.view[8] === 41);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.array(finite, { minLength: 200, maxLength: 200 }), (n, pool) => {
        const A = Float64Array.from({ length: n * n }, (_, i) => pool[i % 200]!);
        const x = Float64Array.from({ length: n }, (_, i) => pool[(i * 7 + 3) % 200]!);
        const ra = f64In(r, A), rx = f64In(r, x), ry = new Region(r.arena, Float64Array, n);
        r.kernels.symv_f64(ry.ptr, ra.ptr, rx.ptr, n);
        assert.deepEqual(Array.from(ry.view), Array.from(symvRef(A, x, n)));
        ra.release(); rx.release(); ry.release();
      }),
      { numRuns: 100 },
    );
    for (const reg of [a, o, b]) reg.release();
  }
});

test('select_f64 returns the k-th smallest and partitions around it (random, duplicate-heavy, adversarial)', async () => {
  for (const build of builds) {
    const r = await rt(build);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 400 }), fc.nat(), (arr, kk) => {
        const k = kk % arr.length;
        const reg = f64In(r, arr);
        const v = r.kernels.select_f64(reg.ptr, arr.length, k);
        const want = selectRef(arr, k);
        assert.ok(Object.is(v, want) || v === want, `select ${k}: ${v} vs ${want}`);
        const out = reg.view;
        for (let i = 0; i < k; i++) assert.ok(out[i]! <= v);
        for (let i = k + 1; i < arr.length; i++) assert.ok(out[i]! >= v);
        assert.deepEqual(Array.from(Float64Array.from(out).sort()), Array.from(Float64Array.from(arr).sort()), 'same multiset');
        reg.release();
      }),
      { numRuns: 300 },
    );
    // The median-of-medians fallback on its own (budget 0) and after a few rounds.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 3000 }), fc.nat(), fc.integer({ min: 0, max: 3 }), (arr, kk, budget) => {
        const k = kk % arr.length;
        const reg = f64In(r, arr);
        assert.equal(r.kernels.select_budget_f64(reg.ptr, arr.length, k, budget), selectRef(arr, k));
        const out = reg.view;
        for (let i = 0; i < k; i++) assert.ok(out[i]! <= out[k]!);
        for (let i = k + 1; i < arr.length; i++) assert.ok(out[i]! >= out[k]!);
        reg.release();
      }),
      { numRuns: 60 },
    );
    // Adversarial shapes at a larger size: sorted, reversed, organ pipe, all equal.
    const n = 20001;
    const shapes = [
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      Float64Array.from({ length: n }, (_, i) => Math.min(i, n - i)),
      new Float64Array(n).fill(7),
    ];
    for (const s of shapes) {
      for (const k of [0, 1, n >> 1, n - 2, n - 1]) {
        const reg = f64In(r, s);
        assert.equal(r.kernels.select_f64(reg.ptr, n, k), selectRef(s, k));
        reg.release();
      }
    }
  }
});

function gaussianSamples(rows: number, cols: number, seed: number): Float64Array {
  // Correlated samples: x = z·L with a random mixing matrix, plus a mean shift.
  const rng = new Rng(seed);
  const mix = Float64Array.from({ length: cols * cols }, () => rng.normal() / Math.sqrt(cols));
  const x = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const z = Float64Array.from({ length: cols }, () => rng.normal());
    for (let c = 0; c < cols; c++) {
      let s = 3 + c;
      for (let q = 0; q < cols; q++) s += z[q]! * mix[q * cols + c]!;
      x[r * cols + c] = s;
    }
  }
  return x;
}

test('covariance agrees with the two-pass reference, is symmetric PSD, and its trace matches', async () => {
  await ready();
  for (const [rows, cols] of [[50, 7], [33, 16], [8, 20]] as const) {
    const data = gaussianSamples(rows, cols, rows * 100 + cols);
    const { cov } = covariance({ data, rows, cols });
    const ref = covarianceNaive(data, rows, cols);
    for (let i = 0; i < cov.length; i++) assert.ok(Math.abs(cov[i]! - ref[i]!) <= 1e-12 * (1 + Math.abs(ref[i]!)), `entry ${i}`);
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) assert.equal(cov[i * cols + j], cov[j * cols + i]);
    const ev = symmetricEigen(cov, cols, { vectors: false }).values;
    assert.ok(ev[cols - 1]! >= -1e-12 * ev[0]!, `PSD: smallest eigenvalue ${ev[cols - 1]}`);
    // Same nonzero spectrum in the Gram form.
    const K = gram({ data, rows, cols }).gram;
    const evK = symmetricEigen(K, rows, { vectors: false }).values;
    for (let i = 0; i < Math.min(rows, cols) - 1; i++) assert.ok(Math.abs(ev[i]! - evK[i]!) <= 1e-9 * ev[0]!, `eig ${i}`);
    const s = covarianceSummary({ data: Float32Array.from(data), rows, cols });
    let tr = 0;
    for (let i = 0; i < cols; i++) tr += ref[i * cols + i]!;
    assert.ok(Math.abs(s.trace - tr) < 1e-5 * tr, 'trace (f32 input)');
    const mean = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += data[r * cols + c]! / rows;
    assert.ok(Math.abs(traceAround({ data, rows, cols }, mean) - tr) < 1e-9 * tr, 'traceAround at the mean');
  }
});

test('λ_max by power iteration matches ml-matrix and Jacobi; spectrum summaries are consistent', async () => {
  await ready();
  const rows = 40, cols = 12;
  const data = gaussianSamples(rows, cols, 5);
  const { cov } = covariance({ data, rows, cols });
  const evd = new EigenvalueDecomposition(new Matrix(Array.from({ length: cols }, (_, i) => Array.from(cov.subarray(i * cols, (i + 1) * cols)))), { assumeSymmetric: true });
  const mlEigs = evd.realEigenvalues.slice().sort((a, b) => b - a);
  const jac = symmetricEigen(cov, cols, { vectors: false }).values;
  for (let i = 0; i < cols; i++) assert.ok(Math.abs(mlEigs[i]! - jac[i]!) < 1e-10 * mlEigs[0]!, `eig ${i}`);
  const { lambda, converged, iterations } = lambdaMax(cov, cols, { seed: 3 });
  assert.ok(converged && iterations < 1000, `converged in ${iterations}`);
  assert.ok(Math.abs(lambda - jac[0]!) < 1e-8 * jac[0]!, `λ ${lambda} vs Jacobi ${jac[0]}`);
  assert.ok(Math.abs(lambda - mlEigs[0]!) < 1e-8 * mlEigs[0]!, `λ ${lambda} vs ${mlEigs[0]}`);
  // The convergence test stops early; tol 0 runs every iteration and lands on the same λ.
  const full = lambdaMax(cov, cols, { seed: 3, tol: 0, maxIterations: 2000 });
  assert.equal(full.iterations, 2000);
  assert.ok(Math.abs(full.lambda - lambda) < 1e-10 * lambda);
  const s = covarianceSummary({ data, rows, cols });
  assert.ok(Math.abs(s.lambdaMax - mlEigs[0]!) < 1e-8 * mlEigs[0]!);
  assert.ok(s.effectiveRank! > 1 && s.effectiveRank! <= cols);
  assert.ok(Math.abs(s.condition! - mlEigs[0]! / mlEigs[cols - 1]!) < 1e-6 * s.condition!);
  // Isotropic case: effective rank = dimension; rank-one case: effective rank 1.
  const iso = new Float64Array(16);
  for (let i = 0; i < 4; i++) iso[i * 5] = 2;
  assert.ok(Math.abs(covarianceSummary({ data: Float64Array.from([1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1]), rows: 8, cols: 4 }).effectiveRank! - 4) < 1e-12);
  const r1 = covarianceSummary({ data: Float64Array.from([1, 2, -1, -2, 3, 6]), rows: 3, cols: 2 });
  assert.ok(Math.abs(r1.effectiveRank! - 1) < 1e-9);
});

test('bad input raises coded errors', async () => {
  await ready();
  assert.throws(() => covariance({ data: new Float64Array(5), rows: 2, cols: 3 }), { code: 'LENGTH_MISMATCH' });
  assert.throws(() => covariance({ data: Float64Array.from([1, NaN]), rows: 2, cols: 1 }), { code: 'NON_FINITE_INPUT' });
  assert.throws(() => gram({ data: new Float64Array(0), rows: 0, cols: 3 }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => lambdaMax(new Float64Array(3), 2), { code: 'LENGTH_MISMATCH' });
  assert.throws(() => lambdaMax(new Float64Array(4), 2, { iterations: 5 } as never), { code: 'UNKNOWN_OPTION' });
});
