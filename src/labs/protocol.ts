import { MetaoptimError, checkOptions } from '../core/errors.js';
import { type LoopOptions, LOOP_OPTION_KEYS, Loop } from '../core/loop.js';
import { iqm, mean, ranks, sd } from '../core/stats.js';
import type { Optimizer } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { DIVERGENCE_FACTOR, type TrainResult, train } from '../tasks/train.js';
import type { Split, Task } from '../tasks/types.js';

/**
 * The one experimental protocol every lab uses, so that a number in one doc compares with a
 * number in another:
 * - `runFixed`: T steps of `train` with the one divergence rule (non-finite loss or gradient,
 *   or a loss above `DIVERGENCE_FACTOR`·(|L₀| + 1)); a diverged run scores +∞.
 * - `lrGrid`: log-spaced learning rates; the default is the 7-point half-decade grid.
 * - `tuneLr`: argmin of a score over the grid (first in grid order on ties; +∞ for diverged).
 * - `summarizeSeeds`: per-contestant mean ± sample sd, IQM and n over seeds.
 * - `resultsHeader`: the header every results.json starts with.
 */

export interface RunFixedOptions extends LoopOptions {
  /** Batch index of step 0 (default 0). */
  batchOffset?: number;
  /** Splits evaluated at the end (default `['train']`; `[]` for none). */
  evalSplits?: Split[];
  /** Divergence factor (default `DIVERGENCE_FACTOR` = 1e8). */
  divergenceFactor?: number;
  runtime?: Runtime;
}

/** One scored run: `train`'s result plus the protocol's figures. */
export interface FixedRun extends TrainResult {
  diverged: boolean;
  /** Σ_t L_t over the minibatch losses (+∞ when diverged). */
  summedLoss: number;
  /** The last minibatch loss (+∞ when diverged). */
  lastLoss: number;
  /** `evaluate('train').loss` at the end when evaluated, else `lastLoss` (+∞ when diverged). */
  finalLoss: number;
}

const RUN_FIXED_KEYS = [...LOOP_OPTION_KEYS, 'batchOffset', 'evalSplits', 'divergenceFactor', 'runtime'];

/**
 * `steps` steps of `optimizer` on `task` from `task.init(seed)`, scored under the one divergence rule.
 * Defaults: evalSplits `['train']`, batchOffset 0, divergence factor 1e8 (`DIVERGENCE_FACTOR`).
 * Errors: those of `train`, `ABORTED`.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { runFixed } from 'metaoptim/labs';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * const r = await runFixed(adam({ lr: 1e6 }), rastriginTask({ n: 4 }), 100, { seed: 0 }); // a huge lr diverges
 * console.log(r.diverged); // true
 * ```
 */
