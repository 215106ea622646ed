// Celo kernels (Moudgil, Knyazev, Lajoie, Belilovsky, TMLR 2025; public repository amoudgl/celo,
// celo/optimizers/celo.py and celo_adam.py; accumulators from learned_optimization
// learned_optimizers/common.py). One tensor per call; the TypeScript driver (src/l2o/celo/)
// runs the LSTM scheduler, computes the per-tensor normalizers and folds them into the weights.
//
// Precision contract: f32 for every per-parameter value, f64 for reductions. Every reduction has
// one fixed order, the same in both builds and in test/support/reference/celo-kernel.ts:
//   lane sum:   lanes L[c & 3] over the 4-aligned body, then (L0 + L1) + (L2 + L3), then the tail
//               in order (f64 accumulators);
//   chunk sum:  f32 lanes L[c & 3] over ≤ 256 elements of one row, folded into f64 as
//               ((L0 + L1) + (L2 + L3)) at each chunk end, tail elements added in f64 one by one.
// rsqrt(x) is 1/√x in f32 (both correctly rounded), exp the polynomial of assembly/polymath.ts.
// Gradients enter every formula clipped to [−1000, 1000] (celo.py update: jnp.clip(x, -1000, 1000)),
// without writing the clip back to the gradient buffer.
//
// Tensor shapes: a 2-D tensor is R×C row-major; element (r, c) at r·C + c. A 1-D tensor (`vec`)
// is R = 1, C = n. `work` (celo_work_bytes(R, C)) holds, from offset 0:
//   fa 3R f32, ya 3R f32, fb 3C f32, yb 3C f32, bA 4R f32 (r-major), bB 4C f32 (q-major),
//   xs 24 v128, acc 24 v128, col C f64.
// Pointer tables are u32 byte offsets: `mv` = [m0, m1, m2, v] (the driver's slots at this tensor),
// `fac` = [vr0, vr1, vr2, vc0, vc1, vc2] (matrix) or [vd0, vd1, vd2] (vector).

// Per-parameter features, their second moments and the MLP pass: assembly/celo_mlp.ts (SIMD bodies in
// assembly/celo_pass.ts).

import { slot } from './lstm_layout';
import { D0, D1, D2, O0, O1, O2, EPS30, EPS8, EPS9, EPS10, ADAM_EPS, offYa, offFb, offYb, offCol, clipg, clipgv, rsq } from './celo_common';

export * from './celo_mlp';

/** Bytes of `work` for a tensor of R×C (vector: R = 1, C = n). */
export function celo_work_bytes(R: i32, C: i32): i32 {
  return 40 * R + 40 * C + 16 + 768 + 8 * C + 16;
}

/**
 * Momenta and second moment (common.py rolling_mom / rolling_rms via vec_rolling_*), g clipped:
 *   m_k ← d_k·m_k + (1 − d_k)·g  (d = 0.9, 0.99, 0.999),   v ← 0.999·v + (1 − 0.999)·g².
 */
