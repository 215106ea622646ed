import { lstmLOpt } from '../../l2o/lstm.js';
import { adamResidualLOpt } from '../../l2o/adam-residual/optimizer.js';
import { loadAdamResidualTheta } from '../../l2o/pretrain/learned.js';
import { adam } from '../../optim/adam.js';
import { lion } from '../../optim/lion.js';
import { momentum } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/types.js';
import type { DigitsVariant } from '../../tasks/digits.js';
import { tuneLr } from '../protocol.js';
import { BASELINES, type Baseline, OPTIMIZERS, type OptName, kindsOf } from './config.js';
import { metaTrainLstm } from './meta.js';
import { recordRuns, summarize } from './recorded.js';
import { type DynamicsContext, lstmSeed, testTask } from './setup.js';
import type { LrSearch, OptSummary, VariantResult } from './types.js';

/** The baselines of SPEC B.1.1 as functions of the learning rate. */
export const BASELINE_MAKERS: Record<Baseline, (lr: number) => Optimizer> = {
  adam: (lr) => adam({ lr }),
  sgdm: (lr) => momentum({ lr, momentum: 0.9 }),
  lion: (lr) => lion({ lr, beta1: 0.9, beta2: 0.99 }),
};

/**
 * One variant of `lab dynamics` (SPEC B.1.9):
 * 1. the B.1.1 learning rates of Adam, SGD-momentum 0.9 and Lion (β 0.9/0.99):
 *    `tuneLr(make, task, cfg.lr.grid, { runs, steps, score: 'summedLoss', seed: 0 })`;
 * 2. the LSTM meta-trained on the variant's family (`metaTrainLstm`, β = 0);
 * 3. `cfg.test.runs` recorded runs of each of the five optimizers (the four above and the shipped
 *    Adam-residual learned optimizer, untuned), with checkpoint analyses.
 * Returns the theta of the LSTM too (the β = 0 row of the regularization reuses it).
 */
export async function runVariant(ctx: DynamicsContext, v: DigitsVariant, vi: number): Promise<{ result: VariantResult; theta: Float32Array }> {
  const { cfg } = ctx;
  const task = testTask(ctx, v);
  try {
    const lrSearch = {} as Record<Baseline, LrSearch>;
    for (const [i, name] of BASELINES.entries()) {
      const t = await tuneLr(BASELINE_MAKERS[name], task, cfg.lr.grid, {
        runs: cfg.lr.runs, steps: cfg.lr.steps, score: 'summedLoss', seed: 0, evalSplits: [], runtime: ctx.runtime, signal: ctx.signal,
      });
      lrSearch[name] = { lr: t.lr, scores: t.scores };
      await ctx.step(`${v}: learning rates (B.1.1)`, i + 1, BASELINES.length);
    }
    const meta = await metaTrainLstm(ctx, v, task, lstmSeed(ctx, vi), 0, `${v}: meta-training the LSTM`);
    const ar = await loadAdamResidualTheta();
    const shapes = task.model.tensors.map((t) => [...t.shape]);
    const makers: Record<OptName, () => Optimizer> = {
      adamResidual: () => adamResidualLOpt.optimizer(ar.theta, { ...ar.options, shapes, horizon: cfg.test.steps }),
      l2o: () => lstmLOpt.optimizer(meta.theta),
      adam: () => BASELINE_MAKERS.adam(lrSearch.adam.lr),
      sgdm: () => BASELINE_MAKERS.sgdm(lrSearch.sgdm.lr),
      lion: () => BASELINE_MAKERS.lion(lrSearch.lion.lr),
    };
    const optimizers = {} as Record<OptName, OptSummary>;
    for (const [i, name] of OPTIMIZERS.entries()) {
      const { recs, failed } = await recordRuns(ctx, makers[name], task, v, cfg.test, true);
      optimizers[name] = summarize(recs, failed, name === 'l2o' || name === 'adamResidual' ? null : lrSearch[name].lr, cfg.test.symmetryWindow);
      await ctx.step(`${v}: recorded runs`, i + 1, OPTIMIZERS.length);
    }
    const { theta, ...summary } = meta;
    return { result: { variant: v, parameters: task.size, kinds: kindsOf(v), lrSearch, meta: summary, optimizers }, theta };
  } finally {
    task.dispose();
  }
}
