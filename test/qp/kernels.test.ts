// Kernel vs plain-TS reference: assembly/linalg.ts and assembly/qp.ts against
// test/reference/{linalg,qp}.ts, in both builds, over random sizes (n = 0, 1, odd tails).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import type { Runtime } from '../../src/index.js';
import { generate, rng, normal } from '../support/qp-helpers.js';
import { cholFactor, cholSolve } from '../support/reference/linalg.js';
import { refBox, refBoxBackward, refIpm, refIpmBackward } from '../support/reference/qp.js';
import { ruizScales, unscaleBlocks } from '../../src/qp/ruiz.js';

const builds = ['simd', 'scalar'] as const;
const runtimes: Promise<Runtime>[] = builds.map((build) => createRuntime({ build }));

function spd(seed: number, n: number, shift = 0.1): Float64Array {
  const N = normal(rng(seed));
  const M = Float64Array.from({ length: n * n }, N);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += M[k * n + i]! * M[k * n + j]!;
    A[i * n + j] = s + (i === j ? shift : 0);
  }
  return A;
}

test('cholesky factor and solve: kernel == reference bit for bit (both builds, batched)', async () => {
  const rts = await Promise.all(runtimes);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 37 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, count, seed) => {
      const mats = Array.from({ length: count }, (_, k) => spd(seed + k, n));
      const rhs = Float64Array.from({ length: count * n }, normal(rng(seed ^ 77)));
      const want = mats.map((m) => m.slice());
      const pivRef = want.map((m) => cholFactor(m, n));
      const xRef = rhs.slice();
      want.forEach((m, k) => cholSolve(m, n, xRef, n, 0, k * n));
      for (const rt of rts) {
        const a = new Region(rt.arena, Float64Array, Math.max(1, count * n * n));
        const x = new Region(rt.arena, Float64Array, Math.max(1, count * n));
        const piv = new Region(rt.arena, Float64Array, count);
        mats.forEach((m, k) => a.view.set(m, k * n * n));
        x.view.set(rhs);
        rt.kernels.chol_factor_batch_f64(a.ptr, n, count, piv.ptr);
        rt.kernels.chol_solve_batch_f64(a.ptr, n, count, x.ptr);
        for (let k = 0; k < count; k++) {
          assert.ok(Object.is(piv.view[k], pivRef[k]), `pivot ${rt.build}`);
          for (let i = 0; i < n * n; i++) assert.ok(Object.is(a.view[k * n * n + i], want[k]![i]), `${rt.build} L[${i}] n=${n}`);
        }
        for (let i = 0; i < count * n; i++) assert.ok(Object.is(x.view[i], xRef[i]), `${rt.build} x[${i}]`);
        [a, x, piv].forEach((r) => r.release());
      }
    }),
    { numRuns: 40 },
  );
});

test('cholesky: LLᵀ reproduces A, and a non-PD (or NaN) matrix returns its failing pivot', async () => {
  const [rt] = await Promise.all(runtimes);
  for (const n of [1, 2, 3, 8, 17]) {
    const A = spd(n, n);
    const r = new Region(rt!.arena, Float64Array, n * n);
    r.view.set(A);
    assert.ok(rt!.kernels.chol_factor_f64(r.ptr, n, n) > 0);
    const L = r.view.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += L[i * n + k]! * L[j * n + k]!;
      assert.ok(Math.abs(s - A[i * n + j]!) <= 1e-10 * (1 + Math.abs(A[i * n + j]!)));
    }
    r.view.set(A);
    r.view[(n - 1) * n + n - 1] = -1e3; // breaks positive definiteness at the last pivot
    const piv = rt!.kernels.chol_factor_f64(r.ptr, n, n);
    assert.ok(piv <= 0, `pivot ${piv}`);
    r.view[0] = NaN;
    assert.ok(Number.isNaN(rt!.kernels.chol_factor_f64(r.ptr, n, n)));
    r.release();
  }
  const z = new Region(rt!.arena, Float64Array, 1);
  assert.equal(rt!.kernels.chol_factor_f64(z.ptr, 0, 0), Infinity);
  z.release();
});

const flat = (m: number[][] | undefined): Float64Array => Float64Array.from((m ?? []).flat());

