// The SIMD bodies of Celo's two per-parameter passes (assembly/celo_mlp.ts): 4 parameters per
// f32x4, every feature and every partial sum in a local (no round trip through `work`), each
// feature added to the four first-layer sums as it is formed, the weights broadcast once per row.
// (mlpRowV's loop bodies are written out feature by feature.) Each function computes exactly
// the f32 operations of the scalar `feats` / MLP code of celo_mlp.ts in the same order, so both
// builds (and test/support/reference/celo-kernel.ts) agree bit for bit. `upd` fuses the moment
// update of celo_accum_f32 into the statistics pass (the features then see the new m_k and v).

import { expv } from './polymath';
import { D0, D1, D2, O0, O1, O2, EPS6, EPS8, EPS9, MULT, clipgv, reluv, rsqv } from './celo_common';

// @ts-ignore: decorator
@inline function sq(a: v128, x: v128): v128 { return f32x4.add(a, f32x4.mul(x, x)); }
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

/**
 * The MLP pass over the 4-aligned elements [o, end) (byte offsets) of one row (see celo_mlp_f32):
 * features as in `statsRowV` (moments already updated), z_q = splat(zq) (+ bB_q[c] for a matrix),
 * each feature j added to the four first-layer sums right after it is formed (j order per sum),
 * then the two small layers and p ← p − lrm·((d·(ψ·exp(0.001·s)))·0.001). bB = &bB_0[c] and
 * fb = &fb_0[c], rows st bytes apart. (Two quads per iteration, so that each broadcast weight
 * serves two multiplies, compiled to 40 % more instructions per quad in V8: spills.)
 */
