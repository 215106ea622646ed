// Elementwise f32 vector kernels: the building blocks optimizer chains are made of
// (scale, axpy, clip), a global-norm reduction, and non-finite detection / repair.
// SIMD body over 4 lanes and a scalar tail; reductions keep 4 lane accumulators in the
// scalar build too, so both builds and the TypeScript reference give the same bits.

import { axpy } from './helpers';

/** x ← s·x */
export function scale_f32(x: usize, n: i32, s: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(x + o, f32x4.mul(vs, v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, s * load<f32>(x + o));
  }
}

/** y ← y + a·x  (add decayed weights: a = wd, x = params; apply updates: a = 1). */
export function axpy_f32(y: usize, x: usize, n: i32, a: f32): void {
  axpy(y, x, n, a);
}

/** x ← min(max(x, lo), hi)  (optax `clip`; NaN stays NaN). */
export function clip_f32(x: usize, n: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(x + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}

/**
 * Σ x² accumulated in f64 (the square of an f32 is exact in f64) over 4 lane
 * accumulators a0..a3, combined as (a0 + a1) + (a2 + a3), then the tail in order.
 */
export function sumsq_f32(x: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const xi = v128.load(x + (<usize>i << 2));
      const a = f64x2.promote_low_f32x4(xi);
      const b = f64x2.promote_low_f32x4(v128.shuffle<f32>(xi, xi, 2, 3, 0, 1));
      lo = f64x2.add(lo, f64x2.mul(a, a));
      hi = f64x2.add(hi, f64x2.mul(b, b));
    }
    s = (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
      (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
  } else {
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const x0 = <f64>load<f32>(x + o), x1 = <f64>load<f32>(x + o, 4);
      const x2 = <f64>load<f32>(x + o, 8), x3 = <f64>load<f32>(x + o, 12);
      a0 += x0 * x0; a1 += x1 * x1; a2 += x2 * x2; a3 += x3 * x3;
    }
    s = (a0 + a1) + (a2 + a3);
  }
  for (; i < n; i++) {
    const xi = <f64>load<f32>(x + (<usize>i << 2));
    s += xi * xi;
  }
  return s;
}

/**
 * Number of NaN or ±Inf entries (x − x is NaN exactly for those).
 * Runs before every optimizer step, so the common all-finite case is screened first by
 * `anyNonfinite` (one add per 4 lanes); entries are counted only when the screen fires.
 */
export function count_nonfinite_f32(x: usize, n: i32): i32 {
  if (!anyNonfinite(x, n)) return 0;
  let i = 0;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const xi = v128.load(x + (<usize>i << 2));
      const d = f32x4.sub(xi, xi);
      acc = i32x4.sub(acc, f32x4.ne(d, d));
    }
    c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
      i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const d = xi - xi;
    if (d != d) c++;
  }
  return c;
}

/**
 * Screen for `count_nonfinite_f32`: false guarantees that every entry is finite.
 * Sums the entries into lane accumulators. A NaN or ±Inf entry makes its accumulator
 * non-finite for good (NaN + y = NaN, ±Inf + finite = ±Inf, Inf + −Inf = NaN), so an
 * all-finite result proves all entries finite. A finite sum can still overflow to ±Inf
 * (entries near 3e38): then this returns true and the caller counts exactly, so that
 * rare case only costs a second pass. One add per 4 lanes.
 */
function anyNonfinite(x: usize, n: i32): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Four streams, one per quarter of x, two vectors each per iteration: more reads in
    // flight than a single stream, about twice the throughput once x is out of cache.
    const q = (n >> 2) & ~7; // elements per quarter
    const qb = <usize>q << 2;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let j = 0; j < q; j += 8) {
      const r = x + (<usize>j << 2);
      a0 = f32x4.add(a0, f32x4.add(v128.load(r), v128.load(r, 16)));
      a1 = f32x4.add(a1, f32x4.add(v128.load(r + qb), v128.load(r + qb, 16)));
      a2 = f32x4.add(a2, f32x4.add(v128.load(r + 2 * qb), v128.load(r + 2 * qb, 16)));
      a3 = f32x4.add(a3, f32x4.add(v128.load(r + 3 * qb), v128.load(r + 3 * qb, 16)));
    }
    i = q << 2;
    for (; i + 4 <= n; i += 4) a0 = f32x4.add(a0, v128.load(x + (<usize>i << 2)));
    const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    const d = f32x4.sub(s, s);
    if (v128.any_true(f32x4.ne(d, d))) return true;
  } else {
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const q = x + (<usize>i << 2);
      a0 += load<f32>(q);
      a1 += load<f32>(q, 4);
      a2 += load<f32>(q, 8);
      a3 += load<f32>(q, 12);
    }
    const s = (a0 + a1) + (a2 + a3);
    const d = s - s;
    if (d != d) return true;
  }
  let t: f32 = 0;
  for (; i < n; i++) t += load<f32>(x + (<usize>i << 2));
  const d = t - t;
  return d != d;
}

/** Replace NaN and ±Inf by +0 in place; returns how many were replaced. */
export function zero_nonfinite_f32(x: usize, n: i32): i32 {
  let i = 0;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const xi = v128.load(x + o);
      const d = f32x4.sub(xi, xi);
      const bad = f32x4.ne(d, d);
      acc = i32x4.sub(acc, bad);
      v128.store(x + o, v128.andnot(xi, bad));
    }
    c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
      i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xi = load<f32>(x + o);
    const d = xi - xi;
    if (d != d) {
      store<f32>(x + o, 0);
      c++;
    }
  }
  return c;
}
