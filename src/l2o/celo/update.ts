import type { OptState } from '../../optim/state.js';
import { Region } from '../../runtime/arena.js';
import type { Kernels } from '../../runtime/kernels.js';
import type { CeloTensor } from './layout.js';
import { type CeloTheta, thetaArray } from './theta.js';

/**
 * Celo's per-parameter update rule (celo.py `Celo._ff_mod` with the published configuration of
 * celo/factory.py `get_optimizer("celo")`: momentum decays (0.9, 0.99, 0.999), rms decay 0.999,
 * adafactor decays (0.9, 0.99, 0.999), ff 2 hidden layers of 4, param_inits = 1 (the softmax of one
 * control is 1, so the interpolated MLP is θ's single `ff_mod_stack` entry), param_scale_mult,
 * train_phase = 2 (the scheduler's lr_mult multiplies the step)). Per tensor, 30 inputs in this
 * order (the `inps` list): g, clip(g, ±0.1), p, m (3), rms, m·ρ (3), ρ = rsqrt(rms + 1e−6),
 * fac_g (3), g·ρ, row_feat (3), col_feat (3), rsqrt(row_feat + 1e−8) (3), rsqrt(col_feat + 1e−8) (3),
 * fac_mom_mult (3); each normalized over the tensor by rsqrt(1e−5 + mean x²)
 * (`_second_moment_normalizer`); MLP 30 → 4 → 4 → 3 (ReLU); d = o₀, s = o₁ (o₂ unused);
 * step = lr_mult·((d·(ψ·exp(0.001·s)))·0.001), ψ = √(mean p² + 1e−9); p ← p − step.
 * The normalizers are folded into the first layer (x·s·W computed as x·(s·W), f32), as are the
 * duplicated vector inputs (a 1-D tensor feeds fac_vec_v as row and as column feature).
 */
export const CELO_SLOTS: readonly string[] = ['m0', 'm1', 'm2', 'v', 'f0', 'f1', 'f2'];
const GROUP_DIMS = [1, 1, 1, 3, 1, 3, 1, 3, 1, 3, 3, 3, 3, 3];
/** JAX input index of the kernel's per-parameter features 0…17 (kernel 15–17 = fac_mom_mult). */
const ELEM_TO_JAX = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 27, 28, 29];
const fr = Math.fround;
const EPS5 = fr(1e-5), EPS9 = fr(1e-9);

/** The per-parameter MLP's weights from θ: W0 30×4 (input-major, `inps` order), b0, W1 4×4, b1, W2 4×3, b2. */
export interface FfWeights {
  w0: Float32Array; b0: Float32Array; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array;
}

/** Reads `ff_mod_stack/~/w0__0…13`, `b0…2`, `w1`, `w2` (leading param_inits axis of 1 dropped). */
export function ffWeights(theta: CeloTheta): FfWeights {
  const w0 = new Float32Array(30 * 4);
  let row = 0;
  GROUP_DIMS.forEach((d, i) => {
    w0.set(thetaArray(theta, `ff_mod_stack/~/w0__${i}`, d * 4), row * 4);
    row += d;
  });
  return {
    w0,
    b0: thetaArray(theta, 'ff_mod_stack/~/b0', 4), w1: thetaArray(theta, 'ff_mod_stack/~/w1', 16),
    b1: thetaArray(theta, 'ff_mod_stack/~/b1', 4), w2: thetaArray(theta, 'ff_mod_stack/~/w2', 12),
    b2: thetaArray(theta, 'ff_mod_stack/~/b2', 3),
  };
}

/** rsqrt(1e−5 + Σ/n) in f32 (the normalizer of one input column). */
export function normalizer(sum: number, n: number): number {
  return fr(1 / Math.sqrt(fr(EPS5 + fr(sum / n))));
}

/**
 * The kernel's weight table (178 f32, layout in assembly/celo.ts `celo_mlp_f32`) for one tensor
 * from its feature sums: `elem` = the kernel's per-parameter sums (18 matrix / 24 vector) and, for
 * a matrix, `side` = the 12 sums of `celo_prep_mat_f32`.
 */
