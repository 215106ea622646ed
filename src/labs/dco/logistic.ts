// Part 4 of `lab dco`: logistic regression on iris and wine as non-quadratic families (SPEC B.3.4).
// Per seed s (an independent repetition): a family with its own feature scales
// (src/tasks/logistic.ts), a pool of training tasks and disjoint held-out tasks (unseen seeds).
// 1. GD, heavy-ball momentum and Adam (f64, labs/dco/baselines.ts) are tuned on the first
//    `tuneTasks` training tasks by grid search over lr ∈ 10^(−3 … 1.5) in quarter decades (19
//    values; momentum also over β): the score is the full training-split cross-entropy after T
//    minibatch steps, averaged over those tasks; a diverged run scores +∞.
// 2. DCOG, DCOM, DCOGD start at the tuned rule (DCOG at tuned GD, DCOM and DCOGD at tuned heavy
//    ball) and are meta-trained on the pool: T-step unrolls over minibatch t at step t, task
//    mini-batches of `metaBatch`, meta-loss Σ_t f_t(x_t)/T, first-order meta-gradients (the tasks
//    have no Hessian-vector products), Adam on θ with per-array relative step sizes.
// 3. Every method runs T steps on each held-out task (same minibatches); reported: training-split
//    cross-entropy and test accuracy at x_T, averaged over the held-out tasks, then mean ± sample
//    sd over seeds (core/stats; a seed whose run diverged counts as diverged, not in the mean).
import { checkOptions, optionKeys } from '../../core/errors.js';
import { Loop } from '../../core/loop.js';
import { mixSeed } from '../../core/rng.js';
import { mean, sd } from '../../core/stats.js';
import { type DcoKind, type Parameterization, initTheta, materialize } from '../../dco/theta.js';
import { metaTrain } from '../../dco/train.js';
import { unroll } from '../../dco/unroll.js';
import { type LogisticDataset, type LogisticFamilyOptions, type LogisticTask, logisticFamily } from '../../tasks/logistic.js';
import { type SeedSummary, lrGrid, summarizeSeeds } from '../protocol.js';
import { type BaselineRule, curveDiverged, runBaseline, tuneBaseline } from './baselines.js';
import { type PartOptions, cancellable } from './common.js';

export const LOGISTIC_METHODS = ['GD (tuned)', 'momentum (tuned)', 'Adam (tuned)', 'DCOG', 'DCOM', 'DCOGD'] as const;

/** The learning-rate grid of the baselines: 10^(−3 … 1.5) in quarter decades (19 values). */
export const LOGISTIC_LR_GRID: readonly number[] = lrGrid({ min: 1e-3, max: 31.7, perDecade: 4 });

export interface LogisticExperimentOptions extends PartOptions {
  /** Independent repetitions (default 5). */
  seeds?: number;
  /** Unrolled / evaluated steps T (default 20). */
  steps?: number;
  /** Meta-training iterations (default 300). */
  iterations?: number;
  /** Training tasks (default 64); the first `tuneTasks` (default 16) tune the baselines. */
  poolTasks?: number;
  tuneTasks?: number;
  /** Held-out tasks per seed (default 16). */
  testTasks?: number;
  /** Tasks per meta-iteration (default 8). */
  metaBatch?: number;
  /** P (and the DCOM / DCOGD matrices) full or diagonal (default 'full'). */
  parameterization?: Parameterization;
  /** Adam on θ: learning rate, decaying to lr·decay (defaults 0.002 and 0.1). */
  metaLr?: number;
  metaLrDecay?: number;
  /** Meta-loss weights: every step's minibatch loss ('all', default) or only f_T(x_T) ('last'). */
  weights?: 'all' | 'last';
  /** Family options other than the seed (defaults of `logisticFamily`: featureScale 4, …). */
  family?: Omit<LogisticFamilyOptions, 'seed'>;
}

