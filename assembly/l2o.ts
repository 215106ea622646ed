// Learned-optimizer kernels: the per-parameter networks of the MLP optimizer (SPEC B.2,
// learned_optimization MLPLOpt) and the coordinate-wise two-layer LSTM optimizer (SPEC B.1.2),
// applied to all parameters at once (the parameter count is the batch), plus the LSTM's
// backward pass for truncated backprop (SPEC B.1.3).
//
// Lanes are parameters: the SIMD body runs 4 parameters per v128, the scalar tail one, with
// the same operation order, so SIMD, scalar and the TypeScript reference
// (test/reference/l2o.ts) agree bit for bit. For that, exp and log are our own f32
// polynomials (assembly/polymath.ts; exp(−∞) gives 1.6e−38, not 0). The LSTM layout is in
// assembly/lstm_layout.ts and its backward pass in assembly/lstm_backward.ts (re-exported here).
//
// Pointer tables: optimizer slots are separate arena blocks, so kernels take a table of
// u32 byte offsets (`slots`) instead of one base pointer. No allocation; scratch is given.

import { expv, exps, logs, logv, sigs, sigv, tanhs, tanhv } from './polymath';
import { BHH1, BHH2, BIH1, BIH2, BOUT, T_A1, T_A2, T_C1P, T_C2P, T_H1P, T_H2P, T_TC1, T_TC2, T_X0, T_X1, WHH1, WHH2, WIH1, WIH2, WOUT, slot, th } from './lstm_layout';

export * from './lstm_backward';

/** Elementwise out = f(x) for the polynomial math above: which = 0 exp, 1 log, 2 σ, 3 tanh (tests). */
export function lopt_math_f32(out: usize, x: usize, n: i32, which: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(out + o, which == 0 ? expv(v) : which == 1 ? logv(v) : which == 2 ? sigv(v) : tanhv(v));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, which == 0 ? exps(v) : which == 1 ? logs(v) : which == 2 ? sigs(v) : tanhs(v));
  }
}

// ---- MLP optimizer (learned_optimization MLPLOpt, SPEC B.2) --------------------------------

/**
 * Momenta m_d ← d·m_d + (1−d)·g for d = 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999 (slots[0..5]);
 * (1−d) is the f32 literal of the decimal, not 1 − f32(d).
 */
export function mlp_lopt_momenta_f32(g: usize, slots: usize, n: i32): void {
  momentum1(g, slot(slots, 0), n, 0.1, 0.9);
  momentum1(g, slot(slots, 1), n, 0.5, 0.5);
  momentum1(g, slot(slots, 2), n, 0.9, 0.1);
  momentum1(g, slot(slots, 3), n, 0.99, 0.01);
  momentum1(g, slot(slots, 4), n, 0.999, 0.001);
  momentum1(g, slot(slots, 5), n, 0.9999, 0.0001);
}

