// Meta-training of a DCO optimizer (SPEC B.3.4): each iteration draws a mini-batch of tasks,
// unrolls T steps on each, averages the meta-loss and its exact gradient (src/dco/unroll.ts),
// and takes an Adam step on θ (core `adamF64Step`, f64 in JavaScript: θ is small and precision
// decides the one-step claim). The learning rate decays geometrically from `lr` to `finalLr`.
//
// Loop contract (core/loop.ts): async, yields every ~20 ms, an aborted `signal` rejects with
// ABORTED `{ iteration, partial }` where partial is the `MetaTrainResult` so far (θ after
// `iteration` updates, the history of those iterations); progress events
// `{ label: '<kind> metaTrain', done, total: iterations, elapsedMs, metrics: { metaLoss } }`.
import { type AdamF64State, adamF64Init, adamF64Step } from '../core/adam.js';
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { Loop, type LoopOptions } from '../core/loop.js';
import { Rng, mixSeed } from '../core/rng.js';
import { type F64Task, asF64Task } from '../tasks/f64.js';
import type { Task } from '../tasks/types.js';
import { type DcoTheta, cloneTheta, materialize, paramGrads, paramNames, zeroDenseGrads } from './theta.js';
import { unroll } from './unroll.js';

export type MetaGradient = 'auto' | 'first-order' | 'full';

export interface MetaTrainOptions extends LoopOptions {
  /** A fixed pool to draw mini-batches from, or a sampler of fresh tasks by seed. */
  tasks: (Task | F64Task)[] | ((seed: number) => Task | F64Task);
  /** Meta-iterations (default 500). */
  iterations?: number;
  /** Tasks per meta-iteration (default 8; a pool smaller than this is used whole). */
  batchSize?: number;
  /** Unrolled steps T (default 1). */
  unroll?: number;
  /** Σ over all unrolled losses ('all', default) or the last one only. */
  weights?: 'all' | 'last';
  /** Divide each task's meta-loss by f(x₀) (default false). */
  normalize?: boolean;
  /**
   * 'first-order' treats ∇f(x_t) as constant (no second derivatives); 'full' backpropagates
   * through ∇f with Hessian-vector products (every task must provide `hvp`); 'auto' (default)
   * is 'full' when the tasks provide hvp, else 'first-order'. With T = 1 both coincide.
   */
  gradient?: MetaGradient;
  /** Adam: initial and final learning rate (defaults 1e-2 and 1e-2·1e-3), β1, β2, ε. */
  lr?: number;
  finalLr?: number;
  beta1?: number;
  beta2?: number;
  adamEps?: number;
  /**
   * 'absolute' (default): Adam steps of size ≈ lr on every array. 'relative': each array's steps
   * are scaled by max(1, rms of its initial value), so that e.g. P ≈ I/α with small α moves at
   * the same relative rate as O(1) arrays (useful when 1/α is large).
   */
  lrScale?: 'absolute' | 'relative';
}

/** The keys `MetaTrainOptions` may hold (anything else is UNKNOWN_OPTION). */
export const META_TRAIN_KEYS = optionKeys<MetaTrainOptions>({
  seed: 1, signal: 1, onProgress: 1, tasks: 1, iterations: 1, batchSize: 1, unroll: 1, weights: 1, normalize: 1, gradient: 1,
  lr: 1, finalLr: 1, beta1: 1, beta2: 1, adamEps: 1, lrScale: 1,
});

export interface MetaTrainResult {
  theta: DcoTheta;
  /** Mean meta-loss of each iteration's mini-batch (before its update); in a partial result, only the iterations done. */
  history: Float64Array;
  /** Which meta-gradient was used. */
  gradient: 'first-order' | 'full';
}

/**
 * Meta-trains θ (a new θ is returned; `theta0` is not modified). Errors: UNKNOWN_OPTION,
 * INVALID_HYPERPARAMETER, INVALID_ARGUMENT (empty pool, 'full' without hvp), LENGTH_MISMATCH
 * (task size ≠ θ.n), NON_FINITE_LOSS (details `{ iteration }`), QP_NOT_PD, ABORTED (see above).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as dco from 'metaoptim/dco';
 * await ready();
 * const family = dco.leastSquaresFamily({ n: 5, m: 10, seed: 1 });
 * const tasks = Array.from({ length: 20 }, (_, i) => family.task(family.sample(i)));
 * const theta = dco.dcog.init(0, 5, { parameterization: 'full', lr: 0.3 });
 * const r = await dco.dcog.metaTrain(theta, { tasks, unroll: 1, batchSize: 20, iterations: 200, lr: 0.05, seed: 1 });
 * console.log(r.gradient, r.history[0]! > r.history[199]!); // full true
 * const opt = dco.dcog.optimizer(r.theta); // x ← x + argmin_δ ½δᵀPδ + gᵀδ, an ordinary Optimizer
 * ```
 */
