// Plain-TypeScript f64 references for assembly/stats.ts, with the same operation order
// (documented in the kernel file) so that kernel and reference agree bit for bit.

import { Rng } from '../../../src/core/rng.js';

/** Column means and centered copy (transposed to cols×rows when `transpose`). */
export function centerRef(x: ArrayLike<number>, rows: number, cols: number, transpose: boolean): { out: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows > 0 ? rows : 1;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[transpose ? c * rows + r : r * cols + c] = x[r * cols + c]! - mean[c]!;
  }
  return { out, mean };
}

/** Dot product with partial sums over even and odd indices, then the odd tail. */
export function dotRef(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, len: number): number {
  let s0 = 0, s1 = 0;
  const even = len & ~1;
  for (let t = 0; t < even; t += 2) {
    s0 += a[ao + t]! * b[bo + t]!;
    s1 += a[ao + t + 1]! * b[bo + t + 1]!;
  }
  let s = s0 + s1;
  if (len & 1) s += a[ao + len - 1]! * b[bo + len - 1]!;
  return s;
}

/** out = s·A·Aᵀ for A (n×len). */
export function syrkRef(a: ArrayLike<number>, n: number, len: number, s: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = s * dotRef(a, i * len, a, j * len, len);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}

/** y = A·x. */
export function symvRef(a: ArrayLike<number>, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = dotRef(a, i * n, x, 0, n);
  return y;
}

/** Textbook two-pass covariance (divisor L) for cross-checks (different summation order). */
export function covarianceNaive(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]! / rows;
  const out = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += (x[r * cols + i]! - mean[i]!) * (x[r * cols + j]! - mean[j]!);
      out[i * cols + j] = s / rows;
    }
  }
  return out;
}

/** k-th smallest by sorting. */
export function selectRef(x: ArrayLike<number>, k: number): number {
  return Float64Array.from(x).sort()[k]!;
}

/** Hill estimator by full sort (the O(N log N) reference). */
export function hillRef(x: ArrayLike<number>, k: number): number {
  const a = Float64Array.from(x, Math.abs).sort();
  const N = a.length;
  let s = 0;
  for (let i = N - k; i < N; i++) s += Math.log(a[i]!);
  return 1 / (s / k - Math.log(a[N - k - 1]!));
}

/** The Hill pre-filter threshold of src/analysis/tail.ts by sorting the whole sample: `sampledThreshold` must equal it bit for bit. */
export function sampledThresholdRef(x: Float32Array | Float64Array, need: number): number | undefined {
  const N = x.length, S = 8192;
  const rng = new Rng(N, need, 0x68696c6c);
  const sample = new Float64Array(S);
  for (let i = 0; i < S; i++) sample[i] = Math.abs(x[Math.floor(rng.uniform() * N)]!);
  sample.sort();
  const want = Math.min(N, 2 * need + 64);
  const q = Math.max(0, Math.floor(S * (1 - want / N)) - 1);
  const thr = sample[q]!;
  return Number.isNaN(thr) ? undefined : thr;
}
