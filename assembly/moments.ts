// Fused, single-pass, in-place optimizer updates over f32 buffers.
//
// Every kernel reads the gradient g, updates its moment buffers and the parameters p in
// one pass: a SIMD body over 4 lanes (when built with --enable simd) and a scalar tail.
// All arithmetic is IEEE f32 with no fused multiply-add, in the same order in both
// builds and in the TypeScript references (src/optim/reference.ts), so the SIMD build,
// the scalar build and the reference agree bit for bit. Scalars that depend only on the
// step count (bias corrections, 1 − β) are computed once per step by the caller.
//
// Preconditions: pointers address `n` f32 each; no alignment is required (the arena
// aligns to 16 bytes anyway); p may not alias the moments; g may alias nothing written.
// Flags `hasL2` / `hasWd` select loop variants outside the loop (no per-element branch).

// Non-finite results (SPEC "Bad input"; issue 15 item 4). Every fused kernel takes a mode
// `check` and returns the number of coordinates i whose new parameter or any new slot value is
// NaN or ±Inf, found in the same pass:
//   check = 0 (guarded write): each coordinate whose results are all finite is updated; one with
//                      a non-finite result keeps its old p and slots (its update is zeroed);
//   check = 1 (check): nothing is written; the count says whether a write would be clean;
//   check = 2 (trusted write): the caller's check pass returned 0, so every coordinate is written
//                      without the guard (adam_f32 returns 0; the others behave as mode 0);
//   check = 3 (all or nothing): mode 1 then, if clean, mode 2, in one call; the exact check pass
//                      is replaced by a read-only bound pass (assembly/moments_bound.ts) whenever
//                      the bound proves every result finite, which is the common case. Returns 0
//                      after writing everything, or the mode-1 count with nothing written.
// Finiteness is tested as x − x == 0 (false for NaN and ±Inf), per lane, with a bit select for
// the store, so both builds and the TypeScript references agree on the count and on the bits.

import { SAFE_T, adam_safe_f32, hoist, lion_safe_f32, momentum_safe_f32, sgd_safe_f32 } from './moments_bound';
import { adamWrite00, adamWrite01, adamWrite10, adamWrite11 } from './moments_write';

/**
 * Adam / AdamW / Eve, fused:
 *   g' = g + l2·p                          (coupled L2, PyTorch Adam `weight_decay`; if hasL2)
 *   m ← β1·m + (1−β1)·g'
 *   v ← β2·v + (1−β2)·g'²
 *   u = (m·c1) / (√v·r2 + ε)               c1 = 1/(1−β1ᵗ), r2 = 1/√(1−β2ᵗ)  (Eve v1: r2 = d/√(1−β2ᵗ))
 *   u ← u + wd·p                           (decoupled decay, AdamW; if hasWd)
 *   p ← p − lr·u                           (Eve clip variant: lr = α/d̃)
 * ε is added outside the square root, to the bias-corrected √v̂, as in PyTorch and optax.
 * Returns the number of coordinates whose new p, m or v is non-finite (see `check` above).
 */
export function adam_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32,
  l2: f32, wd: f32, lr: f32, check: i32,
): i32 {
  if (check == 3) {
    if (!adam_safe_f32(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr)) {
      const bad = adam_f32(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 1);
      if (bad != 0) return bad;
    }
    return adam_f32(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 2);
  }
  if (check == 1) return adamMode(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, CHECK);
  if (check == 2) return adamMode(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, TRUSTED);
  return adamMode(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, GUARDED);
}

// @ts-ignore: decorator
@inline function adamMode(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32,
  l2: f32, wd: f32, lr: f32, mode: i32,
): i32 {
  if (l2 != 0) {
    if (wd != 0) return adamLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, true, true, mode);
    return adamLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, true, false, mode);
  }
  if (wd != 0) return adamLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, false, true, mode);
  return adamLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, false, false, mode);
}

/** 1 when x is finite, else 0 (x − x is 0 for finite x, NaN for NaN and ±Inf). */
// @ts-ignore: decorator
@inline function fin(x: f32): bool {
  return x - x == 0;
}

