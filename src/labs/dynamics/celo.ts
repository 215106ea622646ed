import { celoAdamFromTheta, celoFromTheta } from '../../l2o/celo/index.js';
import { loadCeloTheta } from '../../l2o/celo/theta.js';
import type { Optimizer } from '../../optim/types.js';
import type { DigitsVariant } from '../../tasks/digits.js';
import { tuneLr } from '../protocol.js';
import { kindsOf } from './config.js';
import { movingAverage } from './findings.js';
import { recordRuns, summarize } from './recorded.js';
import { type DynamicsContext, layoutOf, testTask } from './setup.js';
import type { Finding, OptSummary } from './types.js';
import { BASELINE_MAKERS } from './variant.js';

/**
 * The analyses of `lab dynamics` run on Celo (issue 16): a learned optimizer that beats Adam is
 * the test the Sobotka et al. findings call for. On one variant's test task: Adam tuned as in
 * B.1.1 (`tuneLr` over cfg.lr.grid, summed loss), then `cfg.test.runs` recorded runs (symmetry
 * deviations, tail index, update covariance, update norms) of Adam, Celo and Celo-Adam (published
 * θ, untuned, numSteps = cfg.test.steps). Kept beside the lab (not in its optimizer list), so the
 * lab's results format does not change.
 */
export interface CeloDynamics {
  variant: DigitsVariant;
  adamLr: number;
  optimizers: { adam: OptSummary; celo: OptSummary; celoAdam: OptSummary };
}

/** Runs the analyses above on variant `v` (progress through `ctx.step`, abort through `ctx.signal`). */
export async function celoDynamics(ctx: DynamicsContext, v: DigitsVariant): Promise<CeloDynamics> {
  const { cfg } = ctx;
  const task = testTask(ctx, v);
  try {
    const t = await tuneLr(BASELINE_MAKERS.adam, task, cfg.lr.grid, { runs: cfg.lr.runs, steps: cfg.lr.steps, score: 'summedLoss', seed: 0, evalSplits: [], runtime: ctx.runtime, signal: ctx.signal });
    const [ct, ca] = await Promise.all([loadCeloTheta('celo'), loadCeloTheta('celo-adam')]);
    const shapes = layoutOf(v).map((x) => [...x.shape]);
    const makers: [keyof CeloDynamics['optimizers'], () => Optimizer, number | null][] = [
      ['adam', () => BASELINE_MAKERS.adam(t.lr), t.lr],
      ['celo', () => celoFromTheta(ct, { numSteps: cfg.test.steps, shapes }), null],
      ['celoAdam', () => celoAdamFromTheta(ca, { numSteps: cfg.test.steps }), null],
    ];
    const optimizers = {} as CeloDynamics['optimizers'];
    for (const [i, [name, make, lr]] of makers.entries()) {
      const { recs, failed } = await recordRuns(ctx, make, task, v, cfg.test, true);
      optimizers[name] = summarize(recs, failed, lr, cfg.test.symmetryWindow);
      await ctx.step(`${v}: Celo dynamics`, i + 1, makers.length);
    }
    return { variant: v, adamLr: t.lr, optimizers };
  } finally {
    task.dispose();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

/**
 * Findings 1, 4 and 5 of `findings()` with Celo in the learned optimizer's place and Adam as the
 * only baseline (the regularization and interpolation findings need meta-training or Lion/SGD).
 * Each item says whether its criteria hold for Celo (true/false per criterion in the evidence).
 */
export function celoFindings(r: CeloDynamics): Finding[] {
  const { adam, celo } = r.optimizers;
  const kinds = kindsOf(r.variant);
  const ratios = kinds.map((k) => celo.earlySymmetry[k] / adam.earlySymmetry[k]);
  const far = ratios.every((q) => q >= 10);
  const steps = celo.symmetry.steps;
  const w = steps.filter((s) => s <= 200).length;
  const ma = movingAverage(celo.symmetry.update.translation.slice(0, w), 10);
  const peakStep = steps[ma.indexOf(Math.max(...ma))] ?? NaN;
  const lossMa = movingAverage(celo.loss.slice(0, Math.min(200, celo.loss.length)), 10);
  const drop = lossMa[0]! - Math.min(...lossMa);
  const t80 = lossMa.findIndex((l) => lossMa[0]! - l >= 0.8 * drop) + 1;
  const first = (n: OptSummary) => n.norms.update[0] ?? NaN;
  const last = (n: OptSummary) => n.norms.update[n.norms.update.length - 1] ?? NaN;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const verdict = (c: boolean[]) => (c.every(Boolean) ? 'reproduced' : c.some(Boolean) ? 'partly' : 'not reproduced');
  const c4 = [first(celo) > first(adam), Math.abs(Math.log(last(celo) / last(adam))) < Math.abs(Math.log(first(celo) / first(adam)))];
  const c5 = [mean(celo.checkpoints.updAlpha) > mean(celo.checkpoints.gradAlpha), mean(celo.checkpoints.updAlpha) > mean(adam.checkpoints.updAlpha), mean(celo.checkpoints.updLambda) > mean(adam.checkpoints.updLambda)];
  return [
    { id: 1, claim: 'The learned optimizer breaks the symmetry constraints far more than Adam, most during the early loss drop.', verdict: verdict([far, peakStep <= t80]),
      evidence: [`${r.variant}: early |D| Celo/Adam ` + kinds.map((k, i) => `${k} ${fmt(ratios[i]!)}`).join(', ') + ` (≥ 10: ${far}); Celo peak |D_T| at step ${peakStep}, 80% of its loss drop by step ${t80}`] },
    { id: 4, claim: "The learned optimizer starts with larger updates than Adam, then drifts toward Adam's magnitudes.", verdict: verdict(c4),
      evidence: [`${r.variant}: ‖Δθ‖ first recorded step Celo ${fmt(first(celo))}, Adam ${fmt(first(adam))}; last Celo ${fmt(last(celo))}, Adam ${fmt(last(adam))} (criteria ${c4.join(', ')})`] },
    { id: 5, claim: "Its update noise is less heavy-tailed than its gradient noise and than Adam's updates, with a larger top covariance eigenvalue.", verdict: verdict(c5),
      evidence: [`${r.variant}: update α̂ Celo ${fmt(mean(celo.checkpoints.updAlpha))} (gradient ${fmt(mean(celo.checkpoints.gradAlpha))}), Adam ${fmt(mean(adam.checkpoints.updAlpha))}; λ_max Celo ${fmt(mean(celo.checkpoints.updLambda))}, Adam ${fmt(mean(adam.checkpoints.updLambda))} (criteria ${c5.join(', ')})`] },
  ];
}