export async function metaTrain(theta0: DcoTheta, o: MetaTrainOptions): Promise<MetaTrainResult> {
  const owner = `${theta0?.kind ?? 'dco'} metaTrain`;
  checkOptions(owner, o, META_TRAIN_KEYS);
  if (!o) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: options { tasks, … } are required`);
  const iterations = Math.floor(checkNumber(owner, 'iterations', o.iterations ?? 500, { min: 1 }));
  const batchSize = Math.floor(checkNumber(owner, 'batchSize', o.batchSize ?? 8, { min: 1 }));
  const steps = Math.floor(checkNumber(owner, 'unroll', o.unroll ?? 1, { min: 1 }));
  const lr = checkNumber(owner, 'lr', o.lr ?? 1e-2, { min: 0, minExclusive: true });
  const finalLr = checkNumber(owner, 'finalLr', o.finalLr ?? lr * 1e-3, { min: 0, minExclusive: true });
  const beta1 = checkNumber(owner, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
  const beta2 = checkNumber(owner, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  const eps = checkNumber(owner, 'adamEps', o.adamEps ?? 1e-12, { min: 0 });
  const seed = o.seed ?? 0;
  const pool = Array.isArray(o.tasks) ? o.tasks.map((t, i) => asF64Task(t, mixSeed(seed, i))) : undefined;
  if (pool && pool.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: the task pool is empty`);
  const sampler = Array.isArray(o.tasks) ? undefined : o.tasks;
  if (!pool && typeof sampler !== 'function') throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: tasks must be an array or a function of a seed`);
  const probe = pool ? pool[0]! : asF64Task(sampler!(mixSeed(seed, 0x7fffffff)));
  if (probe.size !== theta0.n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: tasks have ${probe.size} parameters, θ was made for n = ${theta0.n}`);
  }
  const want = o.gradient ?? 'auto';
  if (want !== 'auto' && want !== 'full' && want !== 'first-order') {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: gradient must be 'auto', 'full' or 'first-order', got ${String(want)}`);
  }
  const hasHvp = pool ? pool.every((t) => !!t.hvp) : !!probe.hvp;
  if (want === 'full' && !hasHvp) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: gradient 'full' needs tasks with hvp`);
  const full = want === 'full' || (want === 'auto' && hasHvp);
  const loop = new Loop(owner, o, { total: iterations });
  const theta = cloneTheta(theta0);
  const names = paramNames(theta.kind, theta.parameterization);
  const adam: Record<string, AdamF64State> = {};
  const scaleOf: Record<string, number> = {};
  for (const k of names) {
    const a = theta.params[k]!;
    adam[k] = adamF64Init(a.length);
    const rms = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / Math.max(1, a.length));
    scaleOf[k] = o.lrScale === 'relative' ? Math.max(1, rms) : 1;
  }
  const history = new Float64Array(iterations);
  const gradient = full ? 'full' : 'first-order';
  let done = 0;
  const partial = (): MetaTrainResult => ({ theta: cloneTheta(theta), history: history.slice(0, done), gradient });
  const pick = new Rng(seed, 1);
  const uo = { steps, weights: o.weights ?? 'all', normalize: !!o.normalize, full } as const;
  loop.check(0, partial);
  for (let it = 0; it < iterations; it++) {
    let batch: F64Task[];
    if (pool) {
      if (pool.length <= batchSize) batch = pool;
      else {
        // Sample without replacement (partial Fisher–Yates on indices).
        const idx = pool.map((_, i) => i);
        for (let i = 0; i < batchSize; i++) {
          const j = i + pick.int(idx.length - i);
          [idx[i], idx[j]] = [idx[j]!, idx[i]!];
        }
        batch = idx.slice(0, batchSize).map((i) => pool[i]!);
      }
    } else batch = Array.from({ length: batchSize }, (_, i) => asF64Task(sampler!(mixSeed(mixSeed(seed, it + 2), i))));
    const mat = materialize(theta);
    const dense = zeroDenseGrads(theta);
    let loss = 0;
    for (const task of batch) loss += unroll(mat, task, uo, dense).metaLoss;
    const inv = 1 / batch.length;
    loss *= inv;
    if (!Number.isFinite(loss)) {
      throw new MetaoptimError('NON_FINITE_LOSS', `${owner}: meta-loss is ${loss} at iteration ${it}; lower lr`, { iteration: it });
    }
    history[it] = loss;
    const g = paramGrads(theta, dense);
    const rate = iterations > 1 ? lr * Math.pow(finalLr / lr, it / (iterations - 1)) : lr;
    for (const k of names) {
      const gk = g[k]!;
      for (let i = 0; i < gk.length; i++) gk[i] = gk[i]! * inv;
      adamF64Step(theta.params[k]!, gk, adam[k]!, { lr: rate * scaleOf[k]!, beta1, beta2, eps });
    }
    done = it + 1;
    await loop.tick(done, partial, () => ({ metaLoss: loss }));
  }
  loop.finish(iterations, { metaLoss: history[iterations - 1]! });
  return { theta, history, gradient };
}

/**
 * Mean meta-loss of θ over tasks (no update), e.g. on held-out tasks.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as dco from 'metaoptim/dco';
 * await ready();
 * const family = dco.leastSquaresFamily({ n: 5, m: 10, seed: 1 });
 * const tasks = Array.from({ length: 4 }, (_, i) => family.task(family.sample(i)));
 * const gd = dco.dcog.init(0, 5, { parameterization: 'full', lr: 0.3 });
 * console.log(dco.metaLoss(gd, tasks, { unroll: 1 }) > 0); // true: the meta-objective metaTrain minimizes
 * ```
 */
export function metaLoss(theta: DcoTheta, tasks: (Task | F64Task)[], o: { unroll?: number; weights?: 'all' | 'last'; normalize?: boolean } = {}): number {
  checkOptions('metaLoss', o, ['unroll', 'weights', 'normalize']);
  const mat = materialize(theta);
  let s = 0;
  tasks.forEach((t, i) => {
    s += unroll(mat, asF64Task(t, i), { steps: o.unroll ?? 1, weights: o.weights ?? 'all', normalize: !!o.normalize, full: false }).metaLoss;
  });
  return s / tasks.length;
}