/** Lane mask: all ones where x is finite. */
// @ts-ignore: decorator
@inline function finV(x: v128, zero: v128): v128 {
  return f32x4.eq(f32x4.sub(x, x), zero);
}

/** Number of lanes whose mask is all ones, from a sum of −1 per such lane. */
// @ts-ignore: decorator
@inline function laneCount(acc: v128): i32 {
  return -(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
}

// @ts-ignore: decorator
@inline function adamLoop(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32,
  l2: f32, wd: f32, lr: f32, hasL2: bool, hasWd: bool, mode: i32,
): i32 {
  let i = 0;
  let bad = 0;
  if (ASC_FEATURE_SIMD && mode == TRUSTED) {
    // The trusted write has its own loops (assembly/moments_write.ts), one per flag pair.
    if (hasL2) {
      i = hasWd ? adamWrite11(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr) : adamWrite10(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr);
    } else {
      i = hasWd ? adamWrite01(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr) : adamWrite00(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr);
    }
  } else if (ASC_FEATURE_SIMD) {
    const vb1 = hoist(0, b1), vob1 = hoist(1, ob1);
    const vb2 = hoist(2, b2), vob2 = hoist(3, ob2);
    const vc1 = hoist(4, c1), vr2 = hoist(5, r2), veps = hoist(6, eps);
    const vl2 = hoist(7, l2), vwd = hoist(8, wd), vlr = hoist(9, lr);
    // Check-mode screen thresholds (see adamScreen): |m| ≤ M, |g'| ≤ G, 0 ≤ v ≤ SAFE_V, |p| ≤ B.
    const a = adamScreen(b1, ob1, b2, ob2, c1, r2, eps, lr, wd);
    const vA = hoist(10, SAFE_V), vM = hoist(11, a), vG = hoist(12, min<f32>(a, SAFE_G)), vB = hoist(13, adamSafeB(lr, wd));
    let acc = i32x4.splat(0);
    // 16 elements per iteration (four independent vectors keep the divide/sqrt unit busy),
    // then single vectors; the per-element arithmetic is the same in every loop.
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, adamVec(p + o, g + o, m + o, v + o, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd, mode, vA, vM, vG, vB));
      acc = i32x4.add(acc, adamVec(p + o + 16, g + o + 16, m + o + 16, v + o + 16, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd, mode, vA, vM, vG, vB));
      acc = i32x4.add(acc, adamVec(p + o + 32, g + o + 32, m + o + 32, v + o + 32, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd, mode, vA, vM, vG, vB));
      acc = i32x4.add(acc, adamVec(p + o + 48, g + o + 48, m + o + 48, v + o + 48, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd, mode, vA, vM, vG, vB));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, adamVec(p + o, g + o, m + o, v + o, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd, mode, vA, vM, vG, vB));
    }
    bad = laneCount(acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let gi = load<f32>(g + o);
    if (hasL2) gi = gi + l2 * pi;
    const m0 = load<f32>(m + o), v0 = load<f32>(v + o);
    const mi = b1 * m0 + ob1 * gi;
    const vi = b2 * v0 + ob2 * (gi * gi);
    let u = (mi * c1) / (sqrt<f32>(vi) * r2 + eps);
    if (hasWd) u = u + wd * pi;
    const pn = pi - lr * u;
    if (mode == TRUSTED) {
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      store<f32>(p + o, pn);
      continue;
    }
    const ok = fin(pn) & fin(mi) & fin(vi);
    bad += <i32>!ok;
    if (mode == GUARDED) {
      store<f32>(m + o, select<f32>(mi, m0, ok));
      store<f32>(v + o, select<f32>(vi, v0, ok));
      store<f32>(p + o, select<f32>(pn, pi, ok));
    }
  }
  return mode == TRUSTED ? 0 : bad;
}

/**
 * One 4-lane Adam update at p, g, m, v (the SIMD body of adamLoop); returns −1 per bad lane.
 * GUARDED stores plainly when all four lanes are finite (the common case) and bit-selects
 * otherwise; TRUSTED stores plainly (the caller's CHECK pass was clean); CHECK first screens
 * the inputs with bounds that need no arithmetic (`adamScreen`) and computes exactly only a
 * vector that fails the screen.
 */
