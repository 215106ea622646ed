// assembly/qpbox.ts called directly over whole batches, against the plain-TS reference
// (test/support/reference/qp.ts), in both builds:
// - qp_box_f64 on batches of 1–9 problems: the SIMD build solves the first active-set step of
//   four problems at once for n ≤ 16 (quad_first, two f64x2 halves) or two (pair_first, one per
//   f64x2 lane); every problem must still carry the bits refBox computes for it alone (z, μ,
//   flags, free indices, the kept factor, info, λ), including batches where a problem's Q is
//   indefinite (the group falls back to a pair, then to the scalar path) and counts that leave a
//   pair or a single problem after the groups of four;
// - qp_box_prep_f64 (the direct path's symmetrization and input checks) against refBoxPrep on
//   inputs with NaN, ±∞, denormals, crossing bounds and length 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';
import { refBox, refBoxPrep } from '../support/reference/qp.js';
import { builds, rt, same } from '../support/builds.js';

/**
 * Problem t of a batch: SPD Q (or, when `bad`, Q − 3I: indefinite), bounds about half binding,
 * some infinite; `wide`: bounds far outside the optimum, so the first step (every variable free)
 * is the last and its factor is the kept one.
 */
function problem(seed: number, n: number, bad: boolean, wide = false) {
  const P = generate(seed, { n });
  const N = normal(rng(seed + 5));
  const Q = Float64Array.from(P.Q.flat());
  if (bad) for (let i = 0; i < n; i++) Q[i * n + i] = Q[i * n + i]! - 3;
  const lb = Float64Array.from(P.z0!, (z) => (N() > 1.3 ? -Infinity : z + 0.5 * N() - 0.25));
  const ub = Float64Array.from(lb, (l) => (N() > 1.3 ? Infinity : Math.max(l, -3) + 0.2 + Math.abs(N()) * 0.5));
  if (wide) return { Q, p: Float64Array.from(P.p), lb: lb.map(() => -1e6), ub: ub.map(() => Infinity) };
  return { Q, p: Float64Array.from(P.p), lb, ub };
}

test('qp_box_f64 over a batch (SIMD: the first step of four (n ≤ 16) or two problems at once, in f64x2 lanes) == refBox per problem, both builds', async () => {
  for (const b of builds) {
    const k = (await rt(b)).kernels;
    const arena = (await rt(b)).arena;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 9 }), fc.integer(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 511 }), (n, count, seed, badMask, wideMask) => {
        const probs = Array.from({ length: count }, (_, t) => problem(seed + 11 * t, n, ((badMask >> t) & 1) === 1 && t < 8, ((wideMask >> t) & 1) === 1));
        const maxIter = Math.max(50, 2 * n);
        const nn = n * n;
        const len = count * (nn + 4 * n) + count * (2 * n + nn + 8) + k.qp_box_work_len(n) + count * 2 * n;
        const R = new Region(arena, Float64Array, len);
        const I = new Region(arena, Int32Array, 2 * count * n);
        try {
          const v = R.view;
          const o = { Q: 0, p: count * nn, lb: count * (nn + n), ub: count * (nn + 2 * n), z: count * (nn + 3 * n), mu: count * (nn + 4 * n) };
          const L = o.mu + count * n, info = L + count * nn, work = info + count * 8, lam = work + k.qp_box_work_len(n);
          probs.forEach((P, t) => {
            v.set(P.Q, o.Q + t * nn);
            v.set(P.p, o.p + t * n);
            v.set(P.lb, o.lb + t * n);
            v.set(P.ub, o.ub + t * n);
          });
          const ptr = (e: number) => R.ptr + 8 * e;
          k.qp_box_f64(count, n, 0, ptr(o.Q), ptr(o.p), ptr(o.lb), ptr(o.ub), ptr(o.z), ptr(o.mu), I.ptr, I.ptr + 4 * count * n, ptr(L), ptr(work), ptr(info), maxIter, ptr(lam), 2 * n, 0, n);
          const w = R.view, iv = I.view;
          probs.forEach((P, t) => {
            const r = refBox(n, P.Q, P.p, P.lb, P.ub, maxIter);
            const inf = w.subarray(info + 8 * t, info + 8 * t + 8);
            const what = `${b} n=${n} t=${t}/${count}`;
            assert.equal(inf[0], r.status, `${what} status`);
            assert.equal(inf[1], r.iterations, `${what} iterations`);
            same([inf[2]!, inf[3]!, inf[4]!, inf[5]!, inf[6]!], [r.stat, r.prim, r.sigma, r.piv, r.m], `${what} info`);
            if (r.status === 2) return; // z, μ and the factor are mid-iteration scratch
            same(w.subarray(o.z + t * n, o.z + (t + 1) * n), r.z, `${what} z`);
            same(w.subarray(o.mu + t * n, o.mu + (t + 1) * n), r.mu, `${what} mu`);
            same(iv.subarray(t * n, (t + 1) * n), r.flags, `${what} flags`);
            // λ written by the kernel at the end of each problem: −μ at lower bounds, μ at upper ones.
            const wantLam = Float64Array.from({ length: 2 * n }, (_, j) => (j < n ? (r.flags[j] === 1 ? -r.mu[j]! : 0) : r.flags[j - n] === 2 ? r.mu[j - n]! : 0));
            same(w.subarray(lam + t * 2 * n, lam + (t + 1) * 2 * n), wantLam, `${what} lambda`);
            same(iv.subarray((count + t) * n, (count + t + 1) * n), r.idx, `${what} idx`);
            const m = r.m;
            for (let i = 0; i < m; i++) {
              same(w.subarray(L + t * nn + i * m, L + t * nn + i * m + i + 1), r.Lf.subarray(i * m, i * m + i + 1), `${what} L row ${i}`);
            }
          });
        } finally {
          R.release();
          I.release();
        }
      }),
      { numRuns: 60 },
    );
  }
});

