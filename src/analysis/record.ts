import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Loop, type LoopOptions } from '../core/loop.js';
import type { Optimizer } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Task } from '../tasks/types.js';
import { type CheckpointAnalysis, type CheckpointAnalysisOptions, analyzeCheckpoint } from './dynamics.js';
import { type HistogramOptions, type LogHistogram, logHistogram, tensorNorms } from './magnitude.js';
import { type TwoLayerDims, symmetryDeviations, viewsFromLayout } from './symmetry.js';

export interface RecordRunOptions extends LoopOptions {
  steps: number;
  /** Initial parameters (default task.init(seed), seed default 0). */
  params?: Float32Array;
  runtime?: Runtime;
  layout?: readonly { name: string; offset: number; length: number }[];
  dims?: TwoLayerDims;
  symmetryEvery?: number;
  histogramSteps?: readonly number[];
  histogram?: HistogramOptions;
  normsEvery?: number;
  checkpointSteps?: readonly number[];
  checkpointBatches?: readonly number[];
  checkpointOptions?: Omit<CheckpointAnalysisOptions, 'batches' | 'layout' | 'symmetry'>;
  /** Pass the minibatch loss to `step` (Eve needs it; default true). */
  withLoss?: boolean;
}

export const RECORD_RUN_KEYS = optionKeys<RecordRunOptions>({
  seed: 1, signal: 1, onProgress: 1, steps: 1, params: 1, runtime: 1, layout: 1, dims: 1, symmetryEvery: 1, histogramSteps: 1, histogram: 1,
  normsEvery: 1, checkpointSteps: 1, checkpointBatches: 1, checkpointOptions: 1, withLoss: 1,
});

export interface SymmetryRecord {
  step: number;
  update: { translation: number; scale: number; rescale: number };
  gradient: { translation: number; scale: number; rescale: number };
}

export interface RunRecord {
  optimizer: string;
  losses: Float64Array;
  symmetry: SymmetryRecord[];
  histograms: { step: number; update: LogHistogram; gradient: LogHistogram }[];
  norms: { step: number; quantity: 'update' | 'params' | 'gradient'; tensor: string; l2: number; meanAbs: number }[];
  checkpoints: CheckpointAnalysis[];
  elapsedMs: number;
}

/**
 * Records the dynamics of one training run of ANY optimizer on a task (SPEC B.1.4, B.1.6–B.1.8
 * schedules), without changing the run: the parameters follow exactly the path of
 * `opt.step(state, g_t)` with minibatch t at step t (1-based in the records, as in the paper).
 *   - loss every step;
 *   - symmetry deviations |D| of the applied update (ĝ = −Δθ) and of the gradient, every
 *     `symmetryEvery` steps (B.1.4: 10) — needs `layout` with W1, b1, W2, b2 and `dims`;
 *   - |Δθ| and |g| log histograms at `histogramSteps` (B.1.8: 1, 5, 10, 30, 100, 500);
 *   - per-tensor ‖·‖₂ and mean|·| of Δθ, θ and g every `normsEvery` steps (B.1.8: 10);
 *   - `analyzeCheckpoint` (tail index, covariance) at `checkpointSteps` over `checkpointBatches`
 *     (B.1.6: step 1 then every 10; B.1.7: every 20), evaluated BEFORE that step's update.
 * Loop contract (core/loop.ts): yields between steps; progress `{ label: '<opt> on <task>',
 * done: steps, total: steps, metrics: { loss } }`; ABORTED details `{ iteration: steps done,
 * partial: the RunRecord so far (losses cut to the steps done) }`.
 * Errors: `UNKNOWN_OPTION`, `INVALID_ARGUMENT`, `ABORTED`.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { recordRun } from 'metaoptim/analysis';
 * import { mlpLayout } from 'metaoptim/nn';
 * import { digitsMlpTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsMlpTask();
 * const rec = await recordRun(adam({ lr: 3e-3 }), task, {
 *   steps: 30, layout: mlpLayout([64, 20, 10], false).tensors, dims: { input: 64, hidden: 20, output: 10 },
 *   checkpointSteps: [20], checkpointBatches: [0, 1, 2, 3, 4, 5, 6, 7],
 * });
 * const a = rec.checkpoints[0]!;
 * console.log(rec.losses.length, a.update.blockSumAlpha > 0, rec.symmetry.length > 0); // 30 true true
 * task.dispose();
 * ```
 */
