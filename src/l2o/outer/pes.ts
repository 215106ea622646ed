import { type GradientEstimator, perturb } from './estimator.js';

/**
 * Persistent evolution strategies (Vicol, Metz & Sohl-Dickstein 2021; learned_optimization
 * `truncated_pes.py`; SPEC B.2), one antithetic particle:
 *   ε ~ N(0, σ²I) per truncation;  ξ ← ξ + ε   (accumulated since the inner run began)
 *   L± = mean loss of the K-step truncation with θ ± ε, each from its OWN inner state
 *   ĝ_i = ξ·(L⁺ − L⁻)/(2σ²)
 * ξ and both states reset when the inner run ends. Unbiased for the gradient of the
 * truncation loss through the whole run so far (θ is shared by all truncations).
 */
export interface PesParticle<S = unknown> {
  pos: S;
  neg: S;
  xi: Float64Array;
}

export const truncatedPes: GradientEstimator<PesParticle> = {
  name: 'pes',
  particle: (state, thetaSize) => ({ pos: state, neg: state, xi: new Float64Array(thetaSize) }),
  innerState: (p) => p.pos,
  step(u, theta, p, eps, sigma, K) {
    const xi = p.xi.map((v, i) => v + eps[i]!);
    const pos = u.unroll(perturb(theta, eps, 1), p.pos, K);
    const neg = u.unroll(perturb(theta, eps, -1), p.neg, K);
    const coef = (pos.loss - neg.loss) / (2 * sigma * sigma);
    const grad = xi.map((v) => v * coef);
    return { grad, loss: 0.5 * (pos.loss + neg.loss), next: { pos: pos.state, neg: neg.state, xi }, done: pos.done || neg.done };
  },
};
