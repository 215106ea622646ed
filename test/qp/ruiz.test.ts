// Ruiz equilibration on the interior-point path (src/qp/ruiz.ts): rows scaled by 1e100…1e200
// are solved (not rejected), badly scaled rows AND columns agree with the planted optimum and
// with quadprog to 1e-8, the scales are powers of two that equilibrate, the gradients of a
// scaled problem match finite differences, and batches still equal one-by-one solves.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { ready } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { ruizScales } from '../../src/qp/ruiz.js';
import { fuzzParams } from '../support/fuzz.js';
import { dot, generate, type Problem, quadprogSolve, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
};

/** z = C·y with C = diag(10^U(−cs, cs)) and rows of G, A times 10^U(−3, 4): the same QP in y, optimum y0 = z0/C. */
function scaled(seed: number, n: number, ne: number, ni: number, cs: number): { P: Problem; y0: number[] } {
  const B = generate(seed, { n, ne, ni, active: Math.floor(Math.min(ni, n - ne) / 2) });
  const R = rng(seed ^ 0x5a17);
  const c = Array.from({ length: n }, () => 10 ** (cs * (2 * R() - 1)));
  const rowsOf = (M: number[][] | undefined, v: number[] | undefined): [number[][] | undefined, number[] | undefined] => {
    if (!M) return [undefined, undefined];
    const r = M.map(() => 10 ** (-3 + 7 * R()));
    return [M.map((row, k) => row.map((x, j) => r[k]! * x * c[j]!)), v!.map((x, k) => r[k]! * x)];
  };
  const [G, h] = rowsOf(B.G, B.h);
  const [A, b] = rowsOf(B.A, B.b);
  const P: Problem = {
    n, Q: B.Q.map((row, i) => row.map((x, j) => c[i]! * x * c[j]!)), p: B.p.map((x, i) => c[i]! * x),
    ...(G ? { G, h } : {}), ...(A ? { A, b } : {}),
  };
  return { P, y0: B.z0!.map((z, i) => z / c[i]!) };
}

test('rows scaled by 1e100, 1e150, 1e200 through the interior point: optimal, the unscaled answer to 1e-8', () => {
  for (const big of [1e100, 1e150, 1e200]) {
    for (let seed = 1; seed <= 6; seed++) {
      const n = 2 + seed;
      const P = generate(seed, { n, ni: n + 2, active: 2 });
      const base = qp.solve(P, { method: 'ipm' });
      const S = JSON.parse(JSON.stringify(P)) as Problem;
      const k = seed % (n + 2);
      S.G![k] = S.G![k]!.map((x) => x * big);
      S.h![k] = S.h![k]! * big;
      const r = qp.solve(S, { method: 'ipm' });
      assert.equal(r.method, 'ipm');
      assert.equal(r.status, 'optimal', `${big} seed ${seed}: ${JSON.stringify(r.residuals)}`);
      for (const v of Object.values(r.residuals)) assert.ok(v <= 1e-9, `${big}: residual ${v}`);
      assert.ok(maxRel(r.z, base.z) < 1e-8, `${big}: z off by ${maxRel(r.z, base.z)}`);
      // The multiplier of the scaled row is the unscaled one divided by the factor.
      assert.ok(Math.abs(r.lambda[k]! * big - base.lambda[k]!) <= 1e-8 * (1 + Math.abs(base.lambda[k]!)));
      r.context.dispose();
      base.context.dispose();
    }
  }
});

test('rows 10^U(−3, 4) and columns 10^U(−3, 3), interior point: optimal, 1e-8 agreement with the planted optimum and quadprog', () => {
  let refSolved = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 }), fc.integer(), (n, ne0, ni0, seed) => {
      const ne = Math.min(ne0, n), ni = Math.min(ni0, 2 * n);
      const { P, y0 } = scaled(seed, n, ne, ni, 3);
      const r = qp.solve(P, { method: 'ipm' });
      assert.equal(r.status, 'optimal', JSON.stringify(r.residuals));
      assert.ok(maxRel(r.z, y0) < 1e-8, `planted optimum differs by ${maxRel(r.z, y0)}`);
      let q: number[] | undefined;
      try {
        q = quadprogSolve(P);
      } catch {
        q = undefined; // compare only where the reference succeeds
      }
      if (q && maxRel(q, y0) < 1e-6) {
        refSolved++;
        assert.ok(maxRel(r.z, q) < 1e-8, `quadprog differs by ${maxRel(r.z, q)}`);
      }
      r.context.dispose();
    }),
    fuzzParams(80),
  );
  assert.ok(refSolved > 20, `quadprog solved only ${refSolved} problems`);
});

