import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions, abortedError, isAborted } from '../../core/loop.js';
import { iqm, mean } from '../../core/stats.js';
import { adam, adamw } from '../../optim/adam.js';
import { lion } from '../../optim/lion.js';
import { cosineDecay } from '../../optim/schedules.js';
import type { Optimizer } from '../../optim/types.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import type { Task } from '../../tasks/types.js';
import { type FixedRun, lrGrid, runFixed, tuneLr } from '../protocol.js';
import { type HeldOutTask, taskShapes } from './suite.js';

/**
 * The held-out contest of `lab learned` (protocol of labs/protocol.ts):
 * - every (task, horizon T) pair of the suite; T ∈ `horizons` (default 200 and 2,000);
 * - a contestant with a `grid` is tuned per pair: `tuneLr` over its grid, `tuneRuns` runs of T
 *   steps from `task.init(TUNE_SEED + r)`, score = summed training loss (mean loss over the run);
 *   a contestant without a grid (a learned optimizer) is run as it is, never tuned;
 * - evaluation: `seeds` runs of T steps from `task.init(s)`, s = 0…seeds−1 (`runFixed`, the one
 *   divergence rule); per run the mean training minibatch loss, the final loss (mean of the last
 *   10 minibatch losses) and the test accuracy (classification tasks);
 * - the reference is the contestant named `reference` (default 'adam', tuned per pair):
 *   a win = a lower mean training loss (mean over seeds) than the reference's on that pair;
 *   speed-up = s_ref / s_c, where s_x is the first step at which the trailing 10-step mean of x's
 *   seed-averaged loss curve reaches the reference's final loss (0 if never; a pair with a
 *   diverged seed has speed-up 0), summarized as an IQM over pairs;
 *   final-loss ratio = final loss / the reference's final loss (its maximum over pairs is reported).
 * Contestants are an extensible array (`CONTESTANT_BASELINES` plus learned optimizers).
 */
export interface Contestant {
  name: string;
  /** lr grid to tune over per (task, horizon); absent: run as is. */
  grid?: readonly number[];
  make(lr: number | undefined, ctx: { task: Task; shapes: number[][]; steps: number }): Optimizer | Promise<Optimizer>;
}

/** Tuning runs start from `task.init(TUNE_SEED + r)`, evaluation runs from `task.init(s)`, s < seeds. */
export const CONTEST_TUNE_SEED = 10_000;
const ADAM_LIKE = lrGrid({ center: 1e-2, points: 7 });
const LION_GRID = lrGrid({ center: 1e-3, points: 7 });

/** The tuned baselines: Adam, Adam with cosine decay to 0, AdamW (λ = 1e-2), Lion — each on a 7-point half-decade grid. */
export const CONTESTANT_BASELINES: readonly Contestant[] = [
  { name: 'adam', grid: ADAM_LIKE, make: (lr) => adam({ lr: lr! }) },
  { name: 'adam+cosine', grid: ADAM_LIKE, make: (lr, c) => adam({ lr: cosineDecay({ init: lr!, decaySteps: c.steps }) }) },
  { name: 'adamw', grid: ADAM_LIKE, make: (lr) => adamw({ lr: lr!, weightDecay: 1e-2 }) },
  { name: 'lion', grid: LION_GRID, make: (lr) => lion({ lr: lr! }) },
];

export interface ContestRun {
  meanLoss: number;
  finalLoss: number;
  testAccuracy: number;
  diverged: boolean;
}

export interface ContestEntry {
  lr?: number;
  runs: ContestRun[];
  /** Steps to reach the reference's final loss (see above; Infinity if never). */
  stepsToTarget: number;
}

export interface ContestPair {
  task: string;
  steps: number;
  entries: Record<string, ContestEntry>;
}

export interface ContestSummary {
  name: string;
  pairs: number;
  wins: number;
  speedupIqm: number;
  divergences: number;
  maxFinalRatio: number;
  /** Geometric means over pairs of mean-loss and final-loss ratios to the reference. */
  meanLossRatio: number;
  finalLossRatio: number;
  testAccuracy: number;
}

export interface ContestResult {
  reference: string;
  seeds: number;
  tuneRuns: number;
  horizons: number[];
  pairs: ContestPair[];
  summary: ContestSummary[];
}

export interface ContestOptions extends LoopOptions {
  suite: readonly HeldOutTask[];
  contestants: readonly Contestant[];
  horizons?: readonly number[];
  seeds?: number;
  tuneRuns?: number;
  reference?: string;
  runtime?: Runtime;
}

const KEYS = [...LOOP_OPTION_KEYS, 'suite', 'contestants', 'horizons', 'seeds', 'tuneRuns', 'reference', 'runtime'];

function scored(r: FixedRun, steps: number): ContestRun {
  const last = Array.from(r.losses.subarray(Math.max(0, r.losses.length - 10)));
  return { meanLoss: r.diverged ? Infinity : r.summedLoss / steps, finalLoss: r.diverged ? Infinity : mean(last), testAccuracy: r.diverged ? 0 : r.final.test?.accuracy ?? NaN, diverged: r.diverged };
}

/**
 * First step (1-based) at which the trailing 10-step mean of `curve` is ≤ target (with a 1e−12
 * relative tolerance); Infinity if never. Each window is summed afresh (a running sum would
 * carry the cancellation error of early, large losses into the small late ones).
 */
