// Learned-optimizer kernels: the per-parameter networks of the MLP optimizer (SPEC B.2,
// learned_optimization MLPLOpt) and the coordinate-wise two-layer LSTM optimizer (SPEC B.1.2),
// applied to all parameters at once (the parameter count is the batch), plus the LSTM's
// backward pass for truncated backprop (SPEC B.1.3).
//
// Lanes are parameters: the SIMD body runs 4 parameters per v128, the scalar tail one, with
// the same operation order, so SIMD, scalar and the TypeScript reference
// (test/reference/l2o.ts) agree bit for bit. For that, exp and log are our own f32
// polynomials (Cephes expf/logf coefficients, Moshier 1984–2000), evaluated with plain f32
// add/mul/div (no FMA) and exponent manipulation by integer ops on the bit pattern:
//   exp: x clamped to [−87, 88] (so exp(−∞) gives 1.6e−38, not 0), x = k·ln2 + r with k by the
//        1.5·2²³ rounding trick (round half to even), e^r by a degree-7 polynomial, times 2^k;
//        ≤ 2 ulp from the exact value on the clamped range.
//   log: x = 2^e·m with m ∈ [√½, √2), degree-10 polynomial in m − 1; x must be a positive
//        normal f32 (callers pass |g| + 1e−8).
//   σ(x) = 1/(1 + e^{−x});  tanh(x) = 1 − 2/(e^{2x} + 1)  (absolute error ≲ 1e−7 near 0).
//
// Pointer tables: optimizer slots are separate arena blocks, so kernels take a table of
// u32 byte offsets (`slots`) instead of one base pointer. No allocation; scratch is given.

const MAGIC: f32 = 12582912.0; // 1.5·2^23
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRTHF: f32 = 0.707106781186547524;

// @ts-ignore: decorator
@inline function exps(x0: f32): f32 {
  const x = min<f32>(max<f32>(x0, -87.0), 88.0);
  const kf = x * LOG2E + MAGIC;
  const k = kf - MAGIC;
  let r = x - k * LN2_HI;
  r = r - k * LN2_LO;
  let p: f32 = 1.9875691500e-4;
  p = p * r + 1.3981999507e-3;
  p = p * r + 8.3334519073e-3;
  p = p * r + 4.1665795894e-2;
  p = p * r + 1.6666665459e-1;
  p = p * r + 5.0000001201e-1;
  const z = r * r;
  const y = p * z + r + 1.0;
  const ki = reinterpret<i32>(kf) - reinterpret<i32>(MAGIC);
  return y * reinterpret<f32>((ki + 127) << 23);
}

// @ts-ignore: decorator
@inline function expv(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const kf = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const k = f32x4.sub(kf, f32x4.splat(MAGIC));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const z = f32x4.mul(r, r);
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1.0));
  const ki = i32x4.sub(kf, i32x4.splat(reinterpret<i32>(MAGIC)));
  return f32x4.mul(y, i32x4.shl(i32x4.add(ki, i32x4.splat(127)), 23));
}

// @ts-ignore: decorator
@inline function logs(x: f32): f32 {
  const ix = reinterpret<i32>(x);
  let e = <f32>(((ix >>> 23) & 0xff) - 126);
  let m = reinterpret<f32>((ix & 0x007fffff) | 0x3f000000);
  if (m < SQRTHF) {
    e = e - 1.0;
    m = m + m - 1.0;
  } else {
    m = m - 1.0;
  }
  const z = m * m;
  let y: f32 = 7.0376836292e-2;
  y = y * m - 1.1514610310e-1;
  y = y * m + 1.1676998740e-1;
  y = y * m - 1.2420140846e-1;
  y = y * m + 1.4249322787e-1;
  y = y * m - 1.6668057665e-1;
  y = y * m + 2.0000714765e-1;
  y = y * m - 2.4999993993e-1;
  y = y * m + 3.3333331174e-1;
  y = y * m * z;
  y = y + e * LN2_LO;
  y = y - 0.5 * z;
  let r = m + y;
  r = r + e * LN2_HI;
  return r;
}

// @ts-ignore: decorator
@inline function logv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  let e = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(x, 23), i32x4.splat(0xff)), i32x4.splat(126)));
  const m0 = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m0, f32x4.splat(SQRTHF));
  e = f32x4.sub(e, v128.and(small, one));
  const m = v128.bitselect(f32x4.sub(f32x4.add(m0, m0), one), f32x4.sub(m0, one), small);
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.1676998740e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.4249322787e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(2.0000714765e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  const r = f32x4.add(m, y);
  return f32x4.add(r, f32x4.mul(e, f32x4.splat(LN2_HI)));
}

// @ts-ignore: decorator
@inline function sigs(x: f32): f32 {
  return 1.0 / (1.0 + exps(-x));
}
// @ts-ignore: decorator
@inline function sigv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}
// @ts-ignore: decorator
@inline function tanhs(x: f32): f32 {
  return 1.0 - 2.0 / (exps(x + x) + 1.0);
}
// @ts-ignore: decorator
@inline function tanhv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(expv(f32x4.add(x, x)), one)));
}

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