export async function runFixed(optimizer: Optimizer, task: Task, steps: number, o: RunFixedOptions = {}): Promise<FixedRun> {
  checkOptions('runFixed', o, RUN_FIXED_KEYS);
  let r: TrainResult;
  try {
    r = await train(task, optimizer, {
      steps,
      seed: o.seed ?? 0,
      batchOffset: o.batchOffset ?? 0,
      evalSplits: o.evalSplits ?? ['train'],
      divergence: { factor: o.divergenceFactor ?? DIVERGENCE_FACTOR },
      ...(o.runtime ? { runtime: o.runtime } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
  } catch (err) {
    // A non-finite result the optimizer refuses (policy 'throw') is a divergence, not a failure.
    if (err instanceof MetaoptimError && err.code.startsWith('NON_FINITE')) {
      const losses = new Float64Array(0);
      return { task: task.name, optimizer: optimizer.name, steps: 0, losses, evals: [], final: {}, params: new Float32Array(0), skipped: 0, divergedAt: 0, elapsedMs: 0, diverged: true, summedLoss: Infinity, lastLoss: Infinity, finalLoss: Infinity };
    }
    throw err;
  }
  const diverged = r.divergedAt !== null;
  let summed = 0;
  for (const l of r.losses) summed += l;
  const lastLoss = diverged || r.losses.length === 0 ? (diverged ? Infinity : NaN) : r.losses[r.losses.length - 1]!;
  const evaluated = r.final.train?.loss;
  const finalLoss = diverged ? Infinity : evaluated !== undefined && Number.isFinite(evaluated) ? evaluated : evaluated !== undefined ? Infinity : lastLoss;
  return { ...r, diverged, summedLoss: diverged ? Infinity : summed, lastLoss, finalLoss };
}

/**
 * Log-spaced learning rates `center·10^(k/perDecade)` for k = −⌊points/2⌋ … (3 significant
 * digits). Defaults: 7 points, 2 per decade (half-decade), centred on 1e-3: 1e-4.5 … 1e-1.5.
 * `{ min, max }` instead gives every half-decade (or 1/perDecade) point from min to max.
 * @example
 * ```ts
 * import { lrGrid } from 'metaoptim/labs';
 * console.log(lrGrid({ center: 1e-2, points: 5, perDecade: 1 })); // [ 0.0001, 0.001, 0.01, 0.1, 1 ]
 * console.log(lrGrid({ min: 1e-3, max: 1e-1 }));                  // [ 0.001, 0.00316, 0.01, 0.0316, 0.1 ]
 * ```
 */
export function lrGrid(o: { center?: number; points?: number; perDecade?: number; min?: number; max?: number } = {}): number[] {
  checkOptions('lrGrid', o, ['center', 'points', 'perDecade', 'min', 'max']);
  const per = o.perDecade ?? 2;
  if (!(per > 0)) throw new MetaoptimError('INVALID_ARGUMENT', `lrGrid: perDecade must be positive, got ${per}`);
  const round = (x: number) => Number(x.toPrecision(3));
  if (o.min !== undefined || o.max !== undefined) {
    if (!(o.min! > 0 && o.max! >= o.min!)) throw new MetaoptimError('INVALID_ARGUMENT', `lrGrid: need 0 < min ≤ max, got ${o.min}, ${o.max}`);
    const n = Math.floor(Math.log10(o.max! / o.min!) * per + 1e-9);
    return Array.from({ length: n + 1 }, (_, k) => round(o.min! * Math.pow(10, k / per)));
  }
  const points = o.points ?? 7;
  const center = o.center ?? 1e-3;
  if (!Number.isInteger(points) || points < 1) throw new MetaoptimError('INVALID_ARGUMENT', `lrGrid: points must be a positive integer, got ${points}`);
  if (!(center > 0)) throw new MetaoptimError('INVALID_ARGUMENT', `lrGrid: center must be positive, got ${center}`);
  const lo = -Math.floor(points / 2);
  return Array.from({ length: points }, (_, k) => round(center * Math.pow(10, (lo + k) / per)));
}

/** What a tuning run is scored by; lower is better. */
export type TuneScore = 'finalLoss' | 'summedLoss' | 'lastLoss' | ((run: FixedRun) => number);

export interface TuneLrOptions extends RunFixedOptions {
  /** Steps per tuning run (default 100). */
  steps?: number;
  /** Runs per grid point, run r from `task.init(seed + r)` (default 1); scores are summed. */
  runs?: number;
  /** Score of a run (default 'finalLoss'). */
  score?: TuneScore;
}

export interface TuneLrResult {
  lr: number;
  grid: number[];
  /** Score per grid point, in grid order; +∞ for a diverged point. */
  scores: number[];
}

const TUNE_KEYS = [...RUN_FIXED_KEYS, 'steps', 'runs', 'score'];

/**
 * Tunes the learning rate of `make(lr)` on `task` over `grid`: each point is scored by
 * `runs` `runFixed` runs (summed), and the argmin wins (first in grid order on ties).
 * Tuning seeds are the caller's: pass seeds disjoint from the reported ones.
 * Errors: INVALID_ARGUMENT (empty grid, every point diverged), ABORTED.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { lrGrid, tuneLr } from 'metaoptim/labs';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * const best = await tuneLr((lr) => adam({ lr }), rastriginTask({ n: 4 }), lrGrid({ center: 1e-2 }), { steps: 200, seed: 100 });
 * console.log(best.lr, best.grid.length); // the argmin of the final loss over 7 rates
 * ```
 */
export async function tuneLr(make: (lr: number) => Optimizer, task: Task, grid: readonly number[], o: TuneLrOptions = {}): Promise<TuneLrResult> {
  checkOptions('tuneLr', o, TUNE_KEYS);
  if (grid.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'tuneLr: the grid is empty');
  const runs = o.runs ?? 1;
  const steps = o.steps ?? 100;
  const score = o.score ?? 'finalLoss';
  const pick = typeof score === 'function' ? score : (r: FixedRun) => r[score];
  const loop = new Loop('tuneLr', { signal: o.signal, onProgress: o.onProgress }, { label: `tune ${task.name}`, total: grid.length * runs });
  const scores: number[] = [];
  const { steps: _s, runs: _r, score: _c, onProgress: _p, ...runOpts } = o;
  for (const [i, lr] of grid.entries()) {
    let total = 0;
    for (let r = 0; r < runs && Number.isFinite(total); r++) {
      const run = await runFixed(make(lr), task, steps, { ...runOpts, seed: (o.seed ?? 0) + r });
      const s = run.diverged ? Infinity : pick(run);
      total += Number.isNaN(s) ? Infinity : s;
      await loop.tick(i * runs + r + 1, () => ({ grid: [...grid], scores: [...scores] }));
    }
    scores.push(total);
  }
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!) && (best < 0 || scores[i]! < scores[best]!)) best = i;
  if (best < 0) throw new MetaoptimError('INVALID_ARGUMENT', `tuneLr: every learning rate diverged on ${task.name}`);
  loop.finish();
  return { lr: grid[best]!, grid: [...grid], scores };
}

/** Per-contestant summary over seeds. */
export interface SeedSummary {
  name: string;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  iqm: number;
  n: number;
  /** Runs whose value was not finite (diverged); they are excluded from mean/sd/IQM. */
  diverged: number;
}

/**
 * mean ± sd, IQM and n per contestant over seeds; non-finite values count as diverged.
 * @example
 * ```ts
 * import { formatMeanSd, summarizeSeeds } from 'metaoptim/labs';
 * const [s] = summarizeSeeds([{ name: 'adam', values: [0.1, 0.2, 0.3, NaN] }]);
 * console.log(s!.n, s!.diverged, formatMeanSd(s!)); // 3 1 0.2 ± 0.1 (1 diverged)
 * ```
 */
export function summarizeSeeds(rows: { name: string; values: ArrayLike<number> }[]): SeedSummary[] {
  return rows.map(({ name, values }) => {
    const ok = Array.from(values).filter(Number.isFinite);
    return { name, mean: mean(ok), sd: sd(ok), iqm: iqm(ok), n: ok.length, diverged: values.length - ok.length };
  });
}

/**
 * "0.123 ± 0.045" with `digits` significant digits (and " (k diverged)" when any did).
 * @example
 * ```ts
 * import { formatMeanSd } from 'metaoptim/labs';
 * console.log(formatMeanSd({ mean: 0.4217, sd: 0.0474, diverged: 0 })); // 0.422 ± 0.0474
 * ```
 */
export function formatMeanSd(s: Pick<SeedSummary, 'mean' | 'sd' | 'diverged'>, digits = 3): string {
  const f = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : String(x));
  return `${f(s.mean)} ± ${f(s.sd)}${s.diverged ? ` (${s.diverged} diverged)` : ''}`;
}

