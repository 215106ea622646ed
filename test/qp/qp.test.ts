// qp.solve / solveBatch / backward: KKT residuals, agreement with quadprog and with a direct
// KKT solve, gradients against central finite differences, batches, typed errors, memory.
// Properties with tolerances run on the fixed CI fast-check seed (fuzzParams; FUZZ_RUNS/FUZZ_SEED free it).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { Matrix, solve as mlSolve } from 'ml-matrix';
import { MetaoptimError, ready, runtimeInfo } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { defaultRuntimeOrThrow } from '../../src/runtime/runtime.js';
import { fuzzParams } from '../support/fuzz.js';
import { type Problem, dot, generate, kkt, normal, quadprogSolve, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

type Box = Problem & { lb?: number[]; ub?: number[] };

function randomBox(seed: number, n: number): Box {
  const P = generate(seed, { n });
  const N = normal(rng(seed + 3));
  const lb = Array.from({ length: n }, () => (N() > 1.5 ? -Infinity : -0.5 + 0.3 * N()));
  const ub = lb.map((l) => (N() > 1.5 ? Infinity : Math.max(l, -0.5) + 0.2 + Math.abs(N())));
  return { ...P, lb, ub };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

test('interior-point solves satisfy KKT and recover the planted optimum', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 16 }), fc.integer(), (n, ne0, ni, seed) => {
      const ne = Math.min(ne0, n);
      const P = generate(seed, { n, ne, ni, active: Math.floor(ni / 3) });
      const r = qp.solve(P, { method: 'ipm' });
      assert.equal(r.method, 'ipm');
      const k = kkt(P, r.z, r.lambda, r.nu);
      assert.ok(k.stat < 1e-8 && k.primal < 1e-8 && k.dual < 1e-8 && k.comp < 1e-8, JSON.stringify(k));
      assert.ok(maxDiff(r.z, P.z0!) < 1e-7, `z error ${maxDiff(r.z, P.z0!)}`);
      assert.ok(r.residuals.stationarity < 1e-8 && r.residuals.primal < 1e-8);
      r.context.dispose();
    }),
    fuzzParams(80),
  );
});

test('box solves satisfy KKT exactly (active set) and agree with quadprog to 1e-8', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 24 }), fc.integer(), (n, seed) => {
      const P = randomBox(seed, n);
      const r = qp.solve(P);
      assert.equal(r.method, 'box');
      const lamL = r.lambda.subarray(0, n), lamU = r.lambda.subarray(n);
      for (let i = 0; i < n; i++) {
        const g = dot(P.Q[i]!, r.z) + P.p[i]! - lamL[i]! + lamU[i]!;
        assert.ok(Math.abs(g) < 1e-9, `stationarity ${g}`);
        assert.ok(r.z[i]! >= P.lb![i]! - 1e-12 && r.z[i]! <= P.ub![i]! + 1e-12);
        assert.ok(lamL[i]! >= 0 && lamU[i]! >= 0);
        assert.ok(lamL[i]! === 0 || r.z[i] === P.lb![i]);
        assert.ok(lamU[i]! === 0 || r.z[i] === P.ub![i]);
      }
      const q = quadprogSolve(P);
      assert.ok(maxDiff(r.z, q) < 1e-8, `quadprog differs by ${maxDiff(r.z, q)}`);
      r.context.dispose();
    }),
    fuzzParams(80),
  );
});

test('general inequality (and equality) problems agree with quadprog to 1e-8', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 24 }), fc.integer(), (n, ne0, ni, seed) => {
      const ne = Math.min(ne0, n);
      const P = generate(seed, { n, ne, ni, active: Math.floor(ni / 2) });
      const r = qp.solve(P);
      const q = quadprogSolve(P);
      assert.ok(maxDiff(r.z, q) < 1e-8, `quadprog differs by ${maxDiff(r.z, q)} (status ${r.status})`);
      r.context.dispose();
    }),
    fuzzParams(80),
  );
});

