import { symmetricEigen } from '../core/linalg.js';

// The trust-region subproblem of the surrogate proposer's local quadratic model (surrogate.ts),
// on the core f64 linear algebra (Jacobi eigen-decomposition).

/**
 * Trust-region step for the model gᵀs + ½sᵀHs with ‖s‖ ≤ radius (Moré–Sorensen in the
 * eigenbasis of H): the Newton step −H⁻¹g when H is positive definite and the step fits,
 * else s(μ) = −(H + μI)⁻¹g on the boundary with μ > max(0, −λmin) found by bisection; in the
 * hard case (g orthogonal to the lowest eigenvector) the step is completed along it.
 */
export function trustRegionStep(g: Float64Array, h: Float64Array, d: number, radius: number): { step: Float64Array; newton: boolean } {
  const { values, vectors } = symmetricEigen(h, d);
  const gq = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += vectors[k * d + i]! * g[k]!;
    gq[i] = s;
  }
  const lmin = values[d - 1]!;
  const scale = Math.max(1e-12, Math.abs(values[0]!));
  const norm = (mu: number) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += (gq[i]! / (values[i]! + mu)) ** 2;
    return Math.sqrt(s);
  };
  const build = (mu: number, extra = 0) => {
    const step = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const c = -gq[i]! / (values[i]! + mu) + (i === d - 1 ? extra : 0);
      for (let k = 0; k < d; k++) step[k] = step[k]! + c * vectors[k * d + i]!;
    }
    return step;
  };
  if (lmin > 1e-9 * scale && norm(0) <= radius) return { step: build(0), newton: true };
  let lo = Math.max(0, -lmin) + 1e-12 * scale;
  if (norm(lo) < radius) {
    // Hard case: move along the lowest-curvature eigenvector to the boundary.
    const inner = build(lo);
    let ss = 0;
    for (let k = 0; k < d; k++) ss += inner[k]! ** 2;
    const extra = Math.sqrt(Math.max(0, radius * radius - ss));
    const gqMin = gq[d - 1]!;
    return { step: build(lo, gqMin > 0 ? -extra : extra), newton: false };
  }
  let hi = lo + 1;
  while (norm(hi) > radius && hi < 1e300) hi *= 2;
  for (let it = 0; it < 200 && hi - lo > 1e-14 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (norm(mid) > radius) lo = mid;
    else hi = mid;
  }
  return { step: build(hi), newton: false };
}