export function celo_accum_f32(g: usize, mv: usize, n: i32): void {
  const m0 = slot(mv, 0), m1 = slot(mv, 1), m2 = slot(mv, 2), v = slot(mv, 3);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = clipgv(v128.load(g + o));
      v128.store(m0 + o, f32x4.add(f32x4.mul(f32x4.splat(D0), v128.load(m0 + o)), f32x4.mul(f32x4.splat(O0), gi)));
      v128.store(m1 + o, f32x4.add(f32x4.mul(f32x4.splat(D1), v128.load(m1 + o)), f32x4.mul(f32x4.splat(O1), gi)));
      v128.store(m2 + o, f32x4.add(f32x4.mul(f32x4.splat(D2), v128.load(m2 + o)), f32x4.mul(f32x4.splat(O2), gi)));
      v128.store(v + o, f32x4.add(f32x4.mul(f32x4.splat(D2), v128.load(v + o)), f32x4.mul(f32x4.splat(O2), f32x4.mul(gi, gi))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = clipg(load<f32>(g + o));
    store<f32>(m0 + o, D0 * load<f32>(m0 + o) + O0 * gi);
    store<f32>(m1 + o, D1 * load<f32>(m1 + o) + O1 * gi);
    store<f32>(m2 + o, D2 * load<f32>(m2 + o) + O2 * gi);
    store<f32>(v + o, D2 * load<f32>(v + o) + O2 * (gi * gi));
  }
}

/**
 * Celo-Adam step (celo_adam.py _ff_mod, mom_decay=True), g clipped:
 *   m ← 0.9·m + 0.1·g,  v ← 0.999·v + 0.001·g²,  m̂ = m/bc1,  v̂ = v/bc2  (bc = 1 − βᵗ, given in f32)
 *   p ← p − m̂·(lr / (1e−8 + √(v̂ + 1e−10)))     (lr = 0.001·lr_mult from the scheduler)
 */
export function celo_adam_f32(p: usize, g: usize, m: usize, v: usize, n: i32, bc1: f32, bc2: f32, lr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = clipgv(v128.load(g + o));
      const mi = f32x4.add(f32x4.mul(f32x4.splat(D0), v128.load(m + o)), f32x4.mul(f32x4.splat(O0), gi));
      const vi = f32x4.add(f32x4.mul(f32x4.splat(D2), v128.load(v + o)), f32x4.mul(f32x4.splat(O2), f32x4.mul(gi, gi)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const mh = f32x4.div(mi, f32x4.splat(bc1)), vh = f32x4.div(vi, f32x4.splat(bc2));
      const den = f32x4.add(f32x4.splat(ADAM_EPS), f32x4.sqrt(f32x4.add(vh, f32x4.splat(EPS10))));
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(mh, f32x4.div(f32x4.splat(lr), den))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = clipg(load<f32>(g + o));
    const mi = D0 * load<f32>(m + o) + O0 * gi;
    const vi = D2 * load<f32>(v + o) + O2 * (gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const den = ADAM_EPS + sqrt<f32>(vi / bc2 + EPS10);
    store<f32>(p + o, load<f32>(p + o) - (mi / bc1) * (lr / den));
  }
}

/**
 * Factored accumulators of an R×C matrix (common.py factored_rolling, per decay d_k), g clipped:
 *   s = g² + 1e−30;  vr_k[r] ← d_k·vr_k[r] + (1−d_k)·mean_c s[r, c];  vc_k[c] ← d_k·vc_k[c] + (1−d_k)·mean_r s[r, c]
 * Row means: lane sums in f64; column means: f64 sums over r in order; each mean rounded to f32.
 * Which of vr / vc is Celo's `v_row` depends on the shape (see src/l2o/celo/layout.ts).
 */
export function celo_fac_mat_f32(g: usize, R: i32, C: i32, fac: usize, work: usize): void {
  const col = work + offCol(R, C);
  for (let c = 0; c < C; c++) store<f64>(col + (<usize>c << 3), 0);
  const vr0 = slot(fac, 0), vr1 = slot(fac, 1), vr2 = slot(fac, 2);
  const vc0 = slot(fac, 3), vc1 = slot(fac, 4), vc2 = slot(fac, 5);
  for (let r = 0; r < R; r++) {
    const row = g + (<usize>(r * C) << 2);
    let c = 0;
    let s: f64 = 0;
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; c + 4 <= C; c += 4) {
        const gi = clipgv(v128.load(row + (<usize>c << 2)));
        const x = f32x4.add(f32x4.mul(gi, gi), f32x4.splat(EPS30));
        const a = f64x2.promote_low_f32x4(x), b = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
        lo = f64x2.add(lo, a);
        hi = f64x2.add(hi, b);
        const cp = col + (<usize>c << 3);
        v128.store(cp, f64x2.add(v128.load(cp), a));
        v128.store(cp + 16, f64x2.add(v128.load(cp + 16), b));
      }
      s = (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
    } else {
      let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
      for (; c + 4 <= C; c += 4) {
        const o = row + (<usize>c << 2), cp = col + (<usize>c << 3);
        const g0 = clipg(load<f32>(o)), g1 = clipg(load<f32>(o, 4)), g2 = clipg(load<f32>(o, 8)), g3 = clipg(load<f32>(o, 12));
        const x0 = <f64>(g0 * g0 + EPS30), x1 = <f64>(g1 * g1 + EPS30), x2 = <f64>(g2 * g2 + EPS30), x3 = <f64>(g3 * g3 + EPS30);
        a0 += x0; a1 += x1; a2 += x2; a3 += x3;
        store<f64>(cp, load<f64>(cp) + x0);
        store<f64>(cp, load<f64>(cp, 8) + x1, 8);
        store<f64>(cp, load<f64>(cp, 16) + x2, 16);
        store<f64>(cp, load<f64>(cp, 24) + x3, 24);
      }
      s = (a0 + a1) + (a2 + a3);
    }
    for (; c < C; c++) {
      const gi = clipg(load<f32>(row + (<usize>c << 2)));
      const x = <f64>(gi * gi + EPS30);
      s += x;
      const cp = col + (<usize>c << 3);
      store<f64>(cp, load<f64>(cp) + x);
    }
    const mean = <f32>(s / <f64>C);
    const ro = <usize>r << 2;
    store<f32>(vr0 + ro, D0 * load<f32>(vr0 + ro) + O0 * mean);
    store<f32>(vr1 + ro, D1 * load<f32>(vr1 + ro) + O1 * mean);
    store<f32>(vr2 + ro, D2 * load<f32>(vr2 + ro) + O2 * mean);
  }
  for (let c = 0; c < C; c++) {
    const mean = <f32>(load<f64>(col + (<usize>c << 3)) / <f64>R);
    const co = <usize>c << 2;
    store<f32>(vc0 + co, D0 * load<f32>(vc0 + co) + O0 * mean);
    store<f32>(vc1 + co, D1 * load<f32>(vc1 + co) + O1 * mean);
    store<f32>(vc2 + co, D2 * load<f32>(vc2 + co) + O2 * mean);
  }
}

/** Unfactored accumulator of a vector (factored_rolling, 1-D branch): vd_k ← d_k·vd_k + (1−d_k)·(g² + 1e−30). */
export function celo_fac_vec_f32(g: usize, n: i32, fac: usize): void {
  const v0 = slot(fac, 0), v1 = slot(fac, 1), v2 = slot(fac, 2);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = clipgv(v128.load(g + o));
      const x = f32x4.add(f32x4.mul(gi, gi), f32x4.splat(EPS30));
      v128.store(v0 + o, f32x4.add(f32x4.mul(f32x4.splat(D0), v128.load(v0 + o)), f32x4.mul(f32x4.splat(O0), x)));
      v128.store(v1 + o, f32x4.add(f32x4.mul(f32x4.splat(D1), v128.load(v1 + o)), f32x4.mul(f32x4.splat(O1), x)));
      v128.store(v2 + o, f32x4.add(f32x4.mul(f32x4.splat(D2), v128.load(v2 + o)), f32x4.mul(f32x4.splat(O2), x)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = clipg(load<f32>(g + o));
    const x = gi * gi + EPS30;
    store<f32>(v0 + o, D0 * load<f32>(v0 + o) + O0 * x);
    store<f32>(v1 + o, D1 * load<f32>(v1 + o) + O1 * x);
    store<f32>(v2 + o, D2 * load<f32>(v2 + o) + O2 * x);
  }
}

/** Lane sum (see header) of f(x[i]) over n f32, f = identity (sq = 0) or square in f32 (sq = 1). */
// @ts-ignore: decorator
@inline function laneSum(x: usize, n: i32, sq: bool): f64 {
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = x + (<usize>i << 2);
    let x0 = load<f32>(o), x1 = load<f32>(o, 4), x2 = load<f32>(o, 8), x3 = load<f32>(o, 12);
    if (sq) { x0 = x0 * x0; x1 = x1 * x1; x2 = x2 * x2; x3 = x3 * x3; }
    a0 += <f64>x0; a1 += <f64>x1; a2 += <f64>x2; a3 += <f64>x3;
  }
  let s = (a0 + a1) + (a2 + a3);
  for (; i < n; i++) {
    let xi = load<f32>(x + (<usize>i << 2));
    if (sq) xi = xi * xi;
    s += <f64>xi;
  }
  return s;
}

/**
 * Per-row and per-column quantities of an R×C matrix after `celo_fac_mat_f32` (celo.py _ff_mod,
 * factored branch). With `swap` = 0 (C ≥ R) Celo's v_row is vr (per r) and v_col is vc (per c);
 * with `swap` = 1 (R > C) v_row is vc and v_col is vr. For each decay k:
 *   row_factor = safe_rsqrt(v_row / (mean(v_row) + 1e−9)),  col_factor = safe_rsqrt(v_col),
 *   safe_rsqrt(x) = rsqrt(max(x, 1e−9));  fa_k / fb_k = the factor of the r / c side,
 *   ya_k = rsqrt(vr_k + 1e−8),  yb_k = rsqrt(vc_k + 1e−8)   (the rsqrt(row/col_feat + 1e−8) inputs).
 * `sums` (12 f64, lane sums): Σ vr_k², Σ ya_k², Σ vc_k², Σ yb_k² for k = 0, 1, 2 in that order
 * (the driver divides by R or C for the per-tensor second moments of the tiled features).
 */
export function celo_prep_mat_f32(R: i32, C: i32, fac: usize, swap: i32, work: usize, sums: usize): void {
  for (let k = 0; k < 3; k++) {
    const vr = slot(fac, k), vc = slot(fac, 3 + k);
    const fa = work + (<usize>(k * R) << 2), ya = work + offYa(R) + (<usize>(k * R) << 2);
    const fb = work + offFb(R) + (<usize>(k * C) << 2), yb = work + offYb(R, C) + (<usize>(k * C) << 2);
    const rowMean: f32 = swap ? <f32>(laneSum(vc, C, false) / <f64>C) : <f32>(laneSum(vr, R, false) / <f64>R);
    const den = rowMean + EPS9;
    for (let r = 0; r < R; r++) {
      const x = load<f32>(vr + (<usize>r << 2));
      store<f32>(fa + (<usize>r << 2), swap ? rsq(max<f32>(x, EPS9)) : rsq(max<f32>(x / den, EPS9)));
      store<f32>(ya + (<usize>r << 2), rsq(x + EPS8));
    }
    for (let c = 0; c < C; c++) {
      const x = load<f32>(vc + (<usize>c << 2));
      store<f32>(fb + (<usize>c << 2), swap ? rsq(max<f32>(x / den, EPS9)) : rsq(max<f32>(x, EPS9)));
      store<f32>(yb + (<usize>c << 2), rsq(x + EPS8));
    }
    store<f64>(sums + (<usize>k << 3), laneSum(vr, R, true));
    store<f64>(sums + (<usize>(3 + k) << 3), laneSum(ya, R, true));
    store<f64>(sums + (<usize>(6 + k) << 3), laneSum(vc, C, true));
    store<f64>(sums + (<usize>(9 + k) << 3), laneSum(yb, C, true));
  }
}
