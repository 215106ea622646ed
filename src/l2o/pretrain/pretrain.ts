import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import { Loop, type LoopOptions, type ProgressEvent, abortedError, isAborted } from '../../core/loop.js';
import { adam } from '../../optim/adam.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import { type DigitsMlpConfig, digitsMlpFamily } from '../../tasks/digits.js';
import { MLP_LOPT_THETA_SIZE, mlpLOpt } from '../mlp.js';
import { type MetaHistoryEntry, esMetaTrain } from '../outer/train.js';
import { drain, runSteps, taskSegments } from './run.js';
import { imitationTheta } from './imitation.js';
import { embedSubspace } from './setup.js';
import { decodeJson, encodeJson } from '../../core/codec.js';

export interface PretrainOptions extends LoopOptions {
  /** ε of the optimizer's feature normalizer (`mlpLOpt` option `normEps`). */
  normEps?: number;
  imitation?: { taskSeeds?: number[]; lr?: number; lrGrid?: number[]; lrFactor?: number; cosineAlpha?: number; daggerRounds?: number; steps?: number; fitSteps?: number; perTensor?: number };
  pes?: { iterations?: number; particles?: number; sigma?: number; truncation?: number; innerSteps?: number; metaLr?: number; staggerSteps?: number; workers?: number; subspace?: 'all' | 'head' };
  validationTasks?: number;
  validationSteps?: number;
  /** Validate (and keep the best θ) every this many meta-iterations (default 100). */
  validateEvery?: number;
  runtime?: Runtime;
  checkpointEvery?: number;
  onCheckpoint?: (bytes: Uint8Array, iteration: number) => void | Promise<void>;
  /** A pretraining checkpoint to continue from (stage 1 is recomputed: it is deterministic). */
  resume?: Uint8Array;
}

const PRETRAIN_KEYS = optionKeys<PretrainOptions>({
  seed: 1, signal: 1, onProgress: 1, normEps: 1, imitation: 1, pes: 1, validationTasks: 1, validationSteps: 1, validateEvery: 1, runtime: 1, checkpointEvery: 1,
  onCheckpoint: 1, resume: 1,
});

const IMITATION_RECIPE_KEYS = optionKeys<NonNullable<PretrainOptions['imitation']>>({
  taskSeeds: 1, lr: 1, lrGrid: 1, lrFactor: 1, cosineAlpha: 1, daggerRounds: 1, steps: 1, fitSteps: 1, perTensor: 1,
});
const PES_RECIPE_KEYS = optionKeys<NonNullable<PretrainOptions['pes']>>({
  iterations: 1, particles: 1, sigma: 1, truncation: 1, innerSteps: 1, metaLr: 1, staggerSteps: 1, workers: 1, subspace: 1,
});

/** The defaults: the recipe that produced the shipped file. */
export const PRETRAIN_DEFAULTS = {
  seed: 0,
  normEps: 1e-10,
  imitation: { taskSeeds: Array.from({ length: 16 }, (_, i) => i), lr: 0.08, lrGrid: [0.01, 0.02, 0.03, 0.05, 0.08, 0.12] as number[] | undefined, lrFactor: 1.6, cosineAlpha: 0.3 as number | undefined, daggerRounds: 0, steps: 200, fitSteps: 8000, perTensor: 12 },
  pes: { iterations: 900, particles: 8, sigma: 0.01, truncation: 10, innerSteps: 200, metaLr: 3e-4, staggerSteps: 200, workers: 2, subspace: 'head' as 'all' | 'head' },
  validationTasks: 8,
  validationSteps: 200,
  validateEvery: 100,
} as const;

export const VALIDATION_BASE_SEED = 500_000;

/**
 * The 'head' subspace: b2, W3 and b3 (θ[1664…1761], 98 values); the direction column of W3 and
 * b3[0] are perturbed in units of η/0.001 (the imitation's output scale), the rest in units of 1.
 */
export function headSubspace(theta: Float32Array, lr: number): { base: number[]; index: number[]; scale: number[] } {
  const index = Array.from({ length: 98 }, (_, j) => 1664 + j);
  const scale = index.map((i) => (i >= 1696 && i < 1760 && (i - 1696) % 2 === 0) || i === 1760 ? lr / 0.001 : 1);
  return { base: Array.from(theta), index, scale };
}