// @ts-ignore: decorator
@inline function adamVec(
  p: usize, g: usize, m: usize, v: usize,
  vb1: v128, vob1: v128, vb2: v128, vob2: v128, vc1: v128, vr2: v128, veps: v128,
  vl2: v128, vwd: v128, vlr: v128, hasL2: bool, hasWd: bool, mode: i32, vV: v128, vM: v128, vG: v128, vB: v128,
): v128 {
  const zero = f32x4.splat(0);
  const pi = v128.load(p);
  let gi = v128.load(g);
  if (hasL2) gi = f32x4.add(gi, f32x4.mul(vl2, pi));
  const m0 = v128.load(m), v0 = v128.load(v);
  if (mode == CHECK) {
    const safe = v128.and(
      v128.and(f32x4.le(f32x4.abs(m0), vM), f32x4.le(f32x4.abs(gi), vG)),
      v128.and(v128.and(f32x4.ge(v0, zero), f32x4.le(v0, vV)), f32x4.le(f32x4.abs(pi), vB)),
    );
    if (i32x4.all_true(safe)) return zero;
  }
  const mi = f32x4.add(f32x4.mul(vb1, m0), f32x4.mul(vob1, gi));
  const vi = f32x4.add(f32x4.mul(vb2, v0), f32x4.mul(vob2, f32x4.mul(gi, gi)));
  let u = f32x4.div(f32x4.mul(mi, vc1), f32x4.add(f32x4.mul(f32x4.sqrt(vi), vr2), veps));
  if (hasWd) u = f32x4.add(u, f32x4.mul(vwd, pi));
  const pn = f32x4.sub(pi, f32x4.mul(vlr, u));
  if (mode == TRUSTED) {
    v128.store(m, mi);
    v128.store(v, vi);
    v128.store(p, pn);
    return zero;
  }
  // x − x is 0 for finite x and NaN otherwise; the sum of the three is 0 only if all are finite.
  const ok = f32x4.eq(f32x4.add(f32x4.add(f32x4.sub(pn, pn), f32x4.sub(mi, mi)), f32x4.sub(vi, vi)), zero);
  if (mode == GUARDED) {
    if (i32x4.all_true(ok)) {
      v128.store(m, mi);
      v128.store(v, vi);
      v128.store(p, pn);
      return zero;
    }
    v128.store(m, v128.bitselect(mi, m0, ok));
    v128.store(v, v128.bitselect(vi, v0, ok));
    v128.store(p, v128.bitselect(pn, pi, ok));
  }
  return v128.not(ok);
}

/** Modes of the fused kernels' `check` argument. */
const GUARDED: i32 = 0;
const CHECK: i32 = 1;
const TRUSTED: i32 = 2;

/** Screen bound on v (so v' = β2·v + (1−β2)·g'² ≤ 1e37 + 1e36 stays finite). */
const SAFE_V: f32 = 1e37;
/** Screen bound on |g'| (g'² ≤ 1e36). */
const SAFE_G: f32 = 1e18;

/**
 * The screen bound M on |m| and |g'| of Adam's check mode. A lane with |m|, |g'| ≤ M,
 * |g'| ≤ 1e18, 0 ≤ v ≤ 1e37 and |p| ≤ B has finite results: m' = β1·m + (1−β1)·g' has
 * |m'| ≤ 2M (β1, 1−β1 ∈ [0, 1]), v' ∈ [0, 1.1e37], the denominator √v'·r2 + ε is ≥ ε > 0, so
 * |u₀| ≤ 2M·c1/ε ≤ T/max(|lr|, 1) with M = ε·T/(2·c1·max(|lr|, 1)); then |wd·p| ≤ T,
 * |lr·u| ≤ 2T and |p'| ≤ 3T < F32_MAX (T = 1e37; rounding slack is far below the margin).
 * Returns −1 (every lane takes the exact path) unless β1, 1−β1, β2, 1−β2 ∈ [0, 1], c1 > 0,
 * r2 ≥ 0, ε > 0 and lr, wd are finite.
 */
