import { MetaoptimError } from '../core/errors.js';

/** A vector: plain array or typed array of numbers. */
export type VectorInput = ArrayLike<number>;
/** A matrix: nested rows (`number[][]`) or a row-major flat array (`Float64Array`, `number[]`). */
export type MatrixInput = ArrayLike<number> | ArrayLike<ArrayLike<number>>;
/**
 * Per-problem data for a batch packed back to back, row-major: `count × size` numbers.
 * `count` is required on `p` when p is packed (n is read from p); elsewhere it is checked if given.
 */
export interface PackedBatch {
  batch: ArrayLike<number>;
  count?: number;
}

/** True for anything with a numeric `length` (arrays, typed arrays, array-likes). */
export const isArrayLike = (x: unknown): x is ArrayLike<unknown> =>
  x !== null && typeof x === 'object' && typeof (x as ArrayLike<unknown>).length === 'number';

/**
 * The fast paths' reader (qp.solve's single problem, the box direct path): copies `len` numbers
 * of x into v at off and returns false, instead of throwing, on a length mismatch or a
 * non-number, so the caller can hand the problem to the general path and its errors. With
 * `finite`, NaN/±∞ entries return false too; without, the kernel's own input check sees them.
 */
export function copyVec(x: ArrayLike<unknown>, len: number, v: Float64Array, off: number, finite: boolean): boolean {
  if (x.length !== len) return false;
  if (x instanceof Float64Array) {
    v.set(x, off);
    if (finite) {
      for (let i = 0; i < len; i++) {
        const e = x[i]!;
        if (e - e !== 0) return false;
      }
    }
    return true;
  }
  // e − e is 0 for a finite number and NaN otherwise: one sum tests the whole vector at the end
  // (a false return may leave v partly written; the callers discard v then).
  let bad = 0;
  for (let i = 0; i < len; i++) {
    const e = x[i];
    if (typeof e !== 'number') return false;
    bad += e - e;
    v[off + i] = e;
  }
  return !finite || bad === 0;
}

/** A rows×cols matrix (nested rows or row-major flat) into v at off, as `copyVec`. */
export function copyMat(X: ArrayLike<unknown>, rows: number, cols: number, v: Float64Array, off: number, finite: boolean): boolean {
  if (X.length > 0 && isArrayLike(X[0])) {
    if (X.length !== rows) return false;
    for (let r = 0; r < rows; r++) {
      const row = X[r];
      if (!isArrayLike(row) || !copyVec(row, cols, v, off + r * cols, finite)) return false;
    }
    return true;
  }
  return copyVec(X, rows * cols, v, off, finite);
}

/** Throws QP_NON_FINITE naming the first NaN/±∞ entry (infinite entries allowed when `allowInf`). */
export function checkFinite(name: string, x: ArrayLike<number>, allowInf = false): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0 && (!allowInf || v !== v)) {
      throw new MetaoptimError('QP_NON_FINITE', `qp: ${name}[${i}] is ${v}`, { input: name, index: i, value: v });
    }
  }
}

/** Copies a vector into `out` at `off`, checking its length. */
export function readVector(name: string, x: unknown, len: number, out: Float64Array, off: number): void {
  if (x instanceof Float64Array && x.length === len) {
    out.set(x, off);
    return;
  }
  if (!isArrayLike(x)) throw new MetaoptimError('QP_SHAPE', `qp: ${name} must be an array of numbers`, { input: name });
  if (x.length !== len) {
    throw new MetaoptimError('QP_SHAPE', `qp: ${name} has length ${x.length}, expected ${len}`, { input: name, expected: len, got: x.length });
  }
  for (let i = 0; i < len; i++) {
    const v = x[i];
    if (typeof v !== 'number') throw new MetaoptimError('QP_SHAPE', `qp: ${name}[${i}] is not a number`, { input: name, index: i });
    out[off + i] = v;
  }
}

/** Number of rows of a matrix input with `cols` columns (nested: its length; flat: length / cols). */
export function matrixRows(name: string, X: unknown, cols: number): number {
  if (!isArrayLike(X)) throw new MetaoptimError('QP_SHAPE', `qp: ${name} must be a matrix (nested arrays or a row-major Float64Array)`, { input: name });
  if (X.length > 0 && isArrayLike(X[0])) return X.length;
  if (cols === 0) return 0;
  if (X.length % cols !== 0) {
    throw new MetaoptimError('QP_SHAPE', `qp: flat ${name} has ${X.length} entries, not a multiple of n = ${cols}`, { input: name, n: cols });
  }
  return X.length / cols;
}