export interface PretrainResult {
  theta: Float32Array;
  /** Which stage's θ was selected. */
  selected: 'imitation' | 'pes';
  imitationTheta: Float32Array;
  pesTheta: Float32Array;
  imitation: { rows: number; fitLoss: number };
  history: MetaHistoryEntry[];
  /** Validation mean loss of θ₀, of the last PES θ and of the selected θ. */
  validation: { imitation: number; pes: number; selected: number };
  /** Validation mean loss every `validateEvery` meta-iterations (iteration 0 = θ₀). */
  validations: { iteration: number; loss: number }[];
  /** Meta-iteration of the selected θ (0 = the imitation θ₀). */
  selectedIteration: number;
  /** The resolved recipe (for provenance). */
  recipe: Record<string, unknown>;
  checkpoint: Uint8Array;
  elapsedMs: number;
}

/**
 * The recipe of the shipped pretrained MLP optimizer (`learned()`; docs/l2o.md,
 * "Pretrained optimizer"), deterministic given its options:
 *
 * 1. Imitation: θ₀ = `imitationTheta` fitted to Adam on the digits-family tasks with sampling
 *    seeds `imitation.taskSeeds`; by default each task's Adam uses its own best lr of `lrGrid`
 *    (by mean training loss over the run) times `lrFactor` = 1.6, cosine-decayed to 0.3× over
 *    the run. (The factor makes up for the regression's shrinkage of the imitated steps.)
 * 2. PES: `esMetaTrain` from θ₀ on the digits-MLP family (`digitsMlpFamily`: widths
 *    {16, 32, 64, 128}, 1–2 layers, four activations, BN, three batch sizes), inner runs of
 *    `innerSteps`, segments = the task's tensors, meta-objective = the mean training loss of
 *    each truncation, meta-optimizer Adam(`metaLr`). With `subspace: 'head'` only the last
 *    layers (b2, W3, b3; `headSubspace`) are meta-trained: 98 instead of 1,762 dimensions, so the
 *    ES estimate has far less variance.
 * 3. Selection (early stopping): θ₀ and the PES θ every `validateEvery` meta-iterations are run
 *    on `validationTasks` family tasks (sampling seeds 500,000 + i, disjoint from the imitation
 *    seeds, and from the held-out evaluation tasks, which also use other widths); the θ with the
 *    lowest mean training loss is returned. This keeps PES from shipping something worse than
 *    its starting point. PES itself runs in chunks between validations, resumed from its own
 *    checkpoint, which gives the same bits as one uninterrupted run.
 * Checkpoints (`onCheckpoint`, `resume`) hold the PES checkpoint, the validations and the best θ.
 *
 * Loop contract (core/loop.ts): async; progress events labelled `pretrainLearned: imitation`,
 * `pretrainLearned: pes` (done/total in meta-iterations, metrics { loss, gradNorm, restarts })
 * and `pretrainLearned: validation`; an abort rejects with ABORTED `{ iteration, partial }`:
 * iteration 0 and partial undefined during imitation (recomputed on resume), else the PES
 * iterations done and the pretraining checkpoint to pass as `resume` (resuming gives the bits of
 * an uninterrupted run).
 *
 * Errors: `UNKNOWN_OPTION` (also inside `imitation` and `pes`), `INVALID_ARGUMENT`, `ABORTED`,
 * `BAD_CHECKPOINT`, and those of `esMetaTrain`.
 */
