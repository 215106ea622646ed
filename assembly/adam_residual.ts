// Adam-residual learned optimizer (src/l2o/adam-residual/): a per-parameter MLP whose output is
// ADDED to the nominal Adam direction, fused with the moment updates, the features and the
// parameter update in one pass over the parameters.
//
// Tiles: the SIMD body takes 16 parameters (4 v128) per tile, so every broadcast weight of the
// hidden layer is used for 4 vectors (a 16×IN · IN×H GEMM tile held in scratch); then single
// vectors of 4; the scalar tail one parameter. Every lane performs the same f32 operations in
// the same order, so the SIMD build, the scalar build and the TypeScript reference
// (test/support/reference/adam-residual.ts) agree bit for bit.
//
// cfg (f32): 0 β1, 1 1−β1, 2 β₂ₘ (0.99), 3 1−β₂ₘ, 4 β₃ₘ (0.999), 5 1−β₃ₘ, 6 βv, 7 1−βv,
//            8 c1 = 1/(1−β1ᵗ), 9 c2, 10 c3, 11 r2 = 1/√(1−βvᵗ), 12 ε, 13 wd, 14 lr_t,
//            15…17 the run-level inputs of the hidden layer (the same for every parameter),
//            18 the residual form: 0 additive u = a + d·eˢ, 1 multiplicative u = a·(1 + d·eˢ).
// θ (f32, input-major): W1 11×16, b1 16, W2 16×2, b2 2 (the schedule net that follows in θ is
// evaluated by the caller into lr_t).

import { expv, exps, logs, logv } from './polymath';

const HID = 16;
const IN = 11;
const NX = 8;

/**
 * Adafactor factored second moment of one tensor, as its bias-corrected RMS `fr` (n f32):
 * matrix (rows, cols ≥ 2, row-major): R_i ← βv·R_i + (1−βv)·(Σ_j g_ij²)/cols,
 * C_j ← βv·C_j + (1−βv)·(Σ_i g_ij²)/rows (sums in index order), μ = (Σ_i R_i)/rows,
 * fr_ij = √(R_i·C_j / max(μ, 1e−30))·r2; R and C live in `fac` (R at fac[0…rows), C after it).
 * Vector (rows or cols < 2): fr_j = √(βv·v_j + (1−βv)·g_j²)·r2 — the same f32 expression as the
 * main pass's v update, so it equals that pass's √v·r2. Scalar loops (identical in both builds).
 */
export function adam_residual_factor_f32(g: usize, v: usize, fac: usize, fr: usize, rows: i32, cols: i32, bv: f32, obv: f32, r2: f32): void {
  if (rows < 2 || cols < 2) {
    const n = rows * cols;
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      const gj = load<f32>(g + o);
      store<f32>(fr + o, sqrt<f32>(bv * load<f32>(v + o) + obv * (gj * gj)) * r2);
    }
    return;
  }
  const R = fac, C = fac + (<usize>rows << 2);
  const fr_ = <f32>rows, fc = <f32>cols;
  for (let i = 0; i < rows; i++) {
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const gj = load<f32>(g + (<usize>(i * cols + j) << 2));
      s = s + gj * gj;
    }
    const o = <usize>i << 2;
    store<f32>(R + o, bv * load<f32>(R + o) + obv * (s / fc));
  }
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) {
      const gj = load<f32>(g + (<usize>(i * cols + j) << 2));
      s = s + gj * gj;
    }
    const o = <usize>j << 2;
    store<f32>(C + o, bv * load<f32>(C + o) + obv * (s / fr_));
  }
  let mu: f32 = 0;
  for (let i = 0; i < rows; i++) mu = mu + load<f32>(R + (<usize>i << 2));
  mu = max<f32>(mu / fr_, 1e-30);
  for (let i = 0; i < rows; i++) {
    const ri = load<f32>(R + (<usize>i << 2));
    for (let j = 0; j < cols; j++) {
      store<f32>(fr + (<usize>(i * cols + j) << 2), sqrt<f32>((ri * load<f32>(C + (<usize>j << 2))) / mu) * r2);
    }
  }
}

// @ts-ignore: decorator
@inline function cf(cfg: usize, i: i32): f32 {
  return load<f32>(cfg + (<usize>i << 2));
}

