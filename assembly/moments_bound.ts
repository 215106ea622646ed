// Whole-vector proofs that a fused optimizer write is clean (mode 3 of assembly/moments.ts).
//
// A fused step under nonFinite 'throw'/'skip' must write nothing when any new parameter or slot
// value would be NaN/±Inf, so every coordinate has to be known clean before the first store.
// The exact way is a check pass that does the whole update arithmetic (mode 1). This module does
// it cheaper: one read-only pass over the inputs records the largest magnitude of each array
// (max |p|, max |g|, max |m| …, and for Adam's v the largest raw bit pattern, which also rejects
// any negative v), then bounds every intermediate of the update in f64 from those maxima. When
// every bound stays ≤ T = 1e37 (F32_MAX ≈ 3.4e38; the margin covers f32 rounding, at most a
// factor (1 + 2⁻²⁴) per operation over about ten operations), no lane can produce NaN/±Inf and
// the trusted write (mode 2) runs directly. Otherwise the caller falls back to the exact check.
//
// The maxima are taken over f32 bit patterns as unsigned integers: for x ≥ +0 the integer order
// is the float order, and NaN/±Inf (exponent all ones) sort above every finite value, so one
// integer max per lane (no float compare, no NaN special case) finds both the magnitude and
// any non-finite entry. Both builds compute the same integers; the result only selects a path,
// and both paths write the same bits (the exact check decides when the bound cannot), so the
// outputs do not depend on this proof at all. The pass reads the arrays as they are at the
// call: a value written by the user into params or a slot view between steps is seen.

/**
 * Loop constants of the SIMD kernels go through memory: V8's TurboFan (Node 20) re-broadcasts
 * an `f32x4.splat` of a parameter at every use inside a loop (a `vbroadcastss` per use, 8–14
 * extra instructions per vector in the Adam loop), while a vector loaded from memory before the
 * loop stays in a register. `hoist(k, x)` stores splat(x) into slot k (0…15) of this module's
 * static scratch and loads it back; within one kernel call every constant takes its own slot.
 * Same bits as the splat, so results are unchanged (measured: docs/runtime.md#cost).
 */
const HOIST: usize = memory.data(256, 16);

// @ts-ignore: decorator
@inline export function hoist(k: i32, x: f32): v128 {
  const at = HOIST + (<usize>k << 4);
  v128.store(at, f32x4.splat(x));
  return v128.load(at);
}

/** `hoist` for an i32 lane pattern (masks). */
// @ts-ignore: decorator
@inline export function hoistI(k: i32, x: i32): v128 {
  const at = HOIST + (<usize>k << 4);
  v128.store(at, i32x4.splat(x));
  return v128.load(at);
}

/** Largest bound any intermediate may reach (see the header); also the headroom of Adam's check-mode screen. */
export const SAFE_T: f64 = 1e37;
/** Largest finite f32 bit pattern (F32_MAX); any pattern above it (as u32) is NaN, ±Inf or negative. */
const FINITE_MAX: u32 = 0x7f7fffff;

// Maxima of the last `scanMax` (internal scratch; reset by every call).
let max0: u32 = 0, max1: u32 = 0, max2: u32 = 0, max3: u32 = 0;

/** The largest of four u32 lanes. */
// @ts-ignore: decorator
@inline function laneMaxU(x: v128): u32 {
  const a = max<u32>(<u32>i32x4.extract_lane(x, 0), <u32>i32x4.extract_lane(x, 1));
  const b = max<u32>(<u32>i32x4.extract_lane(x, 2), <u32>i32x4.extract_lane(x, 3));
  return max<u32>(a, b);
}

/**
 * One read-only pass over `k` arrays (2 ≤ k ≤ 4) of n f32 at a, b, c, d: max0…max3 receive the
 * largest |x| bit pattern of each array (sign cleared); with `rawLast` the last array keeps its
 * sign bit, so a negative entry (−0 included) sorts above every finite value.
 */
