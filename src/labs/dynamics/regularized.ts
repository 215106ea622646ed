import { lstmLOpt } from '../../l2o/lstm.js';
import type { DigitsVariant } from '../../tasks/digits.js';
import { metaTrainLstm } from './meta.js';
import { recordRuns, summarize } from './recorded.js';
import { type DynamicsContext, lstmSeed, testTask } from './setup.js';
import type { RegResult } from './types.js';

/**
 * Symmetry-regularized meta-training (SPEC B.1.5) on `cfg.reg.variant`: for every β of
 * `cfg.reg.betas`, the LSTM is meta-trained with meta-loss log Σ L_t + Σ_t β·|D_kind| (kind =
 * `regularizerKind(variant)`) on the same budget and seed as the variant's main run, then
 * `cfg.test.runs` recorded runs give its mean loss, final loss and early |D_kind| and |D_T|.
 * β = 0 with the main run's seed IS the variant's main LSTM: it is reused from `trained` when
 * that variant ran. Rows are appended to `out` as they finish.
 */
export async function runRegularized(ctx: DynamicsContext, trained: Map<DigitsVariant, { theta: Float32Array; elapsedMs: number }>, out: RegResult): Promise<void> {
  const rv = out.variant, kind = out.kind;
  const vi = ctx.cfg.variants.indexOf(rv);
  const task = testTask(ctx, rv);
  try {
    for (const [i, beta] of ctx.cfg.reg.betas.entries()) {
      const meta = beta === 0 && trained.has(rv)
        ? trained.get(rv)!
        : await metaTrainLstm(ctx, rv, task, lstmSeed(ctx, vi >= 0 ? vi : 0), beta, `regularized meta-training β=${beta}`);
      const { recs, failed } = await recordRuns(ctx, () => lstmLOpt.optimizer(meta.theta), task, rv, { ...ctx.cfg.test, histogramSteps: [] }, false);
      const s = summarize(recs, failed, null, ctx.cfg.test.symmetryWindow);
      out.rows.push({ beta, meanLoss: s.meanLoss, finalLoss: s.finalLoss, deviation: s.earlySymmetry[kind], translation: s.earlySymmetry.translation, failedRuns: failed, elapsedMs: meta.elapsedMs });
      await ctx.step('symmetry-regularized meta-training', i + 1, ctx.cfg.reg.betas.length);
    }
  } finally {
    task.dispose();
  }
}