// @ts-ignore: decorator
@inline function slot(slots: usize, k: i32): usize {
  return <usize>load<u32>(slots + (<usize>k << 2));
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

/** Meta-parameters of the LSTM optimizer (PyTorch LSTMCell layout, gate rows i, f, g, o). */
const LSTM_LOPT_THETA: i32 = 5301;
/** f32 fields per parameter per step in the tape written for the backward pass. */
const LSTM_TAPE_FIELDS: i32 = 282;

// θ offsets in f32 elements.
const WIH1: i32 = 0; // 80×2
const WHH1: i32 = 160; // 80×20
const BIH1: i32 = 1760; // 80
const BHH1: i32 = 1840; // 80
const WIH2: i32 = 1920; // 80×20
const WHH2: i32 = 3520; // 80×20
const BIH2: i32 = 5120; // 80
const BHH2: i32 = 5200; // 80
const WOUT: i32 = 5280; // 20
const BOUT: i32 = 5300; // 1

// Tape field offsets.
const T_X0: i32 = 0, T_X1: i32 = 1, T_H1P: i32 = 2, T_C1P: i32 = 22, T_A1: i32 = 42, T_TC1: i32 = 122;
const T_H2P: i32 = 142, T_C2P: i32 = 162, T_A2: i32 = 182, T_TC2: i32 = 262;

// @ts-ignore: decorator
@inline function th(theta: usize, k: i32): f32 {
  return load<f32>(theta + (<usize>k << 2));
}

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

/**
 * Backward pass of K LSTM-optimizer steps (truncated BPTT, SPEC B.1.3), accumulating
 * dθ (f64, LSTM_LOPT_THETA entries, added to) from the output adjoints adj[t·n + j] = ∂M/∂o_t[j]
 * (f32). The inputs x are constants (the optimizee gradient is detached) and the recurrent
 * state entering the window has zero adjoint (detached at the truncation boundary).
 * `tape` holds K consecutive blocks written by `lstm_lopt_f32` (LSTM_TAPE_FIELDS·n f32 each).
 * Arithmetic is f64 per parameter, parameters in order, steps from last to first, so the f64
 * TypeScript reference gives the same bits. `work` ≥ 260 f64.
 */
export function lstm_lopt_backward_f32(theta: usize, tape: usize, n: i32, K: i32, adj: usize, dtheta: usize, work: usize): void {
  const dh1 = work, dc1 = work + 20 * 8, dh2 = work + 40 * 8, dc2 = work + 60 * 8, dz = work + 80 * 8, dx = work + 160 * 8;
  const h1n = work + 180 * 8, h2n = work + 200 * 8, h1p = work + 220 * 8, h2p = work + 240 * 8;
  const rowBytes = <usize>n << 2;
  for (let j = 0; j < n; j++) {
    for (let q = 0; q < 80; q++) store<f64>(work + (<usize>q << 3), 0);
    for (let t = K - 1; t >= 0; t--) {
      const tb = tape + <usize>t * <usize>LSTM_TAPE_FIELDS * rowBytes + (<usize>j << 2);
      const a = <f64>load<f32>(adj + ((<usize>t * n + j) << 2));
      // Gather this step's layer inputs as f64 (h' = o·tanh(c') rounded to f32 as in the forward).
      for (let q = 0; q < 20; q++) {
        stored(h1n, q, <f64>(tp(tb, rowBytes, T_A1 + 60 + q) * tp(tb, rowBytes, T_TC1 + q)));
        stored(h2n, q, <f64>(tp(tb, rowBytes, T_A2 + 60 + q) * tp(tb, rowBytes, T_TC2 + q)));
        stored(h1p, q, <f64>tp(tb, rowBytes, T_H1P + q));
        stored(h2p, q, <f64>tp(tb, rowBytes, T_H2P + q));
      }
      // Output layer: o = W_out·h2 + b_out.
      axpy20(dtheta + (<usize>WOUT << 3), h2n, a);
      addd(dtheta, BOUT, a);
      for (let q = 0; q < 20; q++) stored(dh2, q, loadd(dh2, q) + a * <f64>th(theta, WOUT + q));
      // Layer 2: input h1 (new), previous state (h2p, c2p).
      cellBack(tb, rowBytes, dh2, dc2, dz, T_A2, T_TC2, T_C2P);
      for (let r = 0; r < 80; r++) {
        const d = loadd(dz, r);
        addd(dtheta, BIH2 + r, d);
        addd(dtheta, BHH2 + r, d);
        axpy20(dtheta + (<usize>(WIH2 + r * 20) << 3), h1n, d);
        axpy20(dtheta + (<usize>(WHH2 + r * 20) << 3), h2p, d);
      }
      gemvT20(dx, dz, theta + (<usize>WIH2 << 2));
      gemvT20(dh2, dz, theta + (<usize>WHH2 << 2));
      // Layer 1: the adjoint of its output h1 is the carry plus what layer 2 sent down.
      for (let q = 0; q < 20; q++) stored(dh1, q, loadd(dh1, q) + loadd(dx, q));
      cellBack(tb, rowBytes, dh1, dc1, dz, T_A1, T_TC1, T_C1P);
      const x0 = <f64>tp(tb, rowBytes, T_X0), x1 = <f64>tp(tb, rowBytes, T_X1);
      for (let r = 0; r < 80; r++) {
        const d = loadd(dz, r);
        addd(dtheta, BIH1 + r, d);
        addd(dtheta, BHH1 + r, d);
        addd(dtheta, WIH1 + r * 2, d * x0);
        addd(dtheta, WIH1 + r * 2 + 1, d * x1);
        axpy20(dtheta + (<usize>(WHH1 + r * 20) << 3), h1p, d);
      }
      gemvT20(dh1, dz, theta + (<usize>WHH1 << 2));
    }
  }
}

/** dst[q] += d·x[q] for q < 20 (f64; each element's own sum is unchanged by the SIMD pairing). */
// @ts-ignore: decorator
@inline function axpy20(dst: usize, x: usize, d: f64): void {
  if (ASC_FEATURE_SIMD) {
    const vd = f64x2.splat(d);
    for (let q = 0; q < 20; q += 2) {
      const o = <usize>q << 3;
      v128.store(dst + o, f64x2.add(v128.load(dst + o), f64x2.mul(vd, v128.load(x + o))));
    }
  } else {
    for (let q = 0; q < 20; q++) {
      const o = <usize>q << 3;
      store<f64>(dst + o, load<f64>(dst + o) + d * load<f64>(x + o));
    }
  }
}

/** out[q] = Σ_{r<80} dz[r]·W[r][q] for q < 20, W f32 80×20 row-major, r ascending (f64). */
// @ts-ignore: decorator
@inline function gemvT20(out: usize, dz: usize, W: usize): void {
  if (ASC_FEATURE_SIMD) {
    for (let q = 0; q < 20; q += 2) {
      let acc = f64x2.splat(0);
      for (let r = 0; r < 80; r++) {
        const w = f64x2.promote_low_f32x4(v128.load64_zero(W + (<usize>(r * 20 + q) << 2)));
        acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(dz + (<usize>r << 3))), w));
      }
      v128.store(out + (<usize>q << 3), acc);
    }
  } else {
    for (let q = 0; q < 20; q++) {
      let acc: f64 = 0;
      for (let r = 0; r < 80; r++) acc += load<f64>(dz + (<usize>r << 3)) * <f64>load<f32>(W + (<usize>(r * 20 + q) << 2));
      store<f64>(out + (<usize>q << 3), acc);
    }
  }
}

