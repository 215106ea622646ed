import { type GradientEstimator, perturb } from './estimator.js';

/**
 * Antithetic truncated ES (learned_optimization `truncated_es.py`; SPEC B.2), one particle:
 *   ε ~ N(0, σ²I);  L± = mean loss of a K-step truncation run with θ ± ε from the particle's state
 *   ĝ_i = ε·(L⁺ − L⁻)/(2σ²)
 * Both unrolls start from the same state; the particle continues from the θ + ε trajectory
 * (design decision [derived]: it saves a third, unperturbed unroll). Biased for K < run length
 * (it ignores how θ shaped the state), which is what PES fixes.
 */
export interface EsParticle<S = unknown> {
  state: S;
}

export const truncatedEs: GradientEstimator<EsParticle> = {
  name: 'es',
  particle: (state) => ({ state }),
  innerState: (p) => p.state,
  step(u, theta, p, eps, sigma, K) {
    const pos = u.unroll(perturb(theta, eps, 1), p.state, K);
    const neg = u.unroll(perturb(theta, eps, -1), p.state, K);
    const coef = (pos.loss - neg.loss) / (2 * sigma * sigma);
    const grad = eps.map((e) => e * coef);
    return { grad, loss: 0.5 * (pos.loss + neg.loss), next: { state: pos.state }, done: pos.done || neg.done };
  },
};