// @ts-ignore: decorator
@inline function adamScreen(b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, lr: f32, wd: f32): f32 {
  const ok = b1 >= 0 && b1 <= 1 && ob1 >= 0 && ob1 <= 1 && b2 >= 0 && b2 <= 1 && ob2 >= 0 && ob2 <= 1 &&
    c1 > 0 && c1 - c1 == 0 && r2 >= 0 && r2 - r2 == 0 && eps > 0 && lr - lr == 0 && wd - wd == 0;
  if (!ok) return -1;
  return <f32>(<f64>eps * SAFE_T / (2 * <f64>c1 * max<f64>(abs<f64>(<f64>lr), 1)));
}

/** The screen bound B on |p|: |wd·p| ≤ T and |lr·wd·p| ≤ T (see `adamScreen`). */
// @ts-ignore: decorator
@inline function adamSafeB(lr: f32, wd: f32): f32 {
  const awd = abs<f64>(<f64>wd);
  return <f32>(SAFE_T / max<f64>(max<f64>(1, awd), 1 + abs<f64>(<f64>lr) * awd));
}

/**
 * SGD with coupled weight decay (PyTorch `SGD(weight_decay)`):  p ← p − lr·(g + l2·p).
 * Returns the number of coordinates whose new p is non-finite (see `check` above).
 */
export function sgd_f32(p: usize, g: usize, n: i32, l2: f32, lr: f32, check: i32): i32 {
  if (check == 3) {
    if (!sgd_safe_f32(p, g, n, l2, lr)) {
      const bad = sgd_f32(p, g, n, l2, lr, 1);
      if (bad != 0) return bad;
    }
    return sgd_f32(p, g, n, l2, lr, 0);
  }
  if (check == 1) {
    if (l2 != 0) return sgdLoop(p, g, n, l2, lr, true, true);
    return sgdLoop(p, g, n, l2, lr, false, true);
  }
  if (l2 != 0) return sgdLoop(p, g, n, l2, lr, true, false);
  return sgdLoop(p, g, n, l2, lr, false, false);
}

// @ts-ignore: decorator
@inline function sgdLoop(p: usize, g: usize, n: i32, l2: f32, lr: f32, hasL2: bool, check: bool): i32 {
  let i = 0;
  let bad = 0;
  if (ASC_FEATURE_SIMD) {
    const vl2 = hoist(0, l2), vlr = hoist(1, lr), zero = f32x4.splat(0);
    let acc = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let u = v128.load(g + o);
      if (hasL2) u = f32x4.add(u, f32x4.mul(vl2, pi));
      const pn = f32x4.sub(pi, f32x4.mul(vlr, u));
      const ok = finV(pn, zero);
      acc = i32x4.add(acc, v128.not(ok));
      if (!check) v128.store(p + o, i32x4.all_true(ok) ? pn : v128.bitselect(pn, pi, ok));
    }
    bad = laneCount(acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let u = load<f32>(g + o);
    if (hasL2) u = u + l2 * pi;
    const pn = pi - lr * u;
    const ok = fin(pn);
    bad += <i32>!ok;
    if (!check) store<f32>(p + o, select<f32>(pn, pi, ok));
  }
  return bad;
}

/**
 * Heavy-ball momentum and Nesterov (PyTorch `SGD(momentum, nesterov)` with dampening 0,
 * optax `trace`):
 *   g' = g + l2·p ;  t ← μ·t + g' ;  u = nesterov ? g' + μ·t : t ;  p ← p − lr·u
 * Returns the number of coordinates whose new p or t is non-finite (see `check` above).
 */