/**
 * Cell backward: given dh (adjoint of h') and dc (carry of c'), writes dz (80 pre-activation
 * adjoints) and replaces dc by the adjoint of the previous c.
 */
// @ts-ignore: decorator
@inline function cellBack(tb: usize, rowBytes: usize, dh: usize, dc: usize, dz: usize, tA: i32, tT: i32, tC: i32): void {
  for (let q = 0; q < 20; q++) {
    const ig = <f64>tp(tb, rowBytes, tA + q), fg = <f64>tp(tb, rowBytes, tA + 20 + q);
    const gg = <f64>tp(tb, rowBytes, tA + 40 + q), og = <f64>tp(tb, rowBytes, tA + 60 + q);
    const tc = <f64>tp(tb, rowBytes, tT + q), cp = <f64>tp(tb, rowBytes, tC + q);
    const h = loadd(dh, q);
    const c = loadd(dc, q) + h * og * (1 - tc * tc);
    stored(dz, q, c * gg * ig * (1 - ig));
    stored(dz, 20 + q, c * cp * fg * (1 - fg));
    stored(dz, 40 + q, c * ig * (1 - gg * gg));
    stored(dz, 60 + q, h * tc * og * (1 - og));
    stored(dc, q, c * fg);
  }
}

// @ts-ignore: decorator
@inline function tp(tb: usize, rowBytes: usize, f: i32): f32 {
  return load<f32>(tb + <usize>f * rowBytes);
}
// @ts-ignore: decorator
@inline function loadd(b: usize, k: i32): f64 {
  return load<f64>(b + (<usize>k << 3));
}
// @ts-ignore: decorator
@inline function stored(b: usize, k: i32, v: f64): void {
  store<f64>(b + (<usize>k << 3), v);
}
// @ts-ignore: decorator
@inline function addd(b: usize, k: i32, v: f64): void {
  const a = b + (<usize>k << 3);
  store<f64>(a, load<f64>(a) + v);
}
