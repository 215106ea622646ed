// The SIMD tile passes of assembly/adam_residual.ts (adam_residual_h_f32), over m parameters
// (a multiple of 4, at most 4·TILE) at a time, each a short loop with few live values (V8 keeps
// them in registers; one fused loop spilled and serialized the long exp/log chains):
//   featTile  moments (stored) and the 8 features into xs (vector k's feature q at
//             xs + 128·k + 16·q), ln(D) by logv4 over the contiguous buffer lg;
//   mlpTile   the MLP over a pre-splatted weight table (192 bytes per hidden unit: W1[0…7][j],
//             base_j, W2[j][0], W2[j][1], as v128): 4 vectors × 1 hidden unit per step, the 4
//             hidden sums in flight, (d, s) of vector k into ds + 32·k;
//   updTile   e = exp(min(s, 4)) by expv4 over lg, u and the parameter update.
// Every lane does the f32 operations of the scalar loop of adam_residual_h_f32 in the same
// order, so the SIMD and scalar builds and test/support/reference/adam-residual.ts agree bit
// for bit. The ReLU is pmax(h, 0): equal to max(h, 0) because no hidden sum is −0 (see
// packTable in adam_residual.ts).

import { expv, expv4, logv, logv4 } from './polymath';

/** Vectors of 4 parameters per tile. */
export const TILE = 32;

/** Moments (stored) and the 8 features of the m (multiple of 4) parameters from i, into xs (vector k's feature q at xs + 128·k + 16·q). */
export function featTile(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, cfg: usize, i: i32, m: i32, xs: usize, lg: usize): void {
  const end = <usize>(i + m) << 2;
  const b1 = v128.load32_splat(cfg), ob1 = v128.load32_splat(cfg, 4), b2 = v128.load32_splat(cfg, 8), ob2 = v128.load32_splat(cfg, 12);
  const b3 = v128.load32_splat(cfg, 16), ob3 = v128.load32_splat(cfg, 20), bv = v128.load32_splat(cfg, 24), obv = v128.load32_splat(cfg, 28);
  const c1 = v128.load32_splat(cfg, 32), c2 = v128.load32_splat(cfg, 36), c3 = v128.load32_splat(cfg, 40), r2 = v128.load32_splat(cfg, 44);
  const eps = v128.load32_splat(cfg, 48);
  const one = f32x4.splat(1.0), hi = f32x4.splat(10.0), lo = f32x4.splat(-10.0);
  for (let o = <usize>i << 2, x = xs, l = lg; o < end; o += 16, x += 128, l += 16) {
    const pi = v128.load(p + o), gi = v128.load(g + o);
    const mi1 = f32x4.add(f32x4.mul(b1, v128.load(m1 + o)), f32x4.mul(ob1, gi));
    const mi2 = f32x4.add(f32x4.mul(b2, v128.load(m2 + o)), f32x4.mul(ob2, gi));
    const mi3 = f32x4.add(f32x4.mul(b3, v128.load(m3 + o)), f32x4.mul(ob3, gi));
    const vi = f32x4.add(f32x4.mul(bv, v128.load(v + o)), f32x4.mul(obv, f32x4.mul(gi, gi)));
    v128.store(m1 + o, mi1);
    v128.store(m2 + o, mi2);
    v128.store(m3 + o, mi3);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), r2), eps);
    const mc = f32x4.mul(mi1, c1);
    const rs = f32x4.div(one, den);
    const fri = v128.load(fr + o);
    v128.store(x, f32x4.mul(gi, rs));
    v128.store(x, f32x4.div(mc, den), 16);
    v128.store(x, f32x4.mul(f32x4.mul(mi2, c2), rs), 32);
    v128.store(x, f32x4.mul(f32x4.mul(mi3, c3), rs), 48);
    v128.store(x, f32x4.mul(fri, rs), 64);
    v128.store(x, f32x4.div(mc, f32x4.add(fri, eps)), 80);
    v128.store(l, den); // ln(D)·0.1 in the pass below
    v128.store(x, f32x4.pmax(f32x4.pmin(pi, hi), lo), 112);
  }
  // Feature 6 = ln(D)·0.1: the logs four vectors at a time (logv4: four polynomial chains in flight).
  const lEnd = lg + (<usize>m << 2);
  let l = lg;
  for (; l + 64 <= lEnd; l += 64) logv4(l);
  for (; l < lEnd; l += 16) v128.store(l, logv(v128.load(l)));
  const k01 = f32x4.splat(0.1);
  for (let x = xs, l = lg; l < lEnd; x += 128, l += 16) v128.store(x, f32x4.mul(v128.load(l), k01), 96);
}