test('interior point and its backward: kernel == reference (both builds)', async () => {
  const rts = await Promise.all(runtimes);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 12 }), fc.integer(), (n, ne0, ni, seed) => {
      const ne = Math.min(ne0, n);
      const P = generate(seed, { n, ne, ni, active: Math.floor(ni / 2) });
      // The API Ruiz-scales the problem before the kernel (src/qp/ruiz.ts: Q̃ = DQD, p̃ = Dp,
      // Ã = EAD, b̃ = Eb, G̃ = FGD, h̃ = Fh, powers of two) and maps z, ν, λ and the gradients
      // back; the reference gets the scaled problem and the comparison applies the same maps
      // (exact: every factor is a power of two).
      const m = P.G?.length ?? 0;
      const F = (x: Float64Array) => ({ data: x, shared: true });
      const S = ruizScales(F(flat(P.Q)), ne ? F(flat(P.A)) : undefined, m ? F(flat(P.G)) : undefined, n, ne, m, 1);
      const sc = (x: Float64Array, rows: number, cols: number, r?: Float64Array, c?: Float64Array): Float64Array => {
        const y = x.slice();
        if (S) unscaleBlocks(y, rows, cols, S, r, c, 1);
        return y;
      };
      const ref = {
        n, ne, ni: m, Q: sc(flat(P.Q), n, n, S?.col, S?.col), p: sc(Float64Array.from(P.p), n, 1, S?.col),
        A: sc(flat(P.A), ne, n, S?.eq, S?.col), b: sc(Float64Array.from(P.b ?? []), ne, 1, S?.eq),
        G: sc(flat(P.G), m, n, S?.ineq, S?.col), h: sc(Float64Array.from(P.h ?? []), m, 1, S?.ineq),
      };
      const r = refIpm(ref);
      const v = Float64Array.from({ length: n }, normal(rng(seed + 1)));
      const g = refIpmBackward(ref, r, sc(v, n, 1, S?.col));
      for (const rt of rts) {
        const out = qp.solve(P, { runtime: rt, method: 'ipm' });
        assert.equal(out.iterations, r.iterations);
        assert.deepEqual(out.z, sc(r.z, n, 1, S?.col), `${rt.build} z`);
        assert.deepEqual(out.lambda, sc(r.lam, m, 1, S?.ineq));
        assert.deepEqual(out.nu, sc(r.nu, ne, 1, S?.eq));
        const k = qp.backward(out.context, v);
        assert.deepEqual(k.Q, sc(g.Q, n, n, S?.col, S?.col));
        assert.deepEqual(k.p, sc(g.p, n, 1, S?.col));
        if (ne) {
          assert.deepEqual(k.A, sc(g.A, ne, n, S?.eq, S?.col));
          assert.deepEqual(k.b, sc(g.b, ne, 1, S?.eq));
        }
        if (ref.ni) {
          assert.deepEqual(k.G, sc(g.G, m, n, S?.ineq, S?.col));
          assert.deepEqual(k.h, sc(g.h, m, 1, S?.ineq));
        }
        out.context.dispose();
      }
    }),
    { numRuns: 40 },
  );
});

test('box active set and its backward: kernel == reference (both builds)', async () => {
  const rts = await Promise.all(runtimes);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 25 }), fc.integer(), (n, seed) => {
      const P = generate(seed, { n });
      const N = normal(rng(seed + 3));
      const lb = Array.from({ length: n }, () => (N() > 1.2 ? -Infinity : -0.5 + 0.3 * N()));
      const ub = lb.map((l) => (N() > 1.2 ? Infinity : Math.max(l, -0.5) + 0.2 + Math.abs(N())));
      const Q = flat(P.Q);
      const r = refBox(n, Q, Float64Array.from(P.p), Float64Array.from(lb), Float64Array.from(ub), Math.max(50, 2 * n));
      fc.pre(r.status === 0);
      const v = Float64Array.from({ length: n }, N);
      const g = refBoxBackward(n, Q, r, v);
      for (const rt of rts) {
        const out = qp.solve({ Q: P.Q, p: P.p, lb, ub }, { runtime: rt });
        assert.equal(out.method, 'box');
        assert.equal(out.iterations, r.iterations);
        assert.deepEqual(out.z, r.z);
        // Residuals (stationarity relative to σ) and λ (written by qp_box_f64: −μ at lower, μ at upper bounds).
        assert.equal(out.residuals.stationarity, r.stat / r.sigma);
        assert.equal(out.residuals.primal, r.prim);
        assert.equal(out.status, r.stat / r.sigma <= 1e-9 && r.prim <= 1e-9 ? 'optimal' : 'inaccurate');
        const lam = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) {
          lam[i] = r.flags[i] === 1 ? -r.mu[i]! : 0;
          lam[n + i] = r.flags[i] === 2 ? r.mu[i]! : 0;
        }
        assert.deepEqual(out.lambda, lam);
        const k = qp.backward(out.context, v);
        assert.deepEqual(k.Q, g.Q);
        assert.deepEqual(k.p, g.p);
        assert.deepEqual(k.lb, g.lb);
        assert.deepEqual(k.ub, g.ub);
        out.context.dispose();
      }
    }),
    { numRuns: 60 },
  );
});
