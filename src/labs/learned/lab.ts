import { MetaoptimError } from '../../core/errors.js';
import { abortedError, isAborted } from '../../core/loop.js';
import { adamResidualLOpt } from '../../l2o/adam-residual/optimizer.js';
import { celoFromTheta } from '../../l2o/celo/celo.js';
import { celoAdamFromTheta } from '../../l2o/celo/celo-adam.js';
import { loadCeloTheta } from '../../l2o/celo/theta.js';
import { mlpLOpt } from '../../l2o/mlp.js';
import { loadAdamResidualTheta, loadLearnedTheta } from '../../l2o/pretrain/learned.js';
import { defaultRuntimeOrThrow, ready } from '../../runtime/runtime.js';
import { type Lab, type LabOptions, type LabResult, checkLabExtra, labInteger } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { CONTESTANT_BASELINES, type Contestant, type ContestResult, runContest } from './contest.js';
import { contestReport, contestSummaryLines } from './report.js';
import { HELD_OUT_SUITE } from './suite.js';

/** Version of the results format of `lab learned` (2: the held-out contest of contest.ts). */
export const LEARNED_RESULTS_VERSION = 2;

/**
 * The learned contestants: the shipped Adam-residual MLP (`learned()`: its θ and nominal lr,
 * `shapes` from the task, `horizon` = the run length), Celo and Celo-Adam (the authors' published
 * θ, `shapes` from the task, `numSteps` = the run length; issue 16) unless `celo: false`, and, with
 * `lolv2`, the LOLv2 MLP optimizer (`learned({ name: 'lolv2' })`, per-tensor segments). None is
 * tuned.
 */
export async function learnedContestants(o: { lolv2?: boolean; celo?: boolean; base?: string | URL } = {}): Promise<Contestant[]> {
  const ar = await loadAdamResidualTheta(o.base);
  const out: Contestant[] = [{
    name: 'learned (adam-residual)',
    make: (_lr, c) => adamResidualLOpt.optimizer(ar.theta, { ...ar.options, shapes: c.shapes, horizon: c.steps }),
  }];
  if (o.celo !== false) {
    const [celoTheta, celoAdamTheta] = await Promise.all([loadCeloTheta('celo'), loadCeloTheta('celo-adam')]);
    out.push(
      { name: 'celo', make: (_lr, c) => celoFromTheta(celoTheta, { numSteps: c.steps, shapes: c.shapes }) },
      { name: 'celo-adam', make: (_lr, c) => celoAdamFromTheta(celoAdamTheta, { numSteps: c.steps, shapes: c.shapes }) },
    );
  }
  if (o.lolv2) {
    const lol = await loadLearnedTheta(o.base);
    out.push({ name: 'learned (lolv2)', make: (_lr, c) => mlpLOpt.optimizer(lol.theta, { segments: c.shapes.map((s) => s.reduce((a, b) => a * b, 1)), normEps: lol.options.normEps }) });
  }
  return out;
}

/**
 * `npx metaoptim lab learned [--quick] [--tasks n] [--seeds n] [--horizons 200,2000] [--tune-runs n] [--lolv2] [--skip-celo]`
 * — the shipped learned optimizer, Celo and Celo-Adam (and any contestant added to the array) against Adam, Adam +
 * cosine, AdamW and Lion, each tuned per task and horizon, on the held-out suite (suite.ts,
 * contest.ts). Full: 20 tasks × 5 seeds × horizons 200 and 2,000; `--quick`: 3 tasks × 2 seeds ×
 * 100 steps. On abort it rejects with ABORTED whose `details.partial` is the `LabResult` of the
 * finished (task, horizon) pairs (results header `partial: true`).
 */
export const learnedLab: Lab = {
  name: 'learned',
  summary: 'The shipped learned optimizer vs Adam, Adam+cosine, AdamW and Lion tuned per task on 20 held-out tasks (win rate, speed-up IQM, divergences)',
  options: [
    { name: 'tasks', type: 'integer', help: 'held-out tasks, the first n of the suite (quick 3, full 20)' },
    { name: 'seeds', type: 'integer', help: 'evaluation seeds per task and horizon (quick 2, full 5)' },
    { name: 'horizons', type: 'string', help: 'comma-separated run lengths (quick 100, full 200,2000)' },
    { name: 'tune-runs', type: 'integer', help: 'tuning runs per grid point (default 1)' },
    { name: 'lolv2', type: 'boolean', help: 'also run the LOLv2 MLP optimizer' },
    { name: 'skip-celo', type: 'boolean', help: 'leave out Celo and Celo-Adam (the published learned optimizers)' },
  ],
  async run(o: LabOptions): Promise<LabResult> {
    checkLabExtra(learnedLab, o);
    const tasks = labInteger(learnedLab, o, 'tasks', o.quick ? 3 : HELD_OUT_SUITE.length);
    if (tasks > HELD_OUT_SUITE.length) throw new MetaoptimError('INVALID_ARGUMENT', `lab learned: --tasks is at most ${HELD_OUT_SUITE.length}`);
    const seeds = labInteger(learnedLab, o, 'seeds', o.quick ? 2 : 5);
    const tuneRuns = labInteger(learnedLab, o, 'tune-runs', 1);
    const hs = String(o.extra?.horizons ?? (o.quick ? '100' : '200,2000')).split(',').map(Number);
    if (!hs.every((h) => Number.isInteger(h) && h >= 10)) throw new MetaoptimError('INVALID_ARGUMENT', `lab learned: --horizons must be integers ≥ 10, got ${String(o.extra?.horizons)}`);
    const lolv2 = o.extra?.lolv2 === true || o.extra?.lolv2 === 'true';
    const t0 = performance.now();
    await ready();
    const build = defaultRuntimeOrThrow().build;
    const ar = await loadAdamResidualTheta();
    const celo = !(o.extra?.['skip-celo'] === true || o.extra?.['skip-celo'] === 'true');
    const contestants = [...CONTESTANT_BASELINES, ...(await learnedContestants({ lolv2, celo }))];
    const command = `npx metaoptim lab learned${o.quick ? ' --quick' : ''}`;
    const labResult = (e: ContestResult, partial: boolean): LabResult => {
      const elapsedMs = performance.now() - t0;
      return {
        results: { ...resultsHeader({ lab: 'learned', version: LEARNED_RESULTS_VERSION, seed: o.seed, quick: o.quick, build, elapsedMs, partial }), thetaHash: ar.thetaHash, ...e },
        report: contestReport(e, command, partial),
        summary: contestSummaryLines(e, elapsedMs, partial),
      };
    };
    try {
      const e = await runContest({ suite: HELD_OUT_SUITE.slice(0, tasks), contestants, horizons: hs, seeds, tuneRuns, signal: o.signal, onProgress: o.onProgress });
      return labResult(e, false);
    } catch (err) {
      if (isAborted(err) && err.details.partial) throw abortedError('lab learned', err.details.iteration, labResult(err.details.partial as ContestResult, true));
      throw err;
    }
  },
};
