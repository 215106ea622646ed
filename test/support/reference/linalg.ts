// Plain-TypeScript references of assembly/linalg.ts, with the same operation order
// (two lane accumulators for reductions), so kernel and reference agree bit for bit.

/** Σ x[xo+k]·y[yo+k], k < len: even/odd accumulators, then the odd tail. */
export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let a0 = 0;
  let a1 = 0;
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    a0 += x[xo + i]! * y[yo + i]!;
    a1 += x[xo + i + 1]! * y[yo + i + 1]!;
  }
  let s = a0 + a1;
  if (i < len) s += x[xo + i]! * y[yo + i]!;
  return s;
}

/** In-place lower Cholesky of the row-major n×n (leading dimension ld) matrix at offset o. */
export function cholFactor(a: Float64Array, n: number, ld = n, o = 0): number {
  let minPiv = Infinity;
  for (let i = 0; i < n; i++) {
    const ri = o + i * ld;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const rj = o + j * ld, rj1 = rj + ld;
      const s0 = dot(a, ri, a, rj, j), s1 = dot(a, ri, a, rj1, j);
      const lij = (a[ri + j]! - s0) / a[rj + j]!;
      a[ri + j] = lij;
      a[ri + j + 1] = (a[ri + j + 1]! - (s1 + lij * a[rj1 + j]!)) / a[rj1 + j + 1]!;
    }
    if (j < i) {
      const rj = o + j * ld;
      a[ri + j] = (a[ri + j]! - dot(a, ri, a, rj, j)) / a[rj + j]!;
    }
    const d = a[ri + i]! - dot(a, ri, a, ri, i);
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    a[ri + i] = Math.sqrt(d);
  }
  return minPiv;
}

export function cholForward(l: Float64Array, n: number, x: Float64Array, ld = n, lo = 0, xo = 0): void {
  for (let i = 0; i < n; i++) {
    const ri = lo + i * ld;
    x[xo + i] = (x[xo + i]! - dot(l, ri, x, xo, i)) / l[ri + i]!;
  }
}

export function cholBackward(l: Float64Array, n: number, x: Float64Array, ld = n, lo = 0, xo = 0): void {
  for (let i = n - 1; i >= 0; i--) {
    const ri = lo + i * ld;
    const xi = x[xo + i]! / l[ri + i]!;
    x[xo + i] = xi;
    for (let k = 0; k < i; k++) x[xo + k] = x[xo + k]! + -xi * l[ri + k]!;
  }
}

export function cholSolve(l: Float64Array, n: number, x: Float64Array, ld = n, lo = 0, xo = 0): void {
  cholForward(l, n, x, ld, lo, xo);
  cholBackward(l, n, x, ld, lo, xo);
}
