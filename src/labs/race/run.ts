import { type LoopOptions, type ProgressEvent, Loop, abortedError, isAborted } from '../../core/loop.js';
import type { Evaluation, Task } from '../../tasks/types.js';
import { runFixed, tuneLr } from '../protocol.js';
import { contestants, raceLrGrid } from './contestants.js';
import type { RaceTaskEntry } from './tasks.js';

/**
 * The race protocol for one task, on the protocol toolkit (labs/protocol.ts):
 * 1. Tuning (`tuneLr`, score 'finalLoss'): for every optimizer and every rate of the grid
 *    (`raceLrGrid`), one `runFixed` run of ⌈steps/4⌉ steps from another start than the final
 *    run (`task.init(seed + 1)`; Rosenbrock's start is fixed), scored by `evaluate('train')`
 *    at its end; diverged runs score +∞; the lowest score wins (ties: the smaller rate).
 * 2. Final run (`runFixed`): `steps` steps from `task.init(seed)` with the chosen rate;
 *    minibatch t at step t; the loss before each step is recorded (Eve receives it with the
 *    gradient), then `evaluate('train')` and `evaluate('test')` at the end.
 * Divergence is the toolkit's one rule (`DIVERGENCE_FACTOR`): a non-finite loss or gradient,
 * or a loss above 1e8·(|L₀| + 1).
 *
 * Loop contract: progress `{ label: <task name>, done, total }` in optimizer steps (tuning
 * plus final); on abort rejects with ABORTED `{ iteration, partial }` where `partial` is
 * this task's `RaceTaskResult` with the runs that finished.
 */

export interface TuningPoint {
  lr: number;
  /** Loss at the end of the tuning run; null when it diverged. */
  loss: number | null;
}

export interface RaceRun {
  optimizer: string;
  config: string;
  lr: number;
  tuning: TuningPoint[];
  /** `evaluate('train')` at the end; null when the run diverged. */
  finalLoss: number | null;
  /** `evaluate('test')` at the end (the same as finalLoss for deterministic functions). */
  test: Evaluation | null;
  /** Lowest loss seen (per-step losses and the final evaluation). */
  bestLoss: number;
  /** First step t whose loss (before the update; t = steps: the final loss) is ≤ the threshold; null if never. */
  stepsToThreshold: number | null;
  diverged: boolean;
  /** Step at which the run diverged, or null. */
  divergedAt: number | null;
  /** Wall time of the final run in milliseconds (not reproducible). */
  elapsedMs: number;
  /** Sampled loss curve (≤ ~200 points), up to the divergence. */
  curve: { step: number[]; loss: number[] };
}

export interface RaceTaskResult {
  name: string;
  description: string;
  size: number;
  steps: number;
  tuneSteps: number;
  threshold: number;
  /** Loss at the final run's start. */
  initialLoss: number;
  /** One entry per contestant, in `contestants` order (fewer in a partial result). */
  runs: RaceRun[];
}

export interface RaceTaskOptions extends LoopOptions {
  seed: number;
  quick: boolean;
}

/** Downsamples a loss record to about 200 points: losses at sampled steps, or bucket means when `smooth`. */
export function sampleCurve(losses: Float64Array, smooth: boolean): { step: number[]; loss: number[] } {
  const steps = losses.length - 1;
  const stride = Math.max(1, Math.ceil(steps / 200));
  const step: number[] = [];
  const loss: number[] = [];
  for (let t = 0; t <= steps; t += stride) {
    let v = losses[t]!;
    if (smooth && stride > 1) {
      let s = 0;
      let c = 0;
      for (let u = t; u < Math.min(t + stride, steps + 1); u++) {
        if (Number.isFinite(losses[u]!)) {
          s += losses[u]!;
          c++;
        }
      }
      v = c > 0 ? s / c : NaN;
    }
    if (!Number.isFinite(v)) break;
    step.push(t);
    loss.push(v);
  }
  if (step[step.length - 1] !== steps && Number.isFinite(losses[steps]!)) {
    step.push(steps);
    loss.push(losses[steps]!);
  }
  return { step, loss };
}

/** Steps of tuning plus final runs for one task: the progress total. */
export function raceWork(steps: number, quick: boolean): number {
  return contestants.length * (raceLrGrid(quick).length * tuneSteps(steps) + steps);
}

export function tuneSteps(steps: number): number {
  return Math.max(1, Math.ceil(steps / 4));
}

/** Races every contestant on one task (see the protocol above). */
export async function raceTask(name: string, entry: RaceTaskEntry, steps: number, o: RaceTaskOptions): Promise<RaceTaskResult> {
  const loop = new Loop('race', o, { label: name, total: raceWork(steps, o.quick) });
  loop.check(0);
  const task: Task = await entry.make(o.seed);
  const grid = raceLrGrid(o.quick);
  const ts = tuneSteps(steps);
  const result: RaceTaskResult = {
    name,
    description: entry.description,
    size: task.size,
    steps,
    tuneSteps: ts,
    threshold: entry.threshold,
    initialLoss: task.evaluate(task.init(o.seed), 'train').loss,
    runs: [],
  };
  let done = 0;
  // progress of a sub-run, in race steps: `base` steps were done before it, `scale` race steps per unit
  const forward = (base: number, scale: number) => (e: ProgressEvent) => {
    done = base + e.done * scale;
    loop.progress(done);
  };
  loop.progress(0);
  try {
    for (const c of contestants) {
      const base = done;
      const tuned = await tuneLr(c.make, task, grid, {
        steps: ts,
        runs: 1,
        score: 'finalLoss',
        seed: (o.seed + 1) >>> 0,
        onProgress: forward(base, ts),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const r = await runFixed(c.make(tuned.lr), task, steps, {
        seed: o.seed,
        evalSplits: ['train', 'test'],
        onProgress: forward(base + grid.length * ts, 1),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      done = base + grid.length * ts + steps;
      result.runs.push(raceRun(c, tuned.lr, grid, tuned.scores, r, steps, entry));
      loop.progress(done);
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

function raceRun(
  c: (typeof contestants)[number],
  lr: number,
  grid: number[],
  scores: number[],
  r: Awaited<ReturnType<typeof runFixed>>,
  steps: number,
  entry: RaceTaskEntry,
): RaceRun {
  const diverged = r.diverged || !Number.isFinite(r.finalLoss);
  // the per-step record: L_0 … L_{steps−1} before each update, then the final evaluation at `steps`
  const rec = new Float64Array(steps + 1).fill(NaN);
  rec.set(r.losses);
  if (!diverged) rec[steps] = r.finalLoss;
  let best = Infinity;
  let hit: number | null = null;
  for (let t = 0; t <= steps; t++) {
    const v = rec[t]!;
    if (!Number.isFinite(v)) continue;
    if (v < best) best = v;
    if (hit === null && v <= entry.threshold) hit = t;
  }
  return {
    optimizer: c.name,
    config: c.config,
    lr,
    tuning: grid.map((g, i) => ({ lr: g, loss: Number.isFinite(scores[i]!) ? scores[i]! : null })),
    finalLoss: diverged ? null : r.finalLoss,
    test: diverged ? null : (r.final.test ?? null),
    bestLoss: best,
    stepsToThreshold: hit,
    diverged,
    divergedAt: diverged ? (r.divergedAt ?? steps) : null,
    elapsedMs: Math.round(r.elapsedMs * 10) / 10,
    curve: sampleCurve(rec, !!entry.smooth),
  };
}
