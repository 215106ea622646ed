// Inline vector helpers of the dense active-set kernel (assembly/qpdense.ts). Every reduction
// keeps the exact order of linalg.ts dot_f64 for each of its outputs (lane accumulators over
// even/odd indices, lane0 + lane1, then the odd tail), so SIMD build, scalar build and the
// TypeScript reference (test/support/reference/qpdense.ts) give the same bits; several outputs
// are computed side by side only to run independent dependency chains at once (latency, not
// flops, bounds these loops at n ≤ 64). Elementwise helpers (rotations, scaling, max/abs) have
// no reduction order at all.

/** Address of f64 element i of base. */
// @ts-ignore: decorator
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline export function ld(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function st(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize>i << 3), v);
}

/** 0 for an input shared by the batch (bit set in sharedMask), else the byte size of one problem's copy. */
// @ts-ignore: decorator
@inline export function stride(sharedMask: i32, bit: i32, elems: i32): usize {
  return (sharedMask & bit) != 0 ? 0 : <usize>elems << 3;
}

/** (x, y) ← (c·x + s·y, −s·x + c·y) elementwise over len (no reduction: SIMD = scalar bits). */
// @ts-ignore: decorator
@inline export function rot_f64(x: usize, y: usize, len: i32, c: f64, s: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vc = f64x2.splat(c), vs = f64x2.splat(s);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 3;
      const a = v128.load(x + o), b = v128.load(y + o);
      const a1 = v128.load(x + o, 16), b1 = v128.load(y + o, 16);
      v128.store(x + o, f64x2.add(f64x2.mul(vc, a), f64x2.mul(vs, b)));
      v128.store(y + o, f64x2.sub(f64x2.mul(vc, b), f64x2.mul(vs, a)));
      v128.store(x + o, f64x2.add(f64x2.mul(vc, a1), f64x2.mul(vs, b1)), 16);
      v128.store(y + o, f64x2.sub(f64x2.mul(vc, b1), f64x2.mul(vs, a1)), 16);
    }
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const a = v128.load(x + o), b = v128.load(y + o);
      v128.store(x + o, f64x2.add(f64x2.mul(vc, a), f64x2.mul(vs, b)));
      v128.store(y + o, f64x2.sub(f64x2.mul(vc, b), f64x2.mul(vs, a)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    const a = load<f64>(x + o), b = load<f64>(y + o);
    store<f64>(x + o, c * a + s * b);
    store<f64>(y + o, c * b - s * a);
  }
}

/**
 * a < b ? b : a: the larger of a and b when b is not NaN, else a. With a running maximum as
 * `a` (starting at 0), a NaN entry is skipped and the maximum never becomes NaN, so every
 * order of visiting the entries gives the same result: the largest non-NaN |x| (the norms
 * below ignore NaN entries; NaN inputs are caught later by the solver's NaN tests).
 */
// @ts-ignore: decorator
@inline export function nmax(a: f64, b: f64): f64 {
  return a < b ? b : a;
}

/** max_j |x[j]| over the non-NaN entries, j < len (0 for len 0; see nmax: SIMD = scalar bits). */
// @ts-ignore: decorator
@inline export function absmax_f64(x: usize, len: i32): f64 {
  let i = 0;
  let mx: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let a = f64x2.splat(0), b = f64x2.splat(0);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 3;
      a = f64x2.pmax(a, f64x2.abs(v128.load(x + o)));
      b = f64x2.pmax(b, f64x2.abs(v128.load(x + o, 16)));
    }
    if (i + 2 <= len) {
      a = f64x2.pmax(a, f64x2.abs(v128.load(x + (<usize>i << 3))));
      i += 2;
    }
    a = f64x2.pmax(a, b);
    mx = nmax(f64x2.extract_lane(a, 0), f64x2.extract_lane(a, 1));
  } else {
    let m0: f64 = 0, m1: f64 = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      m0 = nmax(m0, abs(load<f64>(x + o)));
      m1 = nmax(m1, abs(load<f64>(x + o, 8)));
    }
    mx = nmax(m0, m1);
  }
  if (i < len) mx = nmax(mx, abs(load<f64>(x + (<usize>i << 3))));
  return mx;
}

