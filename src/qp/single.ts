// The single-QP fast path of `qp.solve` (issue 14: ≥ 10× quadprog for one general QP): a problem
// with Q, p and optional A, b, G, h (no lb/ub) goes straight into the dense active-set kernel.
// The inputs are read ONCE, from the user's arrays directly into the context's WebAssembly
// block (no intermediate packed copy, no bound augmentation, no per-field bookkeeping), then
// the same kernel call and the same status handling as the batch path run (dense.ts runDense).
// Results are bit for bit those of `qp.solveBatch` on the same single problem (tested).
//
// Anything unusual returns undefined BEFORE the kernel runs, and solve.ts takes the general
// path, which owns every error message: a missing or mistyped field, a length mismatch, a
// non-number or non-finite entry, lb/ub given, a G that describes only bounds (the box path
// under 'auto'). After the kernel: Q not positive definite or the iteration limit under
// 'auto' also returns undefined (the general path then runs the interior point).
import { QpContext } from './context.js';
import { runDense } from './dense.js';
import type { Field } from './prepare.js';
import { detectBounds } from './input.js';
import { INFO } from './rows.js';
import type { Opts, QpBatchResult } from './types.js';

/** Shapes of a plain single problem, or undefined when it is not one (see the file comment). */
export interface SingleShape {
  n: number;
  ne: number;
  ni: number;
}

const isList = (x: unknown): x is ArrayLike<unknown> =>
  x !== null && typeof x === 'object' && typeof (x as ArrayLike<unknown>).length === 'number';

/** Rows of a matrix input with `cols` columns (nested or flat), or −1 when it is neither. */
function rowsOf(X: unknown, cols: number): number {
  if (!isList(X)) return -1;
  if (X.length > 0 && isList(X[0])) return X.length;
  return X.length % cols === 0 ? X.length / cols : -1;
}

/** The shapes of `problem` when the fast path applies to it, else undefined. */
export function singleShape(problem: unknown): SingleShape | undefined {
  if (problem === null || typeof problem !== 'object') return undefined;
  const P = problem as Record<string, unknown>;
  if (P.lb !== undefined || P.ub !== undefined) return undefined;
  const p = P.p;
  if (!isList(p) || p.length === 0 || P.Q === undefined) return undefined;
  const n = p.length;
  if (rowsOf(P.Q, n) !== n) return undefined;
  if ((P.A === undefined) !== (P.b === undefined) || (P.G === undefined) !== (P.h === undefined)) return undefined;
  let ne = 0, ni = 0;
  if (P.b !== undefined) {
    if (!isList(P.b)) return undefined;
    ne = P.b.length;
    if (rowsOf(P.A, n) !== ne) return undefined;
  }
  if (P.h !== undefined) {
    if (!isList(P.h)) return undefined;
    ni = P.h.length;
    if (rowsOf(P.G, n) !== ni) return undefined;
  }
  return { n, ne, ni };
}

/** Copies `len` finite numbers of x into v at off; false on a non-number or non-finite entry. */
function readVec(x: ArrayLike<unknown>, len: number, v: Float64Array, off: number): boolean {
  if (x.length !== len) return false;
  if (x instanceof Float64Array) {
    v.set(x, off);
    for (let i = 0; i < len; i++) {
      const e = x[i]!;
      if (e - e !== 0) return false;
    }
    return true;
  }
  for (let i = 0; i < len; i++) {
    const e = x[i];
    if (typeof e !== 'number' || e - e !== 0) return false;
    v[off + i] = e;
  }
  return true;
}

/** Copies a rows×cols matrix (nested rows or row-major flat) into v at off; false when malformed. */
function readMat(X: ArrayLike<unknown>, rows: number, cols: number, v: Float64Array, off: number): boolean {
  if (X.length > 0 && isList(X[0])) {
    if (X.length !== rows) return false;
    for (let r = 0; r < rows; r++) {
      const row = X[r];
      if (!isList(row) || !readVec(row, cols, v, off + r * cols)) return false;
    }
    return true;
  }
  return readVec(X, rows * cols, v, off);
}

/**
 * Solves one plain problem of shape `s` with the dense active set. Returns undefined (nothing
 * allocated, nothing thrown) when the general path must take it; see the file comment.
 */
export function solveSingleDense(problem: Record<string, unknown>, s: SingleShape, o: Opts): QpBatchResult | undefined {
  const { n, ne, ni } = s;
  const nn = n * n;
  const k = o.runtime.kernels;
  const given: Record<string, boolean> = { Q: true, p: true };
  if (ne > 0 || problem.A !== undefined) given.A = given.b = true;
  if (problem.G !== undefined) given.G = given.h = true;
  const ctx = new QpContext({
    method: 'active-set', count: 1, n, ne, ni, runtime: o.runtime, sharedMask: 63,
    map: { given, rows: { user: ni, lower: [], upper: [] } },
    parts: [
      ['Q', nn], ['p', n], ['A', ne * n], ['b', ne], ['G', ni * n], ['h', ni],
      ['z', n], ['nu', ne], ['lam', ni], ['J', nn], ['R', nn], ['act', n],
      ['scl', n + ne + ni], ['info', INFO], ['work', k.qp_dense_work_len(n, ne, ni)],
    ],
  });
  const v = ctx.block();
  const off = ctx.off;
  let ok = readMat(problem.Q as ArrayLike<unknown>, n, n, v, off.Q!)
    && readVec(problem.p as ArrayLike<unknown>, n, v, off.p!)
    && (ne === 0 || (readMat(problem.A as ArrayLike<unknown>, ne, n, v, off.A!) && readVec(problem.b as ArrayLike<unknown>, ne, v, off.b!)))
    && (ni === 0 || (readMat(problem.G as ArrayLike<unknown>, ni, n, v, off.G!) && readVec(problem.h as ArrayLike<unknown>, ni, v, off.h!)));
  if (ok) {
    // Q ← ½(Q + Qᵀ), the same arithmetic as input.ts symmetrize (so bit-identical results).
    const q = off.Q!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const a = q + i * n + j, b = q + j * n + i;
        const m = 0.5 * (v[a]! + v[b]!);
        v[a] = m;
        v[b] = m;
      }
    }
    // Under 'auto', a G of ±unit rows alone is a box problem: the general path routes it.
    if (o.method === 'auto' && ne === 0 && ni > 0 && detectBounds(v.subarray(off.G!, off.G! + ni * n), ni, n)) ok = false;
  }
  if (!ok) {
    ctx.dispose();
    return undefined;
  }
  const fields = (): Partial<Record<string, Field>> => {
    const w = ctx.block();
    const f = (name: string, len: number): Field => ({ data: w.slice(off[name]!, off[name]! + len), shared: true });
    return { G: f('G', ni * n), h: f('h', ni), A: f('A', ne * n), b: f('b', ne) };
  };
  return runDense(ctx, o, fields, (lam) => lam.slice(0, ni));
}
