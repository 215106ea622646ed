// Dense f64 linear algebra for the QP kernels: Cholesky factorization A = LLᵀ and the
// triangular solves, over row-major matrices with a leading dimension `ld` (elements per
// stored row), so that a packed m×m sub-matrix (ld = m) and a full n×n one (ld = n) use
// the same code. Only the lower triangle is read and written; the strict upper triangle
// of the input is left untouched.
//
// Reductions use two lane accumulators (even and odd indices) combined as lane0 + lane1,
// then the odd tail element; the scalar build keeps the same two accumulators, so the
// SIMD build, the scalar build and the TypeScript reference (test/reference/linalg.ts)
// give the same bits (WebAssembly has no fused multiply-add in either build).

/** Σ x[k]·y[k] for k < len, pairwise-lane order (see the file comment). */
// @ts-ignore: decorator
@inline export function dot_f64(x: usize, y: usize, len: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  } else {
    let a0: f64 = 0, a1: f64 = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      a0 += load<f64>(x + o) * load<f64>(y + o);
      a1 += load<f64>(x + o, 8) * load<f64>(y + o, 8);
    }
    s = a0 + a1;
  }
  if (i < len) {
    const o = <usize>i << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
  }
  return s;
}

/** Two dot products sharing x: returns dot(x, y0, len) and stores dot(x, y1, len) in `dot2Second`, each with dot_f64's order. */
let dot2Second: f64 = 0;
// @ts-ignore: decorator
@inline function dot2_f64(x: usize, y0: usize, y1: usize, len: i32): f64 {
  let i = 0;
  let s0: f64 = 0, s1: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const xv = v128.load(x + o);
      acc0 = f64x2.add(acc0, f64x2.mul(xv, v128.load(y0 + o)));
      acc1 = f64x2.add(acc1, f64x2.mul(xv, v128.load(y1 + o)));
    }
    s0 = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
    s1 = f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
  } else {
    let a0: f64 = 0, a1: f64 = 0, b0: f64 = 0, b1: f64 = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const x0 = load<f64>(x + o), x1 = load<f64>(x + o, 8);
      a0 += x0 * load<f64>(y0 + o);
      a1 += x1 * load<f64>(y0 + o, 8);
      b0 += x0 * load<f64>(y1 + o);
      b1 += x1 * load<f64>(y1 + o, 8);
    }
    s0 = a0 + a1;
    s1 = b0 + b1;
  }
  if (i < len) {
    const o = <usize>i << 3;
    const xi = load<f64>(x + o);
    s0 += xi * load<f64>(y0 + o);
    s1 += xi * load<f64>(y1 + o);
  }
  dot2Second = s1;
  return s0;
}

/** y[k] ← y[k] + a·x[k] for k < len. */
// @ts-ignore: decorator
@inline export function axpy_f64(y: usize, x: usize, len: i32, a: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(a);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + a * load<f64>(x + o));
  }
}

/** y[k] ← (y[k] + a0·x0[k]) + a1·x1[k] for k < len: two axpys in one pass, same bits as two calls. */
// @ts-ignore: decorator
@inline export function axpy2_f64(y: usize, x0: usize, x1: usize, len: i32, a0: f64, a1: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v0 = f64x2.splat(a0), v1 = f64x2.splat(a1);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const t = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(x0 + o)));
      v128.store(y + o, f64x2.add(t, f64x2.mul(v1, v128.load(x1 + o))));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, (load<f64>(y + o) + a0 * load<f64>(x0 + o)) + a1 * load<f64>(x1 + o));
  }
}

/**
 * The end of row i of the Crout Cholesky (chol_factor_f64) once the column pairs are done: the
 * odd column j (when j < i), L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j], then the
 * pivot d_i = A[i][i] − Σ_{k<i} L[i][k]², returned (the caller stores √d_i or fails).
 */
// @ts-ignore: decorator
@inline export function cholRowTail(a: usize, stride: usize, i: i32, j: i32): f64 {
  const ri = a + <usize>i * stride;
  if (j < i) {
    const rj = a + <usize>j * stride;
    const o = <usize>j << 3;
    store<f64>(ri + o, (load<f64>(ri + o) - dot_f64(ri, rj, j)) / load<f64>(rj + o));
  }
  return load<f64>(ri + (<usize>i << 3)) - dot_f64(ri, ri, i);
}

