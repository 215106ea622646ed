// The SIMD bodies of Celo's two per-parameter passes (assembly/celo_mlp.ts): 4 parameters per
// f32x4, every feature and every partial sum in a local (no round trip through `work`), the MLP's
// first layer as four unrolled dot products over broadcast weights. Each function computes exactly
// the f32 operations of the scalar `feats` / MLP code of celo_mlp.ts in the same order, so both
// builds (and test/support/reference/celo-kernel.ts) agree bit for bit. `upd` fuses the moment
// update of celo_accum_f32 into the statistics pass (the features then see the new m_k and v).

import { expv } from './polymath';
import { D0, D1, D2, O0, O1, O2, EPS6, EPS8, EPS9, MULT, clipgv, reluv, rsqv } from './celo_common';

// @ts-ignore: decorator
@inline function sq(a: v128, x: v128): v128 { return f32x4.add(a, f32x4.mul(x, x)); }
// @ts-ignore: decorator
@inline function mac(a: v128, x: v128, w: usize): v128 { return f32x4.add(a, f32x4.mul(x, v128.load32_splat(w))); }
// @ts-ignore: decorator
@inline function ema(d: f32, o: f32, a: v128, x: v128): v128 { return f32x4.add(f32x4.mul(f32x4.splat(d), a), f32x4.mul(f32x4.splat(o), x)); }

/** sums[j] += ((L0 + L1) + (L2 + L3)) in f64 (the chunk fold of the header of assembly/celo.ts). */
// @ts-ignore: decorator
@inline function fold(sums: usize, j: i32, a: v128): void {
  const sp = sums + (<usize>j << 3);
  const l0 = <f64>f32x4.extract_lane(a, 0), l1 = <f64>f32x4.extract_lane(a, 1);
  const l2 = <f64>f32x4.extract_lane(a, 2), l3 = <f64>f32x4.extract_lane(a, 3);
  store<f64>(sp, load<f64>(sp) + ((l0 + l1) + (l2 + l3)));
}

// The clipped gradient and the moments at byte offset o (names gi, k0, k1, k2, v); with `upd`
// celo_accum_f32's update is applied and stored first. Written out in both passes below.

/**
 * Squared features of the 4-aligned elements [o, end) (byte offsets) of one row, summed per
 * feature in f32 lanes and folded into `sums` (18 matrix / 24 vector) at the end (one chunk).
 * Matrix: fb = &fb_0[c] (fb_1, fb_2 at +st, +2·st bytes), a_k = fa_k[r] broadcast; vector:
 * d_kp = vd_k. With `upd` the moments are updated first (celo_accum_f32, fused).
 */
// @ts-ignore: decorator
@inline export function statsRowV(p: usize, g: usize, m0: usize, m1: usize, m2: usize, vp: usize, d0p: usize, d1p: usize, d2p: usize,
  o: usize, end: usize, vec: bool, a0: v128, a1: v128, a2: v128, fb: usize, st: usize, sums: usize, upd: bool): void {
  const z = f32x4.splat(0);
  let s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z, s8 = z, s9 = z, s10 = z, s11 = z;
  let s12 = z, s13 = z, s14 = z, s15 = z, s16 = z, s17 = z, s18 = z, s19 = z, s20 = z, s21 = z, s22 = z, s23 = z;
  const lo = f32x4.splat(-0.1), hi = f32x4.splat(0.1), e6 = f32x4.splat(EPS6), e8 = f32x4.splat(EPS8), e9 = f32x4.splat(EPS9);
  for (; o < end; o += 16) {
    const gi = clipgv(v128.load(g + o));
    let k0 = v128.load(m0 + o), k1 = v128.load(m1 + o), k2 = v128.load(m2 + o), v = v128.load(vp + o);
    if (upd) {
      k0 = ema(D0, O0, k0, gi);
      k1 = ema(D1, O1, k1, gi);
      k2 = ema(D2, O2, k2, gi);
      v = ema(D2, O2, v, f32x4.mul(gi, gi));
      v128.store(m0 + o, k0);
      v128.store(m1 + o, k1);
      v128.store(m2 + o, k2);
      v128.store(vp + o, v);
    }
    const rho = rsqv(f32x4.add(v, e6));
    s0 = sq(s0, gi);
    s1 = sq(s1, f32x4.pmin(f32x4.pmax(gi, lo), hi));
    s2 = sq(s2, v128.load(p + o));
    s3 = sq(s3, k0);
    s4 = sq(s4, k1);
    s5 = sq(s5, k2);
    s6 = sq(s6, v);
    s7 = sq(s7, f32x4.mul(k0, rho));
    s8 = sq(s8, f32x4.mul(k1, rho));
    s9 = sq(s9, f32x4.mul(k2, rho));
    s10 = sq(s10, rho);
    s14 = sq(s14, f32x4.mul(gi, rho));
    if (vec) {
      const d0 = v128.load(d0p + o), d1 = v128.load(d1p + o), d2 = v128.load(d2p + o);
      s11 = sq(s11, f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d0, e9), e9))));
      s12 = sq(s12, f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d1, e9), e9))));
      s13 = sq(s13, f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d2, e9), e9))));
      s15 = sq(s15, f32x4.mul(k0, rsqv(d0)));
      s16 = sq(s16, f32x4.mul(k1, rsqv(d1)));
      s17 = sq(s17, f32x4.mul(k2, rsqv(d2)));
      s18 = sq(s18, d0);
      s19 = sq(s19, d1);
      s20 = sq(s20, d2);
      s21 = sq(s21, rsqv(f32x4.add(d0, e8)));
      s22 = sq(s22, rsqv(f32x4.add(d1, e8)));
      s23 = sq(s23, rsqv(f32x4.add(d2, e8)));
    } else {
      const f0 = f32x4.mul(a0, v128.load(fb)), f1 = f32x4.mul(a1, v128.load(fb + st)), f2 = f32x4.mul(a2, v128.load(fb + 2 * st));
      fb += 16;
      s11 = sq(s11, f32x4.mul(gi, f0));
      s12 = sq(s12, f32x4.mul(gi, f1));
      s13 = sq(s13, f32x4.mul(gi, f2));
      s15 = sq(s15, f32x4.mul(k0, f0));
      s16 = sq(s16, f32x4.mul(k1, f1));
      s17 = sq(s17, f32x4.mul(k2, f2));
    }
  }
  fold(sums, 0, s0); fold(sums, 1, s1); fold(sums, 2, s2); fold(sums, 3, s3); fold(sums, 4, s4); fold(sums, 5, s5);
  fold(sums, 6, s6); fold(sums, 7, s7); fold(sums, 8, s8); fold(sums, 9, s9); fold(sums, 10, s10); fold(sums, 11, s11);
  fold(sums, 12, s12); fold(sums, 13, s13); fold(sums, 14, s14); fold(sums, 15, s15); fold(sums, 16, s16); fold(sums, 17, s17);
  if (vec) {
    fold(sums, 18, s18); fold(sums, 19, s19); fold(sums, 20, s20); fold(sums, 21, s21); fold(sums, 22, s22); fold(sums, 23, s23);
  }
}

