import { MetaoptimError } from '../errors.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Evaluation, Split, Task } from './types.js';

/**
 * The training loop every lab reuses:
 *   θ₀ = task.init(seed);  for t = 0 … steps−1:  L_t = task.loss(θ_t, batchOffset + t, g);  optimizer.step
 * with zero copies when the task lives in WebAssembly memory (an `MlpTask`): the task reads
 * the parameters from the optimizer state's `params` view and writes the gradient straight
 * into its `grads` view, then `optimizer.step(state, undefined, { loss })` updates in place.
 * Deterministic: same task, optimizer, seed and options → bit-identical curves.
 *
 * Errors: INVALID_ARGUMENT (options), ABORTED (the signal fired; the state is disposed unless
 * `keepState`), and whatever the optimizer raises (e.g. NON_FINITE_GRADIENT).
 */
export interface TrainOptions {
  steps: number;
  /** Initialization seed (default 0). */
  seed?: number;
  /** Start from these parameters instead of `task.init(seed)`. */
  params?: ArrayLike<number>;
  /** Index of the first minibatch (default 0): step t uses batch `batchOffset + t`. */
  batchOffset?: number;
  /** Evaluate every this many steps (and always after the last); 0 = only at the end (default 0). */
  evalEvery?: number;
  /** Splits to evaluate (default `['test']`). */
  evalSplits?: Split[];
  /** Called every `progressEvery` steps (default: about 100 times per run) and at the end. */
  onProgress?: (p: TrainProgress) => void;
  progressEvery?: number;
  signal?: AbortSignal;
  /** Runtime for the optimizer state (default: the task's, else the default runtime). */
  runtime?: Runtime;
  /** Return the optimizer state instead of disposing it (the caller then owns it). */
  keepState?: boolean;
}

export interface TrainProgress {
  label: string;
  done: number;
  total: number;
  loss: number;
}

export interface EvalPoint extends Evaluation {
  step: number;
  split: Split;
}

export interface TrainResult {
  task: string;
  optimizer: string;
  steps: number;
  /** Minibatch loss L_t at θ_t before step t (length `steps`). */
  losses: Float64Array;
  /** Evaluations (step = number of updates applied so far). */
  evals: EvalPoint[];
  /** Final evaluation per split. */
  final: Partial<Record<Split, Evaluation>>;
  /** Final parameters (a copy). */
  params: Float32Array;
  /** Steps the optimizer skipped (non-finite policy `skip`). */
  skipped: number;
  /** Wall time of the loop in milliseconds (evaluations included). */
  ms: number;
  /** The live state when `keepState` was set. */
  state?: OptState;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function train(task: Task, optimizer: Optimizer, opts: TrainOptions): Promise<TrainResult> {
  const steps = opts?.steps;
  if (!Number.isInteger(steps) || steps < 0) throw new MetaoptimError('INVALID_ARGUMENT', `train: steps must be a non-negative integer, got ${String(steps)}`);
  const evalEvery = opts.evalEvery ?? 0;
  if (!Number.isInteger(evalEvery) || evalEvery < 0) throw new MetaoptimError('INVALID_ARGUMENT', 'train: evalEvery must be a non-negative integer');
  const batchOffset = opts.batchOffset ?? 0;
  if (!Number.isSafeInteger(batchOffset) || batchOffset < 0) throw new MetaoptimError('INVALID_ARGUMENT', 'train: batchOffset must be a non-negative integer');
  const splits = opts.evalSplits ?? ['test'];
  const progressEvery = opts.progressEvery ?? Math.max(1, Math.ceil(steps / 100));
  const runtime = opts.runtime ?? (task as { runtime?: Runtime }).runtime;
  const label = `${optimizer.name} on ${task.name}`;
  const signal = opts.signal;
  const aborted = () => new MetaoptimError('ABORTED', `train: ${label} aborted after ${done} steps`);
  let done = 0;
  if (signal?.aborted) throw aborted();

  const init = opts.params ?? task.init(opts.seed ?? 0);
  const state = optimizer.init(init, runtime ? { runtime } : undefined);
  const losses = new Float64Array(steps);
  const evals: EvalPoint[] = [];
  const evaluate = (step: number) => {
    for (const split of splits) evals.push({ step, split, ...task.evaluate(state.params, split) });
  };
  const t0 = performance.now();
  let lastYield = t0;
  let ok = false;
  try {
    for (; done < steps; done++) {
      const loss = task.loss(state.params, batchOffset + done, state.grads);
      losses[done] = loss;
      optimizer.step(state, undefined, { loss });
      const n = done + 1;
      if (evalEvery > 0 && n % evalEvery === 0 && n < steps) evaluate(n);
      if (opts.onProgress && (n % progressEvery === 0 || n === steps)) opts.onProgress({ label, done: n, total: steps, loss });
      if (signal && performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
        if (signal.aborted) throw aborted();
      }
    }
    evaluate(steps);
    const final: Partial<Record<Split, Evaluation>> = {};
    for (const e of evals) if (e.step === steps) final[e.split] = { loss: e.loss, ...(e.accuracy !== undefined ? { accuracy: e.accuracy } : {}) };
    const result: TrainResult = {
      task: task.name,
      optimizer: optimizer.name,
      steps,
      losses,
      evals,
      final,
      params: state.params.slice(),
      skipped: state.scalars.skipped!,
      ms: performance.now() - t0,
    };
    if (opts.keepState) result.state = state;
    ok = true;
    return result;
  } finally {
    if (!(ok && opts.keepState)) state.dispose();
  }
}
