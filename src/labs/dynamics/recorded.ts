import { type RunRecord, recordRun } from '../../analysis/record.js';
import { MetaoptimError } from '../../core/errors.js';
import { isAborted } from '../../core/loop.js';
import { mean, sd } from '../../core/stats.js';
import type { Optimizer } from '../../optim/types.js';
import type { MlpTask } from '../../tasks/classification.js';
import type { DigitsVariant } from '../../tasks/digits.js';
import { type DynamicsConfig, EPOCH_BATCHES, KINDS, type Kind, TEST_SEED } from './config.js';
import { type DynamicsContext, layoutOf } from './setup.js';
import type { OptSummary } from './types.js';

/**
 * The recorded test runs of `lab dynamics` and their summary over runs.
 *
 * `recordRuns`: `cfg.runs` runs of `make()` from `task.init(TEST_SEED + r)` through `recordRun`
 * (B.1.4 symmetry deviations and B.1.8 norms every 10 steps, histograms at `histogramSteps`;
 * with checkpoints: B.1.6/B.1.7 tail index and covariance at step 1 and every
 * `checkpointEvery` steps over the `EPOCH_BATCHES` minibatches of one digits epoch). A run the
 * optimizer or the task refuses (a `MetaoptimError` such as NON_FINITE_GRADIENT) is counted in
 * `failed`, not fatal; ABORTED propagates.
 *
 * `summarize`: per-step means over runs (core `mean`), the mean loss and its **sample** sd
 * across runs (core `sd`, n − 1), the final loss (mean of the last 10 steps), and the mean |D|
 * of the update over the steps ≤ `window`.
 */
export async function recordRuns(ctx: DynamicsContext, make: () => Optimizer, task: MlpTask, v: DigitsVariant, cfg: DynamicsConfig['test'], withCheckpoints: boolean) {
  const ckSteps = [1];
  for (let s = cfg.checkpointEvery; s <= cfg.steps; s += cfg.checkpointEvery) ckSteps.push(s);
  const recs: RunRecord[] = [];
  let failed = 0;
  for (let r = 0; r < cfg.runs; r++) {
    try {
      recs.push(await recordRun(make(), task, {
        steps: cfg.steps, params: task.init(TEST_SEED + r), runtime: ctx.runtime, layout: layoutOf(v), dims: { input: 64, hidden: 20, output: 10 },
        symmetryEvery: 10, normsEvery: 10, histogramSteps: cfg.histogramSteps,
        checkpointSteps: withCheckpoints ? ckSteps : [], checkpointBatches: [...Array(EPOCH_BATCHES).keys()], signal: ctx.signal,
      }));
    } catch (e) {
      if (isAborted(e) || !(e instanceof MetaoptimError)) throw e;
      failed++;
    }
  }
  return { recs, failed };
}

export function summarize(recs: RunRecord[], failed: number, lr: number | null, window: number): OptSummary {
  const R = recs.length;
  const avg = (f: (r: RunRecord) => number[]) => {
    if (!R) return [];
    const rows = recs.map(f);
    return rows[0]!.map((_, i) => mean(rows.map((r) => r[i]!)));
  };
  const loss = avg((r) => Array.from(r.losses));
  const symSteps = recs[0]?.symmetry.map((s) => s.step) ?? [];
  const sym = (which: 'update' | 'gradient') => Object.fromEntries(KINDS.map((k) => [k, avg((r) => r.symmetry.map((s) => s[which][k]))])) as Record<Kind, number[]>;
  const update = sym('update');
  const early = Object.fromEntries(KINDS.map((k) => [k, mean(update[k].filter((_, i) => symSteps[i]! <= window))])) as Record<Kind, number>;
  const ck = (f: (c: RunRecord['checkpoints'][number]) => number) => avg((r) => r.checkpoints.map(f));
  const normSteps = [...new Set(recs[0]?.norms.map((n) => n.step) ?? [])];
  const totalNorm = (q: 'update' | 'params') => avg((r) => normSteps.map((s) => Math.sqrt(r.norms.filter((n) => n.step === s && n.quantity === q).reduce((a, n) => a + n.l2 * n.l2, 0))));
  const tensors = [...new Set(recs[0]?.norms.map((n) => n.tensor) ?? [])];
  const perTensor = Object.fromEntries(tensors.map((t) => [t, avg((r) => normSteps.map((s) => r.norms.find((n) => n.step === s && n.quantity === 'update' && n.tensor === t)!.l2))]));
  const histograms = (recs[0]?.histograms ?? []).map((h, i) => ({
    step: h.step,
    edges: Array.from(h.update.edges),
    update: avg((r) => Array.from(r.histograms[i]!.update.counts)),
    gradient: avg((r) => Array.from(r.histograms[i]!.gradient.counts)),
  }));
  return {
    lr, runs: R, failedRuns: failed, loss, meanLoss: mean(loss), meanLossSd: sd(recs.map((r) => mean(r.losses))), finalLoss: mean(loss.slice(-10)),
    symmetry: { steps: symSteps, update, gradient: sym('gradient') },
    earlySymmetry: early,
    checkpoints: {
      steps: recs[0]?.checkpoints.map((c) => c.step + 1) ?? [],
      gradAlpha: ck((c) => c.gradient.blockSumAlpha), updAlpha: ck((c) => c.update.blockSumAlpha),
      gradHill: ck((c) => c.gradient.hillAlpha), updHill: ck((c) => c.update.hillAlpha),
      gradLambda: ck((c) => c.gradient.covariance.lambdaMax), updLambda: ck((c) => c.update.covariance.lambdaMax),
      updTrace: ck((c) => c.update.covariance.trace),
    },
    norms: { steps: normSteps, update: totalNorm('update'), params: totalNorm('params'), perTensor },
    histograms,
  };
}
