import { checkNumber } from '../core/errors.js';
import type { BilevelProblem } from './problem.js';
import { type BilevelResult, type SolveOptions, checkSolveOptions, positive, runSolver } from './run.js';

export interface PbgdOptions extends SolveOptions {
  /** Final penalty γ_max > 0 (default 10). */
  gammaMax?: number;
  /** Penalty at iteration 0 (default 0, as in the released code). */
  gammaInit?: number;
  /** Iterations of the linear ramp γ_init → γ_max (default 0: γ_max from the start). */
  rampSteps?: number;
  /** x step size α_x (default 0.1). */
  lrX?: number;
  /** y step size α_y (default 0.1). */
  lrY?: number;
  /** Step of the inner GD on g(x, ·) that tracks y*(x) (default 0.1). */
  lrInner?: number;
  /** Inner steps T_in per outer iteration (default 1), warm-started. */
  inner?: number;
  /**
   * Multiply both steps by s = min(1/γ, 1) (default true). This is the loss scaling of the
   * released V-PBGD code (it steps on s·(f + γ(g − v)), i.e. on (f + γ(g − v))/γ once γ ≥ 1),
   * which keeps the y step stable as γ grows; false steps on the unscaled penalty.
   */
  scaleLoss?: boolean;
}

const PBGD_KEYS = ['gammaMax', 'gammaInit', 'rampSteps', 'lrX', 'lrY', 'lrInner', 'inner', 'scaleLoss'];

/**
 * PBGD / V-PBGD (Shen & Chen, ICML 2023, arXiv 2302.05185; SPEC A.2.2): gradient descent on
 * the value-function penalty f + γ(g − v) with an inner loop for v:
 *
 *   γ_t = γ_init + (γ_max − γ_init)·min(t / rampSteps, 1),   s = min(1/γ_t, 1)
 *   repeat T_in times:  z ← z − α_in·∇_y g(x, z)                        (z ≈ y*(x), warm start)
 *   x ← Proj_X(x − α_x·s·[∇ₓf(x,y) + γ_t(∇ₓg(x,y) − ∇ₓg(x,z))])
 *   y ← y − α_y·s·[∇_y f(x,y) + γ_t∇_y g(x,y)]                        (both at the old (x, y))
 *
 * Fixed points (constant γ): z = y*(x), y = y_γ(x) = argmin γ⁻¹f + g, and x stationary for
 * f(x, y_γ(x)) + γ(g(x, y_γ(x)) − v(x)) — they approach the bilevel solution as γ → ∞.
 * Gradient evaluations per iteration: T_in + 5 (∇_y g at z per inner step; ∇ₓf, ∇_y f,
 * ∇ₓg, ∇_y g at (x, y); ∇ₓg at (x, z)).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { flatQuadratic1d, pbgd } from 'metaoptim/bilevel';
 * await ready();
 * const r = await pbgd(flatQuadratic1d(), { iterations: 3000, gammaMax: 10, lrX: 0.1, lrY: 0.1 });
 * console.log(r.x[0]!.toFixed(4)); // 1.0000
 * ```
 */
export async function pbgd(problem: BilevelProblem, opts: PbgdOptions): Promise<BilevelResult> {
  const m = 'pbgd';
  checkSolveOptions('pbgd', opts, PBGD_KEYS);
  const gammaMax = positive(m, 'gammaMax', opts.gammaMax ?? 10);
  const gammaInit = checkNumber(m, 'gammaInit', opts.gammaInit ?? 0, { min: 0 });
  const ramp = checkNumber(m, 'rampSteps', opts.rampSteps ?? 0, { min: 0 });
  const lrX = checkNumber(m, 'lrX', opts.lrX ?? 0.1, { min: 0 });
  const lrY = checkNumber(m, 'lrY', opts.lrY ?? 0.1, { min: 0 });
  const lrInner = checkNumber(m, 'lrInner', opts.lrInner ?? 0.1, { min: 0 });
  const T_in = checkNumber(m, 'inner', opts.inner ?? 1, { min: 1 });
  const scaleLoss = opts.scaleLoss ?? true;
  const hp = { gammaMax, gammaInit, rampSteps: ramp, lrX, lrY, lrInner, inner: T_in, scaleLoss: scaleLoss ? 'min(1/γ,1)' : 'none' };
  return await runSolver(m, problem, opts, hp, (ctx, start) => {
    const { k, oracles, x, y } = ctx;
    const nx = problem.dimX, ny = problem.dimY;
    const z = ctx.vec(ny);
    z.view.set(start.y0);
    const fx = ctx.vec(nx), fy = ctx.vec(ny), gxy = ctx.vec(nx), gyy = ctx.vec(ny), gxz = ctx.vec(nx), gz = ctx.vec(ny);
    return {
      step(t) {
        const gamma = ramp > 0 ? gammaInit + (gammaMax - gammaInit) * Math.min(t / ramp, 1) : gammaMax;
        const s = scaleLoss ? Math.min(1 / gamma, 1) : 1;
        for (let i = 0; i < T_in; i++) {
          oracles.g(x.view, z.view, null, gz.view);
          k.step_box_f32(z.ptr, gz.ptr, ny, lrInner, -Infinity, Infinity);
        }
        oracles.f(x.view, y.view, fx.view, fy.view);
        oracles.g(x.view, y.view, gxy.view, gyy.view);
        oracles.g(x.view, z.view, gxz.view, null);
        ctx.penaltyX(fx, gxy, gxz, gamma, lrX * s);
        k.penalty_y_step_f32(y.ptr, fy.ptr, gyy.ptr, ny, 1, gamma, lrY * s);
      },
      aux: () => z.view.slice(),
    };
  });
}