/**
 * *out0 ← dot(x0, y, l0) and *out1 ← dot(x1, y, l1), each in dot_f64's exact order (same bits
 * as two dot_f64 calls); the common prefix runs both chains on one load of y.
 */
// @ts-ignore: decorator
@inline export function dotPair_f64(x0: usize, x1: usize, y: usize, l0: i32, l1: i32, out0: usize, out1: usize): void {
  const m = min(l0, l1);
  let i = 0;
  let s0: f64 = 0, s1: f64 = 0;
  let i0 = 0, i1 = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
    for (; i + 2 <= m; i += 2) {
      const o = <usize>i << 3;
      const yv = v128.load(y + o);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(x0 + o), yv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(x1 + o), yv));
    }
    i0 = i;
    for (; i0 + 2 <= l0; i0 += 2) a0 = f64x2.add(a0, f64x2.mul(v128.load(x0 + (<usize>i0 << 3)), v128.load(y + (<usize>i0 << 3))));
    i1 = i;
    for (; i1 + 2 <= l1; i1 += 2) a1 = f64x2.add(a1, f64x2.mul(v128.load(x1 + (<usize>i1 << 3)), v128.load(y + (<usize>i1 << 3))));
    s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  } else {
    let e0: f64 = 0, f0: f64 = 0, e1: f64 = 0, f1: f64 = 0;
    for (; i + 2 <= m; i += 2) {
      const o = <usize>i << 3;
      const y0 = load<f64>(y + o), y1 = load<f64>(y + o, 8);
      e0 += load<f64>(x0 + o) * y0;
      f0 += load<f64>(x0 + o, 8) * y1;
      e1 += load<f64>(x1 + o) * y0;
      f1 += load<f64>(x1 + o, 8) * y1;
    }
    i0 = i;
    for (; i0 + 2 <= l0; i0 += 2) {
      const o = <usize>i0 << 3;
      e0 += load<f64>(x0 + o) * load<f64>(y + o);
      f0 += load<f64>(x0 + o, 8) * load<f64>(y + o, 8);
    }
    i1 = i;
    for (; i1 + 2 <= l1; i1 += 2) {
      const o = <usize>i1 << 3;
      e1 += load<f64>(x1 + o) * load<f64>(y + o);
      f1 += load<f64>(x1 + o, 8) * load<f64>(y + o, 8);
    }
    s0 = e0 + f0;
    s1 = e1 + f1;
  }
  if (i0 < l0) s0 += load<f64>(x0 + (<usize>i0 << 3)) * load<f64>(y + (<usize>i0 << 3));
  if (i1 < l1) s1 += load<f64>(x1 + (<usize>i1 << 3)) * load<f64>(y + (<usize>i1 << 3));
  store<f64>(out0, s0);
  store<f64>(out1, s1);
}

/**
 * *out_r ← dot(x_r, y, l_r) for r = 0..3, each in dot_f64's exact order (same bits as four
 * dot_f64 calls); the common prefix runs the four chains on one load of y.
 */
// @ts-ignore: decorator
@inline export function dotQuad_f64(x0: usize, x1: usize, x2: usize, x3: usize, y: usize,
  l0: i32, l1: i32, l2: i32, l3: i32, out0: usize, out1: usize, out2: usize, out3: usize): void {
  const m = min(min(l0, l1), min(l2, l3));
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    for (; i + 2 <= m; i += 2) {
      const o = <usize>i << 3;
      const yv = v128.load(y + o);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(x0 + o), yv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(x1 + o), yv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(x2 + o), yv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(x3 + o), yv));
    }
    store<f64>(out0, finishSimd(a0, x0, y, i, l0));
    store<f64>(out1, finishSimd(a1, x1, y, i, l1));
    store<f64>(out2, finishSimd(a2, x2, y, i, l2));
    store<f64>(out3, finishSimd(a3, x3, y, i, l3));
  } else {
    let e0: f64 = 0, f0: f64 = 0, e1: f64 = 0, f1: f64 = 0, e2: f64 = 0, f2: f64 = 0, e3: f64 = 0, f3: f64 = 0;
    for (; i + 2 <= m; i += 2) {
      const o = <usize>i << 3;
      const y0 = load<f64>(y + o), y1 = load<f64>(y + o, 8);
      e0 += load<f64>(x0 + o) * y0;
      f0 += load<f64>(x0 + o, 8) * y1;
      e1 += load<f64>(x1 + o) * y0;
      f1 += load<f64>(x1 + o, 8) * y1;
      e2 += load<f64>(x2 + o) * y0;
      f2 += load<f64>(x2 + o, 8) * y1;
      e3 += load<f64>(x3 + o) * y0;
      f3 += load<f64>(x3 + o, 8) * y1;
    }
    store<f64>(out0, finishScalar(e0, f0, x0, y, i, l0));
    store<f64>(out1, finishScalar(e1, f1, x1, y, i, l1));
    store<f64>(out2, finishScalar(e2, f2, x2, y, i, l2));
    store<f64>(out3, finishScalar(e3, f3, x3, y, i, l3));
  }
}

