import type { TruncatedUnroll } from './unroll.js';

/**
 * The one interface of the truncated gradient estimators (learned_optimization
 * `outer_trainers/gradient_learner.py` in spirit), one estimator per file: `es.ts`
 * (antithetic truncated ES) and `pes.ts` (persistent ES). The meta-trainer and the workers see
 * only this interface; estimators are named in jobs and checkpoints (`'es'`, `'pes'`) and looked
 * up in `GRADIENT_ESTIMATORS` (particle.ts), so no caller switches on the kind.
 *
 * A particle P is plain structured-cloneable data (it crosses worker_threads and goes into
 * checkpoints). For one truncation with perturbation ε ~ N(0, σ²I) (drawn by the caller):
 *   step(u, θ, P, ε, σ, K) → { grad: ĝ (f64, length |θ|), loss: (L⁺ + L⁻)/2, next: P', done }
 * `done` is true when an inner run of the particle reached its length (the caller restarts it).
 */
export interface GradientEstimator<P = unknown> {
  /** The name recorded in jobs and checkpoints. */
  readonly name: EstimatorName;
  /** A particle whose inner run(s) start from `state` (a fresh run, or one advanced by the stagger offset). */
  particle(state: unknown, thetaSize: number): P;
  /** The inner state of the particle's run (the one a stagger offset advances). */
  innerState(p: P): unknown;
  /** One truncation: the gradient estimate, the mean loss and the next particle. */
  step(u: TruncatedUnroll<unknown>, theta: Float32Array, p: P, eps: Float64Array, sigma: number, K: number): EstimatorStep<P>;
}

export type EstimatorName = 'es' | 'pes';

export interface EstimatorStep<P> {
  grad: Float64Array;
  loss: number;
  next: P;
  done: boolean;
}

/** θ ± ε rounded to f32. */
export function perturb(theta: Float32Array, eps: Float64Array, sign: 1 | -1): Float32Array {
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i]! + sign * eps[i]!;
  return out;
}
