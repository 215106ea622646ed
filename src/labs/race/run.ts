import { type LoopOptions, Loop, abortedError, isAborted } from '../../core/loop.js';
import { mean } from '../../core/stats.js';
import type { Task } from '../../tasks/types.js';
import { type ContestantTask, type RunMetrics, type SeedSummary, contestantTask, runFixed, runMetrics, summarizeSeeds, tuneLr } from '../protocol.js';
import { type Contestant, contestants, raceLrGrid } from './contestants.js';
import type { RaceTaskEntry } from './tasks.js';

/**
 * The race protocol for one task, on the protocol toolkit (labs/protocol.ts):
 * 1. Tuning (`tuneLr`, score = final training loss): every rate of `raceLrGrid`, one run of the
 *    full budget from the tuning seed u = seed + 1000 (start `task.init(u)`, minibatches u·T …),
 *    disjoint from the reported seeds; diverged runs score +∞; the lowest wins (ties: smaller rate).
 * 2. Reported runs (`runFixed`): the chosen rate on seeds seed … seed + K − 1, each from
 *    `task.init(s)` (a random start per seed for the multimodal functions) with minibatches
 *    s·T …; evaluated on train and test. Metrics per seed: `runMetrics` (final training loss,
 *    test metric, mean loss over the run, steps to the task's target).
 * An untuned contestant (`tuned: false`: Celo, Celo-Adam) skips step 1 (`lr` null, no tuning
 * points). Every `make` gets the task's `ContestantTask` (tensor shapes, horizon T).
 * Divergence is the toolkit's one rule. Loop contract: progress `{ label: <task>, done, total }`
 * in runs; on abort ABORTED `{ iteration, partial }` with this task's finished contestants.
 */

export interface TuningPoint {
  lr: number;
  /** Final training loss of the tuning run; null when it diverged. */
  loss: number | null;
}

export interface RaceRun {
  optimizer: string;
  config: string;
  /** The tuned rate; null for an untuned contestant (no learning rate). */
  lr: number | null;
  /** One point per grid rate; empty for an untuned contestant. */
  tuning: TuningPoint[];
  /** Final training loss over the reported seeds (mean ± sample sd; diverged seeds excluded and counted). */
  finalLoss: SeedSummary;
  /** Test loss, or test accuracy where the task has one, over the seeds. */
  test: SeedSummary & { metric: 'loss' | 'accuracy' };
  /** Mean minibatch loss over the run (area under the curve / steps), over the seeds. */
  auc: SeedSummary;
  /** Mean step at which the target was first reached, over the seeds that reached it; `hits` of n. */
  stepsToTarget: { mean: number | null; hits: number; n: number };
  /** Per-seed metrics. */
  seeds: RunMetrics[];
  /** Mean minibatch loss over the seeds that did not diverge, sampled (≤ ~200 points). */
  curve: { step: number[]; loss: number[] };
  /** Wall time of the reported runs in milliseconds (not reproducible). */
  elapsedMs: number;
}

export interface RaceTaskResult {
  name: string;
  description: string;
  size: number;
  steps: number;
  threshold: number;
  randomStart: boolean;
  /** Mean initial training loss over the reported seeds. */
  initialLoss: number;
  /** One entry per contestant, in `contestants` order (fewer in a partial result). */
  runs: RaceRun[];
}

export interface RaceTaskOptions extends LoopOptions {
  seed: number;
  quick: boolean;
  /** Reported seeds per task. */
  seeds: number;
}

/** Tuning plus reported runs for one task: the progress total. */
export function raceWork(quick: boolean, seeds: number): number {
  return contestants.reduce((a, c) => a + (c.tuned ? raceLrGrid(quick).length : 0) + seeds, 0);
}

/** Mean of the per-step losses over runs, sampled to about 200 points (bucket means when `smooth`). */
export function meanCurve(records: Float64Array[], steps: number, smooth: boolean): { step: number[]; loss: number[] } {
  const stride = Math.max(1, Math.ceil(steps / 200));
  const step: number[] = [];
  const loss: number[] = [];
  if (records.length === 0) return { step, loss };
  for (let t = 0; t < steps; t += stride) {
    const end = smooth ? Math.min(t + stride, steps) : t + 1;
    let s = 0;
    for (let u = t; u < end; u++) s += mean(records.map((r) => r[u]!));
    step.push(t);
    loss.push(s / (end - t));
  }
  return { step, loss };
}

