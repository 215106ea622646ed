// Never a wrong status: random QPs with constraint rows scaled by 10^U(−3, 4) agree with quadprog
// and with the planted optimum to 1e-8, every 'optimal' passes an independent unscaled KKT check
// at the documented tolerance, gradients match finite differences; inconsistent equalities,
// infeasible and unbounded problems throw with certificates that the test verifies; rows scaled
// by 1e100…1e300 are solved correctly or rejected with a typed error.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError, ready } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { fuzzParams } from '../support/fuzz.js';
import { dot, generate, normal, type Problem, quadprogSolve, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

const KKT_TOL = 1e-9;

/** The documented KKT measures (docs/qp.md), recomputed here in plain JS. */
function kktMeasures(P: Problem, z: ArrayLike<number>, lambda: ArrayLike<number>, nu: ArrayLike<number>): number {
  const n = P.n, A = P.A ?? [], b = P.b ?? [], G = P.G ?? [], h = P.h ?? [];
  let nq = 0, np = 0, na = 0, ng = 0, nz = 0, stat = 0;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const qi = dot(P.Q[i]!, z);
    let sa = 0, sg = 0;
    A.forEach((a, k) => (sa += a[i]! * nu[k]!));
    G.forEach((g, k) => (sg += g[i]! * lambda[k]!));
    r[i] = qi + P.p[i]! + sa + sg;
    nq = Math.max(nq, Math.abs(qi));
    np = Math.max(np, Math.abs(P.p[i]!));
    na = Math.max(na, Math.abs(sa));
    ng = Math.max(ng, Math.abs(sg));
    nz = Math.max(nz, Math.abs(z[i]!));
  }
  const sd = 1 + Math.max(nq, np, na, ng);
  for (const v of r) stat = Math.max(stat, Math.abs(v) / sd);
  let worst = stat;
  const rowNorm = (row: number[]): number => Math.max(...row.map(Math.abs)) || 1;
  A.forEach((a, k) => {
    const c = rowNorm(a);
    worst = Math.max(worst, Math.abs(dot(a.map((x) => x / c), z) - b[k]! / c) / (1 + nz + Math.abs(b[k]! / c)));
  });
  G.forEach((g, k) => {
    const c = rowNorm(g);
    const s = h[k]! / c - dot(g.map((x) => x / c), z);
    worst = Math.max(worst, Math.max(-s, 0) / (1 + nz + Math.abs(h[k]! / c)));
    worst = Math.max(worst, (lambda[k]! * c * Math.abs(s)) / (sd * (1 + nz)), (Math.max(-lambda[k]!, 0) * c) / sd);
  });
  return worst;
}

/** A random well-posed QP with a planted optimum, each row of G (and h) scaled by 10^U(−3, 4). */
function scaledProblem(seed: number, n: number, ne: number, ni: number): Problem {
  const P = generate(seed, { n, ne, ni, active: Math.floor(Math.min(ni, n - ne) / 2) });
  const R = rng(seed ^ 0x2f6e);
  P.G?.forEach((row, k) => {
    const c = 10 ** (-3 + 7 * R());
    P.h![k] = P.h![k]! * c;
    row.forEach((x, j) => (row[j] = x * c));
  });
  return P;
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
};

test('rows scaled by 10^U(−3, 4): optimal, 1e-8 agreement with quadprog and the planted optimum, KKT within the documented tolerance', () => {
  for (const method of ['auto', 'active-set', 'ipm'] as const) {
    let refSolved = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 32 }), fc.integer(), (n, ne0, ni0, seed) => {
        const ne = Math.min(ne0, n), ni = Math.min(ni0, 2 * n);
        const P = scaledProblem(seed, n, ne, ni);
        const r = qp.solve(P, { method });
        assert.equal(r.status, 'optimal', `${method}: ${JSON.stringify(r.residuals)}`);
        for (const v of Object.values(r.residuals)) assert.ok(v <= KKT_TOL, `${method} reported residual ${v}`);
        assert.ok(kktMeasures(P, r.z, r.lambda, r.nu) <= KKT_TOL, `${method}: independent KKT ${kktMeasures(P, r.z, r.lambda, r.nu)}`);
        assert.ok(maxRel(r.z, P.z0!) < 1e-8, `${method}: planted optimum differs by ${maxRel(r.z, P.z0!)}`);
        let q: number[] | undefined;
        try {
          q = quadprogSolve(P);
        } catch {
          q = undefined; // quadprog failed: compare only where the reference succeeds
        }
        if (q && maxRel(q, P.z0!) < 1e-6) {
          refSolved++;
          assert.ok(maxRel(r.z, q) < 1e-8, `${method}: quadprog differs by ${maxRel(r.z, q)}`);
        }
        r.context.dispose();
      }),
      fuzzParams(150),
    );
    assert.ok(refSolved > 100, `quadprog solved only ${refSolved} problems`);
  }
});