/** The rest of dot(x, y, len) from pair index i with lane accumulator a (SIMD build). */
// @ts-ignore: decorator
@inline function finishSimd(a: v128, x: usize, y: usize, i: i32, len: i32): f64 {
  for (; i + 2 <= len; i += 2) a = f64x2.add(a, f64x2.mul(v128.load(x + (<usize>i << 3)), v128.load(y + (<usize>i << 3))));
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  if (i < len) s += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s;
}

/** The rest of dot(x, y, len) from pair index i with accumulators e (even), f (odd) (scalar build). */
// @ts-ignore: decorator
@inline function finishScalar(e: f64, f: f64, x: usize, y: usize, i: i32, len: i32): f64 {
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    e += load<f64>(x + o) * load<f64>(y + o);
    f += load<f64>(x + o, 8) * load<f64>(y + o, 8);
  }
  let s = e + f;
  if (i < len) s += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s;
}

/**
 * dst[i] ← src[i] for i < len (forward, so dst < src may overlap). An inline loop: V8 runs
 * memory.copy / memory.fill through a runtime call, which costs more than these short blocks.
 */
// @ts-ignore: decorator
@inline export function copy_f64(dst: usize, src: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= len; i += 2) v128.store(dst + (<usize>i << 3), v128.load(src + (<usize>i << 3)));
  }
  for (; i < len; i++) store<i64>(dst + (<usize>i << 3), load<i64>(src + (<usize>i << 3)));
}

/** dst[i] ← +0 for i < len (inline; see copy_f64). */
// @ts-ignore: decorator
@inline export function zero_f64(dst: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = i64x2.splat(0);
    for (; i + 2 <= len; i += 2) v128.store(dst + (<usize>i << 3), z);
  }
  for (; i < len; i++) store<i64>(dst + (<usize>i << 3), 0);
}

/**
 * One sweep of the Ruiz equilibration over a row: dst[j] ← src[j] when `scale` is false, else
 * dst[j] ← (dst[j]·f)·c[j] (src unused); returns max_j |dst[j]| over the non-NaN entries and,
 * when `col`, also cn[j] ← pmax(cn[j], |dst[j]|): a copy (or scaling), its ∞-norm and its
 * share of the column norms in one pass (elementwise; order-free maxima, see nmax).
 */
// @ts-ignore: decorator
@inline export function rowSweep_f64(dst: usize, src: usize, len: i32, scale: bool, f: f64, c: usize, col: bool, cn: usize): f64 {
  let i = 0;
  let mx: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vf = f64x2.splat(f);
    let vm = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      let v: v128;
      if (scale) v = f64x2.mul(f64x2.mul(v128.load(dst + o), vf), v128.load(c + o));
      else v = v128.load(src + o);
      v128.store(dst + o, v);
      const a = f64x2.abs(v);
      vm = f64x2.pmax(vm, a);
      if (col) v128.store(cn + o, f64x2.pmax(v128.load(cn + o), a));
    }
    mx = nmax(f64x2.extract_lane(vm, 0), f64x2.extract_lane(vm, 1));
  }
  for (; i < len; i++) {
    const o = <usize>i << 3;
    let v: f64;
    if (scale) {
      v = load<f64>(dst + o) * f * load<f64>(c + o);
      store<f64>(dst + o, v);
    } else {
      store<i64>(dst + o, load<i64>(src + o));
      v = load<f64>(dst + o);
    }
    const a = abs(v);
    mx = nmax(mx, a);
    if (col) store<f64>(cn + o, nmax(load<f64>(cn + o), a));
  }
  return mx;
}