test('unconstrained and equality-only problems agree with a direct KKT solve', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 4 }), fc.integer(), (n, ne0, seed) => {
      const ne = Math.min(ne0, n);
      const P = generate(seed, { n, ne });
      const K = Matrix.zeros(n + ne, n + ne);
      const rhs = new Matrix(n + ne, 1);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) K.set(i, j, P.Q[i]![j]!);
        rhs.set(i, 0, -P.p[i]!);
      }
      for (let k = 0; k < ne; k++) {
        for (let j = 0; j < n; j++) {
          K.set(n + k, j, P.A![k]![j]!);
          K.set(j, n + k, P.A![k]![j]!);
        }
        rhs.set(n + k, 0, P.b![k]!);
      }
      const x = mlSolve(K, rhs).getColumn(0);
      const r = qp.solve(P);
      assert.equal(r.iterations, 0);
      assert.ok(maxDiff(r.z, x.slice(0, n)) < 1e-10);
      // ν is as sensitive as A is ill-conditioned (a random square A makes both this solve and the
      // LU reference lose digits): exact KKT to rounding, and agreement to 1e-7.
      assert.ok(r.residuals.stationarity < 1e-12 && r.residuals.primal < 1e-12, JSON.stringify(r.residuals));
      assert.ok(maxDiff(r.nu, x.slice(n)) < 1e-7, `nu differs by ${maxDiff(r.nu, x.slice(n))}`);
      r.context.dispose();
    }),
    fuzzParams(60),
  );
});

// ---- gradients against central finite differences -------------------------------------------

type Fields = 'Q' | 'p' | 'A' | 'b' | 'G' | 'h' | 'lb' | 'ub';

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v) => (v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : v)), (_k, v) =>
    v === 'Inf' ? Infinity : v === '-Inf' ? -Infinity : v,
  ) as T;
}

/** Central differences of ℓ = vᵀz(P) over every entry of the listed fields; Q perturbed symmetrically. */
function fdCheck(P: Box, fields: Fields[], solveZ: (P: Box) => ArrayLike<number>, v: number[], grads: Record<string, Float64Array | undefined>, tol: number): void {
  const eps = 1e-6;
  const loss = (X: Box): number => dot(v, solveZ(X));
  const n = P.n;
  for (const f of fields) {
    const val = (P as unknown as Record<string, number[] | number[][]>)[f]!;
    const g = grads[f]!;
    assert.ok(g, `gradient for ${f}`);
    const matrix = Array.isArray(val[0]);
    const rows = matrix ? val.length : 1, cols = matrix ? (val[0] as number[]).length : val.length;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        if (f === 'Q' && j < i) continue;
        const cur = matrix ? (val as number[][])[i]![j]! : (val as number[])[j]!;
        if (!Number.isFinite(cur)) continue;
        const bump = (d: number): number => {
          const X = clone(P);
          const xv = (X as unknown as Record<string, number[] | number[][]>)[f]!;
          if (matrix) {
            (xv as number[][])[i]![j]! += d;
            if (f === 'Q' && i !== j) (xv as number[][])[j]![i]! += d;
          } else (xv as number[])[j]! += d;
          return loss(X);
        };
        const fd = (bump(eps) - bump(-eps)) / (2 * eps);
        let an = matrix ? g[i * cols + j]! : g[j]!;
        if (f === 'Q' && i !== j) an += g[j * n + i]!;
        assert.ok(Math.abs(an - fd) <= tol * (1 + Math.abs(fd)), `d${f}[${i},${j}]: analytic ${an} vs FD ${fd}`);
      }
    }
  }
}

/** Exact solution for a known active set: the equality QP with the active rows of G added to A. */
function activeSetSolve(active: number[]): (P: Box) => Float64Array {
  return (P) => {
    const A = [...(P.A ?? []), ...active.map((k) => P.G![k]!)];
    const b = [...(P.b ?? []), ...active.map((k) => P.h![k]!)];
    const r = A.length ? qp.solve({ Q: P.Q, p: P.p, A, b }) : qp.solve({ Q: P.Q, p: P.p });
    r.context.dispose();
    return r.z;
  };
}

