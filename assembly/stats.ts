// Statistics kernels for the analysis of optimizer dynamics (SPEC B.1.6, B.1.7), with
// f64 accumulators throughout.
//
// - centering of a rows×cols sample matrix (f32 or f64 input) into f64, optionally
//   transposed (so that covariance becomes a product of contiguous rows);
// - `syrk_f64`: out = s·A·Aᵀ for A (n×len, row-major), the SYRK of BLAS: 2×4 register
//   tiles (2×2 and single dots at the edges) over the upper triangle, in blocks of 8 rows,
//   mirrored into the lower triangle;
// - `symv_f64`: y = A·x (power iteration);
// - `abs_*_to_f64` and `select_f64`: O(n) selection (Floyd–Rivest with an introselect
//   fallback) for order statistics (Hill).
//
// Summation order (same in the SIMD build, the scalar build and test/reference/stats.ts,
// so all three agree bit for bit): a dot product over length `len` keeps two partial sums,
// s0 over even indices and s1 over odd indices below len − len%2, returns (s0 + s1) plus the
// last element when len is odd. Column means sum the rows in row order.
//
// Preconditions: pointers address the documented number of elements; outputs do not alias
// inputs. No allocation; `select_f64` recurses only on its O(n^{2/3}) samples (depth O(log log n)).

/** Column means of x (rows×cols, f32) into mean (f64), then out = x − mean (f64), out is rows×cols or cols×rows when `transpose` ≠ 0. */
export function center_f32(out: usize, x: usize, mean: usize, rows: i32, cols: i32, transpose: i32): void {
  colMeans(x, mean, rows, cols, true);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(x + ((<usize>r * cols + c) << 2)) - load<f64>(mean + (<usize>c << 3));
      const at = transpose != 0 ? <usize>c * rows + r : <usize>r * cols + c;
      store<f64>(out + (at << 3), v);
    }
  }
}

/** As `center_f32` for f64 input. */
export function center_f64(out: usize, x: usize, mean: usize, rows: i32, cols: i32, transpose: i32): void {
  colMeans(x, mean, rows, cols, false);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = load<f64>(x + ((<usize>r * cols + c) << 3)) - load<f64>(mean + (<usize>c << 3));
      const at = transpose != 0 ? <usize>c * rows + r : <usize>r * cols + c;
      store<f64>(out + (at << 3), v);
    }
  }
}

// @ts-ignore: decorator
@inline function colMeans(x: usize, mean: usize, rows: i32, cols: i32, f32in: bool): void {
  for (let c = 0; c < cols; c++) store<f64>(mean + (<usize>c << 3), 0);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    if (ASC_FEATURE_SIMD && !f32in) {
      for (; c + 2 <= cols; c += 2) {
        const mo = mean + (<usize>c << 3);
        v128.store(mo, f64x2.add(v128.load(mo), v128.load(x + ((<usize>r * cols + c) << 3))));
      }
    }
    for (; c < cols; c++) {
      const mo = mean + (<usize>c << 3);
      const v = f32in ? <f64>load<f32>(x + ((<usize>r * cols + c) << 2)) : load<f64>(x + ((<usize>r * cols + c) << 3));
      store<f64>(mo, load<f64>(mo) + v);
    }
  }
  const inv = rows > 0 ? <f64>rows : 1.0;
  for (let c = 0; c < cols; c++) {
    const mo = mean + (<usize>c << 3);
    store<f64>(mo, load<f64>(mo) / inv);
  }
}

/** Dot product of two f64 rows with the documented two-partial-sum order. */
// @ts-ignore: decorator
@inline function dot1(a: usize, b: usize, len: i32): f64 {
  const even = len & ~1;
  let t = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  } else {
    let s0: f64 = 0, s1: f64 = 0;
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      s0 += load<f64>(a + o) * load<f64>(b + o);
      s1 += load<f64>(a + o, 8) * load<f64>(b + o, 8);
    }
    s = s0 + s1;
  }
  if (len & 1) {
    const o = <usize>(len - 1) << 3;
    s += load<f64>(a + o) * load<f64>(b + o);
  }
  return s;
}

/**
 * out (n×n, f64) = s·A·Aᵀ, A (n×len, f64 row-major): the Gram matrix of A's rows. Covariance
 * of T samples × d dims: center transposed (A = d×T) and s = 1/T; Gram form K = VVᵀ/L: A = V.
 * Computes the upper triangle in register tiles (eight independent dot products share six
 * loads) and mirrors it, so out is exactly symmetric.
 */
