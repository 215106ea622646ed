import type { Runtime } from '../runtime/runtime.js';
import type { OptState } from './state.js';

/** A learning-rate (or any hyper-parameter) schedule: step count (0-based) → value. */
export type Schedule = (count: number) => number;

/** What to do when a gradient holds NaN or ±Inf. */
export type NonFinitePolicy = 'throw' | 'skip' | 'zero';

/** Per-step information some optimizers need (Eve: the minibatch loss at the current params). */
export interface StepInfo {
  loss?: number;
}

/** Where a state lives; by default the runtime made by `ready()`. */
export interface InitOptions {
  runtime?: Runtime;
}

/**
 * Options of `restore`. `hyperparams` says what to do when the checkpoint was saved with other
 * hyper-parameters (or another θ) than the optimizer's — by default that is BAD_CHECKPOINT:
 * - `'optimizer'`: restore the saved numbers into THIS optimizer; the state continues with
 *   this optimizer's hyper-parameters (a deliberate change, e.g. a new learning rate). The
 *   kind and the layout (buffers, scalars) must still match.
 * - `'checkpoint'`: the state keeps the checkpoint's hyper-parameters: it is restored into an
 *   optimizer of the same kind re-made from them (get it with `optimizerOf(state)` and step
 *   with it). BAD_CHECKPOINT (reason "not representable") when they cannot be re-made from the
 *   file: schedules and other functions, learned θ and DCO θ (only their hash is stored).
 * Without a mismatch both choices restore into this optimizer.
 */
export interface RestoreOptions extends InitOptions {
  hyperparams?: 'checkpoint' | 'optimizer';
}

/** Gradients accepted by `step`: any array-like of numbers of the parameters' length. */
export type GradientInput = Float32Array | Float64Array | ArrayLike<number>;

/**
 * An optimizer: a pair `init` / `step` over a state that lives in WebAssembly memory.
 * Hand-made, learned and DCO optimizers all implement this interface.
 */
export interface Optimizer {
  /** Stable name, recorded in checkpoints (`adam`, `eve`, `chain(scaleByAdam,…)`, …). */
  readonly name: string;
  /** The hyper-parameters after defaults were applied (schedules appear as functions). */
  readonly hyperparams: Readonly<Record<string, unknown>>;
  /** Copies `params` into a new state owned by the caller (call `state.dispose()`). */
  init(params: GradientInput, opts?: InitOptions): OptState;
  /**
   * One in-place update. `grads` is copied into `state.grads` unless it is omitted (then
   * `state.grads` is used as written: the zero-copy path). Returns false when the step
   * was skipped by the non-finite policy `'skip'`.
   */
  step(state: OptState, grads?: GradientInput, info?: StepInfo): boolean;
  /**
   * A new state from `state.save()` bytes (any ArrayBufferView, a Node Buffer included),
   * bit-exact. Checks, each failure BAD_CHECKPOINT with details `{ field, reason }`: the
   * container (magic, version 1 or 2, CRC-32, header, lengths, no duplicate names), the kind,
   * the hyper-parameters (see `RestoreOptions`), exactly this optimizer's buffers and scalars
   * with `size` entries each, `count`/`skipped` non-negative integers, every other scalar
   * within its rule (Eve's d within its range), every buffer finite, second moments ≥ 0.
   */
  restore(bytes: ArrayBufferView, opts?: RestoreOptions): OptState;
}