export async function pretrainLearned(o: PretrainOptions = {}): Promise<PretrainResult> {
  const name = 'pretrainLearned';
  checkOptions(name, o, PRETRAIN_KEYS);
  checkOptions(`${name} imitation`, o.imitation, IMITATION_RECIPE_KEYS);
  checkOptions(`${name} pes`, o.pes, PES_RECIPE_KEYS);
  const seed = o.seed ?? PRETRAIN_DEFAULTS.seed;
  const normEps = o.normEps ?? PRETRAIN_DEFAULTS.normEps;
  const im = { ...PRETRAIN_DEFAULTS.imitation, ...o.imitation };
  const pes = { ...PRETRAIN_DEFAULTS.pes, ...o.pes };
  const vTasks = o.validationTasks ?? PRETRAIN_DEFAULTS.validationTasks;
  const vSteps = o.validationSteps ?? PRETRAIN_DEFAULTS.validationSteps;
  if (!Number.isInteger(vTasks) || vTasks < 1) throw new MetaoptimError('INVALID_ARGUMENT', `${name}: validationTasks must be a positive integer`);
  const runtime = o.runtime ?? defaultRuntimeOrThrow();
  const loop = new Loop(name, o, { total: pes.iterations });
  /** Sub-stage progress, relabelled and timed from the start of the whole run. */
  const relay = (stage: string) => (e: ProgressEvent) => o.onProgress?.({ ...e, label: `${name}: ${stage}`, elapsedMs: loop.elapsedMs });
  const family = await digitsMlpFamily({ runtime });

  const fit = await imitationTheta({
    family, runtime, taskSeeds: [...im.taskSeeds], lr: im.lr, lrGrid: im.lrGrid, lrFactor: im.lrFactor, cosineAlpha: im.cosineAlpha, steps: im.steps, fitSteps: im.fitSteps, perTensor: im.perTensor, daggerRounds: im.daggerRounds, seed, normEps,
    signal: o.signal, onProgress: relay('imitation'),
  }).catch((err: unknown) => {
    throw isAborted(err) ? abortedError(name, 0, undefined) : err;
  });

  // Resumable state: the PES checkpoint plus the validation record and the best θ so far.
  const saved = o.resume ? checkSavedPretrain(name, decodeJson(o.resume, 'pretraining checkpoint'), pes.iterations) : undefined;
  let validations: { iteration: number; loss: number }[] = saved?.validations ?? [];
  let best = saved?.best;
  let pesCk = saved?.pes;
  let done = saved?.iteration ?? 0;
  const wrap = (pesBytes: Uint8Array | undefined, iteration: number) =>
    encodeJson({ format: 'metaoptim-pretrain', iteration, pes: pesBytes, validations, best: best! } satisfies SavedPretrain);
  // An abort during a validation resumes from the last completed chunk (recomputed: same bits).
  const partial = () => (best ? wrap(pesCk, done) : undefined);

  const validate = async (theta: Float32Array): Promise<number> => {
    const vloop = new Loop(name, { signal: o.signal, onProgress: relay('validation') }, { total: vTasks });
    let sum = 0;
    try {
      for (let i = 0; i < vTasks; i++) {
        const cfg: DigitsMlpConfig = family.sample(VALIDATION_BASE_SEED + i);
        const task = family.task(cfg);
        try {
          const opt = mlpLOpt.optimizer(theta, { segments: taskSegments(task), normEps });
          sum += (await drain(runSteps(task, opt, vSteps, i), () => vloop.tick(i))).meanLoss;
        } finally {
          task.dispose();
        }
      }
    } catch (err) {
      throw isAborted(err) ? abortedError(name, done, partial()) : err;
    }
    vloop.finish(vTasks, { loss: sum / vTasks });
    return sum / vTasks;
  };

  const sub = pes.subspace === 'head' ? headSubspace(fit.theta, im.lr) : undefined;
  if (!best) {
    const loss = await validate(fit.theta);
    validations = [{ iteration: 0, loss }];
    best = { iteration: 0, loss, theta: fit.theta };
  }
  let history: MetaHistoryEntry[] = [];
  let z: Float32Array = sub ? new Float32Array(sub.index.length) : fit.theta;
  const every = o.validateEvery ?? PRETRAIN_DEFAULTS.validateEvery;
  do {
    const next = Math.min(pes.iterations, (Math.floor(done / every) + 1) * every);
    let r;
    try {
      r = await esMetaTrain({
        estimator: 'pes', theta: z, iterations: next, particles: pes.particles, sigma: pes.sigma, truncation: pes.truncation,
        staggerSteps: pes.staggerSteps, seed, workers: pes.workers, runtime,
        setup: { module: new URL('./setup.js', import.meta.url).href, args: { innerSteps: pes.innerSteps, normEps, subspace: sub } },
        metaOptimizer: adam({ lr: pes.metaLr }),
        onProgress: (e) => o.onProgress?.({ ...e, label: `${name}: pes`, total: pes.iterations, elapsedMs: loop.elapsedMs }),
        signal: o.signal, checkpointEvery: o.checkpointEvery,
        onCheckpoint: o.onCheckpoint && ((bytes, it) => (it < next ? o.onCheckpoint!(wrap(bytes, it), it) : undefined)),
        resume: pesCk,
      });
    } catch (err) {
      if (isAborted(err)) {
        const d = err.details as { iteration: number; partial: Uint8Array | undefined };
        throw abortedError(name, d.iteration, d.partial ? wrap(d.partial, d.iteration) : partial());
      }
      throw err;
    }
    history = r.history;
    z = r.theta;
    const theta = sub ? embedSubspace(sub, r.theta) : r.theta;
    const loss = await validate(theta);
    pesCk = r.checkpoint;
    done = next;
    validations.push({ iteration: done, loss });
    if (loss < best.loss) best = { iteration: done, loss, theta };
    await o.onCheckpoint?.(wrap(pesCk, done), done);
  } while (done < pes.iterations);
  const last = validations[validations.length - 1]!;
  const pesTheta = sub ? embedSubspace(sub, z) : z;
  loop.finish(done, { loss: best.loss });
  return {
    theta: best.theta,
    selected: best.iteration === 0 ? 'imitation' : 'pes',
    selectedIteration: best.iteration,
    imitationTheta: fit.theta,
    pesTheta,
    imitation: { rows: fit.rows, fitLoss: fit.fitLoss },
    history,
    validation: { imitation: validations[0]!.loss, pes: last.loss, selected: best.loss },
    validations,
    recipe: { seed, normEps, imitation: im, pes, validationTasks: vTasks, validationSteps: vSteps, validateEvery: every, validationBaseSeed: VALIDATION_BASE_SEED },
    checkpoint: wrap(pesCk, done),
    elapsedMs: loop.elapsedMs,
  };
}