/**
 * In-place Cholesky (row-oriented Crout form): for each row i and j < i,
 *   L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]
 *   (columns in pairs j, j+1: for j+1 the sum is Σ_{k<j} (one pass shared with column j) + L[i][j]·L[j+1][j]),
 *   d_i     = A[i][i] − Σ_{k<i} L[i][k]²,   L[i][i] = √d_i.
 * Returns the smallest pivot d_i (> 0) on success, +∞ for n = 0, or the first pivot that is
 * not > 0 (≤ 0 or NaN): the matrix is not positive definite and the factor is incomplete.
 */
export function chol_factor_f64(a: usize, n: i32, ld: i32): f64 {
  let minPiv: f64 = Infinity;
  const stride = <usize>ld << 3;
  for (let i = 0; i < n; i++) {
    const ri = a + <usize>i * stride;
    let j = 0;
    // Columns j, j+1 together (one pass over L[i][0..j) for both dot products); the second
    // adds its k = j term L[i][j]·L[j+1][j] after the shared part.
    for (; j + 1 < i; j += 2) {
      const rj = a + <usize>j * stride, rj1 = rj + stride;
      const o = <usize>j << 3;
      const s0 = dot2_f64(ri, rj, rj1, j);
      const s1 = dot2Second;
      const lij = (load<f64>(ri + o) - s0) / load<f64>(rj + o);
      store<f64>(ri + o, lij);
      store<f64>(ri + o + 8, (load<f64>(ri + o + 8) - (s1 + lij * load<f64>(rj1 + o))) / load<f64>(rj1 + o + 8));
    }
    const oi = <usize>i << 3;
    const d = cholRowTail(a, stride, i, j);
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    store<f64>(ri + oi, Math.sqrt(d));
  }
  return minPiv;
}

/** x ← L⁻¹x (forward substitution): x_i = (x_i − Σ_{k<i} L[i][k]·x_k) / L[i][i]. */
export function chol_forward_f64(l: usize, n: i32, ld: i32, x: usize): void {
  const stride = <usize>ld << 3;
  for (let i = 0; i < n; i++) {
    const ri = l + <usize>i * stride;
    const o = <usize>i << 3;
    store<f64>(x + o, (load<f64>(x + o) - dot_f64(ri, x, i)) / load<f64>(ri + o));
  }
}

/**
 * x ← L⁻ᵀx (back substitution, column form so rows of L are read contiguously):
 * for i = n−1 … 0: x_i ← x_i / L[i][i]; x[0..i) ← x[0..i) − x_i·L[i][0..i).
 */
export function chol_backward_f64(l: usize, n: i32, ld: i32, x: usize): void {
  const stride = <usize>ld << 3;
  for (let i = n - 1; i >= 0; i--) {
    const ri = l + <usize>i * stride;
    const o = <usize>i << 3;
    const xi = load<f64>(x + o) / load<f64>(ri + o);
    store<f64>(x + o, xi);
    axpy_f64(x, ri, i, -xi);
  }
}

/** x ← (LLᵀ)⁻¹x: forward then back substitution. */
export function chol_solve_f64(l: usize, n: i32, ld: i32, x: usize): void {
  chol_forward_f64(l, n, ld, x);
  chol_backward_f64(l, n, ld, x);
}

/**
 * Factors `count` n×n matrices stored back to back (problem k at a + k·n²·8) in place;
 * piv[k] receives chol_factor_f64's return value for problem k (> 0 means success).
 */
export function chol_factor_batch_f64(a: usize, n: i32, count: i32, piv: usize): void {
  const step = <usize>n * <usize>n << 3;
  for (let k = 0; k < count; k++) {
    store<f64>(piv + (<usize>k << 3), chol_factor_f64(a + <usize>k * step, n, n));
  }
}

/** Solves LLᵀx = b in place for `count` factors and right-hand sides stored back to back. */
export function chol_solve_batch_f64(l: usize, n: i32, count: i32, x: usize): void {
  const step = <usize>n * <usize>n << 3;
  const xs = <usize>n << 3;
  for (let k = 0; k < count; k++) chol_solve_f64(l + <usize>k * step, n, n, x + <usize>k * xs);
}
