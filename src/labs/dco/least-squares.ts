// Parts 1 and 2 of `lab dco` (SPEC B.3.3), on least squares f(x) = ½‖A_τx − b_τ‖², n = 10, m = 20.
// 1. One-step claim, shared A (A_ij ~ N(0, 1/m)): DCOG with a full P, started at GD (α = 0.3),
//    is meta-trained with T = 1 on k tasks (full batch) for a range of k; the one-step relative
//    error ‖x₁ − x*‖/‖x*‖ on 20 fresh tasks shows the transition at k = n.
// 2. Varying A (A_τ = A₀ + σE): DCOG meta-trained on fresh tasks every iteration, against the
//    Newton step of A₀ and the best scalar step (grid 10⁻³ … 10, ten points per decade).
import { cholesky, gram } from '../../core/linalg.js';
import { Loop } from '../../core/loop.js';
import { mixSeed } from '../../core/rng.js';
import { median } from '../../core/stats.js';
import { type DcoTheta, initTheta, materialize } from '../../dco/theta.js';
import { metaTrain } from '../../dco/train.js';
import { unroll } from '../../dco/unroll.js';
import type { F64Task } from '../../tasks/f64.js';
import { leastSquaresFamily } from '../../tasks/least-squares.js';
import { lrGrid } from '../protocol.js';
import { type PartOptions, cancellable, relErr } from './common.js';

const N = 10, M = 20;

export interface OneStepResult {
  n: number;
  m: number;
  iterations: number;
  /** Per k: median and max one-step relative error on 20 fresh tasks, final meta-loss. */
  rows: { tasks: number; median: number; max: number; finalMetaLoss: number }[];
  /** ‖P − AᵀA‖/‖AᵀA‖ for the largest k (null until that k finished). */
  learnedPvsAtA: number | null;
}

export interface VariedARow {
  sigma: number;
  /** Median one-step relative error on 30 fresh tasks. */
  dcog: number;
  newtonA0: number;
  bestScalar: number;
  bestAlpha: number;
}

/** ‖x₁ − x*‖/‖x*‖ after one step of θ from x₀ = 0. */
function oneStepError(theta: DcoTheta, task: { f64(): F64Task; solution(): Float64Array }): number {
  const x1 = unroll(materialize(theta), task.f64(), { steps: 1, weights: 'last', normalize: false, full: false }).x;
  return relErr(x1, task.solution());
}

/** Part 1. Cancellable: ABORTED details carry the `OneStepResult` of the k that finished. */
export async function oneStepExperiment(o: PartOptions, ks: readonly number[], iterations: number): Promise<OneStepResult> {
  const out: OneStepResult = { n: N, m: M, iterations, rows: [], learnedPvsAtA: null };
  const loop = new Loop('lab dco', o, { label: 'dco: one-step claim', total: ks.length });
  loop.progress(0);
  return cancellable('lab dco (one-step claim)', () => out.rows.length, () => out, async () => {
    const fam = leastSquaresFamily({ n: N, m: M, seed: o.seed });
    const pool = Array.from({ length: Math.max(...ks) }, (_, i) => fam.task(fam.sample(mixSeed(o.seed, 100 + i))));
    const fresh = Array.from({ length: 20 }, (_, i) => fam.task(fam.sample(mixSeed(o.seed, 1_000_000 + i))));
    const theta0 = initTheta('dcog', o.seed, N, { parameterization: 'full', lr: 0.3 });
    const AtA = gram(fam.A0, M, N);
    for (const [i, k] of ks.entries()) {
      const r = await metaTrain(theta0, { tasks: pool.slice(0, k), iterations, batchSize: k, lr: 0.05, finalLr: 5e-5, seed: o.seed, signal: o.signal });
      const errs = fresh.map((t) => oneStepError(r.theta, t));
      out.rows.push({ tasks: k, median: median(errs), max: Math.max(...errs), finalMetaLoss: r.history[iterations - 1]! });
      // Learned H = P⁻¹ against (AᵀA)⁻¹, compared through P vs AᵀA (largest k).
      if (k === Math.max(...ks)) out.learnedPvsAtA = relErr(materialize(r.theta).P, AtA);
      await loop.tick(i + 1);
    }
    loop.finish();
    return out;
  });
}

/** Part 2. Cancellable: ABORTED details carry the rows of the σ that finished. */
export async function variedAExperiment(o: PartOptions, sigmas: readonly number[], iterations: number): Promise<VariedARow[]> {
  const out: VariedARow[] = [];
  const loop = new Loop('lab dco', o, { label: 'dco: varying A', total: sigmas.length });
  loop.progress(0);
  return cancellable('lab dco (varying A)', () => out.length, () => out, async () => {
    const alphas = lrGrid({ min: 1e-3, max: 10, perDecade: 10 });
    // Newton step of the central A₀: P = A₀ᵀA₀ (full parameterization: L = chol(A₀ᵀA₀ − εI)).
    const central = leastSquaresFamily({ n: N, m: M, seed: o.seed });
    const H = gram(central.A0, M, N);
    for (let i = 0; i < N; i++) H[i * N + i] = H[i * N + i]! - 1e-6;
    const newton: DcoTheta = { kind: 'dcog', n: N, parameterization: 'full', eps: 1e-6, params: { L: cholesky(H, N) } };
    for (const [i, sigma] of sigmas.entries()) {
      const fam = leastSquaresFamily({ n: N, m: M, seed: o.seed, varyA: sigma });
      const theta0 = initTheta('dcog', o.seed, N, { parameterization: 'full', lr: 0.3 });
      const r = await metaTrain(theta0, {
        tasks: (s: number) => fam.task(fam.sample(s)), iterations, batchSize: 16, lr: 0.05, finalLr: 5e-5, seed: mixSeed(o.seed, 7), signal: o.signal,
      });
      const fresh = Array.from({ length: 30 }, (_, j) => fam.task(fam.sample(mixSeed(o.seed, 2_000_000 + j))));
      let bestScalar = Infinity, bestAlpha = 0;
      for (const alpha of alphas) {
        const err = median(fresh.map((t) => oneStepError(initTheta('dcog', 0, N, { lr: alpha }), t)));
        if (err < bestScalar) {
          bestScalar = err;
          bestAlpha = alpha;
        }
      }
      out.push({
        sigma,
        dcog: median(fresh.map((t) => oneStepError(r.theta, t))),
        newtonA0: median(fresh.map((t) => oneStepError(newton, t))),
        bestScalar,
        bestAlpha,
      });
      await loop.tick(i + 1);
    }
    loop.finish();
    return out;
  });
}
