import { decodeJson, encodeJson } from '../../core/codec.js';
import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import { Loop, type LoopOptions } from '../../core/loop.js';
import { mean } from '../../core/stats.js';
import { adam } from '../../optim/adam.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import { type MetaHistoryEntry, esMetaTrain } from '../outer/train.js';
import { AR_LR_BIAS, AR_SCHEDULE_AT, AR_THETA_SIZE, adamResidualInit } from './schedule.js';
import { loadMetaData } from './tasks.js';
import { type ArUnrollArgs, arUnroll, embedArSubspace } from './unroll.js';

/**
 * PES meta-training of the Adam-residual optimizer (docs/l2o.md, "Adam-residual MLP"):
 * θ₀ = `init(seed)` with the schedule bias c2 = ln(`startLr`/lr) — i.e. Adam at lr `startLr` —,
 * then `esMetaTrain` with PES over the task distribution of tasks.ts (wine held out,
 * reparameterization augmentation), truncations of K steps, inner runs log-uniform in
 * [minSteps, maxSteps], meta-objective the mean ln(L_t/L_0) of each truncation, meta-optimizer
 * Adam(metaLr). Every `validateEvery` iterations θ is scored on `validationTasks` fixed tasks
 * (sampling seeds 2³⁰ + i, no augmentation, `validationSteps` steps: mean ln(L_t/L_0)); the best
 * θ (θ₀ included) is returned as `theta`. Deterministic for any worker count; resumable from
 * `checkpoint` bytes. Loop contract: progress per meta-iteration, ABORTED with the checkpoint of
 * the last finished chunk as `details.partial`.
 */
export interface ArMetaTrainOptions extends LoopOptions {
  iterations?: number;
  particles?: number;
  sigma?: number;
  truncation?: number;
  minSteps?: number;
  maxSteps?: number;
  augmentProb?: number;
  metaLr?: number;
  /** Nominal lr of the optimizer (default 1e-3) and the lr θ₀ starts at (default 0.05: Adam's best single lr on the validation tasks of {3e-3 … 0.3}). */
  lr?: number;
  startLr?: number;
  workers?: number;
  validateEvery?: number;
  validationTasks?: number;
  validationSteps?: number;
  /** Start θ instead of θ₀ (for experiments and tests). */
  theta?: Float32Array;
  /**
   * Which coordinates PES moves: 'all', or 'schedule' (the recipe's: the 21 values of the
   * lr-schedule block; the rest of θ stays at its start).
   */
  subspace?: 'all' | 'schedule';
  runtime?: Runtime;
  onCheckpoint?: (bytes: Uint8Array, iteration: number) => void | Promise<void>;
  resume?: Uint8Array;
}

export const AR_META_KEYS = optionKeys<ArMetaTrainOptions>({
  seed: 1, signal: 1, onProgress: 1, iterations: 1, particles: 1, sigma: 1, truncation: 1, minSteps: 1, maxSteps: 1, augmentProb: 1, metaLr: 1,
  lr: 1, startLr: 1, workers: 1, validateEvery: 1, validationTasks: 1, validationSteps: 1, theta: 1, subspace: 1, runtime: 1, onCheckpoint: 1, resume: 1,
});

/**
 * The recipe of the shipped θ (scripts/metatrain-adam-residual.mjs) and of `--quick` (≤ 2 min,
 * in-process; it starts from Adam at 3e-3, a start its 24 iterations can measurably improve).
 */
export const AR_RECIPE = {
  iterations: 100000, particles: 8, sigma: 0.02, truncation: 25, minSteps: 100, maxSteps: 2000, augmentProb: 0.25, metaLr: 3e-3,
  lr: 1e-3, startLr: 0.05, workers: 2, validateEvery: 25, validationTasks: 8, validationSteps: 300, subspace: 'schedule' as 'all' | 'schedule',
} as const;
export const AR_QUICK_RECIPE = {
  ...AR_RECIPE, startLr: 3e-3, iterations: 24, particles: 4, truncation: 20, minSteps: 100, maxSteps: 200, workers: 0, validateEvery: 12, validationTasks: 3, validationSteps: 100,
} as const;

export const AR_VALIDATION_BASE_SEED = 2 ** 30;

export interface ArMetaTrainResult {
  theta: Float32Array;
  lastTheta: Float32Array;
  history: MetaHistoryEntry[];
  validations: { iteration: number; loss: number }[];
  selectedIteration: number;
  recipe: Record<string, unknown>;
  checkpoint: Uint8Array;
  elapsedMs: number;
}

interface Saved {
  format: 'metaoptim-ar-metatrain';
  /** θ = embed(base, index, z); `last` and `best.theta` are full θ. */
  sub: { base: number[]; index: number[] } | null;
  es: Uint8Array;
  iteration: number;
  validations: { iteration: number; loss: number }[];
  best: { iteration: number; loss: number; theta: Float32Array };
  last: Float32Array;
}