test('Ruiz scales are powers of two that bring every row and column ∞-norm of the KKT matrix into [1/4, 4]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 12 }), fc.integer(), (n, ne0, ni, seed) => {
      const ne = Math.min(ne0, n);
      const { P } = scaled(seed, n, ne, ni, 3);
      const F = (M: number[][] | undefined) => (M ? { data: Float64Array.from(M.flat()), shared: true } : undefined);
      const S = ruizScales(F(P.Q)!, F(P.A), F(P.G), n, ne, ni, 1)!;
      for (const x of [...S.col, ...S.eq, ...S.ineq]) assert.equal(2 ** Math.round(Math.log2(x)), x);
      const col = new Float64Array(n);
      const rowMax = (M: number[][], r: Float64Array, isRow: boolean): void => M.forEach((row, k) => {
        let m = 0;
        row.forEach((x, j) => {
          const v = Math.abs(r[k]! * x * S.col[j]!);
          m = Math.max(m, v);
          col[j] = Math.max(col[j]!, v);
        });
        if (isRow && m > 0) assert.ok(m >= 0.25 && m <= 4, `row norm ${m}`);
      });
      // Rows of Q are rows of the symmetric KKT matrix only together with their Aᵀ, Gᵀ part: checked as columns.
      rowMax(P.Q, S.col, false);
      rowMax(P.A ?? [], S.eq, true);
      rowMax(P.G ?? [], S.ineq, true);
      for (const m of col) if (m > 0) assert.ok(m >= 0.25 && m <= 4, `column norm ${m}`);
    }),
    { numRuns: 60 },
  );
});

test('gradients of a badly scaled problem through Ruiz match central finite differences (p, h, b)', () => {
  let checked = 0;
  for (let seed = 1; checked < 4 && seed < 40; seed++) {
    const n = 4, ne = 1, ni = 5;
    const { P } = scaled(seed, n, ne, ni, 2);
    const r = qp.solve(P, { method: 'ipm' });
    // Strict complementarity: every row either clearly active (λ large) or clearly slack.
    const slack = P.G!.map((g, k) => P.h![k]! - dot(g, r.z));
    const strict = slack.every((s, k) => (r.lambda[k]! > 1e-6 * (1 + Math.abs(r.lambda[k]!)) ? Math.abs(s) < 1e-9 * (1 + Math.abs(P.h![k]!)) : s > 1e-4 * (1 + Math.abs(P.h![k]!))));
    if (r.status !== 'optimal' || !strict) {
      r.context.dispose();
      continue;
    }
    checked++;
    const v = Array.from({ length: n }, (_, i) => Math.cos(seed + i));
    const g = qp.backward(r.context, v);
    const loss = (X: Problem): number => {
      const s = qp.solve(X, { method: 'ipm' });
      s.context.dispose();
      return dot(v, s.z);
    };
    const probe = (field: 'p' | 'h' | 'b', k: number, analytic: number): void => {
      const x0 = P[field]![k]!, e = 1e-6 * Math.max(1, Math.abs(x0));
      const Xp = JSON.parse(JSON.stringify(P)) as Problem, Xm = JSON.parse(JSON.stringify(P)) as Problem;
      Xp[field]![k] = x0 + e;
      Xm[field]![k] = x0 - e;
      const fd = (loss(Xp) - loss(Xm)) / (2 * e);
      assert.ok(Math.abs(fd - analytic) <= 1e-4 * (1 + Math.abs(fd)), `${field}[${k}]: fd ${fd} vs ${analytic}`);
    };
    for (let j = 0; j < n; j++) probe('p', j, g.p[j]!);
    for (let k = 0; k < ni; k++) probe('h', k, g.h![k]!);
    probe('b', 0, g.b![0]!);
    r.context.dispose();
  }
  assert.ok(checked >= 2, `only ${checked} strictly complementary problems`);
});

test('Ruiz per problem: a batch with per-problem Q equals one-by-one solves bit for bit (interior point)', () => {
  const probs = [1, 2, 3, 4, 5].map((s) => scaled(s, 6, 1, 7, 2).P);
  // Same G, A shape, per-problem everything.
  const batch = qp.solveBatch({ Q: probs.map((P) => P.Q), p: probs.map((P) => P.p), A: probs.map((P) => P.A!), b: probs.map((P) => P.b!), G: probs.map((P) => P.G!), h: probs.map((P) => P.h!) }, { method: 'ipm' });
  const v = Float64Array.from({ length: probs.length * 6 }, (_, i) => Math.sin(i));
  const gb = qp.backward(batch.context, v);
  probs.forEach((P, t) => {
    const one = qp.solve(P, { method: 'ipm' });
    assert.deepEqual(one.z, batch.z.subarray(t * 6, (t + 1) * 6));
    assert.deepEqual(one.lambda, batch.lambda.subarray(t * 7, (t + 1) * 7));
    const g = qp.backward(one.context, v.subarray(t * 6, (t + 1) * 6));
    assert.deepEqual(g.Q, gb.Q.subarray(t * 36, (t + 1) * 36));
    assert.deepEqual(g.G, gb.G!.subarray(t * 42, (t + 1) * 42));
    one.context.dispose();
  });
  batch.context.dispose();
});
