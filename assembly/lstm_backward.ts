// Backward pass of the LSTM optimizer for truncated backprop (SPEC B.1.3); see assembly/l2o.ts.
import { BHH1, BHH2, BIH1, BIH2, BOUT, LSTM_TAPE_FIELDS, T_A1, T_A2, T_C1P, T_C2P, T_H1P, T_H2P, T_TC1, T_TC2, T_X0, T_X1, WHH1, WHH2, WIH1, WIH2, WOUT, addd, loadd, stored, th, tp } from './lstm_layout';

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
