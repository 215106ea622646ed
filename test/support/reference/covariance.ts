// Plain-TypeScript f64 references for assembly/covariance.ts, with the kernel's operation
// order (documented in that file) so that kernel and reference agree bit for bit.

/** Column means (rows summed in row order, then divided by rows) and the packed centred panels. */
export function packCenterRef(x: ArrayLike<number>, rows: number, cols: number): { packed: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows > 0 ? rows : 1;
  const width = (cols + 3) & ~3;
  const packed = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) packed[(c >> 2) * rows * 4 + r * 4 + (c & 3)] = x[r * cols + c]! - mean[c]!;
  }
  return { packed, mean };
}

/** Σ = s·VᵀV from the packed panels: each entry a sequential sum over the rows, then times s. */
export function syrkPackedRef(packed: ArrayLike<number>, n: number, len: number, s: number): Float64Array {
  const out = new Float64Array(n * n);
  const at = (t: number, c: number) => packed[(c >> 2) * len * 4 + t * 4 + (c & 3)]!;
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let acc = 0;
      for (let t = 0; t < len; t++) acc += at(t, a) * at(t, b);
      out[a * n + b] = out[b * n + a] = s * acc;
    }
  }
  return out;
}