// @ts-ignore: decorator
@inline function scanMax(a: usize, b: usize, c: usize, d: usize, n: i32, k: i32, rawLast: bool): void {
  // The scan runs from the end to the start: the previous step's write pass ran forwards and
  // left the ends of the arrays in cache, and the write after this scan starts where the scan
  // ended, on the starts it just read. The tail beyond the last multiple of 8 comes first.
  let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;
  const lastBits: u32 = rawLast ? 0xffffffff : 0x7fffffff;
  let i = ASC_FEATURE_SIMD ? n & ~7 : 0;
  for (let j = i; j < n; j++) {
    const o = <usize>j << 2;
    s0 = max<u32>(s0, load<u32>(a + o) & 0x7fffffff);
    s1 = max<u32>(s1, load<u32>(b + o) & 0x7fffffff);
    if (k == 3) s2 = max<u32>(s2, load<u32>(c + o) & lastBits);
    if (k == 4) {
      s2 = max<u32>(s2, load<u32>(c + o) & 0x7fffffff);
      s3 = max<u32>(s3, load<u32>(d + o) & lastBits);
    }
  }
  if (ASC_FEATURE_SIMD) {
    const abs = i32x4.splat(0x7fffffff);
    const lastMask = rawLast ? i32x4.splat(-1) : abs;
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    while (i > 0) {
      i -= 8;
      const o = <usize>i << 2;
      a0 = i32x4.max_u(a0, i32x4.max_u(v128.and(v128.load(a + o), abs), v128.and(v128.load(a + o, 16), abs)));
      a1 = i32x4.max_u(a1, i32x4.max_u(v128.and(v128.load(b + o), abs), v128.and(v128.load(b + o, 16), abs)));
      if (k == 3) a2 = i32x4.max_u(a2, i32x4.max_u(v128.and(v128.load(c + o), lastMask), v128.and(v128.load(c + o, 16), lastMask)));
      if (k == 4) {
        a2 = i32x4.max_u(a2, i32x4.max_u(v128.and(v128.load(c + o), abs), v128.and(v128.load(c + o, 16), abs)));
        a3 = i32x4.max_u(a3, i32x4.max_u(v128.and(v128.load(d + o), lastMask), v128.and(v128.load(d + o, 16), lastMask)));
      }
    }
    s0 = max<u32>(s0, laneMaxU(a0));
    s1 = max<u32>(s1, laneMaxU(a1));
    s2 = max<u32>(s2, laneMaxU(a2));
    s3 = max<u32>(s3, laneMaxU(a3));
  }
  max0 = s0;
  max1 = s1;
  max2 = s2;
  max3 = s3;
}

/** The f32 value of a recorded maximum as f64, or +∞ when it is not a finite value ≥ 0. */
// @ts-ignore: decorator
@inline export function valueOf(bits: u32): f64 {
  return bits > FINITE_MAX ? Infinity : <f64>reinterpret<f32>(bits);
}

/** True when x is a finite f64 in [0, T] (false for NaN). */
// @ts-ignore: decorator
@inline function within(x: f64): bool {
  return x >= 0 && x <= SAFE_T;
}

/**
 * Adam / AdamW / Eve (adam_f32): true proves that no lane's new p, m or v is NaN/±Inf. With
 * P = max|p|, G = max|g|, M = max|m|, V = max v (every v ≥ +0):
 *   G' = G + |l2|·P ≤ 1e18 (so G'² ≤ 1e36),  M' = β1·M + (1−β1)·G',  V' = β2·V + (1−β2)·G'²,
 *   U = M'·c1/ε (the denominator √v'·r2 + ε is ≥ ε > 0 in f32: a sum of non-negative terms),
 *   |p'| ≤ P + |lr|·(U + |wd|·P);  also √V'·r2 ≤ T (a finite denominator).
 * Requires β1, 1−β1, β2, 1−β2 ∈ [0, 1], c1, r2 ≥ 0 finite, ε > 0, lr, wd, l2 finite; otherwise false.
 */
export function adam_safe_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32,
): bool {
  if (!adamHyperOk(b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr)) return false;
  scanMax(p, g, m, v, n, 4, true);
  return adamProof(valueOf(max0), valueOf(max1), valueOf(max2), valueOf(max3), b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr);
}

