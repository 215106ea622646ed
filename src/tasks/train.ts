import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions } from '../core/loop.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Evaluation, Split, Task } from './types.js';

export interface TrainOptions extends LoopOptions {
  steps: number;
  /** Initialization seed (default 0). */
  seed?: number;
  /** Start from these parameters instead of `task.init(seed)`. */
  params?: ArrayLike<number>;
  /** Index of the first minibatch (default 0): step t uses batch `batchOffset + t`. */
  batchOffset?: number;
  /** Evaluate every this many steps (and always after the last); 0 = only at the end (default 0). */
  evalEvery?: number;
  /** Splits to evaluate (default `['test']`; `[]` for none). */
  evalSplits?: Split[];
  /** Stop at divergence (see above); `{}` uses the default factor. */
  divergence?: { factor?: number };
  /** Runtime for the optimizer state (default: the task's, else the default runtime). */
  runtime?: Runtime;
  /** Return the optimizer state instead of disposing it (the caller then owns it). */
  keepState?: boolean;
}

/** The default divergence factor: a loss above 1e8·(|L₀| + 1) counts as diverged. */
export const DIVERGENCE_FACTOR = 1e8;

/**
 * The one divergence rule, for every loop that scores runs (also f64 ones outside `train`):
 * a loss diverges when it is not finite or exceeds `factor · (|firstLoss| + 1)`.
 * @example
 * ```ts
 * import { isDiverged } from 'metaoptim/tasks';
 * console.log(isDiverged(NaN, 1), isDiverged(5e8, 1), isDiverged(2, 1)); // true true false
 * ```
 */
export function isDiverged(loss: number, firstLoss: number, factor = DIVERGENCE_FACTOR): boolean {
  return !(Number.isFinite(loss) && loss <= factor * (Math.abs(firstLoss) + 1));
}

const TRAIN_KEYS = [...LOOP_OPTION_KEYS, 'steps', 'params', 'batchOffset', 'evalEvery', 'evalSplits', 'divergence', 'runtime', 'keepState'];

export interface EvalPoint extends Evaluation {
  step: number;
  split: Split;
}

export interface TrainResult {
  task: string;
  optimizer: string;
  /** Steps run (less than asked when the run diverged). */
  steps: number;
  /** Minibatch loss L_t at θ_t before step t (length `steps`). */
  losses: Float64Array;
  /** Evaluations (step = number of updates applied so far). */
  evals: EvalPoint[];
  /** Final evaluation per split (none after a divergence). */
  final: Partial<Record<Split, Evaluation>>;
  /** Final parameters (a copy). */
  params: Float32Array;
  /** Steps the optimizer skipped (non-finite policy `skip`). */
  skipped: number;
  /** The step at which the run diverged (with `divergence`), else null. */
  divergedAt: number | null;
  /** Wall time of the loop in milliseconds (evaluations included). */
  elapsedMs: number;
  /** The live state when `keepState` was set. */
  state?: OptState;
}

/**
 * The one training loop of the library (labs build their protocol on it):
 *   θ₀ = task.init(seed);  for t = 0 … steps−1:  L_t = task.loss(θ_t, batchOffset + t, g);  optimizer.step
 * with zero copies when the task lives in WebAssembly memory (an `MlpTask`): the task reads
 * the parameters from the optimizer state's `params` view and writes the gradient straight
 * into its `grads` view, then `optimizer.step(state, undefined, { loss })` updates in place.
 * Deterministic: same task, optimizer, seed and options → bit-identical curves.
 *
 * Divergence (only when `divergence` is given): the run stops early, with `divergedAt` set,
 * when a minibatch loss or gradient is non-finite or the loss exceeds
 * `divergence.factor · (|L₀| + 1)` (`DIVERGENCE_FACTOR` = 1e8 by default). Without it, a
 * non-finite gradient is handled by the optimizer's `nonFinite` policy.
 *
 * Loop contract (core/loop.ts): async, yields every ~20 ms, `signal` rejects with ABORTED
 * (details `{ iteration, partial }`, partial = the `TrainResult` so far, without a final
 * evaluation), progress `{ label, done, total, elapsedMs, metrics: { loss } }`.
 *
 * Errors: INVALID_ARGUMENT (options), UNKNOWN_OPTION, ABORTED (the state is disposed unless
 * `keepState`), and whatever the optimizer raises (e.g. NON_FINITE_GRADIENT).
 * Defaults: `seed` 0, `evalEvery` 0 (no intermediate evaluation), `evalSplits` `['test']`,
 * `batchOffset` 0, no divergence rule.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * const run = await train(rastriginTask({ n: 4 }), adam({ lr: 0.01 }), { steps: 500, evalSplits: ['train'] });
 * console.log(run.losses[0], '→', run.final.train?.loss); // the loss falls
 * ```
 */