export function stepsToReach(curve: ArrayLike<number>, target: number): number {
  for (let t = 0; t < curve.length; t++) {
    let acc = 0;
    const from = Math.max(0, t - 9);
    for (let i = from; i <= t; i++) acc += curve[i]!;
    if (acc / (t - from + 1) <= target + 1e-12 * Math.abs(target)) return t + 1;
  }
  return Infinity;
}

const geo = (xs: number[]) => Math.exp(mean(xs.map((x) => Math.log(x))));

/** Summaries per contestant over the finished pairs (see the module comment). */
export function summarizeContest(pairs: ContestPair[], names: string[], reference: string): ContestSummary[] {
  return names.map((name) => {
    const speed: number[] = [], mr: number[] = [], fr: number[] = [], acc: number[] = [];
    let wins = 0, div = 0;
    for (const p of pairs) {
      const e = p.entries[name]!, ref = p.entries[reference]!;
      const m = mean(e.runs.map((r) => r.meanLoss)), rm = mean(ref.runs.map((r) => r.meanLoss));
      const f = mean(e.runs.map((r) => r.finalLoss)), rf = mean(ref.runs.map((r) => r.finalLoss));
      if (m < rm) wins++;
      div += e.runs.filter((r) => r.diverged).length;
      speed.push(Number.isFinite(e.stepsToTarget) ? ref.stepsToTarget / e.stepsToTarget : 0);
      mr.push(m / rm);
      fr.push(f / rf);
      acc.push(...e.runs.map((r) => r.testAccuracy).filter((a) => !Number.isNaN(a)));
    }
    return { name, pairs: pairs.length, wins, speedupIqm: iqm(speed), divergences: div, maxFinalRatio: Math.max(...fr), meanLossRatio: geo(mr), finalLossRatio: geo(fr), testAccuracy: acc.length ? mean(acc) : NaN };
  });
}

/**
 * Runs the contest (see the module comment). Loop contract: progress per (task, horizon) pair;
 * an abort rejects with ABORTED whose `details.partial` is the `ContestResult` of the finished
 * pairs. Errors: UNKNOWN_OPTION, INVALID_ARGUMENT (no reference contestant, bad counts), ABORTED.
 */
export async function runContest(o: ContestOptions): Promise<ContestResult> {
  checkOptions('runContest', o, KEYS);
  const horizons = [...(o.horizons ?? [200, 2000])], seeds = o.seeds ?? 5, tuneRuns = o.tuneRuns ?? 1, reference = o.reference ?? 'adam';
  const names = o.contestants.map((c) => c.name);
  if (!names.includes(reference)) throw new MetaoptimError('INVALID_ARGUMENT', `runContest: no contestant named ${reference} (the reference)`);
  for (const [k, v] of [['seeds', seeds], ['tuneRuns', tuneRuns], ...horizons.map((h) => ['horizon', h] as const)] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MetaoptimError('INVALID_ARGUMENT', `runContest: ${k} must be a positive integer, got ${v}`);
  }
  const runtime = o.runtime ?? defaultRuntimeOrThrow();
  const loop = new Loop('runContest', o, { label: 'lab learned: held-out contest', total: o.suite.length * horizons.length });
  const pairs: ContestPair[] = [];
  const result = (): ContestResult => ({ reference, seeds, tuneRuns, horizons, pairs: [...pairs], summary: pairs.length ? summarizeContest(pairs, names, reference) : [] });
  loop.progress(0);
  for (const h of o.suite) {
    const task = await h.make(runtime);
    const shapes = taskShapes(task);
    try {
      for (const steps of horizons) {
        const ctx = { task, shapes, steps };
        const entries: Record<string, ContestEntry> = {};
        const curves: Record<string, Float64Array | null> = {};
        for (const c of o.contestants) {
          const lr = c.grid ? (await tuneLr((x) => c.make(x, ctx) as Optimizer, task, c.grid, { runs: tuneRuns, steps, score: 'summedLoss', seed: CONTEST_TUNE_SEED, evalSplits: [], runtime, signal: o.signal })).lr : undefined;
          const runs: ContestRun[] = [];
          const curve = new Float64Array(steps);
          let ok = true;
          for (let s = 0; s < seeds; s++) {
            const r = await runFixed(await c.make(lr, ctx), task, steps, { seed: s, evalSplits: ['test'], runtime, signal: o.signal });
            runs.push(scored(r, steps));
            if (r.diverged || r.losses.length < steps) ok = false;
            else for (let t = 0; t < steps; t++) curve[t]! += r.losses[t]! / seeds;
          }
          entries[c.name] = { ...(lr !== undefined ? { lr } : {}), runs, stepsToTarget: Infinity };
          curves[c.name] = ok ? curve : null;
        }
        const target = mean(entries[reference]!.runs.map((r) => r.finalLoss));
        for (const n of names) entries[n]!.stepsToTarget = curves[n] ? stepsToReach(curves[n]!, target) : Infinity;
        pairs.push({ task: h.id, steps, entries });
        await loop.tick(pairs.length, result);
      }
    } catch (err) {
      if (isAborted(err)) throw abortedError('runContest', pairs.length, result());
      throw err;
    } finally {
      task.dispose?.();
    }
  }
  loop.finish(pairs.length);
  return result();
}