// @ts-ignore: decorator
@inline function momentum1(g: usize, m: usize, n: i32, d: f32, od: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d), vod = f32x4.splat(od);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(m + o, f32x4.add(f32x4.mul(vd, v128.load(m + o)), f32x4.mul(vod, v128.load(g + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(m + o, d * load<f32>(m + o) + od * load<f32>(g + o));
  }
}

/**
 * One MLPLOpt step on n parameters (momenta already updated):
 *   x = (g·s_g, p·s_p, m_0·s_0 … m_5·s_5, τ_0 … τ_10)   (19 features; s_* = 1/√(1e−5 + mean x²)
 *        per tensor and τ_i = tanh(t/T_i − 1), both computed by the caller into `feat`)
 *   h1 = relu(W1ᵀx + b1), h2 = relu(W2ᵀh1 + b2), (d, s) = W3ᵀh2 + b3    (32, 32, 2 units)
 *   p ← p − d·exp(0.001·s)·0.001
 * θ layout (f32, input-major W[i][j]): W1 19×32, b1 32, W2 32×32, b2 32, W3 32×2, b3 2.
 * The 11 time features are the same for every parameter, so their contribution is folded
 * into a per-call base: base_j = b1_j + Σ_{i=8..18} τ·W1[i][j] (in i order); then per parameter
 * acc_j = base_j + Σ_{i=0..7} x_i·W1[i][j] (in i order). `scratch` ≥ 96·16 + 128 bytes.
 */
export function mlp_lopt_f32(p: usize, g: usize, slots: usize, n: i32, theta: usize, feat: usize, scratch: usize): void {
  const W1 = theta, b1 = W1 + 19 * 32 * 4, W2 = b1 + 32 * 4, b2 = W2 + 32 * 32 * 4, W3 = b2 + 32 * 4, b3 = W3 + 32 * 2 * 4;
  const base = scratch; // 32 f32
  const xs = scratch + 128; // 8 v128
  const h1 = xs + 8 * 16; // 32 v128
  const h2 = h1 + 32 * 16; // 32 v128
  for (let j = 0; j < 32; j++) {
    let acc = load<f32>(b1 + (<usize>j << 2));
    for (let i = 8; i < 19; i++) acc = acc + load<f32>(feat + (<usize>i << 2)) * load<f32>(W1 + (<usize>(i * 32 + j) << 2));
    store<f32>(base + (<usize>j << 2), acc);
  }
  const m0 = slot(slots, 0), m1 = slot(slots, 1), m2 = slot(slots, 2), m3 = slot(slots, 3), m4 = slot(slots, 4), m5 = slot(slots, 5);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      v128.store(xs, f32x4.mul(v128.load(g + o), f32x4.splat(load<f32>(feat))));
      v128.store(xs + 16, f32x4.mul(pi, f32x4.splat(load<f32>(feat, 4))));
      v128.store(xs + 32, f32x4.mul(v128.load(m0 + o), f32x4.splat(load<f32>(feat, 8))));
      v128.store(xs + 48, f32x4.mul(v128.load(m1 + o), f32x4.splat(load<f32>(feat, 12))));
      v128.store(xs + 64, f32x4.mul(v128.load(m2 + o), f32x4.splat(load<f32>(feat, 16))));
      v128.store(xs + 80, f32x4.mul(v128.load(m3 + o), f32x4.splat(load<f32>(feat, 20))));
      v128.store(xs + 96, f32x4.mul(v128.load(m4 + o), f32x4.splat(load<f32>(feat, 24))));
      v128.store(xs + 112, f32x4.mul(v128.load(m5 + o), f32x4.splat(load<f32>(feat, 28))));
      for (let j = 0; j < 32; j++) {
        let acc = f32x4.splat(load<f32>(base + (<usize>j << 2)));
        for (let q = 0; q < 8; q++) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(xs + (<usize>q << 4)), f32x4.splat(load<f32>(W1 + (<usize>(q * 32 + j) << 2)))));
        }
        v128.store(h1 + (<usize>j << 4), f32x4.max(acc, zero));
      }
      for (let j = 0; j < 32; j++) {
        let acc = f32x4.splat(load<f32>(b2 + (<usize>j << 2)));
        for (let q = 0; q < 32; q++) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(h1 + (<usize>q << 4)), f32x4.splat(load<f32>(W2 + (<usize>(q * 32 + j) << 2)))));
        }
        v128.store(h2 + (<usize>j << 4), f32x4.max(acc, zero));
      }
      let d = f32x4.splat(load<f32>(b3)), s = f32x4.splat(load<f32>(b3, 4));
      for (let q = 0; q < 32; q++) {
        const h = v128.load(h2 + (<usize>q << 4));
        d = f32x4.add(d, f32x4.mul(h, f32x4.splat(load<f32>(W3 + (<usize>(q * 2) << 2)))));
        s = f32x4.add(s, f32x4.mul(h, f32x4.splat(load<f32>(W3 + (<usize>(q * 2 + 1) << 2)))));
      }
      const step = f32x4.mul(f32x4.mul(d, expv(f32x4.mul(s, f32x4.splat(0.001)))), f32x4.splat(0.001));
      v128.store(p + o, f32x4.sub(pi, step));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    store<f32>(xs, load<f32>(g + o) * load<f32>(feat));
    store<f32>(xs + 16, pi * load<f32>(feat, 4));
    store<f32>(xs + 32, load<f32>(m0 + o) * load<f32>(feat, 8));
    store<f32>(xs + 48, load<f32>(m1 + o) * load<f32>(feat, 12));
    store<f32>(xs + 64, load<f32>(m2 + o) * load<f32>(feat, 16));
    store<f32>(xs + 80, load<f32>(m3 + o) * load<f32>(feat, 20));
    store<f32>(xs + 96, load<f32>(m4 + o) * load<f32>(feat, 24));
    store<f32>(xs + 112, load<f32>(m5 + o) * load<f32>(feat, 28));
    for (let j = 0; j < 32; j++) {
      let acc = load<f32>(base + (<usize>j << 2));
      for (let q = 0; q < 8; q++) acc = acc + load<f32>(xs + (<usize>q << 4)) * load<f32>(W1 + (<usize>(q * 32 + j) << 2));
      store<f32>(h1 + (<usize>j << 4), max<f32>(acc, 0));
    }
    for (let j = 0; j < 32; j++) {
      let acc = load<f32>(b2 + (<usize>j << 2));
      for (let q = 0; q < 32; q++) acc = acc + load<f32>(h1 + (<usize>q << 4)) * load<f32>(W2 + (<usize>(q * 32 + j) << 2));
      store<f32>(h2 + (<usize>j << 4), max<f32>(acc, 0));
    }
    let d = load<f32>(b3), s = load<f32>(b3, 4);
    for (let q = 0; q < 32; q++) {
      const h = load<f32>(h2 + (<usize>q << 4));
      d = d + h * load<f32>(W3 + (<usize>(q * 2) << 2));
      s = s + h * load<f32>(W3 + (<usize>(q * 2 + 1) << 2));
    }
    store<f32>(p + o, pi - d * exps(s * 0.001) * 0.001);
  }
}