test('box gradients (Q, p, lb, ub) match central finite differences', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer(), (n, seed) => {
      const P = randomBox(seed, n);
      const r = qp.solve(P);
      // FD needs a differentiable point: strict complementarity and no bound within the FD step.
      const lam = r.lambda;
      for (let i = 0; i < n; i++) {
        const free = lam[i] === 0 && lam[n + i] === 0;
        if (free) fc.pre(r.z[i]! - P.lb![i]! > 1e-4 && P.ub![i]! - r.z[i]! > 1e-4);
        else fc.pre(Math.max(lam[i]!, lam[n + i]!) > 1e-4);
      }
      const v = Array.from({ length: n }, normal(rng(seed + 9)));
      const g = qp.backward(r.context, v);
      r.context.dispose();
      fdCheck(P, ['Q', 'p', 'lb', 'ub'], (X) => {
        const s = qp.solve(X);
        s.context.dispose();
        return s.z;
      }, v, g as unknown as Record<string, Float64Array>, 1e-6);
    }),
    fuzzParams(40),
  );
});

test("gradients of general QPs ('auto': the dense active set; Q, p, A, b, G, h) match central finite differences, fewer than n active", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (n, ne0, ni, seed) => {
      const ne = Math.min(ne0, n - 1);
      const P = generate(seed, { n, ne, ni, active: Math.max(1, Math.min(n - ne - 1, Math.floor(ni / 2))) });
      assert.ok(P.active!.length < n);
      const r = qp.solve(P);
      const v = Array.from({ length: n }, normal(rng(seed + 9)));
      const g = qp.backward(r.context, v);
      r.context.dispose();
      const fields: Fields[] = ['Q', 'p', 'G', 'h'];
      if (ne) fields.push('A', 'b');
      fdCheck(P, fields, activeSetSolve(P.active!), v, g as unknown as Record<string, Float64Array>, 2e-5);
    }),
    { ...fuzzParams(30), errorWithCause: true } as fc.Parameters<[number, number, number, number]>,
  );
});

test('degenerate active set (a duplicated active row): p and Q gradients match FD; dh of the pair sums to the FD of moving both', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const P = generate(seed, { n: 4, ni: 4, active: 2, duplicate: true });
    const r = qp.solve(P);
    assert.ok(kkt(P, r.z, r.lambda, r.nu).stat < 1e-8);
    const v = Array.from({ length: 4 }, normal(rng(seed)));
    const g = qp.backward(r.context, v);
    r.context.dispose();
    const unique = P.active!.filter((k) => k !== P.G!.length - 1);
    const exact = activeSetSolve(unique);
    fdCheck(P, ['Q', 'p'], exact, v, g as unknown as Record<string, Float64Array>, 2e-5);
    const last = P.G!.length - 1;
    const both = (d: number): number => {
      const X = clone(P);
      X.h![0]! += d;
      X.h![last]! += d;
      return dot(v, exact(X));
    };
    const fd = (both(1e-6) - both(-1e-6)) / 2e-6;
    assert.ok(Math.abs(g.h![0]! + g.h![last]! - fd) < 2e-5 * (1 + Math.abs(fd)), `${g.h![0]! + g.h![last]!} vs ${fd}`);
  }
});

test('weakly active constraints (s = 0 and λ = 0): KKT holds (1e-6 when reported inaccurate) and the backward pass is finite', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const P = generate(seed, { n: 5, ni: 5, active: 1, weak: 2 });
    const r = qp.solve(P);
    const k = kkt(P, r.z, r.lambda, r.nu);
    // Degenerate complementarity slows the interior point: it may stop early and say so.
    const worst = Math.max(k.stat, k.primal, k.dual, k.comp);
    assert.ok(worst < (r.status === 'optimal' ? 1e-8 : 1e-6), `${r.status}: ${JSON.stringify(k)}`);
    const g = qp.backward(r.context, [1, -1, 0.5, 2, 0]);
    for (const x of Object.values(g)) assert.ok((x as Float64Array).every(Number.isFinite));
    r.context.dispose();
  }
  // Box path: an upper bound that is exactly met with zero multiplier.
  const r = qp.solve({ Q: [[1, 0], [0, 1]], p: [-1, 0.5], lb: [-1, -1], ub: [1, 1] });
  assert.deepEqual(Array.from(r.z), [1, -0.5]);
  const g = qp.backward(r.context, [1, 1]);
  assert.ok(Object.values(g).every((x) => (x as Float64Array).every(Number.isFinite)));
  r.context.dispose();
});

