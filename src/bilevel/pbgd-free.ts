import { checkNumber } from '../core/errors.js';
import type { BilevelProblem } from './problem.js';
import { type BilevelResult, type SolveOptions, checkSolveOptions, positive, runSolver } from './run.js';

export interface PbgdFreeOptions extends SolveOptions {
  /** Constant penalty γ > 0 (default 10). Larger γ ⇒ smaller flatness bias, slower y tracking. */
  gamma?: number;
  /** Upper step size η for x (default 0.1). */
  eta?: number;
  /** Lower step size η_γ for y (default 0.1); stable when η_γ ≤ 1/(L_g + L_f/γ). */
  etaY?: number;
  /** Inner steps K per outer iteration (default 1: fully single loop). */
  inner?: number;
}

const PBGD_FREE_KEYS = ['gamma', 'eta', 'etaY', 'inner'];

/**
 * PBGD-Free (value-function-free penalty method; Jiang, Xiao, Chen & Chen, arXiv 2507.20400,
 * Algorithm 1; SPEC A.2.4):
 *
 *   for t = 0 … T−1:
 *     y ← y_{t−1}                                                  (warm start)
 *     repeat K times:  y ← y − η_γ·(γ⁻¹∇_y f(x_t, y) + ∇_y g(x_t, y))
 *     x_{t+1} = Proj_X(x_t − η·∇ₓf(x_t, y_t))
 *
 * There is no y*(x) estimate and no auxiliary z: the penalty's value-function term
 * γ(∇ₓg(x, y_γ) − ∇ₓg(x, y*)) is dropped. Its fixed points are the points with
 * y = y_γ(x) = argmin_y γ⁻¹f + g and ∇ₓf(x, y_γ(x)) = 0 (projected): exact when the upper
 * objective is flat at the LL solution (∇_y f(x, y*(x)) = 0 ⇒ y_γ = y*), biased otherwise.
 *
 * Gradient evaluations per iteration: 2K + 1 (∇_y f, ∇_y g per inner step; ∇ₓf once).
 * The y step is the fused kernel `penalty_y_step_f32` with (ca, cb, η) = (1/γ, 1, η_γ); the x
 * step is `step_box_f32` (projection fused).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { flatQuadratic1d, pbgdFree } from 'metaoptim/bilevel';
 * await ready();
 * const p = flatQuadratic1d(); // g = ½(y − x)², f = ½(x − 1)² + ½(y − x)²
 * const r = await pbgdFree(p, { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
 * console.log(r.x[0]!.toFixed(4), r.counts.total); // 1.0000 9000
 * ```
 */
export async function pbgdFree(problem: BilevelProblem, opts: PbgdFreeOptions): Promise<BilevelResult> {
  const m = 'pbgd-free';
  checkSolveOptions('pbgdFree', opts, PBGD_FREE_KEYS);
  const gamma = positive(m, 'gamma', opts.gamma ?? 10);
  const eta = checkNumber(m, 'eta', opts.eta ?? 0.1, { min: 0 });
  const etaY = checkNumber(m, 'etaY', opts.etaY ?? 0.1, { min: 0 });
  const K = checkNumber(m, 'inner', opts.inner ?? 1, { min: 1 });
  return await runSolver(m, problem, opts, { gamma, eta, etaY, inner: K }, (ctx) => {
    const { k, oracles, x, y } = ctx;
    const fx = ctx.vec(problem.dimX);
    const fy = ctx.vec(problem.dimY);
    const gy = ctx.vec(problem.dimY);
    const ny = problem.dimY;
    const invGamma = 1 / gamma;
    return {
      step() {
        for (let i = 0; i < K; i++) {
          oracles.f(x.view, y.view, null, fy.view);
          oracles.g(x.view, y.view, null, gy.view);
          k.penalty_y_step_f32(y.ptr, fy.ptr, gy.ptr, ny, invGamma, 1, etaY);
        }
        oracles.f(x.view, y.view, fx.view, null);
        ctx.stepX(fx, eta);
      },
    };
  });
}