export function foldWeights(ff: FfWeights, t: CeloTensor, elem: Float64Array, side: Float64Array | null, out: Float32Array): void {
  out.fill(0);
  const n = t.length;
  const put = (kRow: number, jax: number, s: number) => {
    for (let q = 0; q < 4; q++) out[kRow * 4 + q] = fr(s * ff.w0[jax * 4 + q]!);
  };
  for (let j = 0; j < 18; j++) put(j, ELEM_TO_JAX[j]!, normalizer(elem[j]!, n));
  if (t.vec) {
    for (let k = 0; k < 3; k++) {
      const sv = normalizer(elem[18 + k]!, n), sy = normalizer(elem[21 + k]!, n);
      for (let q = 0; q < 4; q++) {
        out[(18 + k) * 4 + q] = fr(fr(sv * ff.w0[(15 + k) * 4 + q]!) + fr(sv * ff.w0[(18 + k) * 4 + q]!));
        out[(21 + k) * 4 + q] = fr(fr(sy * ff.w0[(21 + k) * 4 + q]!) + fr(sy * ff.w0[(24 + k) * 4 + q]!));
      }
    }
  }
  out.set(ff.b0, 96);
  out.set(ff.w1, 100);
  out.set(ff.b1, 116);
  for (let i = 0; i < 4; i++) {
    out[120 + 2 * i] = ff.w2[3 * i]!;
    out[121 + 2 * i] = ff.w2[3 * i + 1]!;
  }
  out[128] = ff.b2[0]!;
  out[129] = ff.b2[1]!;
  if (!t.vec && side) {
    // WA (130…153): vr_k, ya_k (r-indexed); WB (154…177): vc_k, yb_k (c-indexed).
    // swap = 0: vr = row_feat (JAX 15+k), vc = col_feat (18+k), ya ↔ 21+k, yb ↔ 24+k; swap = 1 exchanges them.
    const R = t.rows, C = t.cols;
    const [jvr, jvc, jya, jyb] = t.swap ? [18, 15, 24, 21] : [15, 18, 21, 24];
    for (let k = 0; k < 3; k++) {
      const svr = normalizer(side[k]!, R), sya = normalizer(side[3 + k]!, R);
      const svc = normalizer(side[6 + k]!, C), syb = normalizer(side[9 + k]!, C);
      for (let q = 0; q < 4; q++) {
        out[130 + k * 4 + q] = fr(svr * ff.w0[(jvr + k) * 4 + q]!);
        out[130 + (3 + k) * 4 + q] = fr(sya * ff.w0[(jya + k) * 4 + q]!);
        out[154 + k * 4 + q] = fr(svc * ff.w0[(jvc + k) * 4 + q]!);
        out[154 + (3 + k) * 4 + q] = fr(syb * ff.w0[(jyb + k) * 4 + q]!);
      }
    }
  }
}

/** ψ = √(mean p² + 1e−9) in f32 from Σp² (celo.py `param_scale`). */
export function paramScale(sumP2: number, n: number): number {
  return fr(Math.sqrt(fr(fr(sumP2 / n) + EPS9)));
}

/**
 * One Celo update of every tensor of state `s` (slots CELO_SLOTS) with step multiplier `lrm`:
 * factored reductions, moments fused with the feature sums (celo_accstats_f32), weight folding,
 * MLP and update (three passes over each tensor: g; g, p, moments; g, p, moments, update).
 * Scratch comes from the state's arena and is returned before this function ends.
 */
export function celoUpdate(s: OptState, k: Kernels, tensors: readonly CeloTensor[], ff: FfWeights, lrm: number): void {
  const arena = s.runtime.arena;
  let workBytes = 0;
  for (const t of tensors) workBytes = Math.max(workBytes, k.celo_work_bytes(t.rows, t.cols));
  const work = new Region(arena, Uint8Array, workBytes + 16);
  const table = new Region(arena, Int32Array, 12);
  const sums = new Region(arena, Float64Array, 36);
  const w = new Region(arena, Float32Array, 178);
  const thin = new Region(arena, Float32Array, 4);
  try {
    const P = s.ptrs;
    const tv = table.view;
    const wk = (work.ptr + 15) & ~15;
    const elem = new Float64Array(24), side = new Float64Array(12);
    const wTable = new Float32Array(178);
    for (const t of tensors) {
      const b = 4 * t.offset;
      const mv = table.ptr, fac = table.ptr + 16;
      tv.set([P.m0! + b, P.m1! + b, P.m2! + b, P.v! + b]);
      const f = [P.f0! + b, P.f1! + b, P.f2! + b];
      if (t.vec) {
        tv.set(f, 4);
        k.celo_fac_vec_f32(P.grads! + b, t.length, fac);
        k.celo_accstats_f32(P.params! + b, P.grads! + b, mv, fac, 1, t.length, 1, wk, sums.ptr);
        elem.set(sums.view.subarray(0, 24));
        foldWeights(ff, t, elem, null, wTable);
      } else {
        const R = t.rows, C = t.cols;
        if (!t.thin) {
          tv.set([...f, ...f.map((x) => x + 4 * R)], 4);
        } else {
          // Thin matrix: the long side is stored (length n); the single v_row value is its mean.
          for (let d = 0; d < 3; d++) {
            const long = s.view(`f${d}`).subarray(t.offset, t.offset + t.length);
            let acc = 0;
            for (let i = 0; i < long.length; i++) acc += long[i]!;
            thin.view[d] = fr(acc / long.length);
          }
          const th = [thin.ptr, thin.ptr + 4, thin.ptr + 8];
          tv.set(t.swap ? [...f, ...th] : [...th, ...f], 4);
        }
        k.celo_fac_mat_f32(P.grads! + b, R, C, fac, wk);
        k.celo_prep_mat_f32(R, C, fac, t.swap, wk, sums.ptr + 24 * 8);
        k.celo_accstats_f32(P.params! + b, P.grads! + b, mv, fac, R, C, 0, wk, sums.ptr);
        elem.set(sums.view.subarray(0, 18));
        side.set(sums.view.subarray(24, 36));
        foldWeights(ff, t, elem, side, wTable);
      }
      w.view.set(wTable);
      k.celo_mlp_f32(P.params! + b, P.grads! + b, mv, fac, t.vec ? 1 : t.rows, t.vec ? t.length : t.cols, t.vec ? 1 : 0, wk, w.ptr, paramScale(elem[2]!, t.length), lrm);
    }
  } finally {
    work.release();
    table.release();
    sums.release();
    w.release();
    thin.release();
  }
}
