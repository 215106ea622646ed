import { MetaoptimError } from '../core/errors.js';
import type { Optimizer } from '../optim/types.js';
import { ready } from '../runtime/runtime.js';
import type { Evaluation, Task } from '../tasks/types.js';
import { type Contestant, contestants, lrGrid } from './contestants.js';
import type { RaceTaskEntry } from './tasks.js';

/**
 * The race protocol, for one task:
 * 1. Tuning: for every optimizer and every learning rate of the grid (`lrGrid`), a short
 *    run of ⌈steps/4⌉ steps from a different start (`task.init(seed + 1)`; Rosenbrock's
 *    start is fixed); its score is the loss (`evaluate('train')`) at the end; diverged runs
 *    score +∞. The learning rate with the lowest score wins (ties: the smaller rate).
 * 2. Final run: `steps` steps from `task.init(seed)` with the chosen rate; minibatch `t` at
 *    step t. The loss before each step is recorded (Eve receives it with the gradient).
 * A run diverges when a loss or gradient is non-finite or the loss exceeds 1e8·(|f₀| + 1).
 * Aborting (`signal`) rejects with `MetaoptimError('ABORTED')`.
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
  /** Lowest per-step loss seen. */
  bestLoss: number;
  /** First step t whose loss (before the update) is ≤ the threshold; null if never. */
  stepsToThreshold: number | null;
  diverged: boolean;
  /** Step at which the run diverged, or null. */
  divergedAt: number | null;
  /** Wall time of the final run in milliseconds (not reproducible). */
  wallMs: number;
  /** Sampled loss curve (≤ ~200 points); null entries after divergence are omitted. */
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
  runs: RaceRun[];
}

export interface RaceContext {
  seed: number;
  quick: boolean;
  signal?: AbortSignal;
  /** Called with the number of steps just completed. */
  tick(steps: number): void;
}

interface Outcome {
  losses: Float64Array;
  diverged: boolean;
  divergedAt: number | null;
  final: Evaluation | null;
  test: Evaluation | null;
  wallMs: number;
}

const TICK = 256;

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new MetaoptimError('ABORTED', 'race: aborted');
}

/** Yields to the event loop about every 50 ms so Ctrl-C and progress redraws get through. */
function makeYielder(signal?: AbortSignal) {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < 50) return;
    await new Promise<void>((r) => setImmediate(r));
    last = performance.now();
    aborted(signal);
  };
}

async function runOnce(task: Task, opt: Optimizer, init: Float32Array, steps: number, ctx: RaceContext, yieldNow: () => Promise<void>): Promise<Outcome> {
  aborted(ctx.signal);
  const n = task.size;
  const losses = new Float64Array(steps + 1).fill(NaN);
  const params = new Float32Array(n);
  const grad = new Float32Array(n);
  const state = opt.init(init);
  const t0 = performance.now();
  let diverged = false;
  let divergedAt: number | null = null;
  let limit = Infinity;
  let pending = 0;
  try {
    for (let t = 0; t < steps; t++) {
      params.set(state.params);
      const loss = task.loss(params, t, grad);
      losses[t] = loss;
      if (t === 0) limit = 1e8 * (Math.abs(loss) + 1);
      if (!Number.isFinite(loss) || loss > limit) {
        diverged = true;
        divergedAt = t;
        break;
      }
      try {
        opt.step(state, grad, { loss });
      } catch (e) {
        if (e instanceof MetaoptimError && e.code === 'NON_FINITE_GRADIENT') {
          diverged = true;
          divergedAt = t;
          break;
        }
        throw e;
      }
      if (++pending === TICK) {
        ctx.tick(pending);
        pending = 0;
        await yieldNow();
      }
    }
    let final: Evaluation | null = null;
    let test: Evaluation | null = null;
    if (!diverged) {
      params.set(state.params);
      losses[steps] = task.loss(params, steps);
      final = task.evaluate(params, 'train');
      test = task.evaluate(params, 'test');
      if (!Number.isFinite(losses[steps]!) || !Number.isFinite(final.loss)) {
        diverged = true;
        divergedAt = steps;
        final = null;
        test = null;
      }
    }
    const wallMs = performance.now() - t0;
    ctx.tick(steps - (diverged ? divergedAt! : steps) + pending);
    return { losses, diverged, divergedAt, final, test, wallMs };
  } finally {
    state.dispose();
  }
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
  return contestants.length * (lrGrid(quick).length * tuneSteps(steps) + steps);
}

export function tuneSteps(steps: number): number {
  return Math.max(1, Math.ceil(steps / 4));
}

async function tune(task: Task, c: Contestant, init: Float32Array, steps: number, grid: number[], ctx: RaceContext, y: () => Promise<void>): Promise<{ lr: number; points: TuningPoint[] }> {
  const points: TuningPoint[] = [];
  let best = Infinity;
  let bestLr = grid[0]!;
  for (const lr of grid) {
    const o = await runOnce(task, c.make(lr), init, steps, ctx, y);
    const loss = o.final ? o.final.loss : null;
    points.push({ lr, loss });
    if (loss !== null && loss < best) {
      best = loss;
      bestLr = lr;
    }
  }
  return { lr: bestLr, points };
}

/** Races every contestant on one task (see the protocol above). */
export async function raceTask(name: string, entry: RaceTaskEntry, steps: number, ctx: RaceContext): Promise<RaceTaskResult> {
  await ready();
  const task = await entry.make(ctx.seed);
  try {
    const grid = lrGrid(ctx.quick);
    const ts = tuneSteps(steps);
    const finalInit = task.init(ctx.seed);
    const tuneInit = task.init((ctx.seed + 1) >>> 0);
    const y = makeYielder(ctx.signal);
    const runs: RaceRun[] = [];
    for (const c of contestants) {
      const tuned = await tune(task, c, tuneInit, ts, grid, ctx, y);
      const o = await runOnce(task, c.make(tuned.lr), finalInit, steps, ctx, y);
      let best = Infinity;
      let hit: number | null = null;
      for (let t = 0; t <= steps; t++) {
        const v = o.losses[t]!;
        if (!Number.isFinite(v)) continue;
        if (v < best) best = v;
        if (hit === null && v <= entry.threshold) hit = t;
      }
      runs.push({
        optimizer: c.name,
        config: c.config,
        lr: tuned.lr,
        tuning: tuned.points,
        finalLoss: o.final ? o.final.loss : null,
        test: o.test,
        bestLoss: best,
        stepsToThreshold: hit,
        diverged: o.diverged,
        divergedAt: o.divergedAt,
        wallMs: Math.round(o.wallMs * 10) / 10,
        curve: sampleCurve(o.losses, !!entry.smooth),
      });
    }
    return {
      name,
      description: entry.description,
      size: task.size,
      steps,
      tuneSteps: ts,
      threshold: entry.threshold,
      initialLoss: task.evaluate(finalInit, 'train').loss,
      runs,
    };
  } finally {
    task.dispose?.();
  }
}