/**
 * One step on n parameters (momenta, v and p updated in place; `fr` from adam_residual_factor_f32):
 *   m_k ← β_k·m_k + (1−β_k)·g (β = β1, 0.99, 0.999);  v ← βv·v + (1−βv)·g²
 *   D = √v·r2 + ε;  a = (m1·c1)/D                      (a is Adam's direction, bit for bit)
 *   x = (g/D, a, m2·c2/D, m3·c3/D, fr/D, m1·c1/(fr + ε), ln(D)·0.1, clamp(p, −10, 10))
 *       — each product is x·(1/D) with 1/D rounded once, in that order
 *   h_j = relu(base_j + Σ_{q<8} x_q·W1[q][j]),  base_j = b1_j + Σ_{i=8..10} cfg[15+i−8]·W1[i][j]
 *   d = b2_0 + Σ_j h_j·W2[j][0],  s = b2_1 + Σ_j h_j·W2[j][1]
 *   u = a + d·exp(min(s, 4))   (cfg[18] = 0, additive form)
 *   u = a·(1 + d·exp(min(s, 4)))   (cfg[18] ≠ 0, multiplicative form: vanishes with a)
 *   u ← u + wd·p (if wd ≠ 0);  p ← p − lr_t·u
 * `scratch` ≥ 64 + 8·4·16 bytes.
 */
export function adam_residual_f32(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, n: i32, theta: usize, cfg: usize, scratch: usize): void {
  adam_residual_h_f32(p, g, m1, m2, m3, v, fr, n, theta, cfg, scratch, HID);
}

/**
 * `adam_residual_f32` with a hidden layer of H units (H ≥ 1): θ = W1 11×H, b1 H, W2 H×2, b2 2
 * (input-major, the same layout with 16 replaced by H), scratch ≥ 4·H + 8·4·16 bytes (the hidden
 * bases, then the feature tile). Same arithmetic, same order per lane: H = 16 is
 * `adam_residual_f32` bit for bit. The bench runs it at mlpLOpt's width (32) for the
 * equal-hidden-size throughput row.
 */