interface SavedPretrain {
  format: 'metaoptim-pretrain';
  iteration: number;
  pes: Uint8Array | undefined;
  validations: { iteration: number; loss: number }[];
  best: { iteration: number; loss: number; theta: Float32Array };
}

/**
 * Checks a decoded pretraining checkpoint (format `metaoptim-pretrain`) before a resume.
 * Errors: BAD_CHECKPOINT with details `{ field, reason }` — `format`; `iteration` (an integer in
 * [0, iterations]); `pes` (bytes or absent; its contents are checked by `esMetaTrain`);
 * `validations` (a non-empty list of `{ iteration: integer in [0, iteration], loss: finite }`);
 * `best` (`{ iteration, loss: finite, theta: Float32Array of 1,762 finite entries }`).
 */
function checkSavedPretrain(owner: string, v: unknown, iterations: number): SavedPretrain {
  const bad = (field: string, reason: string): never => {
    throw new MetaoptimError('BAD_CHECKPOINT', `${owner}: pretraining checkpoint: ${field}: ${reason}`, { field, reason });
  };
  const s = v as Partial<SavedPretrain> | null;
  if (!s || typeof s !== 'object' || s.format !== 'metaoptim-pretrain') bad('format', 'not a pretraining checkpoint (format metaoptim-pretrain)');
  const it = s!.iteration;
  if (typeof it !== 'number' || !Number.isSafeInteger(it) || it < 0 || it > iterations) bad('iteration', `${String(it)} is not an integer in [0, ${iterations}]`);
  if (s!.pes !== undefined && !(s!.pes instanceof Uint8Array)) bad('pes', 'the PES checkpoint is not bytes');
  const vs = s!.validations;
  if (!Array.isArray(vs) || vs.length === 0) bad('validations', 'not a non-empty list');
  vs!.forEach((e, i) => {
    if (!e || typeof e !== 'object' || !Number.isSafeInteger(e.iteration) || e.iteration < 0 || e.iteration > it!) bad(`validations[${i}].iteration`, `${String(e?.iteration)} is not an integer in [0, ${it}]`);
    if (typeof e.loss !== 'number' || !Number.isFinite(e.loss)) bad(`validations[${i}].loss`, `${String(e.loss)} is not finite`);
  });
  const b = s!.best;
  if (!b || typeof b !== 'object') bad('best', 'missing');
  if (!Number.isSafeInteger(b!.iteration) || b!.iteration < 0 || b!.iteration > it!) bad('best.iteration', `${String(b!.iteration)} is not an integer in [0, ${it}]`);
  if (typeof b!.loss !== 'number' || !Number.isFinite(b!.loss)) bad('best.loss', `${String(b!.loss)} is not finite`);
  if (!(b!.theta instanceof Float32Array) || b!.theta.length !== MLP_LOPT_THETA_SIZE) bad('best.theta', `not a Float32Array of ${MLP_LOPT_THETA_SIZE}`);
  if (!b!.theta.every(Number.isFinite)) bad('best.theta', 'holds a non-finite entry');
  return s as SavedPretrain;
}