/** The MLP on m/4 feature vectors of xs: (d, s) of vector k into ds + 32·k; vt…vtEnd the pre-splatted table. */
export function mlpTile(xs: usize, ds: usize, m: i32, vt: usize, vtEnd: usize, bd: f32, bs: f32): void {
  const z = f32x4.splat(0);
  const xEnd = xs + (<usize>m << 5), vtPair = vtEnd - ((vtEnd - vt) % 384);
  const vd = f32x4.splat(bd), vs = f32x4.splat(bs);
  let x = xs, o = ds;
  for (; x + 512 <= xEnd; x += 512, o += 128) {
    let d0 = vd, d1 = vd, d2 = vd, d3 = vd, s0 = vs, s1 = vs, s2 = vs, s3 = vs;
    for (let t = vt; t < vtEnd; t += 192) {
      const b = v128.load(t, 128);
      let w = v128.load(t);
      let h0 = f32x4.add(b, f32x4.mul(v128.load(x), w)), h1 = f32x4.add(b, f32x4.mul(v128.load(x, 128), w));
      let h2 = f32x4.add(b, f32x4.mul(v128.load(x, 256), w)), h3 = f32x4.add(b, f32x4.mul(v128.load(x, 384), w));
      w = v128.load(t, 16);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 16), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 144), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 272), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 400), w));
      w = v128.load(t, 32);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 32), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 160), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 288), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 416), w));
      w = v128.load(t, 48);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 48), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 176), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 304), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 432), w));
      w = v128.load(t, 64);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 64), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 192), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 320), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 448), w));
      w = v128.load(t, 80);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 80), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 208), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 336), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 464), w));
      w = v128.load(t, 96);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 96), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 224), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 352), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 480), w));
      w = v128.load(t, 112);
      h0 = f32x4.add(h0, f32x4.mul(v128.load(x, 112), w)); h1 = f32x4.add(h1, f32x4.mul(v128.load(x, 240), w));
      h2 = f32x4.add(h2, f32x4.mul(v128.load(x, 368), w)); h3 = f32x4.add(h3, f32x4.mul(v128.load(x, 496), w));
      h0 = f32x4.pmax(h0, z); h1 = f32x4.pmax(h1, z);
      h2 = f32x4.pmax(h2, z); h3 = f32x4.pmax(h3, z);
      const wd = v128.load(t, 144), ws = v128.load(t, 160);
      d0 = f32x4.add(d0, f32x4.mul(h0, wd)); s0 = f32x4.add(s0, f32x4.mul(h0, ws));
      d1 = f32x4.add(d1, f32x4.mul(h1, wd)); s1 = f32x4.add(s1, f32x4.mul(h1, ws));
      d2 = f32x4.add(d2, f32x4.mul(h2, wd)); s2 = f32x4.add(s2, f32x4.mul(h2, ws));
      d3 = f32x4.add(d3, f32x4.mul(h3, wd)); s3 = f32x4.add(s3, f32x4.mul(h3, ws));
    }
    v128.store(o, d0); v128.store(o, s0, 16); v128.store(o, d1, 32); v128.store(o, s1, 48);
    v128.store(o, d2, 64); v128.store(o, s2, 80); v128.store(o, d3, 96); v128.store(o, s3, 112);
  }
  for (; x < xEnd; x += 128, o += 32) {
    const x0 = v128.load(x), x1 = v128.load(x, 16), x2 = v128.load(x, 32), x3 = v128.load(x, 48);
    const x4 = v128.load(x, 64), x5 = v128.load(x, 80), x6 = v128.load(x, 96), x7 = v128.load(x, 112);
    let d = vd, s = vs;
    let t = vt;
    for (; t < vtPair; t += 384) {
      let hA = v128.load(t, 128), hB = v128.load(t, 320);
      hA = f32x4.add(hA, f32x4.mul(x0, v128.load(t, 0))); hB = f32x4.add(hB, f32x4.mul(x0, v128.load(t, 192)));
      hA = f32x4.add(hA, f32x4.mul(x1, v128.load(t, 16))); hB = f32x4.add(hB, f32x4.mul(x1, v128.load(t, 208)));
      hA = f32x4.add(hA, f32x4.mul(x2, v128.load(t, 32))); hB = f32x4.add(hB, f32x4.mul(x2, v128.load(t, 224)));
      hA = f32x4.add(hA, f32x4.mul(x3, v128.load(t, 48))); hB = f32x4.add(hB, f32x4.mul(x3, v128.load(t, 240)));
      hA = f32x4.add(hA, f32x4.mul(x4, v128.load(t, 64))); hB = f32x4.add(hB, f32x4.mul(x4, v128.load(t, 256)));
      hA = f32x4.add(hA, f32x4.mul(x5, v128.load(t, 80))); hB = f32x4.add(hB, f32x4.mul(x5, v128.load(t, 272)));
      hA = f32x4.add(hA, f32x4.mul(x6, v128.load(t, 96))); hB = f32x4.add(hB, f32x4.mul(x6, v128.load(t, 288)));
      hA = f32x4.add(hA, f32x4.mul(x7, v128.load(t, 112))); hB = f32x4.add(hB, f32x4.mul(x7, v128.load(t, 304)));
      hA = f32x4.pmax(hA, z); hB = f32x4.pmax(hB, z);
      d = f32x4.add(d, f32x4.mul(hA, v128.load(t, 144)));
      s = f32x4.add(s, f32x4.mul(hA, v128.load(t, 160)));
      d = f32x4.add(d, f32x4.mul(hB, v128.load(t, 336)));
      s = f32x4.add(s, f32x4.mul(hB, v128.load(t, 352)));
    }
    if (t < vtEnd) {
      let h = v128.load(t, 128);
      h = f32x4.add(h, f32x4.mul(x0, v128.load(t, 0)));
      h = f32x4.add(h, f32x4.mul(x1, v128.load(t, 16)));
      h = f32x4.add(h, f32x4.mul(x2, v128.load(t, 32)));
      h = f32x4.add(h, f32x4.mul(x3, v128.load(t, 48)));
      h = f32x4.add(h, f32x4.mul(x4, v128.load(t, 64)));
      h = f32x4.add(h, f32x4.mul(x5, v128.load(t, 80)));
      h = f32x4.add(h, f32x4.mul(x6, v128.load(t, 96)));
      h = f32x4.add(h, f32x4.mul(x7, v128.load(t, 112)));
      h = f32x4.pmax(h, z); // = max(h, 0) lane for lane (h is never −0, see packTable)
      d = f32x4.add(d, f32x4.mul(h, v128.load(t, 144)));
      s = f32x4.add(s, f32x4.mul(h, v128.load(t, 160)));
    }
    v128.store(o, d);
    v128.store(o, s, 16);
  }
}

