// Celo's per-parameter features, their second moments over a tensor and the MLP pass (the
// second half of the Celo kernels; contract and `work` layout in the header of assembly/celo.ts).

import { exps } from './polymath';
import { slot } from './lstm_layout';
import { statsRowV, mlpRowV } from './celo_pass';
import { D0, D1, D2, O0, O1, O2, EPS6, EPS8, EPS9, MULT, CHUNK, offYa, offFb, offYb, offBA, offBB, offXs, clipg, relu, rsq } from './celo_common';


/**
 * The per-parameter features of celo.py _ff_mod (g clipped, m/v/fac already updated) of one element
 * into the first f32 of the 16-byte slots xs[0..NF) (the scalar path and the tails; the SIMD passes
 * of assembly/celo_pass.ts compute the same values in locals): 0 g, 1 clip(g, ±0.1), 2 p, 3–5 m_k, 6 v, 7–9 m_k·ρ, 10 ρ (ρ = rsqrt(v + 1e−6)),
 * 11–13 fac_g_k, 14 g·ρ, 15–17 fac_mom_mult_k. Matrix: φ_k = fa_k[r]·fb_k[c], fac_g_k = g·φ_k,
 * fac_mom_mult_k = m_k·φ_k. Vector: fac_g_k = g·safe_rsqrt(vd_k + 1e−9), fac_mom_mult_k = m_k·vd_k^(−½),
 * 18–20 vd_k, 21–23 rsqrt(vd_k + 1e−8) (Celo feeds each of the last two twice; weights are merged).
 */
// @ts-ignore: decorator
@inline function feats(xs: usize, pp: usize, g: usize, mv: usize, fac: usize, o: usize, vec: bool, a0: f32, a1: f32, a2: f32, fb: usize, C: i32, c: i32): void {
  const gi = clipg(load<f32>(g + o));
  const mk0 = load<f32>(slot(mv, 0) + o), mk1 = load<f32>(slot(mv, 1) + o), mk2 = load<f32>(slot(mv, 2) + o);
  const v = load<f32>(slot(mv, 3) + o);
  const rho = rsq(v + EPS6);
  store<f32>(xs, gi);
  store<f32>(xs, min<f32>(max<f32>(gi, -0.1), 0.1), 16);
  store<f32>(xs, load<f32>(pp + o), 32);
  store<f32>(xs, mk0, 48);
  store<f32>(xs, mk1, 64);
  store<f32>(xs, mk2, 80);
  store<f32>(xs, v, 96);
  store<f32>(xs, mk0 * rho, 112);
  store<f32>(xs, mk1 * rho, 128);
  store<f32>(xs, mk2 * rho, 144);
  store<f32>(xs, rho, 160);
  store<f32>(xs, gi * rho, 224);
  if (vec) {
    const d0 = load<f32>(slot(fac, 0) + o), d1 = load<f32>(slot(fac, 1) + o), d2 = load<f32>(slot(fac, 2) + o);
    store<f32>(xs, gi * rsq(max<f32>(d0 + EPS9, EPS9)), 176);
    store<f32>(xs, gi * rsq(max<f32>(d1 + EPS9, EPS9)), 192);
    store<f32>(xs, gi * rsq(max<f32>(d2 + EPS9, EPS9)), 208);
    store<f32>(xs, mk0 * rsq(d0), 240);
    store<f32>(xs, mk1 * rsq(d1), 256);
    store<f32>(xs, mk2 * rsq(d2), 272);
    store<f32>(xs, d0, 288);
    store<f32>(xs, d1, 304);
    store<f32>(xs, d2, 320);
    store<f32>(xs, rsq(d0 + EPS8), 336);
    store<f32>(xs, rsq(d1 + EPS8), 352);
    store<f32>(xs, rsq(d2 + EPS8), 368);
  } else {
    const co = <usize>c << 2;
    const f0 = a0 * load<f32>(fb + co), f1 = a1 * load<f32>(fb + (<usize>C << 2) + co), f2 = a2 * load<f32>(fb + (<usize>(2 * C) << 2) + co);
    store<f32>(xs, gi * f0, 176);
    store<f32>(xs, gi * f1, 192);
    store<f32>(xs, gi * f2, 208);
    store<f32>(xs, mk0 * f0, 240);
    store<f32>(xs, mk1 * f1, 256);
    store<f32>(xs, mk2 * f2, 272);
  }
}