const KEYS = optionKeys<LogisticExperimentOptions>({
  seed: 1, signal: 1, onProgress: 1, seeds: 1, steps: 1, iterations: 1, poolTasks: 1, tuneTasks: 1, testTasks: 1, metaBatch: 1,
  parameterization: 1, metaLr: 1, metaLrDecay: 1, weights: 1, family: 1,
});

export interface LogisticRow {
  method: (typeof LOGISTIC_METHODS)[number];
  /** Held-out mean training cross-entropy after T steps: mean ± sd over seeds (diverged seeds apart). */
  loss: SeedSummary;
  /** Held-out test accuracy (0 for a diverged run): mean and sd over seeds. */
  accuracy: number;
  accuracySd: number;
  /** Held-out mean minibatch loss Σ_{t=1..T} f_t(x_t)/T (the meta-objective) over seeds. */
  trajectory: SeedSummary;
  perSeedLoss: number[];
  perSeedAccuracy: number[];
  /** Tuned hyperparameters per seed (baselines) or the initial rule (DCO). */
  hyper: { lr: number; beta?: number }[];
}

export interface LogisticExperimentResult {
  dataset: LogisticDataset;
  size: number;
  steps: number;
  /** Seeds asked for, and seeds finished (fewer in a partial result). */
  seeds: number;
  seedsDone: number;
  iterations: number;
  parameterization: Parameterization;
  meanInitialLoss: number;
  rows: LogisticRow[];
  /** First and last 10-iteration mean meta-loss per DCO method and seed. */
  metaLoss: { method: string; seed: number; first: number; last: number }[];
}

/** Held-out score of x_T: training cross-entropy (+∞ when not finite) and test accuracy (0 then). */
function score(task: LogisticTask, x: Float64Array): { loss: number; accuracy: number } {
  if (!x.every(Number.isFinite)) return { loss: Infinity, accuracy: 0 };
  const l = task.evaluateF64(x, 'train').loss;
  return Number.isFinite(l) ? { loss: l, accuracy: task.evaluateF64(x, 'test').accuracy } : { loss: Infinity, accuracy: 0 };
}

const RULES: [BaselineRule, (typeof LOGISTIC_METHODS)[number]][] = [['gd', 'GD (tuned)'], ['heavy-ball', 'momentum (tuned)'], ['adam', 'Adam (tuned)']];