export function momentum_f32(
  p: usize, g: usize, t: usize, n: i32, mu: f32, l2: f32, lr: f32, nesterov: i32, check: i32,
): i32 {
  if (check == 3) {
    if (!momentum_safe_f32(p, g, t, n, mu, l2, lr, nesterov)) {
      const bad = momentum_f32(p, g, t, n, mu, l2, lr, nesterov, 1);
      if (bad != 0) return bad;
    }
    return momentum_f32(p, g, t, n, mu, l2, lr, nesterov, 0);
  }
  if (check == 1) {
    if (nesterov != 0) {
      if (l2 != 0) return momentumLoop(p, g, t, n, mu, l2, lr, true, true, true);
      return momentumLoop(p, g, t, n, mu, l2, lr, false, true, true);
    }
    if (l2 != 0) return momentumLoop(p, g, t, n, mu, l2, lr, true, false, true);
    return momentumLoop(p, g, t, n, mu, l2, lr, false, false, true);
  }
  if (nesterov != 0) {
    if (l2 != 0) return momentumLoop(p, g, t, n, mu, l2, lr, true, true, false);
    return momentumLoop(p, g, t, n, mu, l2, lr, false, true, false);
  }
  if (l2 != 0) return momentumLoop(p, g, t, n, mu, l2, lr, true, false, false);
  return momentumLoop(p, g, t, n, mu, l2, lr, false, false, false);
}

// @ts-ignore: decorator
@inline function momentumLoop(
  p: usize, g: usize, t: usize, n: i32, mu: f32, l2: f32, lr: f32, hasL2: bool, nesterov: bool, check: bool,
): i32 {
  let i = 0;
  let bad = 0;
  if (ASC_FEATURE_SIMD) {
    const vmu = hoist(0, mu), vl2 = hoist(1, l2), vlr = hoist(2, lr);
    let acc = i32x4.splat(0);
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, momentumVec(p + o, g + o, t + o, vmu, vl2, vlr, hasL2, nesterov, check));
      acc = i32x4.add(acc, momentumVec(p + o + 16, g + o + 16, t + o + 16, vmu, vl2, vlr, hasL2, nesterov, check));
      acc = i32x4.add(acc, momentumVec(p + o + 32, g + o + 32, t + o + 32, vmu, vl2, vlr, hasL2, nesterov, check));
      acc = i32x4.add(acc, momentumVec(p + o + 48, g + o + 48, t + o + 48, vmu, vl2, vlr, hasL2, nesterov, check));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, momentumVec(p + o, g + o, t + o, vmu, vl2, vlr, hasL2, nesterov, check));
    }
    bad = laneCount(acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let gi = load<f32>(g + o);
    if (hasL2) gi = gi + l2 * pi;
    const t0 = load<f32>(t + o);
    const ti = mu * t0 + gi;
    const u = nesterov ? gi + mu * ti : ti;
    const pn = pi - lr * u;
    const ok = fin(pn) & fin(ti);
    bad += <i32>!ok;
    if (!check) {
      store<f32>(t + o, select<f32>(ti, t0, ok));
      store<f32>(p + o, select<f32>(pn, pi, ok));
    }
  }
  return bad;
}

/** One 4-lane momentum update at p, g, t (the SIMD body of momentumLoop); returns −1 per bad lane. */
// @ts-ignore: decorator
@inline function momentumVec(p: usize, g: usize, t: usize, vmu: v128, vl2: v128, vlr: v128, hasL2: bool, nesterov: bool, check: bool): v128 {
  const zero = f32x4.splat(0);
  const pi = v128.load(p);
  let gi = v128.load(g);
  if (hasL2) gi = f32x4.add(gi, f32x4.mul(vl2, pi));
  const t0 = v128.load(t);
  const ti = f32x4.add(f32x4.mul(vmu, t0), gi);
  const u = nesterov ? f32x4.add(gi, f32x4.mul(vmu, ti)) : ti;
  const pn = f32x4.sub(pi, f32x4.mul(vlr, u));
  const ok = f32x4.eq(f32x4.add(f32x4.sub(pn, pn), f32x4.sub(ti, ti)), zero);
  if (!check) {
    if (i32x4.all_true(ok)) {
      v128.store(t, ti);
      v128.store(p, pn);
      return zero;
    }
    v128.store(t, v128.bitselect(ti, t0, ok));
    v128.store(p, v128.bitselect(pn, pi, ok));
  }
  return v128.not(ok);
}

/**
 * Lion (Chen et al. 2023; SPEC B.1.10), decoupled decay inside the step:
 *   c = β1·m + (1−β1)·g ;  p ← p − lr·(sign(c) + wd·p) ;  m ← β2·m + (1−β2)·g
 * sign(0) = 0 (and sign(NaN) = 0). Returns the number of coordinates whose new p or m is
 * non-finite (see `check` above); a non-finite g always makes m non-finite (0·∞ is NaN).
 */
