import type { TruncatedUnroll } from './unroll.js';

/**
 * Antithetic truncated ES (learned_optimization `truncated_es.py`; SPEC B.2), one particle:
 *   ε ~ N(0, σ²I);  L± = mean loss of a K-step truncation run with θ ± ε from the particle's state
 *   ĝ_i = ε·(L⁺ − L⁻)/(2σ²)
 * Both unrolls start from the same state; the particle continues from the θ + ε trajectory
 * (design decision [derived]: it saves a third, unperturbed unroll). Biased for K < run length
 * (it ignores how θ shaped the state), which is what PES fixes.
 */
export interface EsParticle<S> {
  state: S;
}

export function esStep<S>(u: TruncatedUnroll<S>, theta: Float32Array, p: EsParticle<S>, eps: Float64Array, sigma: number, K: number) {
  const pos = u.unroll(perturb(theta, eps, 1), p.state, K);
  const neg = u.unroll(perturb(theta, eps, -1), p.state, K);
  const coef = (pos.loss - neg.loss) / (2 * sigma * sigma);
  const grad = eps.map((e) => e * coef);
  return { grad, loss: 0.5 * (pos.loss + neg.loss), next: { state: pos.state } as EsParticle<S>, done: pos.done || neg.done };
}

export function esStart<S>(u: TruncatedUnroll<S>, seed: number): EsParticle<S> {
  return { state: u.start(seed) };
}

/** θ ± ε rounded to f32. */
export function perturb(theta: Float32Array, eps: Float64Array, sign: 1 | -1): Float32Array {
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i]! + sign * eps[i]!;
  return out;
}
