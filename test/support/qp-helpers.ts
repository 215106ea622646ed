// Shared helpers for the QP tests: a seeded generator of problems with a known optimum and
// active set, KKT checks, and the conversion to quadprog's conventions.
import quadprog from 'quadprog';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(R: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(R() || 1e-300)) * Math.cos(2 * Math.PI * R());
}

export interface Problem {
  n: number;
  Q: number[][];
  p: number[];
  A?: number[][];
  b?: number[];
  G?: number[][];
  h?: number[];
  /** Known optimum and multipliers (when generated with one). */
  z0?: number[];
  active?: number[];
  weak?: number[];
}

export interface GenOptions {
  n: number;
  ne?: number;
  ni?: number;
  /** Rows active with λ in [0.5, 1.5] (capped at n − ne). */
  active?: number;
  /** Rows weakly active: s = 0 and λ = 0. */
  weak?: number;
  /** Append a copy of the first active row (linearly dependent active set). */
  duplicate?: boolean;
}

/** SPD Q = MᵀM/n + ½I; z0, ν0, λ0, s0 chosen first, then p and h so that they are optimal. */
export function generate(seed: number, o: GenOptions): Problem {
  const R = rng(seed);
  const N = normal(R);
  const n = o.n, ne = o.ne ?? 0, ni = o.ni ?? 0;
  const M = Array.from({ length: n }, () => Array.from({ length: n }, N));
  const Q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => M.reduce((a, r) => a + r[i]! * r[j]!, 0) / n + (i === j ? 0.5 : 0)));
  const z0 = Array.from({ length: n }, N);
  const A = Array.from({ length: ne }, () => Array.from({ length: n }, N));
  const b = A.map((a) => dot(a, z0));
  const nu0 = Array.from({ length: ne }, N);
  const G = Array.from({ length: ni }, () => Array.from({ length: n }, N));
  const nAct = Math.min(o.active ?? 0, n - ne, ni);
  const nWeak = Math.min(o.weak ?? 0, ni - nAct, n - ne - nAct);
  const lam = G.map((_, k) => (k < nAct ? 0.5 + R() : 0));
  const s = G.map((_, k) => (k < nAct + nWeak ? 0 : 0.5 + R()));
  if (o.duplicate && nAct > 0) {
    G.push([...G[0]!]);
    lam[0] = lam[0]! / 2;
    lam.push(lam[0]!);
    s.push(0);
  }
  const h = G.map((g, k) => dot(g, z0) + s[k]!);
  const p = Q.map((q, i) => -(dot(q, z0) + A.reduce((a, r, k) => a + r[i]! * nu0[k]!, 0) + G.reduce((a, r, k) => a + r[i]! * lam[k]!, 0)));
  const out: Problem = { n, Q, p, z0, active: [...Array(nAct).keys()], weak: Array.from({ length: nWeak }, (_, i) => nAct + i) };
  if (ne) Object.assign(out, { A, b });
  if (G.length) Object.assign(out, { G, h });
  if (o.duplicate && nAct > 0) out.active!.push(G.length - 1);
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Max-norm KKT violations: stationarity, primal (eq and ineq), dual sign, complementarity. */
export function kkt(P: Problem, z: ArrayLike<number>, lambda: ArrayLike<number>, nu: ArrayLike<number>): { stat: number; primal: number; dual: number; comp: number } {
  const n = P.n;
  const G = P.G ?? [], h = P.h ?? [], A = P.A ?? [], b = P.b ?? [];
  let stat = 0;
  for (let i = 0; i < n; i++) {
    let r = dot(P.Q[i]!, z) + P.p[i]!;
    G.forEach((g, k) => (r += g[i]! * lambda[k]!));
    A.forEach((a, k) => (r += a[i]! * nu[k]!));
    stat = Math.max(stat, Math.abs(r));
  }
  let primal = 0, dual = 0, comp = 0;
  A.forEach((a, k) => (primal = Math.max(primal, Math.abs(dot(a, z) - b[k]!))));
  G.forEach((g, k) => {
    const sk = h[k]! - dot(g, z);
    primal = Math.max(primal, -sk);
    dual = Math.max(dual, -lambda[k]!);
    comp = Math.max(comp, Math.abs(lambda[k]! * sk));
  });
  return { stat, primal, dual, comp };
}

/** quadprog on the same problem (min ½zᵀQz + pᵀz, Az = b, Gz ≤ h, lb ≤ z ≤ ub). */
export function quadprogSolve(P: Problem & { lb?: number[]; ub?: number[] }): number[] {
  const n = P.n;
  const D: number[][] = [[]], d = [0], Am: number[][] = [[]], b0 = [0];
  const cols: { a: number[]; b: number }[] = [];
  (P.A ?? []).forEach((a, k) => cols.push({ a, b: P.b![k]! }));
  (P.G ?? []).forEach((g, k) => cols.push({ a: g.map((x) => -x), b: -P.h![k]! }));
  P.lb?.forEach((l, j) => Number.isFinite(l) && cols.push({ a: Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)), b: l }));
  P.ub?.forEach((u, j) => Number.isFinite(u) && cols.push({ a: Array.from({ length: n }, (_, i) => (i === j ? -1 : 0)), b: -u }));
  for (let i = 0; i < n; i++) {
    D.push([0, ...P.Q[i]!]);
    d.push(-P.p[i]!);
    Am.push([0, ...cols.map((c) => c.a[i]!)]);
  }
  cols.forEach((c) => b0.push(c.b));
  const r = quadprog.solveQP(D, d, Am, b0, P.A?.length ?? 0);
  if (r.message) throw new Error(`quadprog: ${r.message}`);
  return r.solution.slice(1);
}