export function lion_f32(
  p: usize, g: usize, m: usize, n: i32, b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32, check: i32,
): i32 {
  if (check == 3) {
    if (!lion_safe_f32(p, g, m, n, b1, ob1, b2, ob2, wd, lr)) {
      const bad = lion_f32(p, g, m, n, b1, ob1, b2, ob2, wd, lr, 1);
      if (bad != 0) return bad;
    }
    return lion_f32(p, g, m, n, b1, ob1, b2, ob2, wd, lr, 0);
  }
  if (check == 1) {
    if (wd != 0) return lionLoop(p, g, m, n, b1, ob1, b2, ob2, wd, lr, true, true);
    return lionLoop(p, g, m, n, b1, ob1, b2, ob2, wd, lr, false, true);
  }
  if (wd != 0) return lionLoop(p, g, m, n, b1, ob1, b2, ob2, wd, lr, true, false);
  return lionLoop(p, g, m, n, b1, ob1, b2, ob2, wd, lr, false, false);
}

// @ts-ignore: decorator
@inline function lionLoop(
  p: usize, g: usize, m: usize, n: i32, b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32,
  hasWd: bool, check: bool,
): i32 {
  let i = 0;
  let bad = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = hoist(0, b1), vob1 = hoist(1, ob1), vb2 = hoist(2, b2), vob2 = hoist(3, ob2);
    const vwd = hoist(4, wd), vlr = hoist(5, lr);
    const zero = f32x4.splat(0);
    let acc = i32x4.splat(0);
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, lionVec(p + o, g + o, m + o, vb1, vob1, vb2, vob2, vwd, vlr, zero, hasWd, check));
      acc = i32x4.add(acc, lionVec(p + o + 16, g + o + 16, m + o + 16, vb1, vob1, vb2, vob2, vwd, vlr, zero, hasWd, check));
      acc = i32x4.add(acc, lionVec(p + o + 32, g + o + 32, m + o + 32, vb1, vob1, vb2, vob2, vwd, vlr, zero, hasWd, check));
      acc = i32x4.add(acc, lionVec(p + o + 48, g + o + 48, m + o + 48, vb1, vob1, vb2, vob2, vwd, vlr, zero, hasWd, check));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = i32x4.add(acc, lionVec(p + o, g + o, m + o, vb1, vob1, vb2, vob2, vwd, vlr, zero, hasWd, check));
    }
    bad = laneCount(acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o);
    const c = b1 * mi + ob1 * gi;
    let u = <f32>(<i32>(c > 0) - <i32>(c < 0)); // sign, 0 for ±0 and NaN; branch-free
    if (hasWd) u = u + wd * pi;
    const pn = pi - lr * u;
    const mn = b2 * mi + ob2 * gi;
    const ok = fin(pn) & fin(mn);
    bad += <i32>!ok;
    if (!check) {
      store<f32>(p + o, select<f32>(pn, pi, ok));
      store<f32>(m + o, select<f32>(mn, mi, ok));
    }
  }
  return bad;
}

/** One 4-lane Lion update at p, g, m (the SIMD body of lionLoop); returns −1 per bad lane. */
// @ts-ignore: decorator
@inline function lionVec(
  p: usize, g: usize, m: usize, vb1: v128, vob1: v128, vb2: v128, vob2: v128, vwd: v128, vlr: v128,
  zero: v128, hasWd: bool, check: bool,
): v128 {
  const pi = v128.load(p);
  const gi = v128.load(g);
  const mi = v128.load(m);
  const c = f32x4.add(f32x4.mul(vb1, mi), f32x4.mul(vob1, gi));
  // sign(c) ∈ {−1, 0, +1} (0 for ±0 and NaN): true compares are all-ones = −1 as i32, so
  // (c<0 mask) − (c>0 mask) is the sign as an integer, converted exactly to f32.
  let u = f32x4.convert_i32x4_s(i32x4.sub(f32x4.lt(c, zero), f32x4.gt(c, zero)));
  if (hasWd) u = f32x4.add(u, f32x4.mul(vwd, pi));
  const pn = f32x4.sub(pi, f32x4.mul(vlr, u));
  const mn = f32x4.add(f32x4.mul(vb2, mi), f32x4.mul(vob2, gi));
  const ok = f32x4.eq(f32x4.add(f32x4.sub(pn, pn), f32x4.sub(mn, mn)), zero);
  if (!check) {
    if (i32x4.all_true(ok)) {
      v128.store(p, pn);
      v128.store(m, mn);
      return zero;
    }
    v128.store(p, v128.bitselect(pn, pi, ok));
    v128.store(m, v128.bitselect(mn, mi, ok));
  }
  return v128.not(ok);
}

