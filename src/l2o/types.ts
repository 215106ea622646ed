import { MetaoptimError } from '../core/errors.js';
import type { NonFinitePolicy, Optimizer } from '../optim/types.js';

/**
 * Rejects meta-parameters θ with a NaN/±Inf entry (INVALID_HYPERPARAMETER with the index):
 * such a θ turns every parameter it touches into NaN on the first step.
 */
export function checkThetaFinite(name: string, theta: Float32Array): void {
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) {
      throw new MetaoptimError('INVALID_HYPERPARAMETER', `${name}: θ[${i}] is ${theta[i]}; meta-parameters must be finite`, { name: 'theta', index: i, value: theta[i] });
    }
  }
}

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

/** FNV-1a (32-bit) of θ's bytes as 8 hex digits: recorded in checkpoints as `thetaHash` (provenance only). */
export function thetaHash(theta: Float32Array): string {
  const b = new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