/**
 * Σ x_j² over the tensor for every per-parameter feature j of `feats` (18 for a matrix, 24 for a
 * vector), as chunk sums (header) into `sums` (f64). Run after the accumulators and, for a matrix,
 * after `celo_prep_mat_f32`. The driver turns them into the normalizers rsqrt(1e−5 + Σ/n)
 * (celo.py _second_moment_normalizer) and the parameter scale √(Σp²/n + 1e−9).
 */
export function celo_stats_f32(p: usize, g: usize, mv: usize, fac: usize, R: i32, C: i32, vec: i32, work: usize, sums: usize): void {
  statsImpl(p, g, mv, fac, R, C, vec, work, sums, false);
}

/**
 * `celo_accum_f32` on this tensor's slice of the moments, then `celo_stats_f32`, in one pass
 * (each element's m_k and v are updated just before its features are formed; same results).
 */
export function celo_accstats_f32(p: usize, g: usize, mv: usize, fac: usize, R: i32, C: i32, vec: i32, work: usize, sums: usize): void {
  statsImpl(p, g, mv, fac, R, C, vec, work, sums, true);
}

/** celo_accum_f32's update of element at byte offset o (scalar). */
// @ts-ignore: decorator
@inline function accum1(g: usize, mv: usize, o: usize): void {
  const gi = clipg(load<f32>(g + o));
  const m0 = slot(mv, 0) + o, m1 = slot(mv, 1) + o, m2 = slot(mv, 2) + o, v = slot(mv, 3) + o;
  store<f32>(m0, D0 * load<f32>(m0) + O0 * gi);
  store<f32>(m1, D1 * load<f32>(m1) + O1 * gi);
  store<f32>(m2, D2 * load<f32>(m2) + O2 * gi);
  store<f32>(v, D2 * load<f32>(v) + O2 * (gi * gi));
}

// @ts-ignore: decorator
@inline function statsImpl(p: usize, g: usize, mv: usize, fac: usize, R: i32, C: i32, vec: i32, work: usize, sums: usize, upd: bool): void {
  const NF = vec ? 24 : 18;
  const xs = work + offXs(R, C), acc = xs + 384;
  const fb = work + offFb(R);
  const m0 = slot(mv, 0), m1 = slot(mv, 1), m2 = slot(mv, 2), vp = slot(mv, 3);
  const d0p = vec ? slot(fac, 0) : 0, d1p = vec ? slot(fac, 1) : 0, d2p = vec ? slot(fac, 2) : 0;
  for (let j = 0; j < NF; j++) store<f64>(sums + (<usize>j << 3), 0);
  for (let r = 0; r < R; r++) {
    const a0 = vec ? <f32>0 : load<f32>(work + (<usize>r << 2));
    const a1 = vec ? <f32>0 : load<f32>(work + (<usize>(R + r) << 2));
    const a2 = vec ? <f32>0 : load<f32>(work + (<usize>(2 * R + r) << 2));
    for (let c0 = 0; c0 < C; c0 += CHUNK) {
      const c1 = min<i32>(c0 + CHUNK, C);
      const end4 = c0 + ((c1 - c0) & ~3);
      let c = c0;
      if (ASC_FEATURE_SIMD) {
        const o = <usize>(r * C + c0) << 2, e = <usize>(r * C + end4) << 2;
        const st = <usize>C << 2, fbc = fb + (<usize>c0 << 2);
        if (vec) statsRowV(p, g, m0, m1, m2, vp, d0p, d1p, d2p, o, e, true, f32x4.splat(0), f32x4.splat(0), f32x4.splat(0), fbc, st, sums, upd);
        else statsRowV(p, g, m0, m1, m2, vp, 0, 0, 0, o, e, false, f32x4.splat(a0), f32x4.splat(a1), f32x4.splat(a2), fbc, st, sums, upd);
        c = end4;
      } else {
        memory.fill(acc, 0, <usize>(NF << 4));
        for (; c < end4; c++) {
          const o = <usize>(r * C + c) << 2;
          if (upd) accum1(g, mv, o);
          feats(xs, p, g, mv, fac, o, vec != 0, a0, a1, a2, fb, C, c);
          const lane = <usize>((c & 3) << 2);
          for (let j = 0; j < NF; j++) {
            const x = load<f32>(xs + (<usize>j << 4)), ap = acc + (<usize>j << 4) + lane;
            store<f32>(ap, load<f32>(ap) + x * x);
          }
        }
        for (let j = 0; j < NF; j++) {
          const ap = acc + (<usize>j << 4), sp = sums + (<usize>j << 3);
          store<f64>(sp, load<f64>(sp) + ((<f64>load<f32>(ap) + <f64>load<f32>(ap, 4)) + (<f64>load<f32>(ap, 8) + <f64>load<f32>(ap, 12))));
        }
      }
      for (; c < c1; c++) {
        const o = <usize>(r * C + c) << 2;
        if (upd) accum1(g, mv, o);
        feats(xs, p, g, mv, fac, o, vec != 0, a0, a1, a2, fb, C, c);
        for (let j = 0; j < NF; j++) {
          const x = load<f32>(xs + (<usize>j << 4)), sp = sums + (<usize>j << 3);
          store<f64>(sp, load<f64>(sp) + <f64>(x * x));
        }
      }
    }
  }
}