/** Central differences of ℓ = vᵀz over p, h, b and a few entries of G and Q, with relative steps. */
function fdGradients(P: Problem, v: number[], solveZ: (P: Problem) => Float64Array): { field: string; k: number; fd: number }[] {
  const out: { field: string; k: number; fd: number }[] = [];
  const clone = (): Problem => JSON.parse(JSON.stringify(P)) as Problem;
  const probe = (field: string, k: number, get: (X: Problem) => number, set: (X: Problem, x: number) => void): void => {
    const x0 = get(P);
    const e = 1e-6 * Math.max(1, Math.abs(x0));
    const Xp = clone(), Xm = clone();
    set(Xp, x0 + e);
    set(Xm, x0 - e);
    out.push({ field, k, fd: (dot(v, solveZ(Xp)) - dot(v, solveZ(Xm))) / (2 * e) });
  };
  const n = P.n;
  for (let j = 0; j < n; j++) probe('p', j, (X) => X.p[j]!, (X, x) => (X.p[j] = x));
  P.h?.forEach((_, k) => probe('h', k, (X) => X.h![k]!, (X, x) => (X.h![k] = x)));
  P.b?.forEach((_, k) => probe('b', k, (X) => X.b![k]!, (X, x) => (X.b![k] = x)));
  P.G?.forEach((_, k) => probe('G', k * n + (k % n), (X) => X.G![k]![k % n]!, (X, x) => (X.G![k]![k % n] = x)));
  P.A?.forEach((_, k) => probe('A', k * n + ((k + 1) % n), (X) => X.A![k]![(k + 1) % n]!, (X, x) => (X.A![k]![(k + 1) % n] = x)));
  probe('Q', 0, (X) => X.Q[0]![0]!, (X, x) => (X.Q[0]![0] = x));
  return out;
}

test('gradients from the confirmed active set match central differences (scaled rows, strict complementarity)', () => {
  for (const method of ['auto', 'ipm'] as const) {
    for (let seed = 1; seed <= 12; seed++) {
      const n = 2 + (seed % 6), ne = seed % 2, ni = n + 2;
      const P = scaledProblem(1000 + seed, n, ne, ni);
      const v = Array.from({ length: n }, normal(rng(seed)));
      const r = qp.solve(P, { method });
      assert.equal(r.status, 'optimal');
      const g = qp.backward(r.context, v);
      r.context.dispose();
      const solveZ = (X: Problem): Float64Array => {
        const s = qp.solve(X, { method });
        s.context.dispose();
        return s.z;
      };
      for (const { field, k, fd } of fdGradients(P, v, solveZ)) {
        const an = (g as unknown as Record<string, Float64Array>)[field]![k]!;
        assert.ok(Math.abs(an - fd) <= 1e-5 * (1 + Math.abs(fd)), `${method} seed ${seed} d${field}[${k}]: analytic ${an} vs FD ${fd}`);
      }
    }
  }
});

function expectCode(fn: () => unknown, code: string): MetaoptimError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MetaoptimError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