export async function train(task: Task, optimizer: Optimizer, opts: TrainOptions): Promise<TrainResult> {
  checkOptions('train', opts, TRAIN_KEYS);
  const steps = opts?.steps;
  if (!Number.isInteger(steps) || steps < 0) throw new MetaoptimError('INVALID_ARGUMENT', `train: steps must be a non-negative integer, got ${String(steps)}`);
  const evalEvery = opts.evalEvery ?? 0;
  if (!Number.isInteger(evalEvery) || evalEvery < 0) throw new MetaoptimError('INVALID_ARGUMENT', 'train: evalEvery must be a non-negative integer');
  const batchOffset = opts.batchOffset ?? 0;
  if (!Number.isSafeInteger(batchOffset) || batchOffset < 0) throw new MetaoptimError('INVALID_ARGUMENT', 'train: batchOffset must be a non-negative integer');
  const factor = opts.divergence ? checkNumber('train', 'divergence.factor', opts.divergence.factor ?? DIVERGENCE_FACTOR, { min: 0, minExclusive: true }) : undefined;
  const splits = opts.evalSplits ?? ['test'];
  const runtime = opts.runtime ?? (task as { runtime?: Runtime }).runtime;
  const loop = new Loop('train', opts, { label: `${optimizer.name} on ${task.name}`, total: steps });
  loop.check(0);

  const init = opts.params ?? task.init(opts.seed ?? 0);
  const state = optimizer.init(init, runtime ? { runtime } : undefined);
  const losses = new Float64Array(steps);
  const evals: EvalPoint[] = [];
  const evaluate = (step: number) => {
    for (const split of splits) evals.push({ step, split, ...task.evaluate(state.params, split) });
  };
  let done = 0;
  let divergedAt: number | null = null;
  const result = (): TrainResult => ({
    task: task.name,
    optimizer: optimizer.name,
    steps: done,
    losses: losses.slice(0, done),
    evals,
    final: {},
    params: state.params.slice(),
    skipped: state.scalars.skipped!,
    divergedAt,
    elapsedMs: loop.elapsedMs,
  });
  let ok = false;
  try {
    let first = NaN;
    while (done < steps) {
      const loss = task.loss(state.params, batchOffset + done, state.grads);
      if (factor !== undefined) {
        if (done === 0) first = loss;
        if (isDiverged(loss, first, factor) || !allFinite(state.grads)) {
          divergedAt = done;
          break;
        }
      }
      losses[done] = loss;
      optimizer.step(state, undefined, { loss });
      // Count the step before the tick, so an ABORTED partial holds exactly `iteration` losses.
      const n = ++done;
      if (evalEvery > 0 && n % evalEvery === 0 && n < steps) evaluate(n);
      await loop.tick(n, result, () => ({ loss }));
    }
    const r = result();
    if (divergedAt === null) {
      evaluate(steps);
      for (const e of evals) if (e.step === steps) r.final[e.split] = { loss: e.loss, ...(e.accuracy !== undefined ? { accuracy: e.accuracy } : {}) };
    }
    r.elapsedMs = loop.elapsedMs;
    loop.finish(done, { loss: done > 0 ? losses[done - 1]! : NaN });
    if (opts.keepState) r.state = state;
    ok = true;
    return r;
  } finally {
    if (!(ok && opts.keepState)) state.dispose();
  }
}

function allFinite(g: Float32Array): boolean {
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) return false;
  return true;
}
