// assembly/qpdense.ts against its plain-TS reference (test/support/reference/qpdense.ts): the
// Goldfarb–Idnani forward pass (equilibration, active set, certificates, KKT check) and the
// backward pass agree bit for bit in both builds, on random shapes (n = 1, odd tails), shared
// and per-problem inputs, rows scaled by 10^U(−3, 4), infeasible and dependent constraints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRuntime } from '../../src/index.js';
import { Region } from '../../src/runtime/index.js';
import * as qp from '../../src/qp/index.js';
import type { Runtime } from '../../src/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';
import { denseWorkLen, refDense, refDenseBackward, refKkt } from '../support/reference/qpdense.js';

const runtimes: Promise<Runtime>[] = (['simd', 'scalar'] as const).map((build) => createRuntime({ build }));

interface Case {
  count: number; n: number; ne: number; ni: number; shared: number;
  Q: Float64Array; p: Float64Array; A: Float64Array; b: Float64Array; G: Float64Array; h: Float64Array;
}

/** count problems of one shape; bit k of `shared` keeps one copy of input k (Q, p, A, b, G, h). */
function makeCase(seed: number, count: number, n: number, ne: number, ni: number, shared: number, twist: number): Case {
  const probs = Array.from({ length: count }, (_, t) => generate(seed + 31 * t, { n, ne, ni, active: Math.floor(ni / 2), weak: twist === 1 ? 1 : 0 }));
  const R = rng(seed ^ 0x5bd1);
  for (const P of probs) {
    P.G?.forEach((row, k) => {
      const c = 10 ** (-3 + 7 * R());
      P.h![k] = P.h![k]! * c;
      row.forEach((x, j) => (row[j] = x * c));
    });
    if (twist === 2 && P.G && P.G.length >= 2) {
      // Contradictory pair: g·z ≤ h and −g·z ≤ −h − 1 (infeasible; Farkas certificate).
      P.G[1] = P.G[0]!.map((x) => -x);
      P.h![1] = -P.h![0]! - 1;
    }
    if (twist >= 3 && P.A && P.A.length >= 2) {
      // Dependent equality rows: consistent (twist 3, status 6) or inconsistent (twist 4, status 4).
      P.A[1] = P.A[0]!.slice();
      P.b![1] = P.b![0]! + (twist === 4 ? 1 : 0);
    }
  }
  const pack = (bit: number, f: (P: (typeof probs)[number]) => number[]): Float64Array =>
    Float64Array.from((shared & bit ? probs.slice(0, 1) : probs).flatMap(f));
  return {
    count, n, ne, ni, shared,
    Q: pack(1, (P) => P.Q.flat()), p: pack(2, (P) => P.p), A: pack(4, (P) => (P.A ?? []).flat()), b: pack(8, (P) => P.b ?? []),
    G: pack(16, (P) => (P.G ?? []).flat()), h: pack(32, (P) => P.h ?? []),
  };
}

/** Heap layout shared by kernel and reference (element offsets). */
function layout(c: Case): { off: Record<string, number>; size: Record<string, number>; total: number } {
  const { count, n, ne, ni } = c;
  const sizes: [string, number][] = [
    ['Q', c.Q.length], ['p', c.p.length], ['A', c.A.length], ['b', c.b.length], ['G', c.G.length], ['h', c.h.length],
    ['z', count * n], ['nu', count * ne], ['lam', count * ni], ['J', count * n * n], ['R', count * n * n], ['act', count * n],
    ['scl', count * (n + ne + ni)], ['info', count * 8], ['work', denseWorkLen(n, ne, ni)],
    ['v', count * n], ['dQ', count * n * n], ['dp', count * n], ['dA', count * ne * n], ['db', count * ne], ['dG', count * ni * n], ['dh', count * ni],
    ['kkt', count * 4],
  ];
  const off: Record<string, number> = {}, size: Record<string, number> = {};
  let total = 0;
  for (const [k, s] of sizes) {
    off[k] = total;
    size[k] = s;
    total += s + 1;
  }
  return { off, size, total };
}

const OUTPUTS = ['z', 'nu', 'lam', 'J', 'R', 'act', 'scl', 'info', 'dQ', 'dp', 'dA', 'db', 'dG', 'dh', 'kkt'];

