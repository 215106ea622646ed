import type { NonFinitePolicy, Optimizer } from '../optim/types.js';

/**
 * The learned_optimization roles: a learned optimizer is a family of optimizers indexed by
 * meta-parameters θ that live OUTSIDE the optimizer. `init(seed)` draws θ; `optimizer(θ)`
 * returns an ordinary `Optimizer` (init/step/save/restore, non-finite policy, checkpoints).
 */
export interface LearnedOptimizer<O extends LearnedOptimizerOptions = LearnedOptimizerOptions> {
  readonly name: string;
  /** Number of meta-parameters. */
  readonly thetaSize: number;
  /** Fresh meta-parameters, deterministic given `seed`. */
  init(seed: number): Float32Array;
  /** The optimizer with these meta-parameters (θ is copied; later changes to it have no effect). */
  optimizer(theta: Float32Array, opts?: O): Optimizer;
}

export interface LearnedOptimizerOptions {
  nonFinite?: NonFinitePolicy;
}
