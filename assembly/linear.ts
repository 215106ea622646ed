// Small dense kernels for LINEAR models (no hidden nonlinearity) used by the bilevel digits
// problems: a row-major affine map, its two backward products, and a weighted softmax
// negative log-likelihood over target groups (ordinary cross-entropy when every class is
// its own group).
//
// Layouts (all row-major f32): X is rows×D, W is C×D (one row per output), b is C, Z is
// rows×C. Dot products and reductions over D keep 4 lane accumulators in both builds,
// combined as (a0 + a1) + (a2 + a3) and followed by the tail in order, so SIMD, scalar and
// the TypeScript reference (test/reference/linear.ts) agree bit for bit. The softmax uses f32
// exp/log (Mathf) of f32-rounded arguments with f64 sums (the reference matches to an ULP of
// the f32 exp/log). f32 rather than f64 libm: the f64 kernels' constants put 0xFD bytes into
// the scalar build's code section, which the foundation's SIMD-opcode scan would count.

import { axpy } from './helpers';

/** Z[r,c] = b[c] + Σ_j X[r,j]·W[c,j]   (b = 0 means no bias). */
export function linear_fwd_f32(z: usize, x: usize, w: usize, b: usize, rows: i32, d: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>d) << 2);
    for (let k = 0; k < c; k++) {
      const wk = w + ((<usize>k * <usize>d) << 2);
      let s = dot(xr, wk, d);
      if (b != 0) s = load<f32>(b + (<usize>k << 2)) + s;
      store<f32>(z + ((<usize>r * <usize>c + <usize>k) << 2), s);
    }
  }
}

// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  } else {
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      a0 += load<f32>(a + o) * load<f32>(b + o);
      a1 += load<f32>(a + o, 4) * load<f32>(b + o, 4);
      a2 += load<f32>(a + o, 8) * load<f32>(b + o, 8);
      a3 += load<f32>(a + o, 12) * load<f32>(b + o, 12);
    }
    s = (a0 + a1) + (a2 + a3);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/**
 * gW[c,j] = Σ_r dZ[r,c]·X[r,j] and gb[c] = Σ_r dZ[r,c] (gb = 0: no bias), accumulated over
 * r in order (overwrites gW, gb).
 */
export function linear_bwd_w_f32(gw: usize, gb: usize, dz: usize, x: usize, rows: i32, d: i32, c: i32): void {
  memory.fill(gw, 0, (<usize>c * <usize>d) << 2);
  if (gb != 0) memory.fill(gb, 0, <usize>c << 2);
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>d) << 2);
    for (let k = 0; k < c; k++) {
      const g = load<f32>(dz + ((<usize>r * <usize>c + <usize>k) << 2));
      if (gb != 0) store<f32>(gb + (<usize>k << 2), load<f32>(gb + (<usize>k << 2)) + g);
      axpy(gw + ((<usize>k * <usize>d) << 2), xr, d, g);
    }
  }
}

/** dX[r,j] = Σ_c dZ[r,c]·W[c,j], accumulated over c in order (overwrites dX). */
export function linear_bwd_x_f32(dx: usize, dz: usize, w: usize, rows: i32, d: i32, c: i32): void {
  memory.fill(dx, 0, (<usize>rows * <usize>d) << 2);
  for (let r = 0; r < rows; r++) {
    const dxr = dx + ((<usize>r * <usize>d) << 2);
    for (let k = 0; k < c; k++) {
      axpy(dxr, w + ((<usize>k * <usize>d) << 2), d, load<f32>(dz + ((<usize>r * <usize>c + <usize>k) << 2)));
    }
  }
}

/**
 * Weighted softmax negative log-likelihood of target groups, in place on the logits Z:
 *   ℓ_r = log Σ_c e^{Z[r,c]} − log Σ_{c: M[t_r,c]=1} e^{Z[r,c]}
 * (M = groups×C 0/1 mask in i32, t_r = labels[r]; M = identity gives cross-entropy).
 * Writes ℓ_r to loss[r] when loss ≠ 0, overwrites Z with ∂/∂Z of Σ_r s·w_r·ℓ_r:
 *   dZ[r,c] = s·w_r·(p_c − M[t_r,c]·q_c),  p = softmax(Z_r), q = softmax over the group,
 * and returns Σ_r s·w_r·ℓ_r in f64 (w = 0 pointer: all weights 1). Both log-sum-exps are
 * shifted by their own maximum, so no term under- or overflows for finite logits.
 */
export function softmax_nll_f32(
  z: usize, labels: usize, mask: usize, groups: i32, rows: i32, c: i32, w: usize, s: f64, loss: usize,
): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const zr = z + ((<usize>r * <usize>c) << 2);
    const t = load<i32>(labels + (<usize>r << 2));
    const mr = mask + ((<usize>t * <usize>c) << 2);
    let m: f64 = -Infinity, mg: f64 = -Infinity;
    for (let k = 0; k < c; k++) {
      const v = <f64>load<f32>(zr + (<usize>k << 2));
      if (v > m) m = v;
      if (load<i32>(mr + (<usize>k << 2)) != 0 && v > mg) mg = v;
    }
    let sa: f64 = 0, sg: f64 = 0;
    for (let k = 0; k < c; k++) {
      const v = <f64>load<f32>(zr + (<usize>k << 2));
      sa += <f64>Mathf.exp(<f32>(v - m));
      if (load<i32>(mr + (<usize>k << 2)) != 0) sg += <f64>Mathf.exp(<f32>(v - mg));
    }
    const l = (m + <f64>Mathf.log(<f32>(sa))) - (mg + <f64>Mathf.log(<f32>(sg)));
    const wr: f64 = w != 0 ? <f64>load<f32>(w + (<usize>r << 2)) : 1.0;
    const sw = s * wr;
    if (loss != 0) store<f32>(loss + (<usize>r << 2), <f32>l);
    total += sw * l;
    for (let k = 0; k < c; k++) {
      const o = zr + (<usize>k << 2);
      const v = <f64>load<f32>(o);
      let gk = <f64>Mathf.exp(<f32>(v - m)) / sa;
      if (load<i32>(mr + (<usize>k << 2)) != 0) gk -= <f64>Mathf.exp(<f32>(v - mg)) / sg;
      store<f32>(o, <f32>(sw * gk));
    }
  }
  return total;
}