// ---- LSTM optimizer (Andrychowicz et al. 2016 as in Sobotka et al.; SPEC B.1.2) ------------

/**
 * One step of the coordinate-wise LSTM optimizer on n parameters:
 *   preprocessing (p = 10): |g| ≥ e^{−10} → x = (ln(|g| + 1e−8)/10, sign g), else x = (−1, e^{10}·g)
 *   (h1, c1) = LSTMCell(2→20)(x, (h1, c1));  (h2, c2) = LSTMCell(20→20)(h1, (h2, c2))
 *   o = W_out·h2 + b_out;  p ← p + η_out·o          (η_out = `outScale`, 0.1 in SPEC B.1.2)
 * LSTMCell: z = (b_ih + b_hh) + W_ih·x + W_hh·h (in that order), i = σ(z_i), f = σ(z_f),
 * g = tanh(z_g), o = σ(z_o), c' = f·c + i·g, h' = o·tanh(c').
 * `slots` holds 80 pointers: h1[20], c1[20], h2[20], c2[20] (each n f32, updated in place).
 * When `tape` ≠ 0 it receives LSTM_TAPE_FIELDS rows of n f32 for the backward pass.
 * `scratch` ≥ 80·16 + 160·4 bytes.
 */
export function lstm_lopt_f32(p: usize, g: usize, slots: usize, n: i32, theta: usize, outScale: f32, tape: usize, scratch: usize): void {
  const gates = scratch; // 80 v128 (or f32 in the tail)
  const bsum = scratch + 80 * 16; // 160 f32
  for (let r = 0; r < 80; r++) {
    store<f32>(bsum + (<usize>r << 2), th(theta, BIH1 + r) + th(theta, BHH1 + r));
    store<f32>(bsum + (<usize>(80 + r) << 2), th(theta, BIH2 + r) + th(theta, BHH2 + r));
  }
  const rowBytes = <usize>n << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const a = f32x4.abs(gi);
      const big = f32x4.ge(a, f32x4.splat(4.539993e-5));
      const sgn = v128.or(v128.and(f32x4.gt(gi, zero), one), v128.and(f32x4.lt(gi, zero), f32x4.splat(-1)));
      const x0 = v128.bitselect(f32x4.div(logv(f32x4.add(a, f32x4.splat(1e-8))), f32x4.splat(10)), f32x4.splat(-1), big);
      const x1 = v128.bitselect(sgn, f32x4.mul(f32x4.splat(22026.465794806718), gi), big);
      if (tape) {
        v128.store(tape + <usize>T_X0 * rowBytes + o, x0);
        v128.store(tape + <usize>T_X1 * rowBytes + o, x1);
      }
      // Layer 1.
      for (let r = 0; r < 80; r++) {
        let acc = f32x4.splat(load<f32>(bsum + (<usize>r << 2)));
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(th(theta, WIH1 + r * 2)), x0));
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(th(theta, WIH1 + r * 2 + 1)), x1));
        for (let q = 0; q < 20; q++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(th(theta, WHH1 + r * 20 + q)), v128.load(slot(slots, q) + o)));
        v128.store(gates + (<usize>r << 4), acc);
      }
      cellv(gates, slots, 0, o, tape, T_H1P, T_C1P, T_A1, T_TC1, rowBytes);
      // Layer 2.
      for (let r = 0; r < 80; r++) {
        let acc = f32x4.splat(load<f32>(bsum + (<usize>(80 + r) << 2)));
        for (let q = 0; q < 20; q++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(th(theta, WIH2 + r * 20 + q)), v128.load(slot(slots, q) + o)));
        for (let q = 0; q < 20; q++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(th(theta, WHH2 + r * 20 + q)), v128.load(slot(slots, 40 + q) + o)));
        v128.store(gates + (<usize>r << 4), acc);
      }
      cellv(gates, slots, 40, o, tape, T_H2P, T_C2P, T_A2, T_TC2, rowBytes);
      let out = f32x4.splat(th(theta, BOUT));
      for (let q = 0; q < 20; q++) out = f32x4.add(out, f32x4.mul(f32x4.splat(th(theta, WOUT + q)), v128.load(slot(slots, 40 + q) + o)));
      v128.store(p + o, f32x4.add(v128.load(p + o), f32x4.mul(f32x4.splat(outScale), out)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const a = abs<f32>(gi);
    let x0: f32, x1: f32;
    if (a >= 4.539993e-5) {
      x0 = logs(a + 1e-8) / 10;
      x1 = gi > 0 ? 1 : gi < 0 ? -1 : 0;
    } else {
      x0 = -1;
      x1 = <f32>22026.465794806718 * gi;
    }
    if (tape) {
      store<f32>(tape + <usize>T_X0 * rowBytes + o, x0);
      store<f32>(tape + <usize>T_X1 * rowBytes + o, x1);
    }
    for (let r = 0; r < 80; r++) {
      let acc = load<f32>(bsum + (<usize>r << 2));
      acc = acc + th(theta, WIH1 + r * 2) * x0;
      acc = acc + th(theta, WIH1 + r * 2 + 1) * x1;
      for (let q = 0; q < 20; q++) acc = acc + th(theta, WHH1 + r * 20 + q) * load<f32>(slot(slots, q) + o);
      store<f32>(gates + (<usize>r << 2), acc);
    }
    cells(gates, slots, 0, o, tape, T_H1P, T_C1P, T_A1, T_TC1, rowBytes);
    for (let r = 0; r < 80; r++) {
      let acc = load<f32>(bsum + (<usize>(80 + r) << 2));
      for (let q = 0; q < 20; q++) acc = acc + th(theta, WIH2 + r * 20 + q) * load<f32>(slot(slots, q) + o);
      for (let q = 0; q < 20; q++) acc = acc + th(theta, WHH2 + r * 20 + q) * load<f32>(slot(slots, 40 + q) + o);
      store<f32>(gates + (<usize>r << 2), acc);
    }
    cells(gates, slots, 40, o, tape, T_H2P, T_C2P, T_A2, T_TC2, rowBytes);
    let out = th(theta, BOUT);
    for (let q = 0; q < 20; q++) out = out + th(theta, WOUT + q) * load<f32>(slot(slots, 40 + q) + o);
    store<f32>(p + o, load<f32>(p + o) + outScale * out);
  }
}

