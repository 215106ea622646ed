import { decodeJson, encodeJson } from '../../core/codec.js';
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../../core/errors.js';
import { Loop, type LoopOptions } from '../../core/loop.js';
import { mean } from '../../core/stats.js';
import { adam } from '../../optim/adam.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import { type MetaHistoryEntry, esMetaTrain } from '../outer/train.js';
import { AR_BLOCKS, AR_LR_BIAS, AR_SCHEDULE_AT, AR_THETA_SIZE, adamResidualInit, arCosineStart, arResidualStart } from './schedule.js';
import { loadMetaData } from './tasks.js';
import { type ArUnrollArgs, arUnroll, embedArSubspace } from './unroll.js';

/**
 * PES meta-training of the Adam-residual optimizer (docs/l2o.md, "Adam-residual MLP"):
 * θ₀ = `init(seed)` with the schedule bias c2 = ln(`startLr`/lr) — i.e. Adam at lr `startLr` —,
 * then `esMetaTrain` with PES over the task distribution of tasks.ts (wine held out,
 * reparameterization augmentation), truncations of K steps, inner runs log-uniform in
 * [minSteps, maxSteps], meta-objective the mean ln(L_t/L_0) of each truncation, meta-optimizer
 * Adam(metaLr). Every `validateEvery` iterations θ is scored on `validationTasks` fixed tasks
 * (sampling seeds 2³⁰ + i, no augmentation, `validationSteps` steps: mean ln(L_t/L_0); a list of
 * run lengths scores the mean over them, e.g. [300, 2000] for short and long horizons); the best
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
  validationSteps?: number | readonly number[];
  /** Start θ instead of θ₀ (for experiments and tests). */
  theta?: Float32Array;
  /**
   * Which coordinates PES moves: 'all', or 'schedule' (the recipe's: the 21 values of the
   * lr-schedule block; the rest of θ stays at its start), or 'mlp' (the 226 values of the
   * per-parameter MLP; the schedule stays at its start).
   */
  subspace?: 'all' | 'schedule' | 'mlp';
  /**
   * Standard deviation of the random output-layer start W2 (`arResidualStart`, seed = `seed`),
   * applied to θ₀ or to `theta` (default 0: W2 as given). With W2 = 0 only the direction column
   * of the output layer has any effect on the update, so PES cannot move the rest of the MLP.
   */
  residualInit?: number;
  /**
   * Per-block multipliers of σ (and so of the meta-step) on the blocks of `AR_BLOCKS` (W1, b1,
   * out-d, out-s, schedule; default 1 each): meta-training runs in z with θ = θ₀ + scale ⊙ z.
   */
  blockSigma?: Partial<Record<keyof typeof AR_BLOCKS, number>>;
  /**
   * The residual form of the optimizer being meta-trained (`adamResidualLOpt`'s `form`; default
   * 'additive'). 'multiplicative' (u = a·(1 + d·eˢ)) makes the residual a per-coordinate lr
   * multiplier that vanishes with Adam's direction.
   */
  form?: 'additive' | 'multiplicative';
  /**
   * The start's lr schedule: 'constant' (default: c2 = ln(startLr/lr), the rest of the schedule
   * block as θ₀ or `theta` has it) or 'cosine' (`arCosineStart`: cosine decay from a peak of
   * `startLr`, applied to θ₀ or to `theta`).
   */
  startSchedule?: 'constant' | 'cosine';
  runtime?: Runtime;
  onCheckpoint?: (bytes: Uint8Array, iteration: number) => void | Promise<void>;
  resume?: Uint8Array;
}

export const AR_META_KEYS = optionKeys<ArMetaTrainOptions>({
  seed: 1, signal: 1, onProgress: 1, iterations: 1, particles: 1, sigma: 1, truncation: 1, minSteps: 1, maxSteps: 1, augmentProb: 1, metaLr: 1,
  lr: 1, startLr: 1, workers: 1, validateEvery: 1, validationTasks: 1, validationSteps: 1, theta: 1, subspace: 1, residualInit: 1, blockSigma: 1, form: 1, startSchedule: 1, runtime: 1, onCheckpoint: 1, resume: 1,
});

type ArRecipe = Omit<ArMetaTrainOptions, 'seed' | 'signal' | 'onProgress' | 'theta' | 'runtime' | 'onCheckpoint' | 'resume'>;

/**
 * The recipe of the shipped θ (scripts/metatrain-adam-residual.mjs): only the lr schedule moves
 * (`subspace: 'schedule'`), the MLP stays at W2 = 0 — the residual is off.
 */