test('G, h that describe only bounds take the box path; gradients agree with the interior point', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const n = 5;
    const P = randomBox(seed, n);
    const G: number[][] = [], h: number[] = [];
    P.ub!.forEach((u, j) => Number.isFinite(u) && (G.push(Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))), h.push(u)));
    P.lb!.forEach((l, j) => Number.isFinite(l) && (G.push(Array.from({ length: n }, (_, i) => (i === j ? -1 : 0))), h.push(-l)));
    const box = qp.solve({ Q: P.Q, p: P.p, G, h });
    const ipm = qp.solve({ Q: P.Q, p: P.p, G, h }, { method: 'ipm' });
    assert.equal(box.method, 'box');
    assert.equal(ipm.method, 'ipm');
    assert.ok(maxDiff(box.z, ipm.z) < 1e-8);
    assert.ok(maxDiff(box.lambda, ipm.lambda) < 1e-7);
    const v = [1, -2, 0.5, 0.25, 3];
    const gb = qp.backward(box.context, v), gi = qp.backward(ipm.context, v);
    for (const f of ['Q', 'p', 'G', 'h'] as const) assert.ok(maxDiff(gb[f]!, gi[f]!) < 1e-5, `${f}: ${maxDiff(gb[f]!, gi[f]!)}`);
    box.context.dispose();
    ipm.context.dispose();
  }
});

test('batches: per-problem results equal single solves; gradients of shared inputs are summed', () => {
  for (const kind of ['box', 'ipm'] as const) {
    const n = 4, count = 5;
    const probs = Array.from({ length: count }, (_, t) => (kind === 'box' ? randomBox(100 + t, n) : generate(100 + t, { n, ne: 1, ni: 3, active: 1 })));
    const Q = probs[0]!.Q;
    const batch = kind === 'box'
      ? { Q, p: probs.map((x) => x.p), lb: { batch: Float64Array.from(probs.flatMap((x) => (x as Box).lb!)) }, ub: probs.map((x) => Float64Array.from((x as Box).ub!)) }
      : { Q, p: probs.map((x) => x.p), A: probs.map((x) => x.A!), b: probs.map((x) => x.b!), G: probs.map((x) => Float64Array.from(x.G!.flat())), h: probs.map((x) => x.h!) };
    const r = qp.solveBatch(batch);
    assert.equal(r.count, count);
    const vs = probs.map((_, t) => Array.from({ length: n }, normal(rng(t))));
    const g = qp.backward(r.context, vs);
    const sumQ = new Float64Array(n * n);
    probs.forEach((x, t) => {
      const single = qp.solve({ ...x, Q });
      assert.ok(maxDiff(single.z, r.z.subarray(t * n, (t + 1) * n)) < 1e-12, `${kind} z[${t}]`);
      const gs = qp.backward(single.context, vs[t]!);
      assert.ok(maxDiff(gs.p, g.p.subarray(t * n, (t + 1) * n)) < 1e-12);
      gs.Q.forEach((q, i) => (sumQ[i] = sumQ[i]! + q));
      single.context.dispose();
    });
    assert.equal(g.Q.length, n * n, 'shared Q gets one gradient');
    assert.ok(maxDiff(g.Q, sumQ) < 1e-12, 'the sum of per-problem gradients');
    r.context.dispose();
  }
});