/** Gate activations and the state update of one LSTM cell, 4 lanes; h at slots[s0..], c at slots[s0+20..]. */
// @ts-ignore: decorator
@inline function cellv(gates: usize, slots: usize, s0: i32, o: usize, tape: usize, tH: i32, tC: i32, tA: i32, tT: i32, rowBytes: usize): void {
  for (let q = 0; q < 20; q++) {
    const ig = sigv(v128.load(gates + (<usize>q << 4)));
    const fg = sigv(v128.load(gates + (<usize>(20 + q) << 4)));
    const gg = tanhv(v128.load(gates + (<usize>(40 + q) << 4)));
    const og = sigv(v128.load(gates + (<usize>(60 + q) << 4)));
    const hp = slot(slots, s0 + q) + o, cp = slot(slots, s0 + 20 + q) + o;
    const c = v128.load(cp);
    const cn = f32x4.add(f32x4.mul(fg, c), f32x4.mul(ig, gg));
    const tc = tanhv(cn);
    if (tape) {
      v128.store(tape + <usize>(tH + q) * rowBytes + o, v128.load(hp));
      v128.store(tape + <usize>(tC + q) * rowBytes + o, c);
      v128.store(tape + <usize>(tA + q) * rowBytes + o, ig);
      v128.store(tape + <usize>(tA + 20 + q) * rowBytes + o, fg);
      v128.store(tape + <usize>(tA + 40 + q) * rowBytes + o, gg);
      v128.store(tape + <usize>(tA + 60 + q) * rowBytes + o, og);
      v128.store(tape + <usize>(tT + q) * rowBytes + o, tc);
    }
    v128.store(cp, cn);
    v128.store(hp, f32x4.mul(og, tc));
  }
}

