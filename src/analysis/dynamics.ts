import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import type { Task } from '../tasks/types.js';
import { type CovarianceSummary, covarianceSummary } from './covariance.js';
import { type LogHistogram, type HistogramOptions, logHistogram, tensorNorms, type TensorNorm } from './magnitude.js';
import { wouldUpdate } from './observe.js';
import { type TwoLayerDims, symmetryDeviations, viewsFromLayout } from './symmetry.js';
import { noise, tailIndexBlockSum, tailIndexHill } from './tail.js';

export interface CheckpointAnalysisOptions {
  /** Minibatch indices of the task's stream (≥ 2); B.1.6 uses every minibatch of the split. */
  batches: readonly number[];
  /** Named tensors of the flat parameter vector (e.g. nn `mlpLayout(...).tensors`). */
  layout?: readonly { name: string; offset: number; length: number }[];
  /** Two-layer block for the symmetry deviations (tensor names W1, b1, W2, b2 in `layout`). */
  symmetry?: TwoLayerDims;
  histogram?: HistogramOptions;
  /** Full spectrum when min(B, P) ≤ this (default 128). */
  maxSpectrumDim?: number;
  /** Passed to Eve-like optimizers that need the loss (default: the minibatch loss). */
  withLoss?: boolean;
}

export interface NoiseStats {
  blockSumAlpha: number;
  hillAlpha: number;
  noiseNorms: Float64Array;
  covariance: CovarianceSummary;
}

export interface CheckpointAnalysis {
  step: number;
  losses: Float64Array;
  gradient: NoiseStats;
  update: NoiseStats;
  symmetry?: {
    update: { translation: number; scale: number; rescale: number };
    gradient: { translation: number; scale: number; rescale: number };
  };
  histograms: { update: LogHistogram; gradient: LogHistogram };
  norms?: { update: Record<string, TensorNorm>; params: Record<string, TensorNorm>; gradient: Record<string, TensorNorm> };
}

/**
 * Everything SPEC B.1.4–B.1.8 measures at one frozen checkpoint of any optimizer, from the
 * minibatches `batches` of a task: for each minibatch b the gradient g_b and the update u_b the
 * optimizer WOULD apply (`wouldUpdate`; the state is not changed), then
 *   - tail index (block-sum B.1.6 and Hill) of the noise ξ_b = v_b − mean_b v_b, for g and u;
 *   - covariance across minibatches (trace, λ_max, spectrum when small; B.1.7), for g and u;
 *   - symmetry deviations (B.1.4) of ĝ = −u_b and of g_b, averaged as mean |D| over minibatches,
 *     when a two-layer block is named (`symmetry: { layout, dims }`, tensors W1, b1, W2, b2);
 *   - |u| and |g| log histograms of the first minibatch and per-tensor norms (B.1.8).
 * Errors: `INVALID_ARGUMENT` (fewer than 2 minibatches, size mismatch), plus those of the parts.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { analyzeCheckpoint } from 'metaoptim/analysis';
 * import { digitsMlpTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsMlpTask();
 * const opt = adam({ lr: 3e-3 });
 * const state = opt.init(task.init(0));
 * const a = analyzeCheckpoint(opt, state, task, { batches: [0, 1, 2, 3, 4, 5, 6, 7] }); // the state is not stepped
 * console.log(a.update.covariance.lambdaMax > 0, state.scalars.count); // true 0
 * state.dispose();
 * task.dispose();
 * ```
 */
export function analyzeCheckpoint(opt: Optimizer, state: OptState, task: Task, o: CheckpointAnalysisOptions): CheckpointAnalysis {
  checkOptions('analyzeCheckpoint', o, optionKeys<CheckpointAnalysisOptions>({ batches: 1, layout: 1, symmetry: 1, histogram: 1, maxSpectrumDim: 1, withLoss: 1 }));
  const B = o.batches.length;
  if (B < 2) throw new MetaoptimError('INVALID_ARGUMENT', `analyzeCheckpoint: need at least 2 minibatches, got ${B}`);
  if (task.size !== state.size) throw new MetaoptimError('INVALID_ARGUMENT', `analyzeCheckpoint: task has ${task.size} parameters, the state ${state.size}`);
  const P = state.size;
  const theta = state.params.slice();
  const grads: Float64Array[] = [];
  const updates: Float64Array[] = [];
  const losses = new Float64Array(B);
  const g32 = new Float32Array(P);
  o.batches.forEach((b, i) => {
    losses[i] = task.loss(theta, b, g32);
    grads.push(Float64Array.from(g32));
    updates.push(wouldUpdate(opt, state, g32, o.withLoss === false ? undefined : { loss: losses[i]! }).delta);
  });
  const stats = (rows: Float64Array[]): NoiseStats => {
    const n = noise(rows);
    const flat = new Float64Array(B * P);
    rows.forEach((r, i) => flat.set(r, i * P));
    return {
      blockSumAlpha: tailIndexBlockSum(n.noise).alpha,
      hillAlpha: tailIndexHill(n.noise, { runtime: state.runtime }).alpha,
      noiseNorms: n.norms,
      covariance: covarianceSummary({ data: flat, rows: B, cols: P }, { runtime: state.runtime, maxSpectrumDim: o.maxSpectrumDim ?? 128 }),
    };
  };
  const out: CheckpointAnalysis = {
    step: state.scalars.count!,
    losses,
    gradient: stats(grads),
    update: stats(updates),
    histograms: { update: logHistogram(updates[0]!, o.histogram), gradient: logHistogram(grads[0]!, o.histogram) },
  };
  if (o.layout) {
    const th = viewsFromLayout(Float64Array.from(theta), o.layout);
    out.norms = {
      update: tensorNorms(viewsFromLayout(updates[0]!, o.layout)),
      params: tensorNorms(th),
      gradient: tensorNorms(viewsFromLayout(grads[0]!, o.layout)),
    };
    if (o.symmetry) {
      const need = ['W1', 'b1', 'W2', 'b2'];
      for (const k of need) if (!th[k]) throw new MetaoptimError('INVALID_ARGUMENT', `analyzeCheckpoint: layout has no tensor ${k}`);
      const tv = { W1: th.W1!, b1: th.b1!, W2: th.W2!, b2: th.b2! };
      const meanAbs = (vs: Float64Array[], negate: boolean) => {
        const acc = { translation: 0, scale: 0, rescale: 0 };
        for (const v of vs) {
          const gh = viewsFromLayout(negate ? v.map((x) => -x) : v, o.layout!);
          const d = symmetryDeviations(tv, { W1: gh.W1!, b1: gh.b1!, W2: gh.W2!, b2: gh.b2! }, o.symmetry!);
          acc.translation += Math.abs(d.translation.total) / vs.length;
          acc.scale += Math.abs(d.scale.total) / vs.length;
          acc.rescale += Math.abs(d.rescale.total) / vs.length;
        }
        return acc;
      };
      out.symmetry = { update: meanAbs(updates, true), gradient: meanAbs(grads, false) };
    }
  }
  return out;
}