/** The header every lab's results.json starts with. */
export interface ResultsHeader {
  lab: string;
  /** Version of this lab's results format. */
  version: number;
  seed: number;
  quick: boolean;
  /** The kernel build that ran ('simd' | 'scalar'). */
  build: string;
  elapsedMs: number;
  /** True when the run was aborted and the results hold only what finished. */
  partial: boolean;
}

/**
 * The results header with exactly the documented fields, in order (extra fields are dropped).
 * @example
 * ```ts
 * import { resultsHeader } from 'metaoptim/labs';
 * const h = resultsHeader({ lab: 'my-lab', version: 1, seed: 0, quick: true, build: 'simd', elapsedMs: 1234, partial: false });
 * console.log(JSON.stringify(h));
 * ```
 */
export function resultsHeader(h: ResultsHeader): ResultsHeader {
  return { lab: h.lab, version: h.version, seed: h.seed, quick: h.quick, build: h.build, elapsedMs: h.elapsedMs, partial: h.partial };
}

// ---- The three-budget protocol (issue 13; Schmidt, Schneider & Hennig 2021) -----------------

/** How much tuning a contestant gets: library defaults, the 7-point lr grid, or lr × one extra grid. */
export type Budget = 'oneShot' | 'small' | 'large';

/** All three budgets, in order. */
export const BUDGETS: readonly Budget[] = ['oneShot', 'small', 'large'];