/** a + Σ_{j<18} x_j·w[16·j] in j order (one hidden unit's first-layer sum; w = &W[0][q]). */
// @ts-ignore: decorator
@inline function dot18(a: v128, w: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128, x8: v128,
  x9: v128, x10: v128, x11: v128, x12: v128, x13: v128, x14: v128, x15: v128, x16: v128, x17: v128): v128 {
  a = mac(a, x0, w); a = mac(a, x1, w + 16); a = mac(a, x2, w + 32); a = mac(a, x3, w + 48); a = mac(a, x4, w + 64);
  a = mac(a, x5, w + 80); a = mac(a, x6, w + 96); a = mac(a, x7, w + 112); a = mac(a, x8, w + 128); a = mac(a, x9, w + 144);
  a = mac(a, x10, w + 160); a = mac(a, x11, w + 176); a = mac(a, x12, w + 192); a = mac(a, x13, w + 208); a = mac(a, x14, w + 224);
  a = mac(a, x15, w + 240); a = mac(a, x16, w + 256); a = mac(a, x17, w + 272);
  return a;
}

/** a + Σ_{j=18..23} x_j·w[16·j] in j order (the vector-only inputs). */
// @ts-ignore: decorator
@inline function dot6(a: v128, w: usize, x18: v128, x19: v128, x20: v128, x21: v128, x22: v128, x23: v128): v128 {
  a = mac(a, x18, w + 288); a = mac(a, x19, w + 304); a = mac(a, x20, w + 320);
  a = mac(a, x21, w + 336); a = mac(a, x22, w + 352); a = mac(a, x23, w + 368);
  return a;
}

/** relu(b1_q + Σ_i h_i·W1[i][q]) in i order (w = &W1[0][q], rows 16 bytes apart). */
// @ts-ignore: decorator
@inline function hid(b: usize, w: usize, h0: v128, h1: v128, h2: v128, h3: v128): v128 {
  let s = v128.load32_splat(b);
  s = mac(s, h0, w); s = mac(s, h1, w + 16); s = mac(s, h2, w + 32); s = mac(s, h3, w + 48);
  return reluv(s);
}

/**
 * The MLP pass over the 4-aligned elements [o, end) of one row (see celo_mlp_f32): features as in
 * `statsRowV` (moments already updated), z_q = splat(zq) (+ bB_q[c] for a matrix), the three
 * layers and p ← p − lrm·((d·(ψ·exp(0.001·s)))·0.001). bB = &bB_0[c], rows st bytes apart.
 */