/** A value drawn to hit the checks: ordinary, ±∞, NaN, denormal, huge (its symmetrized sum overflows). */
const value = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN, 5e-324, -2.5e-320, 1.7e308, -1.7e308) },
);

test('qp_box_prep_f64 (symmetrize + input checks of the direct path) == refBoxPrep, both builds', async () => {
  for (const b of builds) {
    const k = (await rt(b)).kernels;
    const arena = (await rt(b)).arena;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.array(value, { minLength: 400, maxLength: 400 }),
        (n, count, shQ, shP, shL, shU, pool) => {
          const c = [shQ ? 1 : count, shP ? 1 : count, shL ? 1 : count, shU ? 1 : count] as const;
          let at = 0;
          const draw = (len: number) => Float64Array.from({ length: len }, () => pool[at++ % pool.length]!);
          const Q = draw(c[0] * n * n), p = draw(c[1] * n);
          // Bounds mostly ordered (lb ≤ 0 ≤ ub) so that the later checks are reached.
          const lb = draw(c[2] * n).map((x) => (Math.abs(x) < 3 ? -Math.abs(x) : x));
          const ub = draw(c[3] * n).map((x) => (Math.abs(x) < 3 ? Math.abs(x) : x));
          const want = Q.slice();
          const code = refBoxPrep(n, want, c[0], p, c[1], lb, c[2], ub, c[3]);
          const R = new Region(arena, Float64Array, Q.length + p.length + lb.length + ub.length + 8);
          try {
            const v = R.view;
            const oP = Q.length, oL = oP + p.length, oU = oL + lb.length;
            v.set(Q, 0);
            v.set(p, oP);
            v.set(lb, oL);
            v.set(ub, oU);
            const got = k.qp_box_prep_f64(n, R.ptr, c[0], R.ptr + 8 * oP, c[1], R.ptr + 8 * oL, c[2], R.ptr + 8 * oU, c[3]);
            assert.equal(got, code, `${b} n=${n}`);
            same(R.view.subarray(0, Q.length), want, `${b} Q`);
            same(R.view.subarray(oP, R.view.length - 8), [...p, ...lb, ...ub], `${b} p/lb/ub untouched`);
          } finally {
            R.release();
          }
        },
      ),
      { numRuns: 200 },
    );
  }
});

