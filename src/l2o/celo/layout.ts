import { MetaoptimError } from '../../core/errors.js';

/**
 * How Celo sees the parameter vector: a list of tensors, each 1-D (length n) or 2-D (R×C,
 * row-major, as `mlp().tensors` lays out its weights [out, in]).
 *
 * Factored second moment (learned_optimization common.py `factored_dims` + `factored_rolling`):
 * for a 2-D tensor, argsort(shape) gives d0 = the larger axis (C when C ≥ R: numpy's argsort of
 * two equal sizes keeps index order) and d1 = the other. v_row = EMA of the mean over d0 (indexed
 * by d1), v_col = EMA of the mean over d1 (indexed by d0). The kernels keep vr (per row r, mean
 * over c) and vc (per column c, mean over r): with C ≥ R (swap = 0) v_row = vr, v_col = vc; with
 * R > C (swap = 1) v_row = vc, v_col = vr.
 *
 * Storage: the slots f0, f1, f2 (one per decay 0.9, 0.99, 0.999) are as long as the parameters.
 * A vector keeps its full accumulator there. A matrix with R, C ≥ 2 keeps [vr (R) | vc (C)] at
 * its offset (R + C ≤ R·C). A matrix with a side of length 1 ("thin") keeps only the long side
 * (length n); its single v_row value equals the mean of v_col in exact arithmetic (both are the
 * same EMA of the tensor's mean g²), so it is recomputed from v_col each step (f64 mean → f32).
 *
 * Rank k > 2 (common.py `factored_dims`: the two LARGEST axes, (d1, d0) = argsort(shape)[−2:],
 * numpy's stable order for ties): v_row is the EMA of the mean over d0 (shape without d0), v_col
 * over d1, and `row_col_mean` averages v_row over d1 only, so the tensor is a batch of independent
 * d1×d0 matrices over the other axes, while the per-tensor normalizers and ψ run over the whole
 * tensor. The port takes the case where d1, d0 are the last two axes (e.g. HWIO convolution
 * kernels [3, 3, Cin, Cout] with Cin, Cout ≥ 3): rows, cols = the last two sizes, `batch` = the
 * product of the others; each batch element keeps [vr | vc] at offset + b·(R + C) of f0…f2.
 * A rank > 2 shape whose two largest axes are not the last two is rejected (INVALID_ARGUMENT).
 */
export interface CeloTensor {
  /** First parameter of the tensor. */
  offset: number;
  /** Number of parameters. */
  length: number;
  /** Rows and columns; a vector has rows = 1, cols = length, vec = true. */
  rows: number;
  cols: number;
  vec: boolean;
  /** 1 when R > C (v_row is per column), else 0. */
  swap: number;
  /** A matrix with a side of length 1 (one side of its factored accumulator is derived). */
  thin: boolean;
  /** Rank > 2: the number of R×C matrices (the product of the leading sizes); else 1. */
  batch: number;
}

/** common.py `factored_dims`: (d1, d0) = the last two of numpy's argsort(shape) (stable for ties). */
export function factoredDims(shape: readonly number[]): [number, number] | null {
  if (shape.length < 2) return null;
  const order = shape.map((_, i) => i).sort((a, b) => shape[a]! - shape[b]! || a - b);
  return [order[order.length - 2]!, order[order.length - 1]!];
}

/** The tensors of a parameter vector of `size` from explicit shapes (each [n] or [R, C]). */
export function celoLayout(owner: string, shapes: readonly (readonly number[])[] | undefined, size: number): CeloTensor[] {
  const list = shapes ?? [[size]];
  if (!Array.isArray(list)) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: shapes must be an array of [n] or [rows, cols]`);
  const out: CeloTensor[] = [];
  let offset = 0;
  for (const [i, sh] of list.entries()) {
    if (!Array.isArray(sh) || sh.length < 1 || !sh.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: shape ${i} must be [n], [rows, cols] or [..., rows, cols] of positive integers, got ${JSON.stringify(sh)}`);
    }
    const k = sh.length;
    if (k > 2) {
      const [d1, d0] = factoredDims(sh)!;
      if (Math.min(d1, d0) !== k - 2) {
        throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: shape ${i} ${JSON.stringify(sh)}: Celo factors its two largest axes (${d1}, ${d0}); the port needs them to be the last two (transpose the tensor so they are)`);
      }
    }
    const vec = k === 1;
    const rows = vec ? 1 : sh[k - 2]!, cols = sh[k - 1]!;
    const batch = k > 2 ? sh.slice(0, k - 2).reduce((a, b) => a * b, 1) : 1;
    const length = batch * rows * cols;
    out.push({ offset, length, rows, cols, vec, swap: !vec && rows > cols ? 1 : 0, thin: !vec && Math.min(rows, cols) === 1, batch });
    offset += length;
  }
  if (offset !== size) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: shapes hold ${offset} parameters, params have ${size}`, { expected: size, got: offset });
  }
  return out;
}

/** Shapes from `mlp().tensors` (or anything with `shape`), in order. */
export function shapesOf(tensors: readonly { shape: readonly number[] }[]): number[][] {
  return tensors.map((t) => [...t.shape]);
}

/**
 * Shapes as checkpoint scalars: `tensors` = count, `dim<i>r`, `dim<i>c` (0 for a vector); rank
 * k > 2: `dim<i>r`, `dim<i>c` = the last two sizes and `dim<i>x<j>` = size j < k − 2.
 */
export function shapesToScalars(shapes: readonly (readonly number[])[], out: Record<string, number>): void {
  out.tensors = shapes.length;
  shapes.forEach((s, i) => {
    const k = s.length;
    out[`dim${i}r`] = k > 2 ? s[k - 2]! : s[0]!;
    out[`dim${i}c`] = k > 1 ? s[k - 1]! : 0;
    for (let j = 0; j < k - 2; j++) out[`dim${i}x${j}`] = s[j]!;
  });
}

/** The checkpoint scalar names of the shapes (`shapesToScalars`). */
export const SHAPE_SCALAR = /^dim\d+(?:[rc]|x\d+)$/;

/** Shapes back from checkpoint scalars (BAD_CHECKPOINT when a dimension is missing or malformed). */
export function shapesFromScalars(sc: Readonly<Record<string, number>>): number[][] {
  const n = sc.tensors;
  if (!Number.isSafeInteger(n) || n! < 0) throw new MetaoptimError('BAD_CHECKPOINT', `celo checkpoint: scalar tensors is ${String(n)}`);
  const out: number[][] = [];
  for (let i = 0; i < n!; i++) {
    const r = sc[`dim${i}r`], c = sc[`dim${i}c`];
    if (!Number.isSafeInteger(r) || r! < 1 || !Number.isSafeInteger(c) || c! < 0) {
      throw new MetaoptimError('BAD_CHECKPOINT', `celo checkpoint: shape ${i} is missing or malformed`);
    }
    const lead: number[] = [];
    for (let j = 0; sc[`dim${i}x${j}`] !== undefined; j++) {
      const x = sc[`dim${i}x${j}`]!;
      if (!Number.isSafeInteger(x) || x < 1 || c === 0) throw new MetaoptimError('BAD_CHECKPOINT', `celo checkpoint: shape ${i} is malformed`);
      lead.push(x);
    }
    out.push(c === 0 ? [r!] : [...lead, r!, c!]);
  }
  return out;
}
