// Part 4 of `lab dco`: logistic regression on iris and wine as non-quadratic families (SPEC B.3.4).
// Per seed s (an independent repetition): a family with its own feature scales
// (src/tasks/logistic.ts), a pool of training tasks and disjoint held-out tasks (unseen seeds).
// 1. GD, heavy-ball momentum and Adam are tuned on the first `tuneTasks` training tasks by grid
//    search over the learning rate (momentum also over β): the score is the full training-split
//    cross-entropy after T minibatch steps, averaged over those tasks.
// 2. DCOG, DCOM, DCOGD start at the tuned rule (DCOG at tuned GD, DCOM and DCOGD at tuned heavy
//    ball) and are meta-trained on the pool: T-step unrolls over minibatch t at step t, task
//    mini-batches of `metaBatch`, meta-loss Σ_t f_t(x_t)/T, first-order meta-gradients (the tasks
//    have no Hessian-vector products), Adam on θ with per-array relative step sizes.
// 3. Every method runs T steps on each held-out task (same minibatches); reported: training-split
//    cross-entropy and test accuracy at x_T, averaged over the held-out tasks, then mean and
//    standard deviation over seeds.
import { MetaoptimError } from '../core/errors.js';
import { type LogisticDataset, type LogisticFamilyOptions, type LogisticTask, logisticFamily } from '../tasks/logistic.js';
import { mix } from './random.js';
import { type DcoKind, type Parameterization, initTheta, materialize } from './theta.js';
import { metaTrain } from './train.js';
import { unroll } from './unroll.js';
import { type BaselineRule, baselineState, baselineStep } from './baselines.js';

export const LOGISTIC_METHODS = ['GD (tuned)', 'momentum (tuned)', 'Adam (tuned)', 'DCOG', 'DCOM', 'DCOGD'] as const;

/** The learning-rate grid of the baselines: 10^(−3 … 1.5) in quarter decades (19 values). */
export const LR_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.pow(10, -3 + i * 0.25));
/** β grid of heavy-ball momentum. */
export const BETA_GRID: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95];

export interface LogisticExperimentOptions {
  seed: number;
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
  signal?: AbortSignal;
  onSeed?: (done: number, total: number) => void;
}

export interface LogisticRow {
  method: (typeof LOGISTIC_METHODS)[number];
  /** Mean over seeds of the held-out mean training cross-entropy after T steps, and its sd. */
  loss: number;
  lossSd: number;
  accuracy: number;
  accuracySd: number;
  /** Mean over seeds of the held-out mean minibatch loss Σ_{t=1..T} f_t(x_t)/T (the meta-objective), and its sd. */
  trajectory: number;
  trajectorySd: number;
  perSeedLoss: number[];
  perSeedAccuracy: number[];
  /** Tuned hyperparameters per seed (baselines) or the initial rule (DCO). */
  hyper: { lr: number; beta?: number }[];
}

export interface LogisticExperimentResult {
  dataset: LogisticDataset;
  size: number;
  steps: number;
  seeds: number;
  iterations: number;
  parameterization: Parameterization;
  meanInitialLoss: number;
  rows: LogisticRow[];
  /** First and last 10-iteration mean meta-loss per DCO method and seed. */
  metaLoss: { method: string; seed: number; first: number; last: number }[];
}

type Rule = 'gd' | 'momentum' | 'adam';

/**
 * x_T of a hand-made rule on minibatches 0 … T−1 (f64), and the mean minibatch loss
 * Σ_{t=1..T} f_t(x_t)/T along the way (the DCO meta-objective, same minibatches as an unroll).
 */
export function runRule(task: LogisticTask, T: number, rule: Rule, lr: number, beta = 0): { x: Float64Array; trajectory: number } {
  const f = task.f64();
  const x = f.x0.slice(), g = new Float64Array(f.size), st = baselineState(x);
  const kind: BaselineRule = rule === 'momentum' ? 'heavy-ball' : rule;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const l = f.loss(x, g, t);
    if (t > 0) sum += l;
    baselineStep(kind, x, g, st, t, lr, beta);
  }
  sum += f.loss(x, undefined, T);
  return { x, trajectory: sum / T };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** Held-out score of parameters x_T: training cross-entropy (∞ when not finite) and test accuracy. */
function score(task: LogisticTask, x: Float64Array): { loss: number; accuracy: number } {
  if (!x.every(Number.isFinite)) return { loss: Infinity, accuracy: 0 };
  const l = task.evaluateF64(x, 'train').loss;
  return { loss: Number.isFinite(l) ? l : Infinity, accuracy: task.evaluateF64(x, 'test').accuracy };
}

