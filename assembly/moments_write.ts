// The trusted write pass of adam_f32 (mode 2, after a clean check or bound pass), SIMD body only.
//
// Same per-lane arithmetic as `adamVec` in assembly/moments.ts (IEEE f32, no fused multiply-add,
// same order), so the bits are those of the reference; only the code shape differs, for V8:
//   - one function per (hasL2, hasWd) combination. When the four variants are inlined into one
//     kernel, Binaryen folds them into a single loop that tests both flags at every vector;
//     separate functions keep each loop free of those tests;
//   - the loop constants are loaded from memory (`hoist`), not splatted: TurboFan re-broadcasts a
//     splat of a parameter at every use inside a loop;
//   - one address per array and iteration with immediate offsets for the four vectors.
// Each returns the number of leading elements it updated (n rounded down to a multiple of 4);
// the caller finishes the scalar tail. Measured: docs/runtime.md#cost.

import { hoist } from './moments_bound';

/** Trusted Adam write over [0, n & ~3): no L2, no decoupled decay (Adam, Eve). */
export function adamWrite00(p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32): i32 {
  return adamWriteLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, false, false);
}

/** Trusted Adam write: decoupled decay (AdamW). */
export function adamWrite01(p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32): i32 {
  return adamWriteLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, false, true);
}

/** Trusted Adam write: coupled L2 (Adam with weightDecay). */
export function adamWrite10(p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32): i32 {
  return adamWriteLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, true, false);
}

/** Trusted Adam write: coupled L2 and decoupled decay. */
export function adamWrite11(p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32): i32 {
  return adamWriteLoop(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, true, true);
}

// @ts-ignore: decorator
@inline function adamWriteLoop(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32, l2: f32, wd: f32, lr: f32,
  hasL2: bool, hasWd: bool,
): i32 {
  const vb1 = hoist(0, b1), vob1 = hoist(1, ob1), vb2 = hoist(2, b2), vob2 = hoist(3, ob2);
  const vc1 = hoist(4, c1), vr2 = hoist(5, r2), veps = hoist(6, eps);
  const vl2 = hoist(7, l2), vwd = hoist(8, wd), vlr = hoist(9, lr);
  const end16 = <usize>(n & ~15) << 2;
  const end4 = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < end16; o += 64) {
    const po = p + o, go = g + o, mo = m + o, vo = v + o;
    adamWriteVec(po, go, mo, vo, 0, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd);
    adamWriteVec(po, go, mo, vo, 16, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd);
    adamWriteVec(po, go, mo, vo, 32, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd);
    adamWriteVec(po, go, mo, vo, 48, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd);
  }
  for (; o < end4; o += 16) {
    adamWriteVec(p + o, g + o, m + o, v + o, 0, vb1, vob1, vb2, vob2, vc1, vr2, veps, vl2, vwd, vlr, hasL2, hasWd);
  }
  return n & ~3;
}

/** One 4-lane trusted Adam update at byte offset `k` (a constant) from p, g, m, v. */
// @ts-ignore: decorator
@inline function adamWriteVec(
  p: usize, g: usize, m: usize, v: usize, k: usize,
  vb1: v128, vob1: v128, vb2: v128, vob2: v128, vc1: v128, vr2: v128, veps: v128,
  vl2: v128, vwd: v128, vlr: v128, hasL2: bool, hasWd: bool,
): void {
  const pi = v128.load(p + k);
  let gi = v128.load(g + k);
  if (hasL2) gi = f32x4.add(gi, f32x4.mul(vl2, pi));
  const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + k)), f32x4.mul(vob1, gi));
  const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + k)), f32x4.mul(vob2, f32x4.mul(gi, gi)));
  let u = f32x4.div(f32x4.mul(mi, vc1), f32x4.add(f32x4.mul(f32x4.sqrt(vi), vr2), veps));
  if (hasWd) u = f32x4.add(u, f32x4.mul(vwd, pi));
  v128.store(m + k, mi);
  v128.store(v + k, vi);
  v128.store(p + k, f32x4.sub(pi, f32x4.mul(vlr, u)));
}