/**
 * What a contestant may know of the task it is made for: optimizers that factor tensors or
 * schedule over the horizon (Celo: `numSteps`, `shapes`) read it; the others ignore it.
 */
export interface ContestantTask {
  name: string;
  /** Number of parameters. */
  size: number;
  /** Tensor shapes in parameter order: an MLP task's `model.tensors` shapes, else one vector `[[size]]`. */
  shapes: number[][];
  /** The run's horizon in steps (the reference's `num_steps`). */
  numSteps: number;
}

/**
 * The `ContestantTask` of `task` for a run of `steps` steps (shapes: `model.tensors` where the
 * task has a model with tensors, e.g. `MlpTask`; otherwise one vector).
 * @example
 * ```ts
 * import { contestantTask } from 'metaoptim/labs';
 * import { digitsMlpTask } from 'metaoptim/tasks';
 * const info = contestantTask(await digitsMlpTask({ hidden: [32] }), 1000);
 * console.log(info.shapes, info.numSteps); // [[32, 64], [32], [10, 32], [10]] 1000
 * ```
 */
export function contestantTask(task: Task, steps: number): ContestantTask {
  const tensors = (task as { model?: { tensors?: readonly { shape: readonly number[] }[] } }).model?.tensors;
  const shapes = tensors && tensors.length > 0 ? tensors.map((t) => [...t.shape]) : [[task.size]];
  return { name: task.name, size: task.size, shapes, numSteps: steps };
}

/**
 * An optimizer under the three-budget protocol. `make` builds it from a learning rate and the
 * value of its extra hyper-parameter (both `undefined` = the library default) for a run of
 * `steps` steps (decay schedules need the horizon); `task` (given by `runThreeBudgets` and the
 * race) describes the task: its tensor shapes and horizon (`contestantTask`). `defaultLr: null`
 * marks an optimizer without a learning rate (e.g. `learned()`, `celo()`): every budget is then
 * its one-shot run. `prepare` (optional) runs once before the first `make` (e.g. to load a
 * learned optimizer's θ).
 */
export interface ProtocolContestant {
  name: string;
  /** The configuration, as shown in reports. */
  config: string;
  defaultLr: number | null;
  /** The large budget's extra hyper-parameter: its name, grid and default value. */
  extra?: { name: string; values: readonly number[]; default: number };
  prepare?(): Promise<void>;
  make(h: { lr?: number; extra?: number; steps: number; task?: ContestantTask }): Optimizer;
}

/** One reported run's metrics. */
export interface RunMetrics {
  seed: number;
  /** `evaluate('train').loss` at the end (+∞ when diverged). */
  finalLoss: number;
  /** `evaluate('test')` at the end: loss, and accuracy where the task has one (null when diverged). */
  testLoss: number | null;
  testAccuracy: number | null;
  /** Area under the minibatch training-loss curve divided by the steps: mean_t L_t (+∞ when diverged). */
  auc: number;
  /** First step t with L_t ≤ target (t = steps: the final evaluation), or null. */
  stepsToTarget: number | null;
  diverged: boolean;
}