export const AR_RECIPE = {
  iterations: 100000, particles: 8, sigma: 0.02, truncation: 25, minSteps: 100, maxSteps: 2000, augmentProb: 0.25, metaLr: 3e-3,
  lr: 1e-3, startLr: 0.05, workers: 2, validateEvery: 25, validationTasks: 8, validationSteps: 300, subspace: 'schedule' as 'all' | 'schedule' | 'mlp',
} as const satisfies ArRecipe;

/**
 * The residual recipe (`--recipe residual`, docs/l2o.md "Why PES did not move the MLP"): every
 * block moves, with per-block σ (and so per-block meta-steps): the direction column 0.02×, the
 * rest of the MLP 0.1×, the schedule 0.5×, and 16 particles (more tasks per meta-gradient). The
 * direction column's perturbations otherwise swamp every other block, and the meta-loss is so
 * non-smooth at lr 0.05 that PES estimates are mostly noise: small per-block steps let the
 * noise average out. The script starts it from the shipped θ (W2 = 0: the residual grows only
 * where PES finds a signal; `residualInit` > 0 costs validation at once: 3e-4 took −4.04 to −3.62).
 */
export const AR_RESIDUAL_RECIPE = {
  ...AR_RECIPE, particles: 16, subspace: 'all' as 'all' | 'schedule' | 'mlp', residualInit: 0,
  blockSigma: { W1: 0.1, b1: 0.1, 'out-d': 0.02, 'out-s': 0.1, schedule: 0.5 },
} as const satisfies ArRecipe;

/**
 * `--quick` (≤ 2 min, in-process): from Adam at 3e-3 (a start its 24 iterations can measurably
 * improve), every block moving from a random output layer (residualInit 1e-3) — so the MLP,
 * not only the schedule, gets a meta-gradient — with the direction column's σ 0.1×.
 */
export const AR_QUICK_RECIPE = {
  ...AR_RESIDUAL_RECIPE, residualInit: 1e-3, blockSigma: { 'out-d': 0.1 }, startLr: 3e-3, iterations: 24, particles: 4, truncation: 20, minSteps: 100, maxSteps: 200, workers: 0, validateEvery: 12, validationTasks: 3, validationSteps: 100,
} as const satisfies ArRecipe;

/**
 * The multiplicative recipe (`--recipe multiplicative`, docs/l2o.md "The multiplicative residual"):
 * the residual form u = a·(1 + d·eˢ) (a per-coordinate lr multiplier that vanishes with Adam's
 * direction), every block moving from W2 = 0 with per-block σ (output columns and hidden layer
 * 0.1×, schedule 0.5×), 16 particles, and θ selected on short AND long runs (validation at 300
 * and 2,000 steps: a 300-step score alone favours lrs that are too large for 2,000 steps).
 */
export const AR_MULTIPLICATIVE_RECIPE = {
  ...AR_RESIDUAL_RECIPE, form: 'multiplicative' as 'additive' | 'multiplicative', validationSteps: [300, 2000] as readonly number[],
  blockSigma: { W1: 0.1, b1: 0.1, 'out-d': 0.1, 'out-s': 0.1, schedule: 0.5 },
} as const satisfies ArRecipe;

/**
 * The cosine recipe (`--recipe cosine`, the recipe of the θ shipped since 2026-12-07 afternoon):
 * the multiplicative recipe started from Adam with cosine decay (`startSchedule: 'cosine'`, peak lr
 * 0.07 — the best of {0.03, 0.05, 0.07, 0.1, 0.2} on the validation tasks at 300 and 2,000 steps:
 * mean −4.68, −5.29, −5.49, −5.35, −4.94, against −4.90 for the θ shipped before it), PES moving
 * only the MLP (`subspace: 'mlp'`: moving the schedule too took validation from −5.49 to −4.70 in
 * 225 iterations) with meta-lr 1e-3.
 */
export const AR_COSINE_RECIPE = {
  ...AR_MULTIPLICATIVE_RECIPE, startSchedule: 'cosine' as 'constant' | 'cosine', startLr: 0.07, subspace: 'mlp' as 'all' | 'schedule' | 'mlp', metaLr: 1e-3,
} as const satisfies ArRecipe;

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
  /** θ = embed(base, index, z, scale); `last` and `best.theta` are full θ. */
  sub: { base: number[]; index: number[]; scale?: number[] } | null;
  es: Uint8Array;
  iteration: number;
  validations: { iteration: number; loss: number }[];
  best: { iteration: number; loss: number; theta: Float32Array };
  last: Float32Array;
}

/**
 * The subspace meta-training moves (θ = base + scale ⊙ z on `index`), or null for plain θ:
 * 'all' with no block multipliers is null. Errors: INVALID_ARGUMENT (unknown subspace or block,
 * a multiplier that is not > 0).
 */