/** The hyper-parameter conditions of `adam_safe_f32`. */
// @ts-ignore: decorator
@inline export function adamHyperOk(b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32): bool {
  return b1 >= 0 && b1 <= 1 && ob1 >= 0 && ob1 <= 1 && b2 >= 0 && b2 <= 1 && ob2 >= 0 && ob2 <= 1 &&
    c1 >= 0 && c1 - c1 == 0 && r2 >= 0 && r2 - r2 == 0 && eps > 0 && lr - lr == 0 && wd - wd == 0 && l2 - l2 == 0;
}

/** Bounds on the new max|p|, max|m|, max v of the last successful `adamProof`, before rounding slack. */
export let proofP: f64 = 0, proofM: f64 = 0, proofV: f64 = 0;

/**
 * The bound of `adam_safe_f32` from maxima (or any upper bounds) P, G, M, V of |p|, |g|, |m|, v
 * (every v known ≥ +0); on success records P + |lr|·U', M', V' (bounds of the new values before
 * f32 rounding) in proofP, proofM, proofV. The caller checks `adamHyperOk` first.
 */
export function adamProof(
  P: f64, G: f64, M: f64, V: f64,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32,
): bool {
  const G1 = G + abs<f64>(l2) * P;
  if (!(G1 <= 1e18) || !within(P) || !within(M) || !within(V)) return false;
  const M1 = <f64>b1 * M + <f64>ob1 * G1;
  const V1 = <f64>b2 * V + <f64>ob2 * (G1 * G1);
  const U = M1 * <f64>c1 / <f64>eps;
  const U1 = U + abs<f64>(wd) * P;
  const step = abs<f64>(lr) * U1;
  const ok = within(M1) && within(V1) && within(M1 * <f64>c1) && within(Math.sqrt(V1) * <f64>r2 + <f64>eps) &&
    within(U1) && within(step) && within(P + step);
  if (ok) {
    proofP = P + step;
    proofM = M1;
    proofV = V1;
  }
  return ok;
}

/**
 * Largest |x| bit pattern over n f32 at a (with `raw`, the raw pattern: any negative entry sorts
 * above every finite value), one read-only pass from the end to the start (see `scanMax`), 32
 * elements per iteration into four accumulators, the mask hoisted out of the loop.
 */
export function scanAbsMax(a: usize, n: i32, raw: bool): u32 {
  const bits: u32 = raw ? 0xffffffff : 0x7fffffff;
  let s: u32 = 0;
  let i = ASC_FEATURE_SIMD ? n & ~31 : 0;
  for (let j = i; j < n; j++) s = max<u32>(s, load<u32>(a + (<usize>j << 2)) & bits);
  if (ASC_FEATURE_SIMD) {
    const mask = hoistI(0, <i32>bits);
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let o = a + (<usize>i << 2);
    while (o > a) {
      o -= 128;
      a0 = i32x4.max_u(a0, i32x4.max_u(v128.and(v128.load(o), mask), v128.and(v128.load(o, 16), mask)));
      a1 = i32x4.max_u(a1, i32x4.max_u(v128.and(v128.load(o, 32), mask), v128.and(v128.load(o, 48), mask)));
      a2 = i32x4.max_u(a2, i32x4.max_u(v128.and(v128.load(o, 64), mask), v128.and(v128.load(o, 80), mask)));
      a3 = i32x4.max_u(a3, i32x4.max_u(v128.and(v128.load(o, 96), mask), v128.and(v128.load(o, 112), mask)));
    }
    s = max<u32>(s, laneMaxU(i32x4.max_u(i32x4.max_u(a0, a1), i32x4.max_u(a2, a3))));
  }
  return s;
}

/** SGD (sgd_f32): with P = max|p|, G = max|g|: G' = G + |l2|·P, |p'| ≤ P + |lr|·G' (all ≤ T). */
export function sgd_safe_f32(p: usize, g: usize, n: i32, l2: f32, lr: f32): bool {
  if (!(lr - lr == 0 && l2 - l2 == 0)) return false;
  scanMax(p, g, 0, 0, n, 2, false);
  return sgdProof(valueOf(max0), valueOf(max1), l2, lr);
}