// @ts-ignore: decorator
@inline function cells(gates: usize, slots: usize, s0: i32, o: usize, tape: usize, tH: i32, tC: i32, tA: i32, tT: i32, rowBytes: usize): void {
  for (let q = 0; q < 20; q++) {
    const ig = sigs(load<f32>(gates + (<usize>q << 2)));
    const fg = sigs(load<f32>(gates + (<usize>(20 + q) << 2)));
    const gg = tanhs(load<f32>(gates + (<usize>(40 + q) << 2)));
    const og = sigs(load<f32>(gates + (<usize>(60 + q) << 2)));
    const hp = slot(slots, s0 + q) + o, cp = slot(slots, s0 + 20 + q) + o;
    const c = load<f32>(cp);
    const cn = fg * c + ig * gg;
    const tc = tanhs(cn);
    if (tape) {
      store<f32>(tape + <usize>(tH + q) * rowBytes + o, load<f32>(hp));
      store<f32>(tape + <usize>(tC + q) * rowBytes + o, c);
      store<f32>(tape + <usize>(tA + q) * rowBytes + o, ig);
      store<f32>(tape + <usize>(tA + 20 + q) * rowBytes + o, fg);
      store<f32>(tape + <usize>(tA + 40 + q) * rowBytes + o, gg);
      store<f32>(tape + <usize>(tA + 60 + q) * rowBytes + o, og);
      store<f32>(tape + <usize>(tT + q) * rowBytes + o, tc);
    }
    store<f32>(cp, cn);
    store<f32>(hp, og * tc);
  }
}