/** Copies a rows×cols matrix (nested or row-major flat) into `out` at `off`. */
export function readMatrix(name: string, X: unknown, rows: number, cols: number, out: Float64Array, off: number): void {
  if (!isArrayLike(X)) throw new MetaoptimError('QP_SHAPE', `qp: ${name} must be a matrix`, { input: name });
  if (X.length > 0 && isArrayLike(X[0])) {
    if (X.length !== rows) {
      throw new MetaoptimError('QP_SHAPE', `qp: ${name} has ${X.length} rows, expected ${rows}`, { input: name, expected: rows, got: X.length });
    }
    for (let r = 0; r < rows; r++) readVector(`${name}[${r}]`, X[r], cols, out, off + r * cols);
    return;
  }
  readVector(name, X, rows * cols, out, off);
}

/** True when `x` is a per-problem list for a field of the given rank (1 = vector, 2 = matrix). */
export function isPerProblem(x: unknown, rank: 1 | 2): boolean {
  if (x !== null && typeof x === 'object' && 'batch' in (x as object)) return true;
  if (!isArrayLike(x) || x.length === 0) return false;
  const first = x[0];
  if (rank === 1) return isArrayLike(first);
  if (ArrayBuffer.isView(first)) return true;
  return isArrayLike(first) && (first as ArrayLike<unknown>).length > 0 && isArrayLike((first as ArrayLike<unknown>)[0]);
}

/** Number of problems a per-problem field holds (`size` numbers each when packed). */
export function perProblemCount(name: string, x: unknown, size: number): number {
  if (x !== null && typeof x === 'object' && 'batch' in (x as object)) {
    const data = (x as PackedBatch).batch;
    if (!isArrayLike(data)) throw new MetaoptimError('QP_SHAPE', `qp: ${name}.batch must be an array of numbers`);
    if (size === 0 || data.length % size !== 0) {
      throw new MetaoptimError('QP_SHAPE', `qp: packed ${name} has ${data.length} entries, not a multiple of ${size}`, { input: name });
    }
    const c = (x as PackedBatch).count;
    if (c !== undefined && c * size !== data.length) {
      throw new MetaoptimError('QP_SHAPE', `qp: packed ${name} has ${data.length} entries, not count ${c} × ${size}`, { input: name });
    }
    return data.length / size;
  }
  return (x as ArrayLike<unknown>).length;
}

/** Copies problem k of a field (shared or per-problem) into `out` at `off`. */
export function readField(name: string, x: unknown, perProblem: boolean, k: number, rows: number, cols: number, rank: 1 | 2, out: Float64Array, off: number): void {
  const size = rows * cols;
  if (!perProblem) {
    if (rank === 1) readVector(name, x, size, out, off);
    else readMatrix(name, x, rows, cols, out, off);
    return;
  }
  if (x !== null && typeof x === 'object' && 'batch' in (x as object)) {
    const data = (x as PackedBatch).batch;
    if (data instanceof Float64Array) out.set(data.subarray(k * size, (k + 1) * size), off);
    else for (let i = 0; i < size; i++) out[off + i] = data[k * size + i]!;
    return;
  }
  const item = (x as ArrayLike<unknown>)[k];
  if (rank === 1) readVector(`${name}[${k}]`, item, size, out, off);
  else readMatrix(`${name}[${k}]`, item, rows, cols, out, off);
}

/**
 * Q ← ½(Q + Qᵀ) in place for an n×n block at `off` (the objective only sees the symmetric part),
 * checking finiteness in the same pass (QP_NON_FINITE).
 */
export function symmetrize(Q: Float64Array, off: number, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = off + i * n + j, b = off + j * n + i;
      const m = 0.5 * (Q[a]! + Q[b]!);
      if (m - m !== 0) checkFinite('Q', Q.subarray(off, off + n * n));
      Q[a] = m;
      Q[b] = m;
    }
    const d = Q[off + i * n + i]!;
    if (d - d !== 0) checkFinite('Q', Q.subarray(off, off + n * n));
  }
}

/** One bound row of G: G_k = sign·e_var, so the row reads z_var ≤ h_k (sign 1) or z_var ≥ −h_k (sign −1). */
export interface BoundRow {
  variable: number;
  sign: 1 | -1;
}

/**
 * When every row of the ni×n matrix G has exactly one non-zero, equal to ±1, and no variable
 * has two upper or two lower rows, returns the rows as bounds; otherwise undefined.
 */
export function detectBounds(G: Float64Array, ni: number, n: number): BoundRow[] | undefined {
  if (ni === 0) return undefined;
  const rows: BoundRow[] = [];
  const seen = new Uint8Array(n);
  for (let k = 0; k < ni; k++) {
    let found = -1;
    for (let j = 0; j < n; j++) {
      const v = G[k * n + j]!;
      if (v === 0) continue;
      if (found >= 0 || (v !== 1 && v !== -1)) return undefined;
      found = j;
    }
    if (found < 0) return undefined;
    const sign = G[k * n + found] === 1 ? 1 : -1;
    const bit = sign === 1 ? 2 : 1;
    if (seen[found]! & bit) return undefined;
    seen[found]! |= bit;
    rows.push({ variable: found, sign });
  }
  return rows;
}