/** The bound of `sgd_safe_f32` from upper bounds P, G; on success proofP = P + |lr|·G'. Needs lr, l2 finite. */
export function sgdProof(P: f64, G: f64, l2: f32, lr: f32): bool {
  const G1 = G + abs<f64>(l2) * P;
  const step = abs<f64>(lr) * G1;
  const ok = within(P) && within(G1) && within(step) && within(P + step);
  if (ok) proofP = P + step;
  return ok;
}

/**
 * Momentum (momentum_f32): with P, G, Tr = max|p|, max|g|, max|t|: G' = G + |l2|·P,
 * t' ≤ |μ|·Tr + G', u ≤ G' + |μ|·t' (Nesterov) or t', |p'| ≤ P + |lr|·u (all ≤ T).
 */
export function momentum_safe_f32(p: usize, g: usize, t: usize, n: i32, mu: f32, l2: f32, lr: f32, nesterov: i32): bool {
  if (!(mu - mu == 0 && lr - lr == 0 && l2 - l2 == 0)) return false;
  scanMax(p, g, t, 0, n, 3, false);
  return momentumProof(valueOf(max0), valueOf(max1), valueOf(max2), mu, l2, lr, nesterov);
}

/** The bound of `momentum_safe_f32` from upper bounds P, G, Tr; on success proofP = P + |lr|·u, proofM = t'. Needs μ, lr, l2 finite. */
export function momentumProof(P: f64, G: f64, Tr: f64, mu: f32, l2: f32, lr: f32, nesterov: i32): bool {
  const G1 = G + abs<f64>(l2) * P;
  const T1 = abs<f64>(mu) * Tr + G1;
  const U = nesterov != 0 ? G1 + abs<f64>(mu) * T1 : T1;
  const step = abs<f64>(lr) * U;
  const ok = within(P) && within(Tr) && within(T1) && within(U) && within(step) && within(P + step);
  if (ok) {
    proofP = P + step;
    proofM = T1;
  }
  return ok;
}

/**
 * Lion (lion_f32): with P, G, M = max|p|, max|g|, max|m|: |sign(c)| ≤ 1, u ≤ 1 + |wd|·P,
 * |p'| ≤ P + |lr|·u, |m'| ≤ |β2|·M + |1−β2|·G, and c's terms |β1|·M + |1−β1|·G (all ≤ T).
 */
export function lion_safe_f32(p: usize, g: usize, m: usize, n: i32, b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32): bool {
  if (!lionHyperOk(b1, ob1, b2, ob2, wd, lr)) return false;
  scanMax(p, g, m, 0, n, 3, false);
  return lionProof(valueOf(max0), valueOf(max1), valueOf(max2), b1, ob1, b2, ob2, wd, lr);
}

/** The hyper-parameter conditions of `lion_safe_f32` (all finite). */
// @ts-ignore: decorator
@inline export function lionHyperOk(b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32): bool {
  return b1 - b1 == 0 && ob1 - ob1 == 0 && b2 - b2 == 0 && ob2 - ob2 == 0 && wd - wd == 0 && lr - lr == 0;
}

/** The bound of `lion_safe_f32` from upper bounds P, G, M; on success proofP = P + |lr|·u, proofM = |β2|·M + |1−β2|·G. */
export function lionProof(P: f64, G: f64, M: f64, b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32): bool {
  const U = 1 + abs<f64>(wd) * P;
  const step = abs<f64>(lr) * U;
  const M1 = abs<f64>(b2) * M + abs<f64>(ob2) * G;
  const ok = within(P) && within(G) && within(M) && within(U) && within(step) && within(P + step) &&
    within(M1) && within(abs<f64>(b1) * M + abs<f64>(ob1) * G);
  if (ok) {
    proofP = P + step;
    proofM = M1;
  }
  return ok;
}