test('bad inputs give typed errors', () => {
  const code = (fn: () => unknown, c: string, check?: (e: MetaoptimError) => void): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof MetaoptimError, String(e));
      assert.equal(e.code, c, e.message);
      check?.(e);
      return true;
    });
  };
  const Q = [[2, 0], [0, 1]], p = [1, 1];
  code(() => qp.solve({ Q: [[1, 2], [2, 1]], p }), 'QP_NOT_PD', (e) => {
    assert.equal(e.details!.pivot, -3);
    assert.match(e.message, /smallest Cholesky pivot -3/);
    assert.match(e.message, /Q \+ εI/);
  });
  code(() => qp.solve({ Q: [[1, 0], [0, 0]], p, A: [[1, 0]], b: [1] }), 'QP_NOT_PD');
  code(() => qp.solve({ Q, p, lb: [0, 1], ub: [1, 0] }), 'QP_INFEASIBLE');
  code(() => qp.solve({ Q, p, G: [[1, 1], [-1, -1]], h: [-1, -1] }), 'QP_INFEASIBLE');
  code(() => qp.solve({ Q, p, A: [[1, 1], [1, 1]], b: [1, 2] }), 'QP_INFEASIBLE');
  code(() => qp.solve({ Q: [[1, 0], [0, 0]], p: [0, -1], G: [[0, -1]], h: [0] }), 'QP_UNBOUNDED');
  code(() => qp.solve({ Q: [[1, 0]], p }), 'QP_SHAPE');
  code(() => qp.solve({ Q, p: [1, 2, 3] }), 'QP_SHAPE');
  code(() => qp.solve({ Q, p, G: [[1, 0]], h: [1, 2] }), 'QP_SHAPE');
  code(() => qp.solve({ Q, p, A: [[1, 0]] }), 'QP_SHAPE');
  code(() => qp.solve({ Q: new Float64Array(3), p }), 'QP_SHAPE');
  code(() => qp.solve({ Q, p: [NaN, 1] }), 'QP_NON_FINITE');
  code(() => qp.solve({ Q: [[Infinity, 0], [0, 1]], p }), 'QP_NON_FINITE');
  code(() => qp.solve({ Q, p, lb: [NaN, 0] }), 'QP_NON_FINITE');
  code(() => qp.solveBatch({ Q, p: [[1, 1], [1, 1]], h: [[1], [1], [1]], G: [[1, 0]] }), 'QP_SHAPE');
  const r = qp.solve({ Q, p });
  code(() => qp.backward(r.context, [NaN, 0]), 'QP_NON_FINITE');
  code(() => qp.backward(r.context, [1]), 'QP_SHAPE');
  r.context.dispose();
  code(() => qp.backward(r.context, [1, 0]), 'DISPOSED');
});

test('flat row-major Float64Array inputs equal nested arrays; contexts free their memory on dispose', () => {
  const rt = defaultRuntimeOrThrow();
  const before = rt.arena.stats().used;
  const P = generate(5, { n: 3, ne: 1, ni: 4, active: 1 });
  const a = qp.solve(P);
  const b = qp.solve({ Q: Float64Array.from(P.Q.flat()), p: Float64Array.from(P.p), A: Float64Array.from(P.A!.flat()), b: P.b, G: Float64Array.from(P.G!.flat()), h: P.h });
  assert.deepEqual(a.z, b.z);
  assert.ok(rt.arena.stats().used > before);
  a.context.dispose();
  b.context.dispose();
  a.context.dispose(); // idempotent
  assert.equal(rt.arena.stats().used, before);
  assert.ok(runtimeInfo());
});

test('the box path falls back to the interior point when the active set cycles or Q is only semidefinite', () => {
  const P = randomBox(11, 6);
  const fast = qp.solve(P);
  const forced = qp.solve(P, { boxMaxIter: 1 });
  assert.equal(fast.method, 'box');
  assert.equal(forced.method, 'ipm');
  assert.ok(maxDiff(fast.z, forced.z) < 1e-9);
  assert.ok(maxDiff(fast.lambda, forced.lambda) < 1e-8);
  const v = [1, 2, 3, -1, 0.5, 0];
  const ga = qp.backward(fast.context, v), gb = qp.backward(forced.context, v);
  for (const f of ['Q', 'p', 'lb', 'ub'] as const) assert.ok(maxDiff(ga[f]!, gb[f]!) < 1e-6, f);
  fast.context.dispose();
  forced.context.dispose();
  // Semidefinite Q with finite bounds: the minimizer of −z₂ over z₂ ≤ 2 with z₁ free in [−1, 1].
  const r = qp.solve({ Q: [[1, 0], [0, 0]], p: [0.5, -1], lb: [-1, -1], ub: [1, 2] });
  assert.equal(r.method, 'ipm');
  assert.ok(maxDiff(r.z, [-0.5, 2]) < 1e-9, String(r.z));
  r.context.dispose();
});