export function adam_residual_h_f32(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, n: i32, theta: usize, cfg: usize, scratch: usize, H: i32): void {
  const B1 = IN * H, W2 = B1 + H, B2 = W2 + 2 * H;
  const base = scratch; // H f32
  for (let j = 0; j < H; j++) {
    let acc = load<f32>(theta + (<usize>(B1 + j) << 2));
    for (let i = NX; i < IN; i++) acc = acc + cf(cfg, 15 + i - NX) * load<f32>(theta + (<usize>(i * H + j) << 2));
    store<f32>(base + (<usize>j << 2), acc);
  }
  const xs = scratch + (<usize>H << 2); // NX rows of 4 v128 (feature q of vector k at xs + (q·4 + k)·16)
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      const a0 = featv(p + o, g + o, m1 + o, m2 + o, m3 + o, v + o, fr + o, cfg, xs, 0);
      const a1 = featv(p + o + 16, g + o + 16, m1 + o + 16, m2 + o + 16, m3 + o + 16, v + o + 16, fr + o + 16, cfg, xs, 1);
      const a2 = featv(p + o + 32, g + o + 32, m1 + o + 32, m2 + o + 32, m3 + o + 32, v + o + 32, fr + o + 32, cfg, xs, 2);
      const a3 = featv(p + o + 48, g + o + 48, m1 + o + 48, m2 + o + 48, m3 + o + 48, v + o + 48, fr + o + 48, cfg, xs, 3);
      let d0 = f32x4.splat(load<f32>(theta + (<usize>B2 << 2))), s0 = f32x4.splat(load<f32>(theta + (<usize>(B2 + 1) << 2)));
      let d1 = d0, d2 = d0, d3 = d0, s1 = s0, s2 = s0, s3 = s0;
      const zero = f32x4.splat(0);
      for (let j = 0; j < H; j++) {
        const bj = f32x4.splat(load<f32>(base + (<usize>j << 2)));
        let h0 = bj, h1 = bj, h2 = bj, h3 = bj;
        for (let q = 0; q < NX; q++) {
          const w = f32x4.splat(load<f32>(theta + (<usize>(q * H + j) << 2)));
          const row = xs + (<usize>(q * 4) << 4);
          h0 = f32x4.add(h0, f32x4.mul(v128.load(row), w));
          h1 = f32x4.add(h1, f32x4.mul(v128.load(row + 16), w));
          h2 = f32x4.add(h2, f32x4.mul(v128.load(row + 32), w));
          h3 = f32x4.add(h3, f32x4.mul(v128.load(row + 48), w));
        }
        h0 = f32x4.max(h0, zero); h1 = f32x4.max(h1, zero); h2 = f32x4.max(h2, zero); h3 = f32x4.max(h3, zero);
        const wd = f32x4.splat(load<f32>(theta + (<usize>(W2 + 2 * j) << 2)));
        const ws = f32x4.splat(load<f32>(theta + (<usize>(W2 + 2 * j + 1) << 2)));
        d0 = f32x4.add(d0, f32x4.mul(h0, wd)); s0 = f32x4.add(s0, f32x4.mul(h0, ws));
        d1 = f32x4.add(d1, f32x4.mul(h1, wd)); s1 = f32x4.add(s1, f32x4.mul(h1, ws));
        d2 = f32x4.add(d2, f32x4.mul(h2, wd)); s2 = f32x4.add(s2, f32x4.mul(h2, ws));
        d3 = f32x4.add(d3, f32x4.mul(h3, wd)); s3 = f32x4.add(s3, f32x4.mul(h3, ws));
      }
      updv(p + o, a0, d0, s0, cfg);
      updv(p + o + 16, a1, d1, s1, cfg);
      updv(p + o + 32, a2, d2, s2, cfg);
      updv(p + o + 48, a3, d3, s3, cfg);
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const a0 = featv(p + o, g + o, m1 + o, m2 + o, m3 + o, v + o, fr + o, cfg, xs, 0);
      let d0 = f32x4.splat(load<f32>(theta + (<usize>B2 << 2))), s0 = f32x4.splat(load<f32>(theta + (<usize>(B2 + 1) << 2)));
      for (let j = 0; j < H; j++) {
        let h0 = f32x4.splat(load<f32>(base + (<usize>j << 2)));
        for (let q = 0; q < NX; q++) {
          h0 = f32x4.add(h0, f32x4.mul(v128.load(xs + (<usize>(q * 4) << 4)), f32x4.splat(load<f32>(theta + (<usize>(q * H + j) << 2)))));
        }
        h0 = f32x4.max(h0, f32x4.splat(0));
        d0 = f32x4.add(d0, f32x4.mul(h0, f32x4.splat(load<f32>(theta + (<usize>(W2 + 2 * j) << 2)))));
        s0 = f32x4.add(s0, f32x4.mul(h0, f32x4.splat(load<f32>(theta + (<usize>(W2 + 2 * j + 1) << 2)))));
      }
      updv(p + o, a0, d0, s0, cfg);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o), gi = load<f32>(g + o);
    const mi1 = cf(cfg, 0) * load<f32>(m1 + o) + cf(cfg, 1) * gi;
    const mi2 = cf(cfg, 2) * load<f32>(m2 + o) + cf(cfg, 3) * gi;
    const mi3 = cf(cfg, 4) * load<f32>(m3 + o) + cf(cfg, 5) * gi;
    const vi = cf(cfg, 6) * load<f32>(v + o) + cf(cfg, 7) * (gi * gi);
    store<f32>(m1 + o, mi1);
    store<f32>(m2 + o, mi2);
    store<f32>(m3 + o, mi3);
    store<f32>(v + o, vi);
    const eps = cf(cfg, 12);
    const den = sqrt<f32>(vi) * cf(cfg, 11) + eps;
    const mc = mi1 * cf(cfg, 8);
    const a = mc / den;
    const rs: f32 = 1.0 / den;
    const fri = load<f32>(fr + o);
    const x0 = gi * rs, x2 = (mi2 * cf(cfg, 9)) * rs, x3 = (mi3 * cf(cfg, 10)) * rs, x4 = fri * rs;
    const x5 = mc / (fri + eps), x6 = logs(den) * <f32>0.1, x7 = max<f32>(min<f32>(pi, 10.0), -10.0);
    let d = load<f32>(theta + (<usize>B2 << 2)), s = load<f32>(theta + (<usize>(B2 + 1) << 2));
    for (let j = 0; j < H; j++) {
      let h = load<f32>(base + (<usize>j << 2));
      h = h + x0 * wt(theta, H, 0, j);
      h = h + a * wt(theta, H, 1, j);
      h = h + x2 * wt(theta, H, 2, j);
      h = h + x3 * wt(theta, H, 3, j);
      h = h + x4 * wt(theta, H, 4, j);
      h = h + x5 * wt(theta, H, 5, j);
      h = h + x6 * wt(theta, H, 6, j);
      h = h + x7 * wt(theta, H, 7, j);
      h = max<f32>(h, 0);
      d = d + h * load<f32>(theta + (<usize>(W2 + 2 * j) << 2));
      s = s + h * load<f32>(theta + (<usize>(W2 + 2 * j + 1) << 2));
    }
    const t = d * exps(min<f32>(s, 4.0));
    let u = cf(cfg, 18) != 0 ? a * (<f32>1.0 + t) : a + t;
    const wdc = cf(cfg, 13);
    if (wdc != 0) u = u + wdc * pi;
    store<f32>(p + o, pi - cf(cfg, 14) * u);
  }
}

