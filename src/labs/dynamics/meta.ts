import { lstmLOpt } from '../../l2o/lstm.js';
import { tbpttTrain } from '../../l2o/outer/tbptt.js';
import { adam } from '../../optim/adam.js';
import type { DigitsVariant } from '../../tasks/digits.js';
import type { MlpTask } from '../../tasks/classification.js';
import { runFixed } from '../protocol.js';
import { META_TEST_SEED, regularizerKind } from './config.js';
import { type DynamicsContext, layoutOf, variantFamily } from './setup.js';
import type { MetaSummary } from './types.js';

/**
 * Meta-trains the LSTM optimizer (SPEC B.1.2) on a variant's family by truncated backprop
 * (B.1.3): `epochs` calls of `tbpttTrain` (`runsPerEpoch` inner runs of `innerSteps`, unroll K,
 * Adam(metaLr), seed (seed·1009 + epoch) mod 2³²), each followed by `metaTestRuns` meta-test runs
 * on `evalTask` (`runFixed` summed training loss over `innerSteps` from `task.init(META_TEST_SEED + k)`,
 * mean over k); the θ with the lowest meta-test loss is kept (epoch 0 = the initial θ). The Adam
 * meta-optimizer state restarts at every epoch (one `tbpttTrain` call each). β > 0 adds the
 * B.1.5 symmetry regularizer matched to the variant (`regularizerKind`).
 */
export async function metaTrainLstm(ctx: DynamicsContext, v: DigitsVariant, evalTask: MlpTask, seed: number, beta: number, label: string): Promise<MetaSummary & { theta: Float32Array }> {
  const cfg = ctx.cfg.meta;
  const t0 = performance.now();
  const layout = layoutOf(v);
  const family = variantFamily(ctx, v);
  let theta = lstmLOpt.init(seed);
  const score = async (th: Float32Array) => {
    let s = 0;
    for (let k = 0; k < cfg.metaTestRuns; k++) {
      const run = await runFixed(lstmLOpt.optimizer(th), evalTask, cfg.innerSteps, { seed: META_TEST_SEED + k, evalSplits: [], runtime: ctx.runtime, signal: ctx.signal });
      s += run.summedLoss;
    }
    return s / cfg.metaTestRuns;
  };
  let best = { theta, loss: await score(theta), epoch: 0 };
  const history = [{ epoch: 0, metaTestLoss: best.loss }];
  const metaLoss: number[] = [];
  for (let e = 1; e <= cfg.epochs; e++) {
    const r = await tbpttTrain({
      family, theta, runs: cfg.runsPerEpoch, innerSteps: cfg.innerSteps, unroll: cfg.unroll, seed: (seed * 1009 + e) >>> 0,
      metaOptimizer: adam({ lr: cfg.metaLr }), runtime: ctx.runtime, signal: ctx.signal,
      regularizer: beta > 0 ? { kind: regularizerKind(v), beta, layout } : undefined,
    });
    for (const h of r.history) metaLoss.push(h.metaLoss);
    theta = r.theta;
    const s = await score(theta);
    history.push({ epoch: e, metaTestLoss: s });
    if (s < best.loss) best = { theta, loss: s, epoch: e };
    await ctx.step(label, e, cfg.epochs);
  }
  return { theta: best.theta, history, bestEpoch: best.epoch, metaLoss, elapsedMs: performance.now() - t0 };
}