// @ts-ignore: decorator
@inline export function mlpRowV(p: usize, g: usize, m0: usize, m1: usize, m2: usize, vp: usize, d0p: usize, d1p: usize, d2p: usize,
  o: usize, end: usize, vec: bool, a0: v128, a1: v128, a2: v128, fb: usize, bB: usize, st: usize,
  z0: f32, z1: f32, z2: f32, z3: f32, w: usize, psi: f32, lrm: f32): void {
  const lo = f32x4.splat(-0.1), hi = f32x4.splat(0.1), e6 = f32x4.splat(EPS6), e8 = f32x4.splat(EPS8), e9 = f32x4.splat(EPS9);
  const vz0 = f32x4.splat(z0), vz1 = f32x4.splat(z1), vz2 = f32x4.splat(z2), vz3 = f32x4.splat(z3), z = f32x4.splat(0);
  const vpsi = f32x4.splat(psi), vlrm = f32x4.splat(lrm), vmult = f32x4.splat(MULT);
  // Every weight broadcast once per row, before the loops (with broadcasts inside, V8 hoists all of
  // them to the top of the iteration and spills them): w<b> = the f32 at byte b of the table.
  const w0 = v128.load32_splat(w, 0), w4 = v128.load32_splat(w, 4), w8 = v128.load32_splat(w, 8), w12 = v128.load32_splat(w, 12);
  const w16 = v128.load32_splat(w, 16), w20 = v128.load32_splat(w, 20), w24 = v128.load32_splat(w, 24), w28 = v128.load32_splat(w, 28);
  const w32 = v128.load32_splat(w, 32), w36 = v128.load32_splat(w, 36), w40 = v128.load32_splat(w, 40), w44 = v128.load32_splat(w, 44);
  const w48 = v128.load32_splat(w, 48), w52 = v128.load32_splat(w, 52), w56 = v128.load32_splat(w, 56), w60 = v128.load32_splat(w, 60);
  const w64 = v128.load32_splat(w, 64), w68 = v128.load32_splat(w, 68), w72 = v128.load32_splat(w, 72), w76 = v128.load32_splat(w, 76);
  const w80 = v128.load32_splat(w, 80), w84 = v128.load32_splat(w, 84), w88 = v128.load32_splat(w, 88), w92 = v128.load32_splat(w, 92);
  const w96 = v128.load32_splat(w, 96), w100 = v128.load32_splat(w, 100), w104 = v128.load32_splat(w, 104), w108 = v128.load32_splat(w, 108);
  const w112 = v128.load32_splat(w, 112), w116 = v128.load32_splat(w, 116), w120 = v128.load32_splat(w, 120), w124 = v128.load32_splat(w, 124);
  const w128 = v128.load32_splat(w, 128), w132 = v128.load32_splat(w, 132), w136 = v128.load32_splat(w, 136), w140 = v128.load32_splat(w, 140);
  const w144 = v128.load32_splat(w, 144), w148 = v128.load32_splat(w, 148), w152 = v128.load32_splat(w, 152), w156 = v128.load32_splat(w, 156);
  const w160 = v128.load32_splat(w, 160), w164 = v128.load32_splat(w, 164), w168 = v128.load32_splat(w, 168), w172 = v128.load32_splat(w, 172);
  const w176 = v128.load32_splat(w, 176), w180 = v128.load32_splat(w, 180), w184 = v128.load32_splat(w, 184), w188 = v128.load32_splat(w, 188);
  const w192 = v128.load32_splat(w, 192), w196 = v128.load32_splat(w, 196), w200 = v128.load32_splat(w, 200), w204 = v128.load32_splat(w, 204);
  const w208 = v128.load32_splat(w, 208), w212 = v128.load32_splat(w, 212), w216 = v128.load32_splat(w, 216), w220 = v128.load32_splat(w, 220);
  const w224 = v128.load32_splat(w, 224), w228 = v128.load32_splat(w, 228), w232 = v128.load32_splat(w, 232), w236 = v128.load32_splat(w, 236);
  const w240 = v128.load32_splat(w, 240), w244 = v128.load32_splat(w, 244), w248 = v128.load32_splat(w, 248), w252 = v128.load32_splat(w, 252);
  const w256 = v128.load32_splat(w, 256), w260 = v128.load32_splat(w, 260), w264 = v128.load32_splat(w, 264), w268 = v128.load32_splat(w, 268);
  const w272 = v128.load32_splat(w, 272), w276 = v128.load32_splat(w, 276), w280 = v128.load32_splat(w, 280), w284 = v128.load32_splat(w, 284);
  const w400 = v128.load32_splat(w, 400), w404 = v128.load32_splat(w, 404), w408 = v128.load32_splat(w, 408), w412 = v128.load32_splat(w, 412);
  const w416 = v128.load32_splat(w, 416), w420 = v128.load32_splat(w, 420), w424 = v128.load32_splat(w, 424), w428 = v128.load32_splat(w, 428);
  const w432 = v128.load32_splat(w, 432), w436 = v128.load32_splat(w, 436), w440 = v128.load32_splat(w, 440), w444 = v128.load32_splat(w, 444);
  const w448 = v128.load32_splat(w, 448), w452 = v128.load32_splat(w, 452), w456 = v128.load32_splat(w, 456), w460 = v128.load32_splat(w, 460);
  const w464 = v128.load32_splat(w, 464), w468 = v128.load32_splat(w, 468), w472 = v128.load32_splat(w, 472), w476 = v128.load32_splat(w, 476);
  const w480 = v128.load32_splat(w, 480), w484 = v128.load32_splat(w, 484), w488 = v128.load32_splat(w, 488), w492 = v128.load32_splat(w, 492);
  const w496 = v128.load32_splat(w, 496), w500 = v128.load32_splat(w, 500), w504 = v128.load32_splat(w, 504), w508 = v128.load32_splat(w, 508);
  const w512 = v128.load32_splat(w, 512), w516 = v128.load32_splat(w, 516);
  const w288 = vec ? v128.load32_splat(w, 288) : z, w292 = vec ? v128.load32_splat(w, 292) : z, w296 = vec ? v128.load32_splat(w, 296) : z, w300 = vec ? v128.load32_splat(w, 300) : z;
  const w304 = vec ? v128.load32_splat(w, 304) : z, w308 = vec ? v128.load32_splat(w, 308) : z, w312 = vec ? v128.load32_splat(w, 312) : z, w316 = vec ? v128.load32_splat(w, 316) : z;
  const w320 = vec ? v128.load32_splat(w, 320) : z, w324 = vec ? v128.load32_splat(w, 324) : z, w328 = vec ? v128.load32_splat(w, 328) : z, w332 = vec ? v128.load32_splat(w, 332) : z;
  const w336 = vec ? v128.load32_splat(w, 336) : z, w340 = vec ? v128.load32_splat(w, 340) : z, w344 = vec ? v128.load32_splat(w, 344) : z, w348 = vec ? v128.load32_splat(w, 348) : z;
  const w352 = vec ? v128.load32_splat(w, 352) : z, w356 = vec ? v128.load32_splat(w, 356) : z, w360 = vec ? v128.load32_splat(w, 360) : z, w364 = vec ? v128.load32_splat(w, 364) : z;
  const w368 = vec ? v128.load32_splat(w, 368) : z, w372 = vec ? v128.load32_splat(w, 372) : z, w376 = vec ? v128.load32_splat(w, 376) : z, w380 = vec ? v128.load32_splat(w, 380) : z;
  for (; o < end; o += 16) {
    let q0 = vz0, q1 = vz1, q2 = vz2, q3 = vz3;
    if (!vec) {
      q0 = f32x4.add(q0, v128.load(bB));
      q1 = f32x4.add(q1, v128.load(bB + st));
      q2 = f32x4.add(q2, v128.load(bB + 2 * st));
      q3 = f32x4.add(q3, v128.load(bB + 3 * st));
    }
    const gi = clipgv(v128.load(g + o));
    const x0 = gi;
    q0 = f32x4.add(q0, f32x4.mul(x0, w0));
    q1 = f32x4.add(q1, f32x4.mul(x0, w4));
    q2 = f32x4.add(q2, f32x4.mul(x0, w8));
    q3 = f32x4.add(q3, f32x4.mul(x0, w12));
    const x1 = f32x4.pmin(f32x4.pmax(gi, lo), hi);
    q0 = f32x4.add(q0, f32x4.mul(x1, w16));
    q1 = f32x4.add(q1, f32x4.mul(x1, w20));
    q2 = f32x4.add(q2, f32x4.mul(x1, w24));
    q3 = f32x4.add(q3, f32x4.mul(x1, w28));
    const x2 = v128.load(p + o);
    q0 = f32x4.add(q0, f32x4.mul(x2, w32));
    q1 = f32x4.add(q1, f32x4.mul(x2, w36));
    q2 = f32x4.add(q2, f32x4.mul(x2, w40));
    q3 = f32x4.add(q3, f32x4.mul(x2, w44));
    const k0 = v128.load(m0 + o), k1 = v128.load(m1 + o), k2 = v128.load(m2 + o), v = v128.load(vp + o);
    const x3 = k0;
    q0 = f32x4.add(q0, f32x4.mul(x3, w48));
    q1 = f32x4.add(q1, f32x4.mul(x3, w52));
    q2 = f32x4.add(q2, f32x4.mul(x3, w56));
    q3 = f32x4.add(q3, f32x4.mul(x3, w60));
    const x4 = k1;
    q0 = f32x4.add(q0, f32x4.mul(x4, w64));
    q1 = f32x4.add(q1, f32x4.mul(x4, w68));
    q2 = f32x4.add(q2, f32x4.mul(x4, w72));
    q3 = f32x4.add(q3, f32x4.mul(x4, w76));
    const x5 = k2;
    q0 = f32x4.add(q0, f32x4.mul(x5, w80));
    q1 = f32x4.add(q1, f32x4.mul(x5, w84));
    q2 = f32x4.add(q2, f32x4.mul(x5, w88));
    q3 = f32x4.add(q3, f32x4.mul(x5, w92));
    const x6 = v;
    q0 = f32x4.add(q0, f32x4.mul(x6, w96));
    q1 = f32x4.add(q1, f32x4.mul(x6, w100));
    q2 = f32x4.add(q2, f32x4.mul(x6, w104));
    q3 = f32x4.add(q3, f32x4.mul(x6, w108));
    const rho = rsqv(f32x4.add(v, e6));
    const x7 = f32x4.mul(k0, rho);
    q0 = f32x4.add(q0, f32x4.mul(x7, w112));
    q1 = f32x4.add(q1, f32x4.mul(x7, w116));
    q2 = f32x4.add(q2, f32x4.mul(x7, w120));
    q3 = f32x4.add(q3, f32x4.mul(x7, w124));
    const x8 = f32x4.mul(k1, rho);
    q0 = f32x4.add(q0, f32x4.mul(x8, w128));
    q1 = f32x4.add(q1, f32x4.mul(x8, w132));
    q2 = f32x4.add(q2, f32x4.mul(x8, w136));
    q3 = f32x4.add(q3, f32x4.mul(x8, w140));
    const x9 = f32x4.mul(k2, rho);
    q0 = f32x4.add(q0, f32x4.mul(x9, w144));
    q1 = f32x4.add(q1, f32x4.mul(x9, w148));
    q2 = f32x4.add(q2, f32x4.mul(x9, w152));
    q3 = f32x4.add(q3, f32x4.mul(x9, w156));
    const x10 = rho;
    q0 = f32x4.add(q0, f32x4.mul(x10, w160));
    q1 = f32x4.add(q1, f32x4.mul(x10, w164));
    q2 = f32x4.add(q2, f32x4.mul(x10, w168));
    q3 = f32x4.add(q3, f32x4.mul(x10, w172));
    if (vec) {
      const d0 = v128.load(d0p + o), d1 = v128.load(d1p + o), d2 = v128.load(d2p + o);
      const x11 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d0, e9), e9)));
      q0 = f32x4.add(q0, f32x4.mul(x11, w176));
      q1 = f32x4.add(q1, f32x4.mul(x11, w180));
      q2 = f32x4.add(q2, f32x4.mul(x11, w184));
      q3 = f32x4.add(q3, f32x4.mul(x11, w188));
      const x12 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d1, e9), e9)));
      q0 = f32x4.add(q0, f32x4.mul(x12, w192));
      q1 = f32x4.add(q1, f32x4.mul(x12, w196));
      q2 = f32x4.add(q2, f32x4.mul(x12, w200));
      q3 = f32x4.add(q3, f32x4.mul(x12, w204));
      const x13 = f32x4.mul(gi, rsqv(f32x4.pmax(f32x4.add(d2, e9), e9)));
      q0 = f32x4.add(q0, f32x4.mul(x13, w208));
      q1 = f32x4.add(q1, f32x4.mul(x13, w212));
      q2 = f32x4.add(q2, f32x4.mul(x13, w216));
      q3 = f32x4.add(q3, f32x4.mul(x13, w220));
      const x14 = f32x4.mul(gi, rho);
      q0 = f32x4.add(q0, f32x4.mul(x14, w224));
      q1 = f32x4.add(q1, f32x4.mul(x14, w228));
      q2 = f32x4.add(q2, f32x4.mul(x14, w232));
      q3 = f32x4.add(q3, f32x4.mul(x14, w236));
      const x15 = f32x4.mul(k0, rsqv(d0));
      q0 = f32x4.add(q0, f32x4.mul(x15, w240));
      q1 = f32x4.add(q1, f32x4.mul(x15, w244));
      q2 = f32x4.add(q2, f32x4.mul(x15, w248));
      q3 = f32x4.add(q3, f32x4.mul(x15, w252));
      const x16 = f32x4.mul(k1, rsqv(d1));
      q0 = f32x4.add(q0, f32x4.mul(x16, w256));
      q1 = f32x4.add(q1, f32x4.mul(x16, w260));
      q2 = f32x4.add(q2, f32x4.mul(x16, w264));
      q3 = f32x4.add(q3, f32x4.mul(x16, w268));
      const x17 = f32x4.mul(k2, rsqv(d2));
      q0 = f32x4.add(q0, f32x4.mul(x17, w272));
      q1 = f32x4.add(q1, f32x4.mul(x17, w276));
      q2 = f32x4.add(q2, f32x4.mul(x17, w280));
      q3 = f32x4.add(q3, f32x4.mul(x17, w284));
      const x18 = d0;
      q0 = f32x4.add(q0, f32x4.mul(x18, w288));
      q1 = f32x4.add(q1, f32x4.mul(x18, w292));
      q2 = f32x4.add(q2, f32x4.mul(x18, w296));
      q3 = f32x4.add(q3, f32x4.mul(x18, w300));
      const x19 = d1;
      q0 = f32x4.add(q0, f32x4.mul(x19, w304));
      q1 = f32x4.add(q1, f32x4.mul(x19, w308));
      q2 = f32x4.add(q2, f32x4.mul(x19, w312));
      q3 = f32x4.add(q3, f32x4.mul(x19, w316));
      const x20 = d2;
      q0 = f32x4.add(q0, f32x4.mul(x20, w320));
      q1 = f32x4.add(q1, f32x4.mul(x20, w324));
      q2 = f32x4.add(q2, f32x4.mul(x20, w328));
      q3 = f32x4.add(q3, f32x4.mul(x20, w332));
      const x21 = rsqv(f32x4.add(d0, e8));
      q0 = f32x4.add(q0, f32x4.mul(x21, w336));
      q1 = f32x4.add(q1, f32x4.mul(x21, w340));
      q2 = f32x4.add(q2, f32x4.mul(x21, w344));
      q3 = f32x4.add(q3, f32x4.mul(x21, w348));
      const x22 = rsqv(f32x4.add(d1, e8));
      q0 = f32x4.add(q0, f32x4.mul(x22, w352));
      q1 = f32x4.add(q1, f32x4.mul(x22, w356));
      q2 = f32x4.add(q2, f32x4.mul(x22, w360));
      q3 = f32x4.add(q3, f32x4.mul(x22, w364));
      const x23 = rsqv(f32x4.add(d2, e8));
      q0 = f32x4.add(q0, f32x4.mul(x23, w368));
      q1 = f32x4.add(q1, f32x4.mul(x23, w372));
      q2 = f32x4.add(q2, f32x4.mul(x23, w376));
      q3 = f32x4.add(q3, f32x4.mul(x23, w380));
    } else {
      const f0 = f32x4.mul(a0, v128.load(fb)), f1 = f32x4.mul(a1, v128.load(fb + st)), f2 = f32x4.mul(a2, v128.load(fb + 2 * st));
      const x11 = f32x4.mul(gi, f0);
      q0 = f32x4.add(q0, f32x4.mul(x11, w176));
      q1 = f32x4.add(q1, f32x4.mul(x11, w180));
      q2 = f32x4.add(q2, f32x4.mul(x11, w184));
      q3 = f32x4.add(q3, f32x4.mul(x11, w188));
      const x12 = f32x4.mul(gi, f1);
      q0 = f32x4.add(q0, f32x4.mul(x12, w192));
      q1 = f32x4.add(q1, f32x4.mul(x12, w196));
      q2 = f32x4.add(q2, f32x4.mul(x12, w200));
      q3 = f32x4.add(q3, f32x4.mul(x12, w204));
      const x13 = f32x4.mul(gi, f2);
      q0 = f32x4.add(q0, f32x4.mul(x13, w208));
      q1 = f32x4.add(q1, f32x4.mul(x13, w212));
      q2 = f32x4.add(q2, f32x4.mul(x13, w216));
      q3 = f32x4.add(q3, f32x4.mul(x13, w220));
      const x14 = f32x4.mul(gi, rho);
      q0 = f32x4.add(q0, f32x4.mul(x14, w224));
      q1 = f32x4.add(q1, f32x4.mul(x14, w228));
      q2 = f32x4.add(q2, f32x4.mul(x14, w232));
      q3 = f32x4.add(q3, f32x4.mul(x14, w236));
      const x15 = f32x4.mul(k0, f0);
      q0 = f32x4.add(q0, f32x4.mul(x15, w240));
      q1 = f32x4.add(q1, f32x4.mul(x15, w244));
      q2 = f32x4.add(q2, f32x4.mul(x15, w248));
      q3 = f32x4.add(q3, f32x4.mul(x15, w252));
      const x16 = f32x4.mul(k1, f1);
      q0 = f32x4.add(q0, f32x4.mul(x16, w256));
      q1 = f32x4.add(q1, f32x4.mul(x16, w260));
      q2 = f32x4.add(q2, f32x4.mul(x16, w264));
      q3 = f32x4.add(q3, f32x4.mul(x16, w268));
      const x17 = f32x4.mul(k2, f2);
      q0 = f32x4.add(q0, f32x4.mul(x17, w272));
      q1 = f32x4.add(q1, f32x4.mul(x17, w276));
      q2 = f32x4.add(q2, f32x4.mul(x17, w280));
      q3 = f32x4.add(q3, f32x4.mul(x17, w284));
      fb += 16;
      bB += 16;
    }
    const h0 = reluv(q0), h1 = reluv(q1), h2 = reluv(q2), h3 = reluv(q3);
    const u0 = reluv(f32x4.add(f32x4.add(f32x4.add(f32x4.add(w464, f32x4.mul(h0, w400)), f32x4.mul(h1, w416)), f32x4.mul(h2, w432)), f32x4.mul(h3, w448)));
    const u1 = reluv(f32x4.add(f32x4.add(f32x4.add(f32x4.add(w468, f32x4.mul(h0, w404)), f32x4.mul(h1, w420)), f32x4.mul(h2, w436)), f32x4.mul(h3, w452)));
    const u2 = reluv(f32x4.add(f32x4.add(f32x4.add(f32x4.add(w472, f32x4.mul(h0, w408)), f32x4.mul(h1, w424)), f32x4.mul(h2, w440)), f32x4.mul(h3, w456)));
    const u3 = reluv(f32x4.add(f32x4.add(f32x4.add(f32x4.add(w476, f32x4.mul(h0, w412)), f32x4.mul(h1, w428)), f32x4.mul(h2, w444)), f32x4.mul(h3, w460)));
    const d = f32x4.add(f32x4.add(f32x4.add(f32x4.add(w512, f32x4.mul(u0, w480)), f32x4.mul(u1, w488)), f32x4.mul(u2, w496)), f32x4.mul(u3, w504));
    const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(w516, f32x4.mul(u0, w484)), f32x4.mul(u1, w492)), f32x4.mul(u2, w500)), f32x4.mul(u3, w508));
    const step = f32x4.mul(vlrm, f32x4.mul(f32x4.mul(d, f32x4.mul(vpsi, expv(f32x4.mul(s, vmult)))), vmult));
    v128.store(p + o, f32x4.sub(v128.load(p + o), step));
  }
}