export async function recordRun(opt: Optimizer, task: Task, o: RecordRunOptions): Promise<RunRecord> {
  checkOptions('recordRun', o, RECORD_RUN_KEYS);
  const T = o.steps;
  if (!Number.isInteger(T) || T < 0) throw new MetaoptimError('INVALID_ARGUMENT', `recordRun: steps must be a non-negative integer, got ${T}`);
  if (o.dims && !o.layout) throw new MetaoptimError('INVALID_ARGUMENT', 'recordRun: symmetry deviations need a layout');
  const symEvery = o.symmetryEvery ?? 10, normsEvery = o.normsEvery ?? 10;
  const histSteps = new Set(o.histogramSteps ?? [1, 5, 10, 30, 100, 500]);
  const ckSteps = new Set(o.checkpointSteps ?? []);
  if (o.checkpointSteps?.length && (!o.checkpointBatches || o.checkpointBatches.length < 2)) {
    throw new MetaoptimError('INVALID_ARGUMENT', 'recordRun: checkpointSteps need checkpointBatches (≥ 2)');
  }
  const loop = new Loop('recordRun', o, { label: `${opt.name} on ${task.name}`, total: T });
  const state = opt.init(o.params ?? task.init(o.seed ?? 0), o.runtime ? { runtime: o.runtime } : undefined);
  const rec: RunRecord = { optimizer: opt.name, losses: new Float64Array(T), symmetry: [], histograms: [], norms: [], checkpoints: [], elapsedMs: 0 };
  let done = 0;
  const partial = (): RunRecord => ({ ...rec, losses: rec.losses.slice(0, done), elapsedMs: loop.elapsedMs });
  const g = new Float32Array(task.size);
  const abs3 = (d: ReturnType<typeof symmetryDeviations>) => ({ translation: Math.abs(d.translation.total), scale: Math.abs(d.scale.total), rescale: Math.abs(d.rescale.total) });
  try {
    for (let t = 1; t <= T; t++) {
      if (ckSteps.has(t)) {
        rec.checkpoints.push(analyzeCheckpoint(opt, state, task, { ...o.checkpointOptions, batches: o.checkpointBatches!, layout: o.layout, symmetry: o.dims }));
      }
      const before = state.params.slice();
      const loss = task.loss(before, t - 1, g);
      rec.losses[t - 1] = loss;
      opt.step(state, g, o.withLoss === false ? undefined : { loss });
      const after = state.params;
      const delta = new Float64Array(task.size);
      for (let i = 0; i < delta.length; i++) delta[i] = after[i]! - before[i]!;
      if (o.layout && o.dims && (t === 1 || t % symEvery === 0)) {
        const th = viewsFromLayout(Float64Array.from(before), o.layout);
        const u = viewsFromLayout(delta.map((v) => -v), o.layout);
        const gr = viewsFromLayout(Float64Array.from(g), o.layout);
        const pick = (v: Record<string, Float64Array>) => ({ W1: v.W1!, b1: v.b1!, W2: v.W2!, b2: v.b2! });
        rec.symmetry.push({ step: t, update: abs3(symmetryDeviations(pick(th), pick(u), o.dims)), gradient: abs3(symmetryDeviations(pick(th), pick(gr), o.dims)) });
      }
      if (histSteps.has(t)) rec.histograms.push({ step: t, update: logHistogram(delta, o.histogram), gradient: logHistogram(g, o.histogram) });
      if (o.layout && (t === 1 || t % normsEvery === 0)) {
        const q: [RunRecord['norms'][number]['quantity'], Float64Array][] = [['update', delta], ['params', Float64Array.from(before)], ['gradient', Float64Array.from(g)]];
        for (const [quantity, v] of q) {
          for (const [tensor, n] of Object.entries(tensorNorms(viewsFromLayout(v, o.layout)))) rec.norms.push({ step: t, quantity, tensor, ...n });
        }
      }
      done = t;
      await loop.tick(t, partial, () => ({ loss }));
    }
    rec.elapsedMs = loop.elapsedMs;
    loop.finish(T, T ? { loss: rec.losses[T - 1]! } : undefined);
    return rec;
  } finally {
    state.dispose();
  }
}