/** Verifies a Farkas certificate in the user's terms (docs/qp.md). */
function checkFarkas(P: Problem & { lb?: number[]; ub?: number[] }, e: MetaoptimError): void {
  const c = e.details!.certificate as { G?: Float64Array; A?: Float64Array; lb?: Float64Array; ub?: Float64Array; gap: number };
  const n = P.n;
  const comb = new Float64Array(n);
  let gap = 0, weight = 0;
  P.G?.forEach((g, k) => {
    const y = c.G![k]!;
    assert.ok(y >= 0, `y_G[${k}] = ${y}`);
    g.forEach((x, j) => (comb[j] = comb[j]! + y * x));
    gap += y * P.h![k]!;
    weight += y * Math.max(...g.map(Math.abs));
  });
  P.A?.forEach((a, k) => {
    const y = c.A![k]!;
    a.forEach((x, j) => (comb[j] = comb[j]! + y * x));
    gap += y * P.b![k]!;
    weight += Math.abs(y) * Math.max(...a.map(Math.abs));
  });
  for (let j = 0; j < n; j++) {
    const yl = c.lb?.[j] ?? 0, yu = c.ub?.[j] ?? 0;
    assert.ok(yl >= 0 && yu >= 0);
    comb[j] = comb[j]! - yl + yu;
    if (yl) gap -= yl * P.lb![j]!;
    if (yu) gap += yu * P.ub![j]!;
    weight += yl + yu;
  }
  assert.ok(weight > 0);
  for (const x of comb) assert.ok(Math.abs(x) <= 1e-9 * weight, `Gᵀy + Aᵀy = ${Array.from(comb)}`);
  assert.ok(gap < -1e-9 * weight, `hᵀy + bᵀy = ${gap}`);
  assert.ok(Math.abs(gap - c.gap) <= 1e-9 * (1 + Math.abs(gap)));
}

test('inconsistent equalities are QP_INFEASIBLE with a certificate, never optimal (every method)', () => {
  const Q = [[2, 0], [0, 1]], p = [1, 1];
  for (const method of ['auto', 'active-set', 'ipm'] as const) {
    const P = { n: 2, Q, p, A: [[1, 1], [1, 1]], b: [1, 2] };
    checkFarkas(P, expectCode(() => qp.solve(P, { method }), 'QP_INFEASIBLE'));
    const P3 = { n: 3, Q: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], p: [0, 0, 1], A: [[1, 1, 0], [0, 1, 1], [1, 2, 1]], b: [1, 1, 3] };
    checkFarkas(P3, expectCode(() => qp.solve(P3, { method }), 'QP_INFEASIBLE'));
    // Consistent but dependent rows: a typed error, not a wrong answer.
    expectCode(() => qp.solve({ Q, p, A: [[1, 1], [2, 2]], b: [1, 2] }, { method }), 'QP_RANK_DEFICIENT');
  }
});

test('infeasible inequalities and bounds: QP_INFEASIBLE with a verified Farkas certificate', () => {
  for (const method of ['auto', 'active-set', 'ipm'] as const) {
    for (let seed = 1; seed <= 15; seed++) {
      const n = 2 + (seed % 5);
      const P: Problem & { lb?: number[]; ub?: number[] } = scaledProblem(seed, n, seed % 2, n + 1);
      // Rows k and k + 1 contradict each other: g·z ≤ h and −c·g·z ≤ −c·(h + 1).
      const c = 10 ** (seed % 7 - 3);
      P.G![1] = P.G![0]!.map((x) => -c * x);
      P.h![1] = -c * (P.h![0]! + 1);
      if (seed % 3 === 0) {
        P.lb = Array.from({ length: n }, () => -5);
        P.ub = Array.from({ length: n }, () => 5);
      }
      checkFarkas(P, expectCode(() => qp.solve(P, { method }), 'QP_INFEASIBLE'));
    }
  }
  // Bounds against a row: z₀ + z₁ ≥ 3 with 0 ≤ z ≤ 1.
  const B = { n: 2, Q: [[1, 0], [0, 1]], p: [0, 0], G: [[-1, -1]], h: [-3], lb: [0, 0], ub: [1, 1] };
  for (const method of ['auto', 'ipm'] as const) checkFarkas(B, expectCode(() => qp.solve(B, { method }), 'QP_INFEASIBLE'));
});

