import { abortedError, isAborted } from '../../core/loop.js';
import { loadLearnedTheta } from '../../l2o/pretrain/learned.js';
import { defaultRuntimeOrThrow, ready } from '../../runtime/runtime.js';
import { digitsMlpFamily } from '../../tasks/digits.js';
import { type Lab, type LabOptions, type LabResult, checkLabExtra, labInteger } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { type LearnedEvaluation, evaluateLearned } from './evaluate.js';
import { buildReport, summaryLines } from './report.js';

/** Version of the results format of `lab learned`. */
export const LEARNED_RESULTS_VERSION = 1;

/**
 * `npx metaoptim lab learned [--quick] [--tasks n] [--steps n] [--tune-runs n]` — the shipped
 * pretrained MLP optimizer (`learned()`, data/learned/) against Adam with a learning rate tuned
 * per task, on held-out digits MLPs (src/labs/learned/evaluate.ts). Full: 10 tasks × 200 steps;
 * `--quick`: 4 tasks × 100 steps. The base seed is not used: tasks and inits are fixed by the
 * protocol. On abort it rejects with ABORTED whose `details.partial` is the `LabResult` of the
 * tasks that finished (results header `partial: true`).
 */
export const learnedLab: Lab = {
  name: 'learned',
  summary: 'The pretrained learned optimizer vs Adam tuned per task on held-out digits MLPs (mean training loss, final loss, test accuracy)',
  options: [
    { name: 'tasks', type: 'integer', help: 'held-out tasks (quick 4, full 10)' },
    { name: 'steps', type: 'integer', help: 'steps per run, tuning included (quick 100, full 200)' },
    { name: 'tune-runs', type: 'integer', help: "Adam's tuning runs per grid point (default 2)" },
  ],
  async run(o: LabOptions): Promise<LabResult> {
    checkLabExtra(learnedLab, o);
    const tasks = labInteger(learnedLab, o, 'tasks', o.quick ? 4 : 10);
    const steps = labInteger(learnedLab, o, 'steps', o.quick ? 100 : 200);
    const tuneRuns = labInteger(learnedLab, o, 'tune-runs', 2);
    const t0 = performance.now();
    await ready();
    const build = defaultRuntimeOrThrow().build;
    const file = await loadLearnedTheta();
    const family = await digitsMlpFamily();
    const command = `npx metaoptim lab learned${o.quick ? ' --quick' : ''}`;
    const labResult = (e: LearnedEvaluation, partial: boolean): LabResult => {
      const elapsedMs = performance.now() - t0;
      return {
        results: { ...resultsHeader({ lab: 'learned', version: LEARNED_RESULTS_VERSION, seed: o.seed, quick: o.quick, build, elapsedMs, partial }), thetaHash: file.thetaHash, ...e },
        report: buildReport(e, command, partial),
        summary: summaryLines(e, elapsedMs, partial),
      };
    };
    try {
      const e = await evaluateLearned({ family, theta: file.theta, normEps: file.options.normEps, tasks, steps, tuneRuns, signal: o.signal, onProgress: o.onProgress });
      return labResult(e, false);
    } catch (err) {
      if (isAborted(err) && err.details.partial) throw abortedError('lab learned', err.details.iteration, labResult(err.details.partial as LearnedEvaluation, true));
      throw err;
    }
  },
};