/** What one budget chose and how its reported seeds did. */
export interface BudgetResult {
  budget: Budget;
  lr: number | null;
  extra: number | null;
  /** Tuning scores (summed final training loss over the tuning seeds; +∞ diverged), by extra value then lr. */
  tuning: { extra: number | null; lrs: number[]; scores: number[] }[];
  runs: RunMetrics[];
}

export interface ThreeBudgetOptions extends LoopOptions {
  steps: number;
  target: number;
  /** Seeds of the reported runs (issue 13: ≥ 10 in full mode). */
  reportSeeds: readonly number[];
  /** Seeds of the tuning runs; must be disjoint from `reportSeeds`. */
  tuneSeeds: readonly number[];
  budgets?: readonly Budget[];
  /** Sampled loss curve: the mean minibatch loss of the reported seeds in this many buckets (default 0 = none). */
  curvePoints?: number;
}

/** Scores one finished run (see `RunMetrics`). */
export function runMetrics(r: FixedRun, seed: number, steps: number, target: number): RunMetrics {
  const diverged = r.diverged || !Number.isFinite(r.finalLoss);
  let hit: number | null = null;
  for (let t = 0; t < r.losses.length && hit === null; t++) if (r.losses[t]! <= target) hit = t;
  if (hit === null && !diverged && r.finalLoss <= target) hit = steps;
  const test = r.final.test;
  return {
    seed,
    finalLoss: diverged ? Infinity : r.finalLoss,
    testLoss: diverged || !test ? null : test.loss,
    testAccuracy: diverged || test?.accuracy === undefined ? null : test.accuracy,
    auc: diverged ? Infinity : r.summedLoss / Math.max(1, r.losses.length),
    stepsToTarget: diverged ? null : hit,
    diverged,
  };
}

/**
 * Runs one contestant on one task under the three-budget protocol:
 * - one-shot: the library defaults;
 * - small: the lr tuned (`tuneLr`, score = final training loss summed over `tuneSeeds`) on the
 *   7-point half-decade grid centred on the default lr (`lrGrid({ center: defaultLr })`);
 * - large: the lr grid × the contestant's extra grid (the small budget's column is reused for
 *   the default extra value); the best pair wins (first on ties).
 * Each chosen configuration is then run on every reported seed s: start `task.init(s)`,
 * minibatches s·steps … (tuning seed u likewise), evaluated on train and test; a budget whose
 * choice equals an earlier budget's reuses its runs (they would be identical).
 * Returns one `BudgetResult` per budget and, with `curvePoints`, each budget's mean curve.
 * Errors: INVALID_ARGUMENT (overlapping seeds, every lr diverged), ABORTED.
 */
