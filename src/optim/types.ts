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
  /** A new state from `state.save()` bytes, bit-exact. */
  restore(bytes: ArrayBufferView, opts?: InitOptions): OptState;
}