function runBoth(rt: Runtime, c: Case, seed: number, seen: Set<number>): void {
  const { count, n, ne, ni, shared } = c;
  const { off, size, total } = layout(c);
  const init = new Float64Array(total);
  for (const k of ['Q', 'p', 'A', 'b', 'G', 'h'] as const) init.set(c[k], off[k]!);
  init.set(Float64Array.from({ length: count * n }, normal(rng(seed + 9))), off.v!);
  const tol = 1e-9, maxIter = 10 * (n + ne + ni) + 10;
  const reg = new Region(rt.arena, Float64Array, total);
  try {
    reg.view.set(init);
    const P = (k: string): number => reg.ptr + off[k]! * 8;
    const K = rt.kernels;
    assert.equal(K.qp_dense_work_len(n, ne, ni), denseWorkLen(n, ne, ni));
    K.qp_dense_f64(count, n, ne, ni, shared, P('Q'), P('p'), P('A'), P('b'), P('G'), P('h'), P('z'), P('nu'), P('lam'), P('J'), P('R'),
      P('act'), P('scl'), P('work'), P('info'), tol, maxIter);
    K.qp_dense_backward_f64(count, n, ne, ni, shared, P('z'), P('nu'), P('lam'), P('J'), P('R'), P('act'), P('scl'), P('info'), P('v'), P('work'),
      P('dQ'), P('dp'), P('dA'), P('db'), P('dG'), P('dh'));
    K.qp_kkt_f64(count, n, ne, ni, shared, P('Q'), P('p'), P('A'), P('b'), P('G'), P('h'), P('z'), P('nu'), P('lam'), P('work'), P('kkt'));
    const H = init.slice();
    const o = off as Record<string, number>;
    refDense(H, count, n, ne, ni, shared, o.Q!, o.p!, o.A!, o.b!, o.G!, o.h!, o.z!, o.nu!, o.lam!, o.J!, o.R!, o.act!, o.scl!, o.work!, o.info!, tol, maxIter);
    refDenseBackward(H, count, n, ne, ni, shared, o.z!, o.nu!, o.lam!, o.J!, o.R!, o.act!, o.scl!, o.info!, o.v!, o.work!, o.dQ!, o.dp!, o.dA!, o.db!, o.dG!, o.dh!);
    const str = (bit: number, e: number): number => ((shared & bit) !== 0 ? 0 : e);
    for (let t = 0; t < count; t++) {
      refKkt(H, n, ne, ni, o.Q! + t * str(1, n * n), o.p! + t * str(2, n), o.A! + t * str(4, ne * n), o.b! + t * str(8, ne),
        o.G! + t * str(16, ni * n), o.h! + t * str(32, ni), o.z! + t * n, o.nu! + t * ne, o.lam! + t * ni, o.work!, o.kkt! + 4 * t);
    }
    const got = reg.view;
    for (let t = 0; t < count; t++) seen.add(got[off.info! + 8 * t]!);
    for (const k of OUTPUTS) {
      for (let i = off[k]!; i < off[k]! + size[k]!; i++) {
        if (!Object.is(got[i], H[i])) assert.fail(`${rt.build} ${k}[${i - off[k]!}]: kernel ${got[i]} vs reference ${H[i]} (n ${n}, ne ${ne}, ni ${ni}, count ${count}, shared ${shared})`);
      }
    }
  } finally {
    reg.release();
  }
}

test('dense active set, its backward and the KKT check: kernel == reference bit for bit (both builds)', async () => {
  const rts = await Promise.all(runtimes);
  const seen = new Set<number>();
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 11 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 18 }), fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 4 }), fc.integer(),
      (n, ne0, ni, count, shared, twist, seed) => {
        const ne = Math.min(ne0, n);
        const c = makeCase(seed, count, n, ne, ni, shared, twist);
        for (const rt of rts) runBoth(rt, c, seed, seen);
      },
    ),
    { numRuns: 120 },
  );
  // The runs covered solved (0), infeasible with a certificate (4) and dependent-equality (6) outcomes.
  for (const st of [0, 4, 6]) assert.ok(seen.has(st), `status ${st} never reached: ${[...seen]}`);
});

test('the active-set path through the API equals the kernel run (both builds), and SIMD = scalar', async () => {
  const rts = await Promise.all(runtimes);
  for (let seed = 1; seed <= 20; seed++) {
    const P = generate(seed, { n: 3 + (seed % 9), ne: seed % 3, ni: 2 * (3 + (seed % 9)), active: 3 });
    const v = Array.from({ length: P.n }, normal(rng(seed)));
    const outs = rts.map((rt) => {
      const r = qp.solve(P, { runtime: rt, method: 'active-set' });
      assert.equal(r.method, 'active-set');
      assert.equal(r.status, 'optimal');
      const g = qp.backward(r.context, v);
      r.context.dispose();
      return { z: r.z, lambda: r.lambda, nu: r.nu, g };
    });
    assert.deepEqual(outs[0], outs[1], `seed ${seed}: simd and scalar differ`);
  }
});

test('non-finite and denormal entries (NaN, ±Inf, 5e-324, −0): kernel == reference bit for bit (both builds), and the ∞-norms skip NaN', async () => {
  const rts = await Promise.all(runtimes);
  const specials = [NaN, Infinity, -Infinity, 5e-324, -0, 1e-310];
  const seen = new Set<number>();
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 0, max: 63 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 3 }),
      fc.integer(),
      (n, ne0, ni, count, shared, pokes, seed) => {
        const ne = Math.min(ne0, n);
        const c = makeCase(seed, count, n, ne, ni, shared, 0);
        for (const [which, at, kind] of pokes) {
          const arr = [c.Q, c.p, c.A, c.b, c.G, c.h][which]!;
          if (arr.length > 0) arr[at % arr.length] = specials[kind]!;
        }
        for (const rt of rts) runBoth(rt, c, seed, seen);
      },
    ),
    { numRuns: 60 },
  );
  // Poked problems end in every kind of outcome, the non-finite one (5) included.
  assert.ok(seen.has(5), `status 5 never reached: ${[...seen]}`);
});

test('Q not positive definite at row k (every k, even and odd): kernel == reference, status 2 with the same pivot (both builds)', async () => {
  const rts = await Promise.all(runtimes);
  const seen = new Set<number>();
  for (let n = 1; n <= 9; n++) {
    for (let k = 0; k < n; k++) {
      const c = makeCase(100 * n + k, 1, n, 0, 2 * n, 0, 0);
      c.Q[k * n + k] = -1 - k; // the Cholesky factor fails at row k (rows before k are untouched)
      for (const rt of rts) runBoth(rt, c, k, seen);
    }
  }
  assert.deepEqual([...seen], [2]);
});