// ---- Building blocks for composition (src/optim/transforms.ts) -------------------------
// Each writes the update direction u (before the learning rate) exactly as the fused
// kernels compute it internally, so chain(...) of these equals the fused kernel bit for bit.

/** u = (m·c1)/(√v·r2 + ε) after m, v ← EMA of u, u² (u holds the incoming gradient). */
export function scale_by_adam_f32(
  u: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vob1 = f32x4.splat(ob1);
    const vb2 = f32x4.splat(b2), vob2 = f32x4.splat(ob2);
    const vc1 = f32x4.splat(c1), vr2 = f32x4.splat(r2), veps = f32x4.splat(eps);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(u + o);
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vob1, gi));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vob2, f32x4.mul(gi, gi)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      v128.store(u + o, f32x4.div(f32x4.mul(mi, vc1), f32x4.add(f32x4.mul(f32x4.sqrt(vi), vr2), veps)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(u + o);
    const mi = b1 * load<f32>(m + o) + ob1 * gi;
    const vi = b2 * load<f32>(v + o) + ob2 * (gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(u + o, (mi * c1) / (sqrt<f32>(vi) * r2 + eps));
  }
}

/** u = sign(β1·m + (1−β1)·u), then m ← β2·m + (1−β2)·g (u holds the incoming gradient). */
export function scale_by_lion_f32(u: usize, m: usize, n: i32, b1: f32, ob1: f32, b2: f32, ob2: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vob1 = f32x4.splat(ob1), vb2 = f32x4.splat(b2), vob2 = f32x4.splat(ob2);
    const zero = f32x4.splat(0), one = f32x4.splat(1), neg = f32x4.splat(-1);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(u + o);
      const mi = v128.load(m + o);
      const c = f32x4.add(f32x4.mul(vb1, mi), f32x4.mul(vob1, gi));
      v128.store(u + o, v128.or(v128.and(f32x4.gt(c, zero), one), v128.and(f32x4.lt(c, zero), neg)));
      v128.store(m + o, f32x4.add(f32x4.mul(vb2, mi), f32x4.mul(vob2, gi)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(u + o);
    const mi = load<f32>(m + o);
    const c = b1 * mi + ob1 * gi;
    store<f32>(u + o, <f32>(<i32>(c > 0) - <i32>(c < 0)));
    store<f32>(m + o, b2 * mi + ob2 * gi);
  }
}

/** Momentum trace (optax `trace`): t ← μ·t + u ; u ← nesterov ? u + μ·t : t. */
export function trace_f32(u: usize, t: usize, n: i32, mu: f32, nesterov: i32): void {
  if (nesterov != 0) traceLoop(u, t, n, mu, true);
  else traceLoop(u, t, n, mu, false);
}

// @ts-ignore: decorator
@inline function traceLoop(u: usize, t: usize, n: i32, mu: f32, nesterov: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vmu = f32x4.splat(mu);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(u + o);
      const ti = f32x4.add(f32x4.mul(vmu, v128.load(t + o)), gi);
      v128.store(t + o, ti);
      v128.store(u + o, nesterov ? f32x4.add(gi, f32x4.mul(vmu, ti)) : ti);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(u + o);
    const ti = mu * load<f32>(t + o) + gi;
    store<f32>(t + o, ti);
    store<f32>(u + o, nesterov ? gi + mu * ti : ti);
  }
}
