import { flatQuadratic, flatQuadratic1d, quadratic1d, ridgeQuadratic } from '../../bilevel/problems/quadratic.js';
import { type Ctx, METHODS, type Method, type ProblemRuns, efficiency, infDistance, quadraticSettings, runMethod, summarize } from './common.js';

// Parts `closed-form` and `bias` of `metaoptim lab bilevel`: the quadratic problems whose
// bilevel solution and whose methods' fixed points are known in closed form.

/**
 * The closed-form problems (flat-1d, quadratic-1d, vector flat, vector ridge) at γ = 10:
 * T = 3000 (quick) or 10000 iterations per method, every iteration recorded. Each finished
 * problem is pushed to `out` at once (so an abort keeps the finished ones).
 */
export async function closedForm(ctx: Ctx, out: ProblemRuns[]): Promise<void> {
  const gamma = 10;
  const T = ctx.quick ? 3000 : 10000;
  for (const p of [flatQuadratic1d(), quadratic1d(), flatQuadratic({ seed: ctx.seed }), ridgeQuadratic({ seed: ctx.seed })]) {
    const s = quadraticSettings(p, gamma);
    const raw = [];
    for (const m of METHODS) raw.push(await runMethod(ctx, m, p, s, { iterations: T, recordEvery: 1, seed: ctx.seed, label: `${m} on ${p.name}` }));
    const sol = p.solution();
    out.push({
      problem: p.name,
      description: p.description ?? p.name,
      measure: 'F',
      runs: raw.map((r, i) => summarize(METHODS[i]!, r, true)),
      solution: { x: Array.from(sol.x), F: sol.F },
      predicted: {
        'pbgd-free': Array.from(p.pbgdFreeFixedPoint(gamma).x),
        pbgd: Array.from(p.penaltyFixedPoint(gamma).x),
        f2sa: Array.from(p.penaltyFixedPoint(gamma).x),
      },
      extra: { gamma, flat: p.flat },
      efficiency: efficiency(p.name, raw),
    });
  }
}

export interface BiasPoint {
  problem: string;
  gamma: number;
  method: Method;
  /** ‖x_T − x*‖∞ measured after the run */
  measured: number;
  /** ‖x̂(γ) − x*‖∞ of the predicted fixed point */
  predicted: number;
}

/**
 * PBGD-Free's bias against γ on the non-flat problems (quadratic-1d and the vector ridge):
 * γ ∈ {0.5 … 100} (quick, T = 4000) or {0.25 … 1000} (full, T = 20000), every method, the
 * measured ‖x_T − x*‖∞ beside the predicted fixed point's. Points are pushed to `out`.
 */
export async function biasSweep(ctx: Ctx, out: BiasPoint[]): Promise<void> {
  const gammas = ctx.quick ? [0.5, 1, 2, 5, 10, 30, 100] : [0.25, 0.5, 1, 2, 5, 10, 30, 100, 300, 1000];
  const T = ctx.quick ? 4000 : 20000;
  for (const p of [quadratic1d(), ridgeQuadratic({ seed: ctx.seed })]) {
    const xs = p.solution().x;
    for (const gamma of gammas) {
      const s = quadraticSettings(p, gamma);
      for (const m of METHODS) {
        const r = await runMethod(ctx, m, p, s, { iterations: T, recordEvery: T, label: `${m} γ=${gamma} on ${p.name}` });
        const pred = m === 'pbgd-free' ? p.pbgdFreeFixedPoint(gamma).x : p.penaltyFixedPoint(gamma).x;
        out.push({ problem: p.name, gamma, method: m, measured: infDistance(r.x, xs), predicted: infDistance(pred, xs) });
      }
    }
  }
}