test('qp_box_prep_f64: each failure is caught (overflowing symmetrization, NaN/∞ in p, +∞ lb, −∞ ub, crossing bounds)', async () => {
  for (const b of builds) {
    const k = (await rt(b)).kernels;
    const arena = (await rt(b)).arena;
    const R = new Region(arena, Float64Array, 16);
    try {
      const run = (Q: number[], p: number[], lb: number[], ub: number[]) => {
        const v = R.view;
        v.set([...Q, ...p, ...lb, ...ub]);
        return k.qp_box_prep_f64(2, R.ptr, 1, R.ptr + 32, 1, R.ptr + 48, 1, R.ptr + 64, 1);
      };
      const Q = [2, 0.5, 0.3, 1];
      assert.equal(run(Q, [1, -1], [-1, -Infinity], [1, Infinity]), 0, b);
      assert.equal(R.view[1], 0.4, 'symmetrized');
      assert.equal(run([2, 1.7e308, 1.7e308, 1], [1, -1], [-1, -1], [1, 1]), 1, `${b} overflow`);
      assert.equal(run([2, 0, 0, Infinity], [1, -1], [-1, -1], [1, 1]), 1, `${b} diagonal ∞`);
      assert.equal(run(Q, [1, NaN], [-1, -1], [1, 1]), 1, `${b} p NaN`);
      assert.equal(run(Q, [1, Infinity], [-1, -1], [1, 1]), 1, `${b} p ∞`);
      assert.equal(run(Q, [1, 1], [-1, Infinity], [1, Infinity]), 1, `${b} lb +∞`);
      assert.equal(run(Q, [1, 1], [-1, -1], [-Infinity, 1]), 1, `${b} ub −∞`);
      assert.equal(run(Q, [1, 1], [-1, 2], [1, 1]), 1, `${b} lb > ub`);
      assert.equal(run(Q, [1, 1], [-1, 5e-324], [1, 5e-324]), 0, `${b} lb = ub (denormal)`);
    } finally {
      R.release();
    }
  }
});

test('qp_box_prep_f64: a failure in the odd last entry of p, lb, ub or of a later problem is caught (the SIMD build checks two entries per pass)', async () => {
  for (const b of builds) {
    const k = (await rt(b)).kernels;
    const arena = (await rt(b)).arena;
    const n = 3, count = 3;
    const R = new Region(arena, Float64Array, count * (n * n + 3 * n));
    try {
      const oP = count * n * n, oL = oP + count * n, oU = oL + count * n;
      const run = (edit: (v: Float64Array) => void) => {
        const v = R.view;
        for (let t = 0; t < count; t++) {
          v.set([2, 0.5, 0, 0.5, 2, 0.5, 0, 0.5, 2], t * n * n);
          v.set([1, -1, 0.5], oP + t * n);
          v.set([-1, -2, -3], oL + t * n);
          v.set([1, 2, 3], oU + t * n);
        }
        edit(v);
        return k.qp_box_prep_f64(n, R.ptr, count, R.ptr + 8 * oP, count, R.ptr + 8 * oL, count, R.ptr + 8 * oU, count);
      };
      assert.equal(run(() => {}), 0, `${b} clean`);
      const last = (t: number) => t * n + n - 1;
      for (const t of [0, count - 1]) {
        assert.equal(run((v) => { v[oP + last(t)] = NaN; }), 1, `${b} p NaN, problem ${t}`);
        assert.equal(run((v) => { v[oP + last(t)] = -Infinity; }), 1, `${b} p −∞, problem ${t}`);
        assert.equal(run((v) => { v[oL + last(t)] = Infinity; }), 1, `${b} lb +∞, problem ${t}`);
        assert.equal(run((v) => { v[oL + last(t)] = NaN; }), 1, `${b} lb NaN, problem ${t}`);
        assert.equal(run((v) => { v[oU + last(t)] = -Infinity; }), 1, `${b} ub −∞, problem ${t}`);
        assert.equal(run((v) => { v[oU + last(t)] = NaN; }), 1, `${b} ub NaN, problem ${t}`);
        assert.equal(run((v) => { v[oL + last(t)] = 4; }), 1, `${b} lb > ub, problem ${t}`);
        assert.equal(run((v) => { v[oL + t * n] = 4; }), 1, `${b} lb > ub (first entry), problem ${t}`);
        assert.equal(run((v) => { v[t * n * n + n * n - 1] = Infinity; }), 1, `${b} Q's last diagonal ∞, problem ${t}`);
        assert.equal(run((v) => { v[t * n * n + (n - 1) * n] = Infinity; }), 1, `${b} Q's last row ∞, problem ${t}`);
      }
    } finally {
      R.release();
    }
  }
});
