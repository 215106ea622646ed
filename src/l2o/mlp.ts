import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { makeOptimizer, nonFinitePolicy } from '../optim/base.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import { Region } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { Rng } from '../core/rng.js';
import { type LearnedOptimizer, type LearnedOptimizerOptions, checkThetaFinite, thetaHash } from './types.js';

/**
 * Per-parameter MLP learned optimizer: learned_optimization `MLPLOpt` ("LOLv2", Metz et al.
 * 2019; SPEC B.2), run by the `mlp_lopt_f32` kernel over all parameters at once.
 *
 * For every scalar parameter p with gradient g, at step t (0-based count of applied steps):
 *   m_d ← d·m_d + (1−d)·g            d ∈ {0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}  (slots m0…m5)
 *   features: g, p, m_0…m_5, each multiplied by 1/√(ε + mean_seg x²) (ε = `normEps`, default 1e−5) — the mean over the
 *             parameter's segment ("tensor"), computed before the update —, then the 11
 *             unnormalized time features tanh(t/τ − 1), τ ∈ {1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5}
 *   (d, s) = MLP(features): 19 → 32 ReLU → 32 ReLU → 2
 *   p ← p − d·exp(0.001·s)·0.001
 * Segments: the caller's tensor boundaries as lengths that sum to the parameter count
 * (`segments`); default one segment. The normalizer is applied as a multiplication by the
 * f32 reciprocal (learned_optimization divides; the difference is ≤ 1 ulp per feature).
 * θ layout (1,762 f32, input-major W[i][j]): W1 19×32, b1 32, W2 32×32, b2 32, W3 32×2, b3 2.
 * `init(seed)`: weights N(0, 1/fan_in), biases 0 (haiku's default scale, untruncated).
 *
 * Errors: `LENGTH_MISMATCH` (θ or segments do not fit), plus the `Optimizer` codes.
 */
export const MLP_LOPT_THETA_SIZE = 1762;
const TAUS = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5];
const SLOTS = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'] as const;

export interface MlpLOptOptions extends LearnedOptimizerOptions {
  /** Lengths of the parameter vector's tensors (normalization groups); default one segment. */
  segments?: readonly number[];
  /**
   * ε of the feature normalizer 1/√(ε + mean_seg x²) (default 1e−5, learned_optimization's).
   * With ε = 1e−5 every tensor whose RMS is below √ε ≈ 3e−3 has its features shrunk towards 0;
   * the shipped pretrained optimizer (`learned()`) uses a smaller ε (docs/l2o.md).
   */
  normEps?: number;
}

/** The 19-feature input normalizers and time features for one segment (f32 values). */
export function mlpFeatures(k: Kernels, s: OptState, start: number, len: number, count: number, eps = 1e-5): Float32Array {
  const feat = new Float32Array(19);
  const names = ['grads', 'params', ...SLOTS];
  names.forEach((name, i) => {
    const ss = len > 0 ? k.sumsq_f32(s.ptr(name) + 4 * start, len) / len : 0;
    feat[i] = 1 / Math.sqrt(eps + ss);
  });
  TAUS.forEach((tau, i) => (feat[8 + i] = Math.tanh(count / tau - 1)));
  return feat;
}

export const mlpLOpt: LearnedOptimizer<MlpLOptOptions> = {
  name: 'mlp-lopt',
  thetaSize: MLP_LOPT_THETA_SIZE,

  init(seed: number): Float32Array {
    const rng = new Rng(seed, 0x6d6c70);
    const th = new Float32Array(MLP_LOPT_THETA_SIZE);
    const fill = (at: number, fanIn: number, count: number) => {
      const sd = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < count; i++) th[at + i] = sd * rng.normal();
    };
    fill(0, 19, 19 * 32);
    fill(640, 32, 32 * 32);
    fill(1696, 32, 64);
    return th;
  },

  optimizer(theta: Float32Array, opts: MlpLOptOptions = {}): Optimizer {
    const name = 'mlp-lopt';
    checkOptions(name, opts, optionKeys<MlpLOptOptions>({ nonFinite: 1, segments: 1, normEps: 1 }));
    if (!(theta instanceof Float32Array) || theta.length !== MLP_LOPT_THETA_SIZE) {
      throw new MetaoptimError('LENGTH_MISMATCH', `${name}: θ must be a Float32Array of ${MLP_LOPT_THETA_SIZE}`, { got: theta?.length });
    }
    checkThetaFinite(name, theta);
    const th = theta.slice();
    const segments = opts.segments ? [...opts.segments] : undefined;
    if (segments && !segments.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${name}: segments must be non-negative integers`);
    }
    const eps = opts.normEps ?? 1e-5;
    if (!(eps > 0 && Number.isFinite(eps))) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${name}: normEps must be a positive finite number, got ${String(opts.normEps)}`);
    return makeOptimizer({
      name,
      hyperparams: { thetaHash: thetaHash(th), segments: segments ? segments.join(',') : 'whole', ...(eps !== 1e-5 ? { normEps: eps } : {}) },
      slots: SLOTS,
      nonFinite: nonFinitePolicy(name, opts.nonFinite),
      update(s, k, count) {
        const n = s.size;
        const segs = segments ?? [n];
        const total = segs.reduce((a, b) => a + b, 0);
        if (total !== n) throw new MetaoptimError('LENGTH_MISMATCH', `${name}: segments sum to ${total}, parameters are ${n}`);
        mlpStep(s, k, count, th, segs, eps);
        return true;
      },
    });
  },
};

/** One MLPLOpt step on state `s` (scratch memory is taken and returned to the state's arena). */
function mlpStep(s: OptState, k: Kernels, count: number, theta: Float32Array, segs: number[], eps: number): void {
  const arena = s.runtime.arena;
  const thR = new Region(arena, Float32Array, MLP_LOPT_THETA_SIZE);
  const table = new Region(arena, Int32Array, 6);
  const feat = new Region(arena, Float32Array, 19);
  const scratch = new Region(arena, Uint8Array, 96 * 16 + 128);
  try {
    thR.view.set(theta);
    table.view.set(SLOTS.map((m) => s.ptr(m)));
    k.mlp_lopt_momenta_f32(s.ptr('grads'), table.ptr, s.size);
    let start = 0;
    for (const len of segs) {
      if (len > 0) {
        feat.view.set(mlpFeatures(k, s, start, len, count, eps));
        table.view.set(SLOTS.map((m) => s.ptr(m) + 4 * start));
        k.mlp_lopt_f32(s.ptr('params') + 4 * start, s.ptr('grads') + 4 * start, table.ptr, len, thR.ptr, feat.ptr, scratch.ptr);
      }
      start += len;
    }
  } finally {
    thR.release();
    table.release();
    feat.release();
    scratch.release();
  }
}