/** Races every contestant on one task (see the protocol above). */
export async function raceTask(name: string, entry: RaceTaskEntry, steps: number, o: RaceTaskOptions): Promise<RaceTaskResult> {
  const loop = new Loop('race', o, { label: name, total: raceWork(o.quick, o.seeds) });
  loop.check(0);
  const task: Task = await entry.make();
  const grid = raceLrGrid(o.quick);
  const seeds = Array.from({ length: o.seeds }, (_, i) => (o.seed + i) >>> 0);
  const tuneSeed = (o.seed + 1000) >>> 0;
  const result: RaceTaskResult = {
    name,
    description: entry.description,
    size: task.size,
    steps,
    threshold: entry.threshold,
    randomStart: entry.randomStart,
    initialLoss: mean(seeds.map((s) => task.evaluate(task.init(s), 'train').loss)),
    runs: [],
  };
  let done = 0;
  loop.progress(0);
  try {
    const info = contestantTask(task, steps);
    for (const c of contestants) {
      await c.prepare?.();
      let lr: number | null = null;
      let scores: number[] = [];
      if (c.tuned) {
        const tuned = await tuneLr((x) => c.make(x, info), task, grid, { steps, seed: tuneSeed, batchOffset: tuneSeed * steps, signal: o.signal }).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'INVALID_ARGUMENT') return { lr: grid[0]!, grid, scores: grid.map(() => Infinity) };
          throw e;
        });
        [lr, scores] = [tuned.lr, tuned.scores];
        done += grid.length;
        loop.progress(done);
      }
      result.runs.push(await reported(c, lr, c.tuned ? grid : [], scores, info, task, steps, seeds, entry, async () => {
        done += 1;
        await loop.tick(done);
      }, o.signal));
    }
  } catch (err) {
    if (isAborted(err)) throw abortedError('race', done, result);
    throw err;
  } finally {
    task.dispose?.();
  }
  loop.finish();
  return result;
}

async function reported(c: Contestant, lr: number | null, grid: number[], scores: number[], info: ContestantTask, task: Task, steps: number, seeds: number[], entry: RaceTaskEntry, tick: () => Promise<void>, signal?: AbortSignal): Promise<RaceRun> {
  const metrics: RunMetrics[] = [];
  const records: Float64Array[] = [];
  let accuracy = false;
  let elapsed = 0;
  for (const s of seeds) {
    const r = await runFixed(c.make(lr ?? NaN, info), task, steps, { seed: s, batchOffset: s * steps, evalSplits: ['train', 'test'], ...(signal ? { signal } : {}) });
    const m = runMetrics(r, s, steps, entry.threshold);
    metrics.push(m);
    accuracy ||= m.testAccuracy !== null;
    elapsed += r.elapsedMs;
    if (!m.diverged) records.push(r.losses);
    await tick();
  }
  const hits = metrics.map((m) => m.stepsToTarget).filter((x): x is number => x !== null);
  const [finalLoss, test, auc] = summarizeSeeds([
    { name: 'final', values: metrics.map((m) => m.finalLoss) },
    { name: 'test', values: metrics.map((m) => (accuracy ? (m.testAccuracy ?? NaN) : (m.testLoss ?? NaN))) },
    { name: 'auc', values: metrics.map((m) => m.auc) },
  ]);
  return {
    optimizer: c.name,
    config: c.config,
    lr,
    tuning: grid.map((g, i) => ({ lr: g, loss: Number.isFinite(scores[i]!) ? scores[i]! : null })),
    finalLoss: finalLoss!,
    test: { ...test!, metric: accuracy ? 'accuracy' : 'loss' },
    auc: auc!,
    stepsToTarget: { mean: hits.length ? mean(hits) : null, hits: hits.length, n: metrics.length },
    seeds: metrics,
    curve: meanCurve(records, steps, entry.smooth),
    elapsedMs: Math.round(elapsed * 10) / 10,
  };
}