/**
 * The per-parameter MLP and the update (celo.py _ff_mod, param_inits = 1, train_phase = 2):
 *   h1 = relu(b0 + Σ_j x̂_j·W0_j), h2 = relu(b1 + h1·W1), (d, s, ·) = b2 + h2·W2      (30 → 4 → 4 → 3)
 *   p ← p − lr_mult·((d·(ψ·exp(0.001·s)))·0.001),   ψ = √(mean p² + 1e−9)
 * `w` (f32, prepared by the driver): W 24×4 per-parameter-feature weights with the normalizers
 * folded in (Ŵ_j = s_j·W0_j), b0 4, W1 4×4, b1 4, W2 4×2 (outputs d, s), b2 2, then for a matrix
 * WA 6×4 (weights of the r-indexed inputs vr_k, ya_k) and WB 6×4 (c-indexed vc_k, yb_k).
 * Matrix: the r- and c-indexed inputs enter through tables bA[r] = Σ vr_k·WA_k + Σ ya_k·WA_{3+k} and
 * bB[c] (same order), so z_q = ((b0_q + bA[r]_q) + bB[c]_q) + Σ_{j<18} x_j·W_jq; vector:
 * z_q = b0_q + Σ_{j<24} x_j·W_jq. Each sum runs in the order written.
 */