/** Mean over `tasks` fixed validation tasks of the mean ln(L_t/L_0) of a `steps`-step run with θ. */
export async function arValidate(theta: Float32Array, tasks: number, steps: number, o: { runtime?: Runtime; lr?: number } = {}): Promise<number> {
  const u = arUnroll(o.runtime ?? defaultRuntimeOrThrow(), await loadMetaData(), { minSteps: steps, maxSteps: steps, augmentProb: 0, lr: o.lr });
  const losses: number[] = [];
  for (let i = 0; i < tasks; i++) losses.push(u.unroll(theta, u.start(AR_VALIDATION_BASE_SEED + i), steps).loss);
  return mean(losses);
}

/** Meta-trains θ (see the interface comment). Errors: UNKNOWN_OPTION, BAD_CHECKPOINT, ABORTED, WORKER_FAILED. */
export async function metaTrainAdamResidual(opts: ArMetaTrainOptions = {}): Promise<ArMetaTrainResult> {
  checkOptions('metaTrainAdamResidual', opts, AR_META_KEYS);
  const { signal, onProgress, onCheckpoint, resume, runtime, theta: theta0, ...rest } = opts;
  const rc = { ...AR_RECIPE, seed: 0, ...rest };
  const rt = runtime ?? defaultRuntimeOrThrow();
  const loop = new Loop('metaTrainAdamResidual', { signal, onProgress }, { label: 'adam-residual meta-training', total: rc.iterations });
  let saved: Saved;
  if (resume) {
    saved = decodeJson(resume, 'adam-residual meta-training checkpoint') as Saved;
    if (!saved || saved.format !== 'metaoptim-ar-metatrain') throw new MetaoptimError('BAD_CHECKPOINT', 'metaTrainAdamResidual: not an adam-residual meta-training checkpoint');
  } else {
    const th = theta0 ? theta0.slice() : adamResidualInit(rc.seed);
    if (!theta0) th[AR_LR_BIAS] = Math.log(rc.startLr / rc.lr);
    const v0 = await arValidate(th, rc.validationTasks, rc.validationSteps, { runtime: rt, lr: rc.lr });
    const sub = rc.subspace === 'schedule' ? { base: Array.from(th), index: [...Array.from({ length: AR_THETA_SIZE - AR_SCHEDULE_AT }, (_, i) => AR_SCHEDULE_AT + i)] } : null;
    saved = { format: 'metaoptim-ar-metatrain', sub, es: new Uint8Array(0), iteration: 0, validations: [{ iteration: 0, loss: v0 }], best: { iteration: 0, loss: v0, theta: th }, last: th };
  }
  const sub = saved.sub;
  const setupArgs: ArUnrollArgs = { minSteps: rc.minSteps, maxSteps: rc.maxSteps, augmentProb: rc.augmentProb, lr: rc.lr, ...(sub ? { subspace: sub } : {}) };
  const setup = { module: new URL('./unroll.js', import.meta.url).href, args: setupArgs };
  const toZ = (th: Float32Array) => (sub ? Float32Array.from(sub.index, (i) => th[i]! - sub.base[i]!) : th);
  const fromZ = (z: Float32Array) => (sub ? embedArSubspace(sub, z) : z);
  let history: MetaHistoryEntry[] = [];
  while (saved.iteration < rc.iterations) {
    const target = Math.min(rc.iterations, saved.iteration + rc.validateEvery);
    const r = await esMetaTrain({
      estimator: 'pes', theta: toZ(saved.last), iterations: target, particles: rc.particles, sigma: rc.sigma, truncation: rc.truncation,
      seed: rc.seed, setup, workers: rc.workers, metaOptimizer: adam({ lr: rc.metaLr }), runtime: rt, signal,
      resume: saved.es.length ? saved.es : undefined,
      onProgress: (e) => void loop.progress(e.done, e.metrics),
    }).catch((err: unknown) => {
      if (err instanceof MetaoptimError && err.code === 'ABORTED') throw new MetaoptimError('ABORTED', 'metaTrainAdamResidual: aborted', { iteration: saved.iteration, partial: encodeJson(saved) });
      throw err;
    });
    history = r.history;
    const full = fromZ(r.theta);
    const v = await arValidate(full, rc.validationTasks, rc.validationSteps, { runtime: rt, lr: rc.lr });
    const validations = [...saved.validations, { iteration: target, loss: v }];
    const best = v < saved.best.loss ? { iteration: target, loss: v, theta: full } : saved.best;
    saved = { format: 'metaoptim-ar-metatrain', sub, es: r.checkpoint, iteration: target, validations, best, last: full };
    await onCheckpoint?.(encodeJson(saved), target);
    await loop.tick(target);
  }
  loop.finish(saved.iteration);
  return {
    theta: saved.best.theta, lastTheta: saved.last, history, validations: saved.validations, selectedIteration: saved.best.iteration,
    recipe: { ...rc, estimator: 'pes', metaOptimizer: `adam(lr ${rc.metaLr})`, objective: 'mean ln(L_t/L_0) per truncation', taskDistribution: 'src/l2o/adam-residual/tasks.ts (no wine)' },
    checkpoint: encodeJson(saved), elapsedMs: loop.elapsedMs,
  };
}