export function syrk_f64(out: usize, a: usize, n: i32, len: i32, s: f64): void {
  const rowBytes = <usize>len << 3;
  const pairsEnd = n & ~1;
  // Blocks of 8 rows: the four j rows of a 2×4 tile are reused by the four row pairs of the
  // block while they are hot in L1, which cuts the streamed traffic by 4 (the summation order,
  // and so the bits, do not depend on the blocking).
  for (let ib = 0; ib < pairsEnd; ib += 8) {
    const ie = min<i32>(ib + 8, pairsEnd);
    let j = ib;
    for (; j + 4 <= n; j += 4) {
      for (let i = ib; i < ie; i += 2) if (j + 3 >= i) tile2x4(out, a, n, len, s, i, j, rowBytes);
    }
    for (let i = ib; i < ie; i += 2) {
      let jj = j;
      for (; jj + 2 <= n; jj += 2) tile2x2(out, a, n, len, s, i, jj, rowBytes);
      if (jj < n) {
        const a0 = a + <usize>i * rowBytes, b0 = a + <usize>jj * rowBytes;
        put(out, n, i, jj, s * dot1(a0, b0, len));
        put(out, n, i + 1, jj, s * dot1(a0 + rowBytes, b0, len));
      }
    }
  }
  if (pairsEnd < n) {
    const a0 = a + <usize>pairsEnd * rowBytes;
    put(out, n, pairsEnd, pairsEnd, s * dot1(a0, a0, len));
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Rows (i, i+1) × rows (j, j+1). */
// @ts-ignore: decorator
@inline function tile2x2(out: usize, a: usize, n: i32, len: i32, s: f64, i: i32, j: i32, rowBytes: usize): void {
  const a0 = a + <usize>i * rowBytes, a1 = a0 + rowBytes;
  const b0 = a + <usize>j * rowBytes, b1 = b0 + rowBytes;
  const even = len & ~1;
  let s00: f64 = 0, s01: f64 = 0, s10: f64 = 0, s11: f64 = 0;
  let t = 0;
  if (ASC_FEATURE_SIMD) {
    let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
      const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
      c00 = f64x2.add(c00, f64x2.mul(x0, y0));
      c01 = f64x2.add(c01, f64x2.mul(x0, y1));
      c10 = f64x2.add(c10, f64x2.mul(x1, y0));
      c11 = f64x2.add(c11, f64x2.mul(x1, y1));
    }
    s00 = hsum(c00); s01 = hsum(c01); s10 = hsum(c10); s11 = hsum(c11);
  } else {
    let e00: f64 = 0, e01: f64 = 0, e10: f64 = 0, e11: f64 = 0;
    let o00: f64 = 0, o01: f64 = 0, o10: f64 = 0, o11: f64 = 0;
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      const x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o), y0 = load<f64>(b0 + o), y1 = load<f64>(b1 + o);
      const u0 = load<f64>(a0 + o, 8), u1 = load<f64>(a1 + o, 8), w0 = load<f64>(b0 + o, 8), w1 = load<f64>(b1 + o, 8);
      e00 += x0 * y0; e01 += x0 * y1; e10 += x1 * y0; e11 += x1 * y1;
      o00 += u0 * w0; o01 += u0 * w1; o10 += u1 * w0; o11 += u1 * w1;
    }
    s00 = e00 + o00; s01 = e01 + o01; s10 = e10 + o10; s11 = e11 + o11;
  }
  if (len & 1) {
    const o = <usize>(len - 1) << 3;
    const x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o), y0 = load<f64>(b0 + o), y1 = load<f64>(b1 + o);
    s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
  }
  put(out, n, i, j, s * s00);
  put(out, n, i, j + 1, s * s01);
  put(out, n, i + 1, j, s * s10);
  put(out, n, i + 1, j + 1, s * s11);
}