export function celo_mlp_f32(p: usize, g: usize, mv: usize, fac: usize, R: i32, C: i32, vec: i32, work: usize, w: usize, psi: f32, lrm: f32): void {
  const NF = vec ? 24 : 18;
  const xs = work + offXs(R, C);
  const fb = work + offFb(R), bA = work + offBA(R, C), bB = work + offBB(R, C);
  const b0 = w + 96 * 4, W1 = b0 + 16, b1 = W1 + 64, W2 = b1 + 16, b2 = W2 + 32, WA = b2 + 8, WB = WA + 96;
  const m0 = slot(mv, 0), m1 = slot(mv, 1), m2 = slot(mv, 2), vp = slot(mv, 3);
  const d0p = vec ? slot(fac, 0) : 0, d1p = vec ? slot(fac, 1) : 0, d2p = vec ? slot(fac, 2) : 0;
  if (!vec) {
    const ya = work + offYa(R), yb = work + offYb(R, C);
    for (let r = 0; r < R; r++) {
      for (let q = 0; q < 4; q++) {
        let s: f32 = 0;
        for (let k = 0; k < 3; k++) s = s + load<f32>(slot(fac, k) + (<usize>r << 2)) * load<f32>(WA + (<usize>(k * 4 + q) << 2));
        for (let k = 0; k < 3; k++) s = s + load<f32>(ya + (<usize>(k * R + r) << 2)) * load<f32>(WA + (<usize>((3 + k) * 4 + q) << 2));
        store<f32>(bA + (<usize>(r * 4 + q) << 2), s);
      }
    }
    for (let c = 0; c < C; c++) {
      for (let q = 0; q < 4; q++) {
        let s: f32 = 0;
        for (let k = 0; k < 3; k++) s = s + load<f32>(slot(fac, 3 + k) + (<usize>c << 2)) * load<f32>(WB + (<usize>(k * 4 + q) << 2));
        for (let k = 0; k < 3; k++) s = s + load<f32>(yb + (<usize>(k * C + c) << 2)) * load<f32>(WB + (<usize>((3 + k) * 4 + q) << 2));
        store<f32>(bB + (<usize>(q * C + c) << 2), s);
      }
    }
  }
  for (let r = 0; r < R; r++) {
    const a0 = vec ? <f32>0 : load<f32>(work + (<usize>r << 2));
    const a1 = vec ? <f32>0 : load<f32>(work + (<usize>(R + r) << 2));
    const a2 = vec ? <f32>0 : load<f32>(work + (<usize>(2 * R + r) << 2));
    let z0: f32 = load<f32>(b0), z1: f32 = load<f32>(b0, 4), z2: f32 = load<f32>(b0, 8), z3: f32 = load<f32>(b0, 12);
    if (!vec) {
      const ba = bA + (<usize>(r * 4) << 2);
      z0 = z0 + load<f32>(ba); z1 = z1 + load<f32>(ba, 4); z2 = z2 + load<f32>(ba, 8); z3 = z3 + load<f32>(ba, 12);
    }
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const C4 = C & ~3, o = <usize>(r * C) << 2, e = <usize>(r * C + C4) << 2, st = <usize>C << 2;
      if (vec) mlpRowV(p, g, m0, m1, m2, vp, d0p, d1p, d2p, o, e, true, f32x4.splat(0), f32x4.splat(0), f32x4.splat(0), fb, bB, st, z0, z1, z2, z3, w, psi, lrm);
      else mlpRowV(p, g, m0, m1, m2, vp, 0, 0, 0, o, e, false, f32x4.splat(a0), f32x4.splat(a1), f32x4.splat(a2), fb, bB, st, z0, z1, z2, z3, w, psi, lrm);
      c = C4;
    }
    for (; c < C; c++) {
      const o = <usize>(r * C + c) << 2;
      feats(xs, p, g, mv, fac, o, vec != 0, a0, a1, a2, fb, C, c);
      let q0 = z0, q1 = z1, q2 = z2, q3 = z3;
      if (!vec) {
        const co = <usize>c << 2;
        q0 = q0 + load<f32>(bB + co);
        q1 = q1 + load<f32>(bB + (<usize>C << 2) + co);
        q2 = q2 + load<f32>(bB + (<usize>(2 * C) << 2) + co);
        q3 = q3 + load<f32>(bB + (<usize>(3 * C) << 2) + co);
      }
      for (let j = 0; j < NF; j++) {
        const x = load<f32>(xs + (<usize>j << 4)), wj = w + (<usize>(j * 4) << 2);
        q0 = q0 + x * load<f32>(wj);
        q1 = q1 + x * load<f32>(wj, 4);
        q2 = q2 + x * load<f32>(wj, 8);
        q3 = q3 + x * load<f32>(wj, 12);
      }
      const h0 = relu(q0), h1 = relu(q1), h2 = relu(q2), h3 = relu(q3);
      let u0: f32 = 0, u1: f32 = 0, u2: f32 = 0, u3: f32 = 0;
      for (let q = 0; q < 4; q++) {
        const wq = W1 + (<usize>q << 2);
        let s = load<f32>(b1 + (<usize>q << 2));
        s = s + h0 * load<f32>(wq);
        s = s + h1 * load<f32>(wq, 16);
        s = s + h2 * load<f32>(wq, 32);
        s = s + h3 * load<f32>(wq, 48);
        s = relu(s);
        if (q == 0) u0 = s; else if (q == 1) u1 = s; else if (q == 2) u2 = s; else u3 = s;
      }
      let d = load<f32>(b2), m = load<f32>(b2, 4);
      d = d + u0 * load<f32>(W2); d = d + u1 * load<f32>(W2, 8); d = d + u2 * load<f32>(W2, 16); d = d + u3 * load<f32>(W2, 24);
      m = m + u0 * load<f32>(W2, 4); m = m + u1 * load<f32>(W2, 12); m = m + u2 * load<f32>(W2, 20); m = m + u3 * load<f32>(W2, 28);
      const mag = exps(m * MULT);
      let step = (d * (psi * mag)) * MULT;
      step = lrm * step;
      store<f32>(p + o, load<f32>(p + o) - step);
    }
  }
}