test('unbounded problems: QP_UNBOUNDED with a direction d (Qd = 0, Ad = 0, Gd ≤ 0, pᵀd < 0)', () => {
  const cases = [
    { Q: [[1, 0], [0, 0]], p: [0, -1], G: [[0, -1]], h: [0] },
    { Q: [[1, 0, 0], [0, 0, 0], [0, 0, 0]], p: [1, -1, -2], A: [[0, 1, -1]], b: [0], G: [[0, -1, 0], [1, 0, 0], [0, 0, -1]], h: [0, 3, 0] },
    { Q: [[2, 0], [0, 0]], p: [0, 1], lb: [-1, -Infinity], ub: [1, 4] },
  ];
  for (const P of cases) {
    const e = expectCode(() => qp.solve(P), 'QP_UNBOUNDED');
    const d = e.details!.direction as Float64Array;
    for (const row of P.Q) assert.ok(Math.abs(dot(row, d)) <= 1e-6);
    for (const row of P.A ?? []) assert.ok(Math.abs(dot(row, d)) <= 1e-6);
    for (const row of P.G ?? []) assert.ok(dot(row, d) <= 1e-6);
    (P.lb ?? []).forEach((l, j) => Number.isFinite(l) && assert.ok(d[j]! >= -1e-6));
    (P.ub ?? []).forEach((u, j) => Number.isFinite(u) && assert.ok(d[j]! <= 1e-6));
    assert.ok(dot(P.p, d) < 0);
  }
});

test('rows scaled by 1e100…1e300 are solved correctly after equilibration, or rejected with a typed error', () => {
  for (const method of ['auto', 'ipm'] as const) {
    for (const big of [1e100, 1e150, 1e200, 1e250, 1e300]) {
      for (let seed = 1; seed <= 6; seed++) {
        const n = 2 + seed;
        const P = generate(seed, { n, ni: n + 2, active: 2 });
        const base = qp.solve(P);
        const S = JSON.parse(JSON.stringify(P)) as Problem;
        S.G![seed % (n + 2)] = S.G![seed % (n + 2)]!.map((x) => x * big);
        S.h![seed % (n + 2)] = S.h![seed % (n + 2)]! * big;
        try {
          const r = qp.solve(S, { method });
          if (r.status === 'optimal') {
            assert.ok(maxRel(r.z, base.z) < 1e-8, `${method} ${big}: z off by ${maxRel(r.z, base.z)}`);
            assert.ok(kktMeasures(S, r.z, r.lambda, r.nu) <= KKT_TOL);
          }
          if (method === 'auto') assert.equal(r.status, 'optimal', `${big}: ${JSON.stringify(r.residuals)}`);
          r.context.dispose();
        } catch (e) {
          assert.ok(e instanceof MetaoptimError && ['QP_NON_FINITE', 'QP_NOT_PD'].includes(e.code), String(e));
          assert.notEqual(method, 'auto', `auto rejected a row scaled by ${big}: ${String(e)}`);
        }
        base.context.dispose();
      }
    }
  }
});

test('named solvers and options: unknown keys are rejected, a bad method is a typed error', () => {
  const P = generate(3, { n: 3, ni: 4, active: 1 });
  expectCode(() => qp.solve(P, { metod: 'ipm' } as never), 'UNKNOWN_OPTION');
  expectCode(() => qp.solve(P, { method: 'simplex' } as never), 'INVALID_ARGUMENT');
  expectCode(() => qp.solve(P, { method: 'box' }), 'INVALID_ARGUMENT');
  const a = qp.solve(P), b = qp.solve(P, { method: 'active-set' }), c = qp.solve(P, { method: 'ipm' });
  assert.equal(a.method, 'active-set');
  assert.equal(b.method, 'active-set');
  assert.equal(c.method, 'ipm');
  assert.ok(maxRel(a.z, c.z) < 1e-9);
  // Semidefinite Q: 'auto' falls back to the interior point; 'active-set' refuses with QP_NOT_PD.
  const S = { Q: [[1, 0], [0, 0]], p: [0, -1], G: [[0, 1]], h: [2] };
  assert.equal(qp.solve(S).method, 'ipm');
  expectCode(() => qp.solve(S, { method: 'active-set' }), 'QP_NOT_PD');
  [a, b, c].forEach((r) => r.context.dispose());
});