// @ts-ignore: decorator
@inline function wt(theta: usize, H: i32, q: i32, j: i32): f32 {
  return load<f32>(theta + (<usize>(q * H + j) << 2));
}

/** Moments and the 8 features of 4 parameters into xs column k; returns Adam's direction a. */
// @ts-ignore: decorator
@inline function featv(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, cfg: usize, xs: usize, k: i32): v128 {
  const pi = v128.load(p), gi = v128.load(g);
  const mi1 = f32x4.add(f32x4.mul(f32x4.splat(cf(cfg, 0)), v128.load(m1)), f32x4.mul(f32x4.splat(cf(cfg, 1)), gi));
  const mi2 = f32x4.add(f32x4.mul(f32x4.splat(cf(cfg, 2)), v128.load(m2)), f32x4.mul(f32x4.splat(cf(cfg, 3)), gi));
  const mi3 = f32x4.add(f32x4.mul(f32x4.splat(cf(cfg, 4)), v128.load(m3)), f32x4.mul(f32x4.splat(cf(cfg, 5)), gi));
  const vi = f32x4.add(f32x4.mul(f32x4.splat(cf(cfg, 6)), v128.load(v)), f32x4.mul(f32x4.splat(cf(cfg, 7)), f32x4.mul(gi, gi)));
  v128.store(m1, mi1);
  v128.store(m2, mi2);
  v128.store(m3, mi3);
  v128.store(v, vi);
  const eps = f32x4.splat(cf(cfg, 12));
  const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), f32x4.splat(cf(cfg, 11))), eps);
  const mc = f32x4.mul(mi1, f32x4.splat(cf(cfg, 8)));
  const a = f32x4.div(mc, den);
  const rs = f32x4.div(f32x4.splat(1.0), den);
  const fri = v128.load(fr);
  const col = xs + (<usize>k << 4);
  v128.store(col, f32x4.mul(gi, rs));
  v128.store(col + 64, a);
  v128.store(col + 128, f32x4.mul(f32x4.mul(mi2, f32x4.splat(cf(cfg, 9))), rs));
  v128.store(col + 192, f32x4.mul(f32x4.mul(mi3, f32x4.splat(cf(cfg, 10))), rs));
  v128.store(col + 256, f32x4.mul(fri, rs));
  v128.store(col + 320, f32x4.div(mc, f32x4.add(fri, eps)));
  v128.store(col + 384, f32x4.mul(logv(den), f32x4.splat(0.1)));
  v128.store(col + 448, f32x4.max(f32x4.min(pi, f32x4.splat(10.0)), f32x4.splat(-10.0)));
  return a;
}

/** u = a + d·exp(min(s, 4)) or a·(1 + d·exp(min(s, 4))) (cfg[18]) (+ wd·p), p ← p − lr_t·u for 4 parameters. */
// @ts-ignore: decorator
@inline function updv(p: usize, a: v128, d: v128, s: v128, cfg: usize): void {
  const pi = v128.load(p);
  const t = f32x4.mul(d, expv(f32x4.min(s, f32x4.splat(4.0))));
  let u = cf(cfg, 18) != 0 ? f32x4.mul(a, f32x4.add(f32x4.splat(1.0), t)) : f32x4.add(a, t);
  const wdc = cf(cfg, 13);
  if (wdc != 0) u = f32x4.add(u, f32x4.mul(f32x4.splat(wdc), pi));
  v128.store(p, f32x4.sub(pi, f32x4.mul(f32x4.splat(cf(cfg, 14)), u)));
}
