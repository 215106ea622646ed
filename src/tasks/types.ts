// The task roles of learned_optimization, over flat Float32Array parameters:
// a `Task` is one training problem, a `TaskFamily` samples configurations and builds tasks.
// Minibatches are addressed by an integer index into the task's seeded stream, so the
// same (task, batch index) always means the same data: antithetic ES pairs, restart
// scoring and reproducible runs rely on this.

/** Which fixed split an evaluation uses. */
export type Split = 'train' | 'test';

export interface Evaluation {
  loss: number;
  /** Classification accuracy in [0, 1], where the task has one. */
  accuracy?: number;
}

export interface Task {
  readonly name: string;
  /** Number of parameters (length of the flat parameter vector). */
  readonly size: number;
  /** Fresh initial parameters, deterministic given `seed`. */
  init(seed: number): Float32Array;
  /**
   * Loss on minibatch `batch` of the task's stream at `params`; when `grad` is given, the
   * gradient is written into it (caller-owned, e.g. an optimizer state's `grads` view).
   */
  loss(params: Float32Array, batch: number, grad?: Float32Array): number;
  /** Loss (and accuracy) over a whole fixed split. */
  evaluate(params: Float32Array, split?: Split): Evaluation;
  /** Hessian-vector product H(params)·v into `out`, where the task provides it (least squares does). */
  hvp?(params: Float32Array, v: Float32Array, out: Float32Array, batch: number): void;
  /** Frees WebAssembly memory held by the task, if any; idempotent. */
  dispose?(): void;
}

export interface TaskFamily<C = unknown> {
  readonly name: string;
  /** A configuration, deterministic given `seed`. */
  sample(seed: number): C;
  task(config: C): Task;
}
