import { MetaoptimError, checkNumber } from '../core/errors.js';
import type { BilevelProblem } from './problem.js';
import { type BilevelResult, type SolveOptions, checkSolveOptions, positive, runSolver } from './run.js';

export interface F2saOptions extends SolveOptions {
  /** Initial multiplier λ_0 > 0 (default 1, benchopt). */
  lambda0?: number;
  /** Increment δ of λ per outer step (default 0.1, benchopt). */
  lambdaStep?: number;
  /** Cap on λ (default 10); λ_k = min(λ_0 + δ·k, λ_max). */
  lambdaMax?: number;
  /** Base y step α (default 0.1); the step used is α_k = α/λ_k (see below). */
  alpha?: number;
  /** z step β (default 0.1). */
  beta?: number;
  /** x step ξ (default 0.1). */
  xi?: number;
  /** Inner (y, z) steps T_in per outer step (default 1; benchopt uses 10). */
  inner?: number;
  /** Step-size decay: 'none' (default, deterministic problems) or 'sqrt' (all steps ∝ 1/√(k+1), benchopt). */
  decay?: 'none' | 'sqrt';
}

const F2SA_KEYS = ['lambda0', 'lambdaStep', 'lambdaMax', 'alpha', 'beta', 'xi', 'inner', 'decay'];

/**
 * F2SA — fully first-order stochastic approximation (Kwon, Kwon, Wright & Nowak, ICML 2023,
 * arXiv 2301.10945; SPEC A.2.3), the paper's version: ∇_y f and ∇ₓf are evaluated at y
 * (which tracks y_λ), not at z (the benchopt numpy deviation).
 *
 *   λ_k = min(λ_0 + δ·k, λ_max)
 *   repeat T_in times:
 *     z ← z − β_k·∇_y g(x, z)                                      (z tracks y*(x))
 *     y ← y − α_k·(∇_y f(x, y) + λ_k∇_y g(x, y))                    (y tracks y_λ(x))
 *   x ← Proj_X(x − ξ_k·[∇ₓf(x, y) + λ_k(∇ₓg(x, y) − ∇ₓg(x, z))])
 *
 * Step sizes [derived]: α_k = α/λ_k, so that α_k·λ_k·L_g = α·L_g stays in the stable range
 * of the λ-weighted LL as λ grows (the paper's analysis couples α_k and λ_k the same way);
 * with `decay: 'sqrt'` α, β, ξ are divided by √(k+1). Fixed points at λ = λ_max are those of
 * the penalty problem with γ = λ_max (same as PBGD). Gradient evaluations per outer step:
 * 3·T_in + 3.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { f2sa, flatQuadratic1d } from 'metaoptim/bilevel';
 * await ready();
 * const r = await f2sa(flatQuadratic1d(), { iterations: 3000, lambdaMax: 10, alpha: 0.1, beta: 0.1 });
 * console.log(r.x[0]!.toFixed(4)); // 1.0000
 * ```
 */
export async function f2sa(problem: BilevelProblem, opts: F2saOptions): Promise<BilevelResult> {
  const m = 'f2sa';
  checkSolveOptions('f2sa', opts, F2SA_KEYS);
  const lambda0 = positive(m, 'lambda0', opts.lambda0 ?? 1);
  const lambdaStep = checkNumber(m, 'lambdaStep', opts.lambdaStep ?? 0.1, { min: 0 });
  const lambdaMax = checkNumber(m, 'lambdaMax', opts.lambdaMax ?? 10, { min: lambda0 });
  const alpha = checkNumber(m, 'alpha', opts.alpha ?? 0.1, { min: 0 });
  const beta = checkNumber(m, 'beta', opts.beta ?? 0.1, { min: 0 });
  const xi = checkNumber(m, 'xi', opts.xi ?? 0.1, { min: 0 });
  const T_in = checkNumber(m, 'inner', opts.inner ?? 1, { min: 1 });
  const decay = opts.decay ?? 'none';
  if (decay !== 'none' && decay !== 'sqrt') throw new MetaoptimError('INVALID_HYPERPARAMETER', `${m}: decay must be 'none' or 'sqrt'`);
  const hp = { lambda0, lambdaStep, lambdaMax, alpha, beta, xi, inner: T_in, decay };
  return await runSolver(m, problem, opts, hp, (ctx, start) => {
    const { k, oracles, x, y } = ctx;
    const nx = problem.dimX, ny = problem.dimY;
    const z = ctx.vec(ny);
    z.view.set(start.y0);
    const fx = ctx.vec(nx), fy = ctx.vec(ny), gxy = ctx.vec(nx), gyy = ctx.vec(ny), gxz = ctx.vec(nx), gz = ctx.vec(ny);
    return {
      step(t) {
        const lambda = Math.min(lambda0 + lambdaStep * t, lambdaMax);
        const d = decay === 'sqrt' ? 1 / Math.sqrt(t + 1) : 1;
        for (let i = 0; i < T_in; i++) {
          oracles.g(x.view, z.view, null, gz.view);
          k.step_box_f32(z.ptr, gz.ptr, ny, beta * d, -Infinity, Infinity);
          oracles.f(x.view, y.view, null, fy.view);
          oracles.g(x.view, y.view, null, gyy.view);
          k.penalty_y_step_f32(y.ptr, fy.ptr, gyy.ptr, ny, 1, lambda, (alpha * d) / lambda);
        }
        oracles.f(x.view, y.view, fx.view, null);
        oracles.g(x.view, y.view, gxy.view, null);
        oracles.g(x.view, z.view, gxz.view, null);
        ctx.penaltyX(fx, gxy, gxz, lambda, xi * d);
      },
      aux: () => z.view.slice(),
    };
  });
}