export async function runThreeBudgets(c: ProtocolContestant, task: Task, o: ThreeBudgetOptions): Promise<{ budgets: BudgetResult[]; curves: Record<string, number[]> }> {
  checkOptions('runThreeBudgets', o, [...LOOP_OPTION_KEYS, 'steps', 'target', 'reportSeeds', 'tuneSeeds', 'budgets', 'curvePoints']);
  if (o.tuneSeeds.some((s) => o.reportSeeds.includes(s))) throw new MetaoptimError('INVALID_ARGUMENT', 'runThreeBudgets: tuning seeds must be disjoint from the reported seeds');
  const steps = o.steps;
  const wanted = o.budgets ?? BUDGETS;
  const loop = new Loop('runThreeBudgets', o, { label: `${task.name} ${c.name}`, total: wanted.length });
  await c.prepare?.();
  const info = contestantTask(task, steps);
  const tune = async (extra: number | undefined): Promise<{ lrs: number[]; scores: number[] }> => {
    const grid = lrGrid({ center: c.defaultLr! });
    const scores = grid.map(() => 0);
    for (const [k, s] of o.tuneSeeds.entries()) {
      const r = await tuneLr((lr) => c.make({ lr, extra, steps, task: info }), task, grid, { steps, seed: s, batchOffset: s * steps, signal: o.signal }).catch((e) => {
        if (e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT') return { scores: grid.map(() => Infinity) };
        throw e;
      });
      r.scores.forEach((v, i) => (scores[i] = k === 0 ? v : scores[i]! + v));
    }
    return { lrs: grid, scores };
  };
  const out: BudgetResult[] = [];
  const curves: Record<string, number[]> = {};
  let small: { lrs: number[]; scores: number[] } | undefined;
  const done = new Map<string, { runs: RunMetrics[]; curve: number[] | undefined }>();
  for (const [bi, budget] of wanted.entries()) {
    let lr: number | undefined;
    let extra: number | undefined;
    const tuning: BudgetResult['tuning'] = [];
    if (budget !== 'oneShot' && c.defaultLr !== null) {
      const extras = budget === 'large' && c.extra ? c.extra.values : [undefined];
      let best = Infinity;
      for (const x of extras) {
        const isDefault = x === undefined || x === c.extra?.default;
        const t = isDefault && small ? small : await tune(x);
        if (isDefault) small ??= t;
        tuning.push({ extra: x ?? null, ...t });
        t.scores.forEach((s, i) => {
          if (s < best) [best, lr, extra] = [s, t.lrs[i]!, x];
        });
      }
      if (lr === undefined) [lr, extra] = [c.defaultLr, undefined]; // every point diverged: report the defaults
    }
    // a configuration an earlier budget already ran (same lr and extra) is not run again
    const key = `${lr}|${extra}`;
    const seen = done.get(key);
    const runs: RunMetrics[] = seen ? seen.runs : [];
    if (!seen) {
      const sum = o.curvePoints ? new Float64Array(steps) : null;
      for (const s of o.reportSeeds) {
        const r = await runFixed(c.make({ lr, extra, steps, task: info }), task, steps, { seed: s, batchOffset: s * steps, evalSplits: ['train', 'test'], signal: o.signal });
        runs.push(runMetrics(r, s, steps, o.target));
        if (sum) for (let t = 0; t < steps; t++) sum[t] += r.diverged ? NaN : (r.losses[t] ?? NaN);
      }
      done.set(key, { runs, curve: sum ? bucketMeans(sum, o.curvePoints!, o.reportSeeds.length) : undefined });
    }
    const curve = done.get(key)!.curve;
    if (curve) curves[budget] = curve;
    out.push({ budget, lr: lr ?? (budget === 'oneShot' ? c.defaultLr : null), extra: extra ?? c.extra?.default ?? null, tuning, runs });
    await loop.tick(bi + 1, () => out);
  }
  loop.finish();
  return { budgets: out, curves };
}

function bucketMeans(sum: Float64Array, points: number, n: number): number[] {
  const stride = Math.max(1, Math.ceil(sum.length / points));
  const out: number[] = [];
  for (let t = 0; t < sum.length; t += stride) {
    let s = 0;
    let k = 0;
    for (let u = t; u < Math.min(t + stride, sum.length); u++, k++) s += sum[u]!;
    out.push(s / k / n);
  }
  return out;
}

/**
 * Aggregates a score table `score[task][contestant]` (lower is better; non-finite = worst):
 * win counts (the lowest score per task; ties share the win), per-task ranks (1 = best, ties get
 * their mean rank) and the mean rank per contestant across tasks.
 */
export function rankAcrossTasks(names: readonly string[], score: readonly (readonly number[])[]): { wins: number[]; ranks: number[][]; meanRank: number[] } {
  const wins = names.map(() => 0);
  const rk = score.map((row) => {
    const clean = row.map((v) => (Number.isFinite(v) ? v : Number.MAX_VALUE));
    const best = Math.min(...clean);
    clean.forEach((v, j) => {
      if (v === best) wins[j]! += 1;
    });
    return ranks(clean);
  });
  const meanRank = names.map((_, j) => mean(rk.map((r) => r[j]!)));
  return { wins, ranks: rk, meanRank };
}