// @ts-ignore: decorator
@inline export function mlpRowV(p: usize, g: usize, m0: usize, m1: usize, m2: usize, vp: usize, d0p: usize, d1p: usize, d2p: usize,
  o: usize, end: usize, vec: bool, a0: v128, a1: v128, a2: v128, fb: usize, bB: usize, st: usize,
  z0: f32, z1: f32, z2: f32, z3: f32, w: usize, psi: f32, lrm: f32): void {
  const W1 = w + 400, b1 = w + 464, W2 = w + 480, b2 = w + 512;
  const lo = f32x4.splat(-0.1), hi = f32x4.splat(0.1), e6 = f32x4.splat(EPS6), e8 = f32x4.splat(EPS8), e9 = f32x4.splat(EPS9);
  const vz0 = f32x4.splat(z0), vz1 = f32x4.splat(z1), vz2 = f32x4.splat(z2), vz3 = f32x4.splat(z3);
  for (; o < end; o += 16) {
    const gi = clipgv(v128.load(g + o));
    const k0 = v128.load(m0 + o), k1 = v128.load(m1 + o), k2 = v128.load(m2 + o), v = v128.load(vp + o);
    const rho = rsqv(f32x4.add(v, e6));
    const x1 = f32x4.pmin(f32x4.pmax(gi, lo), hi), x2 = v128.load(p + o);
    const x7 = f32x4.mul(k0, rho), x8 = f32x4.mul(k1, rho), x9 = f32x4.mul(k2, rho), x14 = f32x4.mul(gi, rho);
    let q0 = vz0, q1 = vz1, q2 = vz2, q3 = vz3;
    if (vec) {
      const d0 = v128.load(d0p + o), d1 = v128.load(d1p + o), d2 = v128.load(d2p + o);
      const x11 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d0, e9), e9)));
      const x12 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d1, e9), e9)));
      const x13 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d2, e9), e9)));
      const x15 = f32x4.mul(k0, rsqv(d0)), x16 = f32x4.mul(k1, rsqv(d1)), x17 = f32x4.mul(k2, rsqv(d2));
      const x21 = rsqv(f32x4.add(d0, e8)), x22 = rsqv(f32x4.add(d1, e8)), x23 = rsqv(f32x4.add(d2, e8));
      q0 = dot6(dot18(q0, w, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17), w, d0, d1, d2, x21, x22, x23);
      q1 = dot6(dot18(q1, w + 4, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17), w + 4, d0, d1, d2, x21, x22, x23);
      q2 = dot6(dot18(q2, w + 8, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17), w + 8, d0, d1, d2, x21, x22, x23);
      q3 = dot6(dot18(q3, w + 12, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17), w + 12, d0, d1, d2, x21, x22, x23);
    } else {
      const f0 = f32x4.mul(a0, v128.load(fb)), f1 = f32x4.mul(a1, v128.load(fb + st)), f2 = f32x4.mul(a2, v128.load(fb + 2 * st));
      fb += 16;
      const x11 = f32x4.mul(gi, f0), x12 = f32x4.mul(gi, f1), x13 = f32x4.mul(gi, f2);
      const x15 = f32x4.mul(k0, f0), x16 = f32x4.mul(k1, f1), x17 = f32x4.mul(k2, f2);
      q0 = f32x4.add(q0, v128.load(bB));
      q1 = f32x4.add(q1, v128.load(bB + st));
      q2 = f32x4.add(q2, v128.load(bB + 2 * st));
      q3 = f32x4.add(q3, v128.load(bB + 3 * st));
      bB += 16;
      q0 = dot18(q0, w, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17);
      q1 = dot18(q1, w + 4, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17);
      q2 = dot18(q2, w + 8, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17);
      q3 = dot18(q3, w + 12, gi, x1, x2, k0, k1, k2, v, x7, x8, x9, rho, x11, x12, x13, x14, x15, x16, x17);
    }
    const h0 = reluv(q0), h1 = reluv(q1), h2 = reluv(q2), h3 = reluv(q3);
    const u0 = hid(b1, W1, h0, h1, h2, h3), u1 = hid(b1 + 4, W1 + 4, h0, h1, h2, h3);
    const u2 = hid(b1 + 8, W1 + 8, h0, h1, h2, h3), u3 = hid(b1 + 12, W1 + 12, h0, h1, h2, h3);
    let d = v128.load32_splat(b2), m = v128.load32_splat(b2, 4);
    d = mac(d, u0, W2); d = mac(d, u1, W2 + 8); d = mac(d, u2, W2 + 16); d = mac(d, u3, W2 + 24);
    m = mac(m, u0, W2 + 4); m = mac(m, u1, W2 + 12); m = mac(m, u2, W2 + 20); m = mac(m, u3, W2 + 28);
    const mag = expv(f32x4.mul(m, f32x4.splat(MULT)));
    const step = f32x4.mul(f32x4.splat(lrm), f32x4.mul(f32x4.mul(d, f32x4.mul(f32x4.splat(psi), mag)), f32x4.splat(MULT)));
    v128.store(p + o, f32x4.sub(x2, step));
  }
}
