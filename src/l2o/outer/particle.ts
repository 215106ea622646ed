import { MetaoptimError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { type EsParticle, truncatedEs } from './es.js';
import type { EstimatorName, GradientEstimator } from './estimator.js';
import { type PesParticle, truncatedPes } from './pes.js';
import type { TruncatedUnroll } from './unroll.js';

/**
 * One particle's work for one meta-iteration, as a pure function of (θ, particle state,
 * seed, iteration, index): the same job gives the same bits in any thread, which is what
 * makes meta-training independent of the worker count.
 *   ε = σ·N(0, I) from Rng(seed, 1, iteration, index)
 *   restart seed after a finished inner run: Rng(seed, 2, iteration + 1, index).u32()
 * The estimator is named in the job and looked up here (`gradientEstimator`).
 */
export type Particle = EsParticle | PesParticle;

/** The estimators by name (the names jobs and checkpoints carry). */
export const GRADIENT_ESTIMATORS: Readonly<Record<EstimatorName, GradientEstimator<any>>> = { es: truncatedEs, pes: truncatedPes };

/**
 * The estimator called `name`. Errors: `INVALID_ARGUMENT` for an unknown name.
 * @example
 * ```ts
 * import { gradientEstimator } from 'metaoptim/l2o';
 * console.log(gradientEstimator('pes').name); // pes
 * ```
 */
export function gradientEstimator(name: string): GradientEstimator<Particle> {
  const e = Object.hasOwn(GRADIENT_ESTIMATORS, name) ? GRADIENT_ESTIMATORS[name as EstimatorName] : undefined;
  if (!e) throw new MetaoptimError('INVALID_ARGUMENT', `unknown gradient estimator '${name}' (known: ${Object.keys(GRADIENT_ESTIMATORS).join(', ')})`);
  return e;
}

export interface ParticleJob {
  index: number;
  estimator: EstimatorName;
  particle: Particle;
  seed: number;
  iteration: number;
  sigma: number;
  K: number;
}

export interface ParticleResult {
  index: number;
  grad: Float64Array;
  loss: number;
  next: Particle;
  restarted: boolean;
}

/** Stagger of the first inner runs: advance by U{0…steps} steps with θ₀ (see `startParticle`). */
export interface Stagger {
  theta: Float32Array;
  steps: number;
}

export function startSeed(seed: number, iteration: number, index: number): number {
  return new Rng(seed, 2, iteration, index).u32();
}

/**
 * A particle's first inner run, optionally staggered: with `stagger` = (θ₀, S) the run is first
 * advanced by ⌊u·(S + 1)⌋ steps with the unperturbed θ₀, u ~ U[0, 1) from Rng(seed, 4, index)
 * (learned_optimization's random initial offsets), so particles do not all sit at the same point
 * of their runs; ξ starts at 0 after the offset. A run that ends during the offset is restarted
 * unstaggered.
 */
export function startParticle(u: TruncatedUnroll<unknown>, estimator: EstimatorName, seed: number, iteration: number, index: number, stagger?: Stagger): Particle {
  const est = gradientEstimator(estimator);
  const p = est.particle(u.start(startSeed(seed, iteration, index)), u.thetaSize);
  if (!stagger || stagger.steps <= 0) return p;
  const k = Math.floor(new Rng(seed, 4, index).uniform() * (stagger.steps + 1));
  if (k === 0) return p;
  const r = u.unroll(stagger.theta, est.innerState(p), k);
  return r.done ? p : est.particle(r.state, u.thetaSize);
}

/** Runs one job: ε from (seed, iteration, index), one estimator step, a restart if the run ended. */
export function runParticle(u: TruncatedUnroll<unknown>, theta: Float32Array, job: ParticleJob): ParticleResult {
  const rng = new Rng(job.seed, 1, job.iteration, job.index);
  const eps = new Float64Array(theta.length);
  for (let i = 0; i < eps.length; i++) eps[i] = job.sigma * rng.normal();
  const r = gradientEstimator(job.estimator).step(u, theta, job.particle, eps, job.sigma, job.K);
  const next = r.done ? startParticle(u, job.estimator, job.seed, job.iteration + 1, job.index) : r.next;
  return { index: job.index, grad: r.grad, loss: r.loss, next, restarted: r.done };
}
