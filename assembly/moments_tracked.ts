// All-or-nothing fused steps with bounds carried from one step to the next (issue 14 item 5):
// Adam/AdamW/Eve, SGD, momentum/Nesterov, Lion. Described for Adam; the others alike.
//
// `adam_f32` mode 3 proves a write clean from the maxima of p, g, m and v, read by a pass over
// all four arrays (16·n bytes) before the write. A write that the proof allowed also bounds what
// it wrote: |p'| ≤ P + |lr|·U', |m'| ≤ M', 0 ≤ v' ≤ V' (assembly/moments_bound.ts `adamProof`).
// The caller (src/optim/adam.ts, eve.ts) keeps those bounds with the state and passes them to
// the next step, unless the buffer was handed out in between (a view or a pointer of it: the
// user may have written into it; src/optim/state.ts tracks this) — then it passes +∞, and this
// kernel reads that array. g is always read. So a step whose params and slots were not handed
// out reads 4·n bytes before the write instead of 16·n.
//
// The carried bounds are upper bounds of the stored f32 values: the proof's f64 bounds times
// SLACK = 1 + 2⁻¹⁶ (each f32 operation rounds by a factor of at most 1 + 2⁻²⁴, about a dozen
// operations per value) plus TINY = 1e-30 (absolute rounding of subnormal results). They only
// grow looser from step to step (P grows by |lr|·U' per step); when the proof fails with a
// carried bound, the kernel falls back to `adam_f32` mode 3, which reads every array again (and,
// if that bound cannot prove it either, runs the exact check): the guarantee never depends on a
// loose bound, only the speed does. Results are the same bits on every path.

import { adam_f32, lion_f32, momentum_f32, sgd_f32 } from './moments';
import {
  SAFE_T, adamHyperOk, adamProof, lionHyperOk, lionProof, momentumProof, proofM, proofP, proofV, scanAbsMax, sgdProof, valueOf,
} from './moments_bound';

const SLACK: f64 = 1 + 1.0 / 65536;
const TINY: f64 = 1e-30;

/** Bounds carried out of the last *_tracked_f32 call (+∞ when it did not prove its write). */
let outP: f64 = Infinity, outM: f64 = Infinity, outV: f64 = Infinity;

/** True when b is a usable carried bound (finite, in [0, T]); +∞ or NaN means "read the array". */
// @ts-ignore: decorator
@inline function carried(b: f64): bool {
  return b >= 0 && b <= SAFE_T;
}

/**
 * `adam_f32` in mode 3 (all or nothing: returns 0 after writing every coordinate, or the number of
 * coordinates whose new p, m or v would be non-finite with nothing written), given upper bounds
 * bp ≥ max|p|, bm ≥ max|m|, bv ≥ max v (with every v ≥ +0) carried from the previous call, each
 * +∞ when unknown. Arrays with an unknown bound, and g, are read (max |x|) before the write.
 * After the call `tracked_bound(0|1|2)` gives the bounds of the new p, m, v (or +∞).
 */
export function adam_tracked_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f32, ob1: f32, b2: f32, ob2: f32, c1: f32, r2: f32, eps: f32,
  l2: f32, wd: f32, lr: f32, bp: f64, bm: f64, bv: f64,
): i32 {
  outP = Infinity;
  outM = Infinity;
  outV = Infinity;
  if (adamHyperOk(b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr)) {
    const G = valueOf(scanAbsMax(g, n, false));
    const P = carried(bp) ? bp : valueOf(scanAbsMax(p, n, false));
    const M = carried(bm) ? bm : valueOf(scanAbsMax(m, n, false));
    const V = carried(bv) ? bv : valueOf(scanAbsMax(v, n, true));
    if (adamProof(P, G, M, V, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr)) {
      adam_f32(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 2);
      carryOut(2);
      return 0;
    }
  }
  return adam_f32(p, g, m, v, n, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 3);
}

/** Sets the carried-out bounds from the last proof (slot 0: p; 1: the first slot; 2: Adam's v). */
// @ts-ignore: decorator
@inline function carryOut(slots: i32): void {
  outP = proofP * SLACK + TINY;
  if (slots >= 1) outM = proofM * SLACK + TINY;
  if (slots >= 2) outV = proofV * SLACK + TINY;
}

/** `sgd_f32` mode 3 with a carried bound bp ≥ max|p| (+∞ = read p); g is always read. */
export function sgd_tracked_f32(p: usize, g: usize, n: i32, l2: f32, lr: f32, bp: f64): i32 {
  outP = outM = outV = Infinity;
  if (lr - lr == 0 && l2 - l2 == 0) {
    const G = valueOf(scanAbsMax(g, n, false));
    const P = carried(bp) ? bp : valueOf(scanAbsMax(p, n, false));
    if (sgdProof(P, G, l2, lr)) {
      sgd_f32(p, g, n, l2, lr, 0);
      carryOut(0);
      return 0;
    }
  }
  return sgd_f32(p, g, n, l2, lr, 3);
}

/** `momentum_f32` mode 3 with carried bounds bp ≥ max|p|, bt ≥ max|t| (+∞ = read it); g is always read. */
export function momentum_tracked_f32(
  p: usize, g: usize, t: usize, n: i32, mu: f32, l2: f32, lr: f32, nesterov: i32, bp: f64, bt: f64,
): i32 {
  outP = outM = outV = Infinity;
  if (mu - mu == 0 && lr - lr == 0 && l2 - l2 == 0) {
    const G = valueOf(scanAbsMax(g, n, false));
    const P = carried(bp) ? bp : valueOf(scanAbsMax(p, n, false));
    const Tr = carried(bt) ? bt : valueOf(scanAbsMax(t, n, false));
    if (momentumProof(P, G, Tr, mu, l2, lr, nesterov)) {
      momentum_f32(p, g, t, n, mu, l2, lr, nesterov, 0);
      carryOut(1);
      return 0;
    }
  }
  return momentum_f32(p, g, t, n, mu, l2, lr, nesterov, 3);
}

/** `lion_f32` mode 3 with carried bounds bp ≥ max|p|, bm ≥ max|m| (+∞ = read it); g is always read. */
export function lion_tracked_f32(
  p: usize, g: usize, m: usize, n: i32, b1: f32, ob1: f32, b2: f32, ob2: f32, wd: f32, lr: f32, bp: f64, bm: f64,
): i32 {
  outP = outM = outV = Infinity;
  if (lionHyperOk(b1, ob1, b2, ob2, wd, lr)) {
    const G = valueOf(scanAbsMax(g, n, false));
    const P = carried(bp) ? bp : valueOf(scanAbsMax(p, n, false));
    const M = carried(bm) ? bm : valueOf(scanAbsMax(m, n, false));
    if (lionProof(P, G, M, b1, ob1, b2, ob2, wd, lr)) {
      lion_f32(p, g, m, n, b1, ob1, b2, ob2, wd, lr, 0);
      carryOut(1);
      return 0;
    }
  }
  return lion_f32(p, g, m, n, b1, ob1, b2, ob2, wd, lr, 3);
}

/** The bound carried out of the last `*_tracked_f32` call for p (0), its first slot (1) or Adam's v (2); +∞ if none. */
export function tracked_bound(which: i32): f64 {
  return which == 0 ? outP : which == 1 ? outM : outV;
}
