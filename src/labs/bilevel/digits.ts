import { hyperCleaning } from '../../bilevel/problems/hypercleaning.js';
import { representationSplit } from '../../bilevel/problems/representation.js';
import type { Dataset } from '../../data/index.js';
import { type Ctx, METHODS, REPRESENTATION_SETTINGS, type RunSummary, type ProblemRuns, type Settings, efficiency, runMethod, summarize } from './common.js';

// Parts `cleaning` and `representation` of `metaoptim lab bilevel`: the two digits problems.

const CLEANING_SETTINGS: Settings = {
  'pbgd-free': { gamma: 1, eta: 50, etaY: 0.1 },
  pbgd: { gammaMax: 1, lrX: 50, lrY: 0.1, lrInner: 0.1 },
  f2sa: { lambda0: 1, lambdaStep: 0.01, lambdaMax: 5, alpha: 0.1, beta: 0.1, xi: 50 },
};

/**
 * Digits hyper-cleaning: test accuracy per method (T = 800 quick, 5000 full), the classifier
 * retrained on each method's learned weights, and three reference trainings (all corrupted
 * rows weighted 1; clean rows only; corrupted rows weighted ½ plus the validation loss).
 */
export async function cleaning(ctx: Ctx, digits: Dataset): Promise<ProblemRuns> {
  const p = hyperCleaning(digits, { seed: ctx.seed });
  const train = (w: Float32Array, validationWeight = 0) => p.trainWithWeightsAsync(w, validationWeight, ctx.signal ? { signal: ctx.signal } : {});
  try {
    const T = ctx.quick ? 800 : 5000;
    const runs: RunSummary[] = [];
    const retrained: Record<string, number> = {};
    for (const m of METHODS) {
      const r = await runMethod(ctx, m, p, CLEANING_SETTINGS, { iterations: T, seed: ctx.seed, recordEvery: Math.ceil(T / 40), label: `${m} on ${p.name}` });
      runs.push(summarize(m, r, false));
      retrained[m] = p.testAccuracy(await train(p.weights(r.x)));
    }
    const n = p.dimX;
    const corruptedOnly = p.testAccuracy(await train(new Float32Array(n).fill(1)));
    const cleanOnly = p.testAccuracy(await train(Float32Array.from(p.corrupted, (c) => 1 - c)));
    // What PBGD-Free's y converges to when x never moves (γ = 1): weights ½ on the corrupted rows plus the validation loss.
    const corruptedPlusValidation = p.testAccuracy(await train(new Float32Array(n).fill(0.5), 1));
    return {
      problem: p.name,
      description: p.description ?? p.name,
      measure: 'testAccuracy',
      runs,
      extra: { baselines: { corruptedOnly, cleanOnly, corruptedPlusValidation }, retrainedOnLearnedWeights: retrained },
    };
  } finally {
    p.release();
  }
}

/** Digits representation split for one UL target: T = 600 (quick) or 3000, F(x) recorded 12 / 60 times. */
export async function representation(ctx: Ctx, digits: Dataset, target: 'coarse' | 'fine' | 'same'): Promise<ProblemRuns> {
  const p = representationSplit(digits, { target, seed: ctx.seed });
  try {
    const T = ctx.quick ? 600 : 3000;
    const raw = [];
    for (const m of METHODS) {
      raw.push(await runMethod(ctx, m, p, REPRESENTATION_SETTINGS, { iterations: T, seed: ctx.seed, recordEvery: Math.ceil(T / (ctx.quick ? 12 : 60)), label: `${m} on ${p.name}` }));
    }
    const runs = raw.map((r, i) => summarize(METHODS[i]!, r, false));
    return { problem: p.name, description: p.description ?? p.name, measure: 'F', runs, efficiency: efficiency(p.name, raw) };
  } finally {
    p.release();
  }
}