/** u from a (xs feature 1), d and s (ds), then p ← p − lr_t·(u (+ wd·p)) for the m parameters from i. */
export function updTile(p: usize, xs: usize, ds: usize, lg: usize, cfg: usize, i: i32, m: i32, mult: bool): void {
  const end = <usize>(i + m) << 2;
  const wdc = load<f32>(cfg, 52);
  // e = exp(min(s, 4)) into lg, four vectors at a time (expv4), then the update.
  const lEnd = lg + (<usize>m << 2), k4 = f32x4.splat(4.0);
  for (let l = lg, y = ds; l < lEnd; l += 16, y += 32) v128.store(l, f32x4.pmin(v128.load(y, 16), k4));
  let l = lg;
  for (; l + 64 <= lEnd; l += 64) expv4(l);
  for (; l < lEnd; l += 16) v128.store(l, expv(v128.load(l)));
  const one = f32x4.splat(1.0);
  for (let o = <usize>i << 2, x = xs, y = ds, l = lg; o < end; o += 16, x += 128, y += 32, l += 16) {
    const pi = v128.load(p + o), a = v128.load(x, 16);
    const e = f32x4.mul(v128.load(y), v128.load(l));
    let u = mult ? f32x4.mul(a, f32x4.add(one, e)) : f32x4.add(a, e);
    if (wdc != 0) u = f32x4.add(u, f32x4.mul(v128.load32_splat(cfg, 52), pi));
    v128.store(p + o, f32x4.sub(pi, f32x4.mul(v128.load32_splat(cfg, 56), u)));
  }
}