/** Rows (i, i+1) × rows (j … j+3): eight dot products sharing six loads per pair of t. */
// @ts-ignore: decorator
@inline function tile2x4(out: usize, a: usize, n: i32, len: i32, s: f64, i: i32, j: i32, rowBytes: usize): void {
  const a0 = a + <usize>i * rowBytes, a1 = a0 + rowBytes;
  const b0 = a + <usize>j * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
  const even = len & ~1;
  let r00: f64 = 0, r01: f64 = 0, r02: f64 = 0, r03: f64 = 0, r10: f64 = 0, r11: f64 = 0, r12: f64 = 0, r13: f64 = 0;
  let t = 0;
  if (ASC_FEATURE_SIMD) {
    let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c02 = f64x2.splat(0), c03 = f64x2.splat(0);
    let c10 = f64x2.splat(0), c11 = f64x2.splat(0), c12 = f64x2.splat(0), c13 = f64x2.splat(0);
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
      const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o), y2 = v128.load(b2 + o), y3 = v128.load(b3 + o);
      c00 = f64x2.add(c00, f64x2.mul(x0, y0));
      c01 = f64x2.add(c01, f64x2.mul(x0, y1));
      c02 = f64x2.add(c02, f64x2.mul(x0, y2));
      c03 = f64x2.add(c03, f64x2.mul(x0, y3));
      c10 = f64x2.add(c10, f64x2.mul(x1, y0));
      c11 = f64x2.add(c11, f64x2.mul(x1, y1));
      c12 = f64x2.add(c12, f64x2.mul(x1, y2));
      c13 = f64x2.add(c13, f64x2.mul(x1, y3));
    }
    r00 = hsum(c00); r01 = hsum(c01); r02 = hsum(c02); r03 = hsum(c03);
    r10 = hsum(c10); r11 = hsum(c11); r12 = hsum(c12); r13 = hsum(c13);
  } else {
    let e00: f64 = 0, e01: f64 = 0, e02: f64 = 0, e03: f64 = 0, e10: f64 = 0, e11: f64 = 0, e12: f64 = 0, e13: f64 = 0;
    let o00: f64 = 0, o01: f64 = 0, o02: f64 = 0, o03: f64 = 0, o10: f64 = 0, o11: f64 = 0, o12: f64 = 0, o13: f64 = 0;
    for (; t < even; t += 2) {
      const o = <usize>t << 3;
      let x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o);
      let y0 = load<f64>(b0 + o), y1 = load<f64>(b1 + o), y2 = load<f64>(b2 + o), y3 = load<f64>(b3 + o);
      e00 += x0 * y0; e01 += x0 * y1; e02 += x0 * y2; e03 += x0 * y3;
      e10 += x1 * y0; e11 += x1 * y1; e12 += x1 * y2; e13 += x1 * y3;
      x0 = load<f64>(a0 + o, 8); x1 = load<f64>(a1 + o, 8);
      y0 = load<f64>(b0 + o, 8); y1 = load<f64>(b1 + o, 8); y2 = load<f64>(b2 + o, 8); y3 = load<f64>(b3 + o, 8);
      o00 += x0 * y0; o01 += x0 * y1; o02 += x0 * y2; o03 += x0 * y3;
      o10 += x1 * y0; o11 += x1 * y1; o12 += x1 * y2; o13 += x1 * y3;
    }
    r00 = e00 + o00; r01 = e01 + o01; r02 = e02 + o02; r03 = e03 + o03;
    r10 = e10 + o10; r11 = e11 + o11; r12 = e12 + o12; r13 = e13 + o13;
  }
  if (len & 1) {
    const o = <usize>(len - 1) << 3;
    const x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o);
    const y0 = load<f64>(b0 + o), y1 = load<f64>(b1 + o), y2 = load<f64>(b2 + o), y3 = load<f64>(b3 + o);
    r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
    r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
  }
  put(out, n, i, j, s * r00); put(out, n, i, j + 1, s * r01); put(out, n, i, j + 2, s * r02); put(out, n, i, j + 3, s * r03);
  put(out, n, i + 1, j, s * r10); put(out, n, i + 1, j + 1, s * r11); put(out, n, i + 1, j + 2, s * r12); put(out, n, i + 1, j + 3, s * r13);
}

// @ts-ignore: decorator
@inline function put(out: usize, n: i32, i: i32, j: i32, v: f64): void {
  store<f64>(out + ((<usize>i * n + j) << 3), v);
  store<f64>(out + ((<usize>j * n + i) << 3), v);
}

/** y = A·x for A (n×n, f64 row-major); each row is a dot product in the documented order. */
export function symv_f64(y: usize, a: usize, x: usize, n: i32): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < n; i++) store<f64>(y + (<usize>i << 3), dot1(a + <usize>i * rowBytes, x, n));
}

/** dst = |src| for f32 src, widened to f64. */
export function abs_f32_to_f64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), abs<f64>(<f64>load<f32>(src + (<usize>i << 2))));
}

/** dst = |src| for f64 src (dst may equal src). */
export function abs_f64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(dst + o, f64x2.abs(v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dst + o, abs<f64>(load<f64>(src + o)));
  }
}

