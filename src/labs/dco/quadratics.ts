// Part 3 of `lab dco` (SPEC B.3.4): quadratics with condition κ = 100 (n = 10), a family that
// is not least squares. Per seed s (an independent repetition): a family with its own random
// eigenbasis, 8 tuning tasks and 16 held-out tasks.
// - GD, heavy ball and Adam (f64, labs/dco/baselines.ts) tuned on the tuning tasks by grid
//   search on f(x_T): GD and heavy ball over lr ∈ 10^(−3 … 0.5) at 7 points per decade (25
//   values; heavy ball also over β), Adam over the same grid ×0.1.
// - DCOG, DCOM, DCOGD (diagonal P and matrices, started at GD with α = 0.015, DCOM at β = 0.5)
//   meta-trained with a T = 10 unroll on fresh tasks, last-step loss normalized by f(x₀), full
//   meta-gradients (Hessian-vector products), Adam with per-array relative steps, lr 0.1 → 2e-3.
// Reported: f(x_T)/f(x₀) on the held-out tasks (+∞ when a run diverges under the one rule of
// tasks/train.ts), mean ± sample sd over seeds.
import { Loop } from '../../core/loop.js';
import { mixSeed } from '../../core/rng.js';
import { mean } from '../../core/stats.js';
import { type DcoKind, initTheta, materialize } from '../../dco/theta.js';
import { metaTrain } from '../../dco/train.js';
import { unroll } from '../../dco/unroll.js';
import { quadraticFamily } from '../../tasks/quadratic.js';
import { type SeedSummary, lrGrid, summarizeSeeds } from '../protocol.js';
import { type BaselineRule, curveDiverged, runBaseline, tuneBaseline } from './baselines.js';
import { type PartOptions, cancellable } from './common.js';

export const QUADRATIC_METHODS = ['GD (tuned)', 'heavy ball (tuned)', 'Adam (tuned)', 'DCOG (meta-trained)', 'DCOM (meta-trained)', 'DCOGD (meta-trained)'] as const;

export interface QuadraticsResult {
  n: number;
  T: number;
  condition: number;
  /** Seeds asked for, and seeds finished (fewer in a partial result). */
  seeds: number;
  seedsDone: number;
  /** Per method: mean ± sd, IQM, n over seeds, and the per-seed values. */
  rows: (SeedSummary & { perSeed: number[] })[];
}

const RULES: [BaselineRule, (typeof QUADRATIC_METHODS)[number]][] = [['gd', 'GD (tuned)'], ['heavy-ball', 'heavy ball (tuned)'], ['adam', 'Adam (tuned)']];

/** Part 3. Cancellable: ABORTED details carry the `QuadraticsResult` of the seeds that finished. */
export async function quadraticExperiment(o: PartOptions, seeds: number, iterations: number): Promise<QuadraticsResult> {
  const n = 10, T = 10, kappa = 100;
  const perSeed: Record<string, number[]> = {};
  for (const m of QUADRATIC_METHODS) perSeed[m] = [];
  const out: QuadraticsResult = { n, T, condition: kappa, seeds, seedsDone: 0, rows: [] };
  const summarize = () => {
    out.rows = summarizeSeeds(QUADRATIC_METHODS.map((name) => ({ name, values: perSeed[name]! }))).map((r) => ({ ...r, perSeed: perSeed[r.name]!.slice() }));
    return out;
  };
  const grid = lrGrid({ min: 1e-3, max: 3.17, perDecade: 7 });
  const adamGrid = grid.map((lr) => Number((lr * 0.1).toPrecision(3)));
  const loop = new Loop('lab dco', o, { label: 'dco: quadratics', total: seeds });
  loop.progress(0);
  const tick = () => loop.tick(out.seedsDone);
  return cancellable('lab dco (quadratics)', () => out.seedsDone, summarize, async () => {
    for (let s = 0; s < seeds; s++) {
      const seed = mixSeed(o.seed, 300 + s);
      const fam = quadraticFamily({ n, condition: kappa, seed });
      const tune = Array.from({ length: 8 }, (_, i) => fam.task(fam.sample(mixSeed(seed, i))).f64());
      const test = Array.from({ length: 16 }, (_, i) => fam.task(fam.sample(mixSeed(seed, 10_000 + i))).f64());
      const f0 = mean(test.map((t) => t.loss(t.x0)));
      const results: number[] = [];
      for (const [rule] of RULES) {
        const best = await tuneBaseline(rule, tune, T, rule === 'adam' ? adamGrid : grid, (_t, run) => run.finalLoss, tick);
        results.push(mean(test.map((t) => runBaseline(t, T, rule, best.lr, best.beta).finalLoss)) / f0);
      }
      for (const kind of ['dcog', 'dcom', 'dcogd'] as DcoKind[]) {
        const theta0 = initTheta(kind, seed, n, { parameterization: 'diagonal', lr: 0.015, momentum: kind === 'dcom' ? 0.5 : 0 });
        const r = await metaTrain(theta0, {
          tasks: (sd: number) => fam.task(fam.sample(sd)), iterations, batchSize: 8, unroll: T, weights: 'last', normalize: true,
          lr: 0.1, finalLr: 2e-3, lrScale: 'relative', seed, signal: o.signal,
        });
        const mat = materialize(r.theta);
        const finals = test.map((t) => {
          const u = unroll(mat, t, { steps: T, weights: 'last', normalize: false, full: false });
          return curveDiverged(u.losses) ? Infinity : u.metaLoss;
        });
        results.push(mean(finals) / f0);
      }
      QUADRATIC_METHODS.forEach((m, i) => perSeed[m]!.push(results[i]!));
      out.seedsDone = s + 1;
      await tick();
    }
    loop.finish();
    return summarize();
  });
}