export function arSubspace(base: Float32Array, subspace: 'all' | 'schedule' | 'mlp', blockSigma: Partial<Record<keyof typeof AR_BLOCKS, number>> = {}): Saved['sub'] {
  if (subspace !== 'all' && subspace !== 'schedule' && subspace !== 'mlp') throw new MetaoptimError('INVALID_ARGUMENT', `metaTrainAdamResidual: subspace must be 'all', 'schedule' or 'mlp'`);
  const scaleOf = new Float64Array(AR_THETA_SIZE).fill(1);
  for (const [name, m] of Object.entries(blockSigma)) {
    const idx = AR_BLOCKS[name as keyof typeof AR_BLOCKS];
    if (!idx) throw new MetaoptimError('INVALID_ARGUMENT', `metaTrainAdamResidual: no θ block '${name}' (blocks: ${Object.keys(AR_BLOCKS).join(', ')})`);
    checkNumber('metaTrainAdamResidual', `blockSigma.${name}`, m, { min: 0, minExclusive: true });
    for (const i of idx) scaleOf[i] = m;
  }
  if (subspace === 'all' && scaleOf.every((v) => v === 1)) return null;
  const index = Array.from({ length: AR_THETA_SIZE }, (_, i) => i).filter((i) => (subspace === 'all' ? true : subspace === 'schedule' ? i >= AR_SCHEDULE_AT : i < AR_SCHEDULE_AT));
  const scale = index.map((i) => scaleOf[i]!);
  return { base: Array.from(base), index, ...(scale.every((v) => v === 1) ? {} : { scale }) };
}

/** Mean over `tasks` fixed validation tasks of the mean ln(L_t/L_0) of a `steps`-step run with θ. */
export async function arValidate(theta: Float32Array, tasks: number, steps: number, o: { runtime?: Runtime; lr?: number; form?: 'additive' | 'multiplicative' } = {}): Promise<number> {
  const u = arUnroll(o.runtime ?? defaultRuntimeOrThrow(), await loadMetaData(), { minSteps: steps, maxSteps: steps, augmentProb: 0, lr: o.lr, ...(o.form ? { form: o.form } : {}) });
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
  const horizons: readonly number[] = typeof rc.validationSteps === 'number' ? [rc.validationSteps] : rc.validationSteps;
  if (!Array.isArray(horizons) || horizons.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'metaTrainAdamResidual: validationSteps must be a number or a non-empty list');
  for (const h of horizons) checkNumber('metaTrainAdamResidual', 'validationSteps', h, { min: 1 });
  const validateAt = async (th: Float32Array) => {
    const vs: number[] = [];
    for (const h of horizons) vs.push(await arValidate(th, rc.validationTasks, h, { runtime: rt, lr: rc.lr, form: rc.form }));
    return mean(vs);
  };
  const loop = new Loop('metaTrainAdamResidual', { signal, onProgress }, { label: 'adam-residual meta-training', total: rc.iterations });
  let saved: Saved;
  if (resume) {
    saved = decodeJson(resume, 'adam-residual meta-training checkpoint') as Saved;
    if (!saved || saved.format !== 'metaoptim-ar-metatrain') throw new MetaoptimError('BAD_CHECKPOINT', 'metaTrainAdamResidual: not an adam-residual meta-training checkpoint');
  } else {
    let th = theta0 ? theta0.slice() : adamResidualInit(rc.seed);
    if (!theta0) th[AR_LR_BIAS] = Math.log(rc.startLr / rc.lr);
    if (rc.startSchedule === 'cosine') th = arCosineStart(th, rc.startLr, rc.lr);
    else if (rc.startSchedule !== undefined && rc.startSchedule !== 'constant') throw new MetaoptimError('INVALID_ARGUMENT', `metaTrainAdamResidual: startSchedule must be 'constant' or 'cosine'`);
    th = arResidualStart(th, rc.seed, rc.residualInit ?? 0);
    const v0 = await validateAt(th);
    const sub = arSubspace(th, rc.subspace, rc.blockSigma);
    saved = { format: 'metaoptim-ar-metatrain', sub, es: new Uint8Array(0), iteration: 0, validations: [{ iteration: 0, loss: v0 }], best: { iteration: 0, loss: v0, theta: th }, last: th };
  }
  const sub = saved.sub;
  const setupArgs: ArUnrollArgs = { minSteps: rc.minSteps, maxSteps: rc.maxSteps, augmentProb: rc.augmentProb, lr: rc.lr, ...(rc.form ? { form: rc.form } : {}), ...(sub ? { subspace: sub } : {}) };
  const setup = { module: new URL('./unroll.js', import.meta.url).href, args: setupArgs };
  const toZ = (th: Float32Array) => (sub ? Float32Array.from(sub.index, (i, j) => (th[i]! - sub.base[i]!) / (sub.scale?.[j] ?? 1)) : th);
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
    const v = await validateAt(full);
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