// @ts-ignore: decorator
@inline function ld(x: usize, i: i32): f64 {
  return load<f64>(x + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function swap(x: usize, i: i32, j: i32): void {
  const a = x + (<usize>i << 3), b = x + (<usize>j << 3);
  const t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}

/**
 * Selection, in place: afterwards x[k] is the k-th smallest (0-based) of x[0..n), every
 * x[i] with i < k is ≤ x[k] and every x[i] with i > k is ≥ x[k]. Returns x[k].
 * Floyd–Rivest (1975, Algorithm 489): on ranges above 600 elements a sample of size
 * ~n^{2/3} is selected first (recursively) so that the pivot lands next to position k and the
 * full partition pass is done about once; expected n + min(k, n−k) + o(n) comparisons.
 * Hoare-style partition stops on elements equal to the pivot, so runs of equal values split
 * evenly. As in introselect, after 2·log2(n) rounds without convergence the pivot comes from
 * median-of-medians (groups of 5), which bounds the worst case at O(n). Input must hold no
 * NaN (the caller checks). Requires 0 ≤ k < n.
 */
export function select_f64(x: usize, n: i32, k: i32): f64 {
  frSelect(x, 0, n - 1, k, 2 * (32 - clz<i32>(n)));
  return ld(x, k);
}

/** `select_f64` with an explicit round budget (0 = median-of-medians pivots from the start; for tests). */
export function select_budget_f64(x: usize, n: i32, k: i32, budget: i32): f64 {
  frSelect(x, 0, n - 1, k, budget);
  return ld(x, k);
}

function frSelect(x: usize, left: i32, right: i32, k: i32, budget: i32): void {
  while (right > left) {
    if (budget <= 0) {
      // Guaranteed-progress pivot: move the median of medians to position k.
      const piv = medianOfMedians(x, left, right);
      for (let q = left; q <= right; q++) if (ld(x, q) == piv) { swap(x, q, k); break; }
    } else if (right - left > 600) {
      const nn = <f64>(right - left + 1);
      const i = <f64>(k - left + 1);
      const z = Math.log(nn);
      const s = 0.5 * Math.exp((2.0 * z) / 3.0);
      const sd = 0.5 * Math.sqrt((z * s * (nn - s)) / nn) * (i - nn / 2 < 0 ? -1.0 : 1.0);
      const nl = max<i32>(left, <i32>Math.floor(<f64>k - (i * s) / nn + sd));
      const nr = min<i32>(right, <i32>Math.floor(<f64>k + ((nn - i) * s) / nn + sd));
      frSelect(x, nl, nr, k, budget - 1);
    }
    budget--;
    const t = ld(x, k);
    let i = left, j = right;
    swap(x, left, k);
    if (ld(x, right) > t) swap(x, right, left);
    while (i < j) {
      swap(x, i, j);
      i++;
      j--;
      while (ld(x, i) < t) i++;
      while (ld(x, j) > t) j--;
    }
    if (ld(x, left) == t) swap(x, left, j);
    else {
      j++;
      swap(x, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** A pivot value from median-of-medians of groups of 5 (moves the medians to the front). */
function medianOfMedians(x: usize, lo: i32, hi: i32): f64 {
  let m = lo;
  for (let g = lo; g <= hi; g += 5) {
    const e = min<i32>(g + 4, hi);
    for (let i = g + 1; i <= e; i++) {
      const v = ld(x, i);
      let j = i - 1;
      while (j >= g && ld(x, j) > v) {
        store<f64>(x + (<usize>(j + 1) << 3), ld(x, j));
        j--;
      }
      store<f64>(x + (<usize>(j + 1) << 3), v);
    }
    swap(x, m, g + ((e - g) >> 1));
    m++;
  }
  const cnt = m - lo;
  // Median of the medians by a nested selection on the front block.
  return select_f64(x + (<usize>lo << 3), cnt, cnt >> 1);
}

/** Number of NaN or ±Inf entries of an f64 vector (x − x is NaN exactly for those). */
export function count_nonfinite_f64(x: usize, n: i32): i32 {
  let i = 0;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = i64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const v = v128.load(x + (<usize>i << 3));
      const d = f64x2.sub(v, v);
      acc = i64x2.sub(acc, f64x2.ne(d, d));
    }
    c = <i32>(i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1));
  }
  for (; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    const d = v - v;
    if (d != d) c++;
  }
  return c;
}
