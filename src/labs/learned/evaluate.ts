import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions, abortedError, isAborted } from '../../core/loop.js';
import { mean } from '../../core/stats.js';
import { mlpLOpt } from '../../l2o/mlp.js';
import { taskSegments } from '../../l2o/pretrain/run.js';
import { adam } from '../../optim/adam.js';
import type { DigitsMlpConfig, DigitsMlpFamily } from '../../tasks/digits.js';
import { type FixedRun, type SeedSummary, lrGrid, runFixed, summarizeSeeds, tuneLr } from '../protocol.js';
import { heldOutDigitsConfigs } from './held-out.js';

/**
 * The held-out evaluation of a learned MLP optimizer against Adam with a learning rate tuned
 * per task, on the protocol toolkit (labs/protocol.ts):
 * - tasks: `heldOutDigitsConfigs(family, tasks)` (unseen sampling seeds and hidden widths);
 * - Adam's lr per task: `tuneLr(adam, task, ADAM_GRID, { runs: tuneRuns, steps, score: 'summedLoss' })`
 *   from inits `TUNE_SEED + r`, disjoint from the evaluation init;
 * - evaluation: `runFixed(opt, task, steps, { seed: i })` from `task.init(i)`, for the learned
 *   optimizer (per-tensor segments) and the tuned Adam; the one divergence rule;
 * - metric: mean training minibatch loss over the run (summedLoss / steps), final loss (mean of
 *   the last 10 minibatch losses), test accuracy after the run; per row, mean ± sample sd over
 *   the tasks (`summarizeSeeds`; a diverged run is counted apart, not averaged).
 */
export const ADAM_GRID: readonly number[] = lrGrid({ center: 1e-2, points: 7 });
/** Tuning runs start from `task.init(TUNE_SEED + r)`; the evaluation run from `task.init(i)`, i < tasks. */
export const TUNE_SEED = 10_000;

export interface EvaluateLearnedOptions extends LoopOptions {
  family: DigitsMlpFamily;
  theta: Float32Array;
  /** The optimizer's `normEps` (default 1e−5; the shipped θ records its own). */
  normEps?: number;
  /** Held-out tasks (default 10). */
  tasks?: number;
  /** Steps of every run, tuning included (default 200). */
  steps?: number;
  /** Tuning runs per grid point (default 2). */
  tuneRuns?: number;
  /** Adam's grid (default `ADAM_GRID`: 7 half-decade points around 1e-2). */
  grid?: readonly number[];
}

const KEYS = [...LOOP_OPTION_KEYS, 'family', 'theta', 'normEps', 'tasks', 'steps', 'tuneRuns', 'grid'];

/** One evaluation run. */
export interface TaskRun {
  meanLoss: number;
  finalLoss: number;
  testAccuracy: number;
  diverged: boolean;
}

export interface TaskEvaluation {
  config: DigitsMlpConfig;
  learned: TaskRun;
  adam: TaskRun & { lr: number; scores: number[] };
}

export interface LearnedEvaluation {
  steps: number;
  grid: number[];
  tuneRuns: number;
  /** Per task, in order (a partial evaluation holds the tasks that finished). */
  tasks: TaskEvaluation[];
  /** Mean training loss over tasks: learned and tuned Adam (mean ± sample sd, IQM, n). */
  summary: { learned: SeedSummary; adam: SeedSummary };
  /** Tasks where the learned optimizer's mean loss is below tuned Adam's. */
  winsVsTuned: number;
}

function taskRun(r: FixedRun, steps: number): TaskRun {
  const last = Array.from(r.losses.subarray(Math.max(0, r.losses.length - 10)));
  return {
    meanLoss: r.diverged ? Infinity : r.summedLoss / steps,
    finalLoss: r.diverged ? Infinity : mean(last),
    testAccuracy: r.diverged ? 0 : r.final.test?.accuracy ?? NaN,
    diverged: r.diverged,
  };
}

function summarize(steps: number, grid: readonly number[], tuneRuns: number, tasks: TaskEvaluation[]): LearnedEvaluation {
  const [learned, adamRow] = summarizeSeeds([
    { name: 'learned', values: tasks.map((t) => t.learned.meanLoss) },
    { name: 'adam (tuned per task)', values: tasks.map((t) => t.adam.meanLoss) },
  ]);
  const winsVsTuned = tasks.filter((t) => t.learned.meanLoss < t.adam.meanLoss).length;
  return { steps, grid: [...grid], tuneRuns, tasks, summary: { learned: learned!, adam: adamRow! }, winsVsTuned };
}

/**
 * Learned optimizer vs per-task tuned Adam on the held-out tasks (see above). Loop contract:
 * progress per task, abort → ABORTED with `details.partial` = the `LearnedEvaluation` of the
 * tasks that finished. Errors: INVALID_ARGUMENT, UNKNOWN_OPTION, ABORTED.
 */
export async function evaluateLearned(o: EvaluateLearnedOptions): Promise<LearnedEvaluation> {
  checkOptions('evaluateLearned', o, KEYS);
  const n = o.tasks ?? 10, steps = o.steps ?? 200, tuneRuns = o.tuneRuns ?? 2, grid = o.grid ?? ADAM_GRID;
  for (const [k, v] of [['tasks', n], ['steps', steps], ['tuneRuns', tuneRuns]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MetaoptimError('INVALID_ARGUMENT', `evaluateLearned: ${k} must be a positive integer, got ${v}`);
  }
  const loop = new Loop('evaluateLearned', o, { label: 'lab learned: held-out tasks', total: n });
  const configs = heldOutDigitsConfigs(o.family, n);
  const done: TaskEvaluation[] = [];
  const partial = () => summarize(steps, grid, tuneRuns, [...done]);
  loop.progress(0);
  for (const [i, config] of configs.entries()) {
    const task = o.family.task(config);
    try {
      const runtime = task.runtime;
      const tuned = await tuneLr((lr) => adam({ lr }), task, grid, { runs: tuneRuns, steps, score: 'summedLoss', seed: TUNE_SEED, evalSplits: [], runtime, signal: o.signal });
      const eval1 = { seed: i, evalSplits: ['test' as const], runtime, signal: o.signal };
      const l = await runFixed(mlpLOpt.optimizer(o.theta, { segments: taskSegments(task), normEps: o.normEps }), task, steps, eval1);
      const a = await runFixed(adam({ lr: tuned.lr }), task, steps, eval1);
      done.push({ config, learned: taskRun(l, steps), adam: { ...taskRun(a, steps), lr: tuned.lr, scores: tuned.scores } });
    } catch (err) {
      if (isAborted(err)) throw abortedError('evaluateLearned', done.length, partial());
      throw err;
    } finally {
      task.dispose();
    }
    await loop.tick(i + 1, partial);
  }
  loop.finish(n);
  return partial();
}
