import { lionSgdInterp } from '../../optim/lion-sgd-interp.js';
import { recordRuns, summarize } from './recorded.js';
import { type DynamicsContext, testTask } from './setup.js';
import type { InterpResult, LrSearch } from './types.js';

/**
 * The Lion–SGD interpolation of SPEC B.1.11 on `cfg.interp.variant`: for every λ_L of
 * `cfg.interp.lambdas`, `seeds` recorded runs of `steps` steps of
 * `lionSgdInterp({ lambda, sgdLr, lionLr })` (Δθ = λ_L·Δθ_Lion + (1−λ_L)·Δθ_SGD, SGD momentum
 * 0.9, Lion β 0.9/0.99), once with the SPEC's rates (SGD 0.5, Lion 0.005, setting 'spec') and
 * once with the variant's B.1.1 picks when that variant was run ('B.1.1 picks'). Each row holds
 * the mean loss, the final loss and the mean |D_T| of the update over the steps ≤ symmetryWindow.
 * Rows are appended to `out` as they finish (so an abort keeps them).
 */
export async function runInterpolation(ctx: DynamicsContext, picked: { sgdm: LrSearch; lion: LrSearch } | undefined, out: InterpResult): Promise<void> {
  const c = ctx.cfg.interp;
  const settings = [{ name: 'spec', sgdLr: c.sgdLr, lionLr: c.lionLr }, ...(picked ? [{ name: 'B.1.1 picks', sgdLr: picked.sgdm.lr, lionLr: picked.lion.lr }] : [])];
  const task = testTask(ctx, c.variant);
  try {
    for (const st of settings) {
      const setting: InterpResult['settings'][number] = { ...st, rows: [] };
      out.settings.push(setting);
      for (const [i, lambda] of c.lambdas.entries()) {
        const test = { ...ctx.cfg.test, runs: c.seeds, steps: c.steps, histogramSteps: [] };
        const { recs, failed } = await recordRuns(ctx, () => lionSgdInterp({ lambda, sgdLr: st.sgdLr, lionLr: st.lionLr }), task, c.variant, test, false);
        const s = summarize(recs, failed, null, ctx.cfg.test.symmetryWindow);
        setting.rows.push({ lambda, meanLoss: s.meanLoss, finalLoss: s.finalLoss, translation: s.earlySymmetry.translation, failedRuns: failed });
        await ctx.step(`Lion–SGD interpolation (${st.name})`, i + 1, c.lambdas.length);
      }
    }
  } finally {
    task.dispose();
  }
}