/** Part 4 on one dataset. Cancellable: ABORTED details carry the result of the seeds that finished. */
export async function logisticExperiment(dataset: LogisticDataset, o: LogisticExperimentOptions): Promise<LogisticExperimentResult> {
  checkOptions('logisticExperiment', o, KEYS);
  const seeds = o.seeds ?? 5, T = o.steps ?? 20, iterations = o.iterations ?? 300;
  const poolN = o.poolTasks ?? 64, tuneN = Math.min(o.tuneTasks ?? 16, poolN), testN = o.testTasks ?? 16;
  const par = o.parameterization ?? 'full', weights = o.weights ?? 'all';
  const metaLr = o.metaLr ?? 0.002, decay = o.metaLrDecay ?? 0.1;
  const perSeed: Record<string, { loss: number[]; acc: number[]; traj: number[]; hyper: { lr: number; beta?: number }[] }> = {};
  for (const m of LOGISTIC_METHODS) perSeed[m] = { loss: [], acc: [], traj: [], hyper: [] };
  const initial: number[] = [];
  const out: LogisticExperimentResult = { dataset, size: 0, steps: T, seeds, seedsDone: 0, iterations, parameterization: par, meanInitialLoss: NaN, rows: [], metaLoss: [] };
  const summarize = (): LogisticExperimentResult => {
    out.meanInitialLoss = mean(initial);
    out.rows = LOGISTIC_METHODS.map((method) => {
      const p = perSeed[method]!;
      const [loss, trajectory] = summarizeSeeds([{ name: method, values: p.loss }, { name: method, values: p.traj }]) as [SeedSummary, SeedSummary];
      return { method, loss, trajectory, accuracy: mean(p.acc), accuracySd: sd(p.acc), perSeedLoss: p.loss.slice(), perSeedAccuracy: p.acc.slice(), hyper: p.hyper.slice() };
    });
    return out;
  };
  const loop = new Loop('logisticExperiment', o, { label: `dco: logistic regression on ${dataset}`, total: seeds });
  loop.progress(0);
  const tick = () => loop.tick(out.seedsDone);
  return cancellable('logisticExperiment', () => out.seedsDone, summarize, async () => {
    for (let s = 0; s < seeds; s++) {
      const seed = mixSeed(o.seed, 500 + s);
      const fam = await logisticFamily(dataset, { ...o.family, seed });
      out.size = fam.size;
      const pool = Array.from({ length: poolN }, (_, i) => fam.task(fam.sample(mixSeed(seed, i))));
      const test = Array.from({ length: testN }, (_, i) => fam.task(fam.sample(mixSeed(seed, 1_000_000 + i))));
      const tune = pool.slice(0, tuneN);
      const seedInitial = test.map((t) => t.evaluateF64(t.f64().x0, 'train').loss);
      const rows: [string, { x: Float64Array; trajectory: number; diverged: boolean }[], { lr: number; beta?: number }][] = [];
      const tuned: Partial<Record<BaselineRule, { lr: number; beta: number }>> = {};
      for (const [rule, name] of RULES) {
        const views = tune.map((t) => t.f64());
        const best = await tuneBaseline(rule, views, T, LOGISTIC_LR_GRID, (_f, run, i) => score(tune[i]!, run.x).loss, tick);
        tuned[rule] = best;
        const runs = test.map((t) => runBaseline(t.f64(), T, rule, best.lr, best.beta));
        rows.push([name, runs, rule === 'heavy-ball' ? { lr: best.lr, beta: best.beta } : { lr: best.lr }]);
      }
      const metaRows: LogisticExperimentResult['metaLoss'] = [];
      for (const kind of ['dcog', 'dcom', 'dcogd'] as DcoKind[]) {
        const start = kind === 'dcog' ? tuned.gd! : tuned['heavy-ball']!;
        const theta0 = initTheta(kind, seed, fam.size, { parameterization: par, lr: start.lr, momentum: kind === 'dcog' ? 0 : start.beta });
        const r = await metaTrain(theta0, {
          tasks: pool, iterations, batchSize: o.metaBatch ?? 8, unroll: T, weights, gradient: 'first-order',
          lr: metaLr, finalLr: metaLr * decay, lrScale: 'relative', seed: mixSeed(seed, 77), signal: o.signal,
        });
        const h = Array.from(r.history, (v) => (weights === 'all' ? v / T : v));
        const k = Math.min(10, h.length);
        metaRows.push({ method: kind.toUpperCase(), seed: s, first: mean(h.slice(0, k)), last: mean(h.slice(-k)) });
        const mat = materialize(r.theta);
        const runs = test.map((t) => {
          const u = unroll(mat, t.f64(), { steps: T, weights: 'all', normalize: false, full: false });
          const diverged = curveDiverged(u.losses);
          return { x: u.x, trajectory: diverged ? Infinity : u.metaLoss / T, diverged };
        });
        rows.push([kind.toUpperCase(), runs, kind === 'dcog' ? { lr: start.lr } : { lr: start.lr, beta: start.beta }]);
        await tick();
      }
      // The seed counts only once every method has run on it.
      initial.push(...seedInitial);
      out.metaLoss.push(...metaRows);
      for (const [method, runs, hyper] of rows) {
        const sc = runs.map((r, i) => (r.diverged ? { loss: Infinity, accuracy: 0 } : score(test[i]!, r.x)));
        const p = perSeed[method]!;
        p.traj.push(mean(runs.map((r) => (Number.isFinite(r.trajectory) ? r.trajectory : Infinity))));
        p.loss.push(mean(sc.map((r) => r.loss)));
        p.acc.push(mean(sc.map((r) => r.accuracy)));
        p.hyper.push(hyper);
      }
      out.seedsDone = s + 1;
      await tick();
    }
    loop.finish();
    return summarize();
  });
}