export async function logisticExperiment(dataset: LogisticDataset, o: LogisticExperimentOptions): Promise<LogisticExperimentResult> {
  const seeds = o.seeds ?? 5, T = o.steps ?? 20, iterations = o.iterations ?? 300;
  const poolN = o.poolTasks ?? 64, tuneN = Math.min(o.tuneTasks ?? 16, poolN), testN = o.testTasks ?? 16;
  const par = o.parameterization ?? 'full';
  const metaLr = o.metaLr ?? 0.002, decay = o.metaLrDecay ?? 0.1;
  const perSeed: Record<string, { loss: number[]; acc: number[]; traj: number[]; hyper: { lr: number; beta?: number }[] }> = {};
  for (const m of LOGISTIC_METHODS) perSeed[m] = { loss: [], acc: [], traj: [], hyper: [] };
  const metaLossRows: LogisticExperimentResult['metaLoss'] = [];
  const initial: number[] = [];
  let size = 0;
  for (let s = 0; s < seeds; s++) {
    if (o.signal?.aborted) throw new MetaoptimError('ABORTED', `lab dco: aborted during ${dataset} logistic regression`);
    const seed = mix(o.seed, 500 + s);
    const fam = await logisticFamily(dataset, { ...o.family, seed });
    size = fam.size;
    const pool = Array.from({ length: poolN }, (_, i) => fam.task(fam.sample(mix(seed, i))));
    const test = Array.from({ length: testN }, (_, i) => fam.task(fam.sample(mix(seed, 1_000_000 + i))));
    const tune = pool.slice(0, tuneN);
    for (const t of test) initial.push(t.evaluateF64(t.f64().x0, 'train').loss);
    const record = (method: string, runs: { x: Float64Array; trajectory: number }[], hyper: { lr: number; beta?: number }) => {
      const sc = runs.map((r, i) => score(test[i]!, r.x));
      const tr = runs.map((r) => (Number.isFinite(r.trajectory) ? r.trajectory : Infinity));
      perSeed[method]!.traj.push(mean(tr));
      perSeed[method]!.loss.push(mean(sc.map((r) => r.loss)));
      perSeed[method]!.acc.push(mean(sc.map((r) => r.accuracy)));
      perSeed[method]!.hyper.push(hyper);
    };
    const tuned: Record<Rule, { lr: number; beta: number }> = { gd: { lr: 0, beta: 0 }, momentum: { lr: 0, beta: 0 }, adam: { lr: 0, beta: 0 } };
    for (const rule of ['gd', 'momentum', 'adam'] as Rule[]) {
      let best = { lr: LR_GRID[0]!, beta: 0, v: Infinity };
      for (const lr of LR_GRID) {
        for (const beta of rule === 'momentum' ? BETA_GRID : [0]) {
          const v = mean(tune.map((t) => score(t, runRule(t, T, rule, lr, beta).x).loss));
          if (v < best.v) best = { lr, beta, v };
        }
      }
      tuned[rule] = { lr: best.lr, beta: best.beta };
      const name = rule === 'gd' ? 'GD (tuned)' : rule === 'momentum' ? 'momentum (tuned)' : 'Adam (tuned)';
      record(name, test.map((t) => runRule(t, T, rule, best.lr, best.beta)), rule === 'momentum' ? { lr: best.lr, beta: best.beta } : { lr: best.lr });
    }
    for (const kind of ['dcog', 'dcom', 'dcogd'] as DcoKind[]) {
      const start = kind === 'dcog' ? tuned.gd : tuned.momentum;
      const theta0 = initTheta(kind, seed, fam.size, { parameterization: par, lr: start.lr, momentum: kind === 'dcog' ? 0 : start.beta });
      const r = metaTrain(theta0, {
        tasks: pool, iterations, batchSize: o.metaBatch ?? 8, unroll: T, weights: o.weights ?? 'all', gradient: 'first-order',
        lr: metaLr, finalLr: metaLr * decay, lrScale: 'relative', seed: mix(seed, 77), signal: o.signal,
      });
      const h = Array.from(r.history, (v) => ((o.weights ?? 'all') === 'all' ? v / T : v));
      const k = Math.min(10, h.length);
      metaLossRows.push({ method: kind.toUpperCase(), seed: s, first: mean(h.slice(0, k)), last: mean(h.slice(-k)) });
      const mat = materialize(r.theta);
      const runs = test.map((t) => {
        const u = unroll(mat, t.f64(), { steps: T, weights: 'all', normalize: false, full: false });
        return { x: u.x, trajectory: u.metaLoss / T };
      });
      record(kind.toUpperCase(), runs, kind === 'dcog' ? { lr: start.lr } : { lr: start.lr, beta: start.beta });
    }
    o.onSeed?.(s + 1, seeds);
  }
  const rows: LogisticRow[] = LOGISTIC_METHODS.map((method) => {
    const p = perSeed[method]!;
    return { method, loss: mean(p.loss), lossSd: sd(p.loss), trajectory: mean(p.traj), trajectorySd: sd(p.traj), accuracy: mean(p.acc), accuracySd: sd(p.acc), perSeedLoss: p.loss, perSeedAccuracy: p.acc, hyper: p.hyper };
  });
  return { dataset, size, steps: T, seeds, iterations, parameterization: par, meanInitialLoss: mean(initial), rows, metaLoss: metaLossRows };
}
