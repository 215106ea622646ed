import type { BilevelProblem } from '../../bilevel/problem.js';
import { flatQuadratic, flatQuadratic1d } from '../../bilevel/problems/quadratic.js';
import { representationSplit } from '../../bilevel/problems/representation.js';
import type { Dataset } from '../../data/index.js';
import { type Ctx, type InnerRow, REPRESENTATION_SETTINGS, type Settings, efficiency, quadraticSettings, runMethod } from './common.js';

// Part `inner` of `metaoptim lab bilevel`: the goal table against baselines with longer
// inner loops.

/**
 * The goal table again with the baselines' inner loops at T_in = 1, 3, 10 (benchopt's F2SA
 * default is 10): flat-1d and the vector flat problem (T = 1500 quick, 5000 full, every
 * iteration recorded); in full mode also the flat representation control (1200 iterations,
 * recorded every 40). PBGD-Free keeps K = 1. Rows are pushed to `out`.
 */
export async function innerSweep(ctx: Ctx, out: InnerRow[], digits?: Dataset): Promise<void> {
  const T = ctx.quick ? 1500 : 5000;
  const sweep = async (p: BilevelProblem, s: Settings, iterations: number, recordEvery: number) => {
    const base = { iterations, recordEvery, seed: ctx.seed };
    const free = await runMethod(ctx, 'pbgd-free', p, s, { ...base, label: `pbgd-free on ${p.name}` });
    for (const inner of [1, 3, 10]) {
      for (const m of ['pbgd', 'f2sa'] as const) {
        const r = await runMethod(ctx, m, p, { ...s, [m]: { ...s[m], inner } }, { ...base, label: `${m} T_in=${inner} on ${p.name}` });
        out.push(...efficiency(p.name, [free, r]).map((e) => ({ ...e, inner })));
      }
    }
  };
  for (const p of [flatQuadratic1d(), flatQuadratic({ seed: ctx.seed })]) await sweep(p, quadraticSettings(p, 10), T, 1);
  if (!ctx.quick && digits) {
    const p = representationSplit(digits, { target: 'same', seed: ctx.seed });
    try {
      await sweep(p, REPRESENTATION_SETTINGS, 1200, 40);
    } finally {
      p.release();
    }
  }
}
