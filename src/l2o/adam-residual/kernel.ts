import { adamScalars } from '../../optim/adam.js';
import type { OptState } from '../../optim/state.js';
import { Region } from '../../runtime/arena.js';
import type { Kernels } from '../../runtime/kernels.js';
import { AR_HIDDEN, AR_THETA_SIZE } from './schedule.js';

/**
 * The step path of the Adam-residual optimizer (`adamResidualLOpt`): the kernels'
 * configuration block and one step (the factored second moments per tensor, then the fused
 * kernel `adam_residual_f32` over all parameters; assembly/adam_residual.ts).
 */

/** f32 values in the kernel's cfg block. */
export const AR_CFG_SIZE = 19;

/** The hyper-parameters a step reads; `form` 0 additive (default), 1 multiplicative. */
export interface ArStepHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  form?: number;
}

/**
 * Writes the cfg block for step count+1 into `out` (≥ 19 f32; returns it): 0 β1, 1 1−β1,
 * 2 0.99, 3 0.01, 4 0.999, 5 0.001, 6 β2, 7 1−β2, 8 1/(1−β1ᵗ), 9 1/(1−0.99ᵗ), 10 1/(1−0.999ᵗ),
 * 11 1/√(1−β2ᵗ), 12 ε, 13 wd, 14 lr_t, 15…17 the run inputs r, 18 the form code.
 */
export function fillAdamResidualConfig(out: Float32Array, h: ArStepHyper, count: number, lrT: number, r: readonly number[]): Float32Array {
  const a = adamScalars(h.beta1, h.beta2, count);
  const t = count + 1;
  out[0] = h.beta1; out[1] = a.ob1; out[2] = 0.99; out[3] = 0.01; out[4] = 0.999; out[5] = 0.001; out[6] = h.beta2; out[7] = a.ob2;
  out[8] = a.c1; out[9] = 1 / (1 - Math.pow(0.99, t)); out[10] = 1 / (1 - Math.pow(0.999, t)); out[11] = a.r2;
  out[12] = h.eps; out[13] = h.weightDecay; out[14] = lrT; out[15] = r[0]!; out[16] = r[1]!; out[17] = r[2]!; out[18] = h.form ?? 0;
  return out;
}

const up4 = (n: number): number => (n + 3) & ~3;

/**
 * One step on `s` (slots m1, m2, m3, v, fac; `tensors` as [rows, cols], vectors [1, n]):
 * adam_residual_factor_f32 per tensor into fr, then adam_residual_f32. One arena block per
 * step holds fr, θ, cfg and the kernel's scratch (16-byte aligned parts), released at the end.
 */
export function arStep(s: OptState, k: Kernels, count: number, theta: Float32Array, tensors: readonly (readonly [number, number])[],
  h: ArStepHyper, r: readonly number[], lrT: number): void {
  const n = s.size;
  const oTh = up4(Math.max(n, 1)), oCfg = oTh + up4(AR_THETA_SIZE), oSc = oCfg + up4(AR_CFG_SIZE);
  const block = new Region(s.runtime.arena, Float32Array, oSc + up4(k.adam_residual_scratch_bytes(AR_HIDDEN) / 4));
  try {
    const view = block.view;
    view.set(theta, oTh);
    const c = fillAdamResidualConfig(view.subarray(oCfg, oCfg + AR_CFG_SIZE), h, count, lrT, r);
    const bv = c[6]!, obv = c[7]!, r2 = c[11]!;
    const P = s.ptrs;
    const fr = block.ptr;
    let off = 0;
    for (const [rows, cols] of tensors) {
      const b = 4 * off;
      if (rows * cols > 0) k.adam_residual_factor_f32(P.grads! + b, P.v! + b, P.fac! + b, fr + b, rows, cols, bv, obv, r2);
      off += rows * cols;
    }
    k.adam_residual_f32(P.params!, P.grads!, P.m1!, P.m2!, P.m3!, P.v!, fr, n, block.ptr + 4 * oTh, block.ptr + 4 * oCfg, block.ptr + 4 * oSc);
  } finally {
    block.release();
  }
}
