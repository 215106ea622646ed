import { toyProblem } from '../../bilevel/problems/toy.js';
import { type Ctx, METHODS, type ProblemRuns, type RunSummary, type Settings, runMethod, summarize } from './common.js';

// Part `toy` of `metaoptim lab bilevel`: the nonconvex toy problem of SPEC A.2 from three
// seeded starting points.

const TOY_SETTINGS: Settings = {
  'pbgd-free': { gamma: 10, eta: 0.01, etaY: 0.05 },
  pbgd: { gammaMax: 10, lrX: 0.1, lrY: 0.1, lrInner: 0.2 },
  f2sa: { lambdaMax: 10, alpha: 0.05, beta: 0.05, xi: 0.01 },
};

/** Every method from starts `problem.init(new Rng(seed + k))`, k = 0, 1, 2; T = 3000 (quick) or 20000. */
export async function toy(ctx: Ctx): Promise<ProblemRuns> {
  const p = toyProblem();
  const T = ctx.quick ? 3000 : 20000;
  const runs: RunSummary[] = [];
  for (let k = 0; k < 3; k++) {
    for (const m of METHODS) {
      const r = await runMethod(ctx, m, p, TOY_SETTINGS, { iterations: T, seed: ctx.seed + k, label: `${m} on toy (start ${k})` });
      runs.push(summarize(m, r, true));
    }
  }
  return { problem: p.name, description: p.description ?? 'toy', measure: 'F', runs, extra: { localMinima: p.localMinima() } };
}
