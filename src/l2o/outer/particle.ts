import { Rng } from '../../core/rng.js';
import { type EsParticle, esStart, esStep } from './es.js';
import { type PesParticle, pesStart, pesStep } from './pes.js';
import type { TruncatedUnroll } from './unroll.js';

/**
 * One particle's work for one meta-iteration, as a pure function of (θ, particle state,
 * seed, iteration, index): the same job gives the same bits in any thread, which is what
 * makes meta-training independent of the worker count.
 *   ε = σ·N(0, I) from Rng(seed, 1, iteration, index)
 *   restart seed after a finished inner run: Rng(seed, 2, iteration + 1, index).u32()
 */
export type Estimator = 'es' | 'pes';
export type Particle = EsParticle<unknown> | PesParticle<unknown>;

export interface ParticleJob {
  index: number;
  kind: Estimator;
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
export function startParticle(u: TruncatedUnroll<unknown>, kind: Estimator, seed: number, iteration: number, index: number, stagger?: { theta: Float32Array; steps: number }): Particle {
  const s = startSeed(seed, iteration, index);
  const p = kind === 'es' ? esStart(u, s) : pesStart(u, s, u.thetaSize);
  if (!stagger || stagger.steps <= 0) return p;
  const k = Math.floor(new Rng(seed, 4, index).uniform() * (stagger.steps + 1));
  if (k === 0) return p;
  const r = u.unroll(stagger.theta, kind === 'es' ? (p as EsParticle<unknown>).state : (p as PesParticle<unknown>).pos, k);
  if (r.done) return p;
  return kind === 'es' ? { state: r.state } : { pos: r.state, neg: r.state, xi: new Float64Array(u.thetaSize) };
}

export function runParticle(u: TruncatedUnroll<unknown>, theta: Float32Array, job: ParticleJob): ParticleResult {
  const rng = new Rng(job.seed, 1, job.iteration, job.index);
  const eps = new Float64Array(theta.length);
  for (let i = 0; i < eps.length; i++) eps[i] = job.sigma * rng.normal();
  const r = job.kind === 'es'
    ? esStep(u, theta, job.particle as EsParticle<unknown>, eps, job.sigma, job.K)
    : pesStep(u, theta, job.particle as PesParticle<unknown>, eps, job.sigma, job.K);
  const next = r.done ? startParticle(u, job.kind, job.seed, job.iteration + 1, job.index) : r.next;
  return { index: job.index, grad: r.grad, loss: r.loss, next, restarted: r.done };
}
