// Meta-training of a DCO optimizer (SPEC B.3.4): each iteration draws a mini-batch of tasks,
// unrolls T steps on each, averages the meta-loss and its exact gradient (src/dco/unroll.ts),
// and takes an Adam step on θ (f64, in JavaScript: θ is small and precision decides the
// one-step claim). The learning rate decays geometrically from `lr` to `finalLr`.
import { MetaoptimError, checkNumber } from '../core/errors.js';
import type { Task } from '../tasks/types.js';
import { mix, uniform } from './random.js';
import { type F64Task, asF64Task } from './task.js';
import { type DcoTheta, cloneTheta, materialize, paramGrads, paramNames, zeroDenseGrads } from './theta.js';
import { unroll } from './unroll.js';

export type MetaGradient = 'auto' | 'first-order' | 'full';

export interface MetaTrainOptions {
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
  seed?: number;
  onProgress?: (e: { iteration: number; iterations: number; metaLoss: number }) => void;
  /** Checked every iteration; aborting throws ABORTED with the θ reached so far in details. */
  signal?: AbortSignal;
}

export interface MetaTrainResult {
  theta: DcoTheta;
  /** Mean meta-loss of each iteration's mini-batch (before its update). */
  history: Float64Array;
  /** Which meta-gradient was used. */
  gradient: 'first-order' | 'full';
}

export function metaTrain(theta0: DcoTheta, o: MetaTrainOptions): MetaTrainResult {
  const iterations = Math.floor(checkNumber('metaTrain', 'iterations', o.iterations ?? 500, { min: 1 }));
  const batchSize = Math.floor(checkNumber('metaTrain', 'batchSize', o.batchSize ?? 8, { min: 1 }));
  const steps = Math.floor(checkNumber('metaTrain', 'unroll', o.unroll ?? 1, { min: 1 }));
  const lr = checkNumber('metaTrain', 'lr', o.lr ?? 1e-2, { min: 0, minExclusive: true });
  const finalLr = checkNumber('metaTrain', 'finalLr', o.finalLr ?? lr * 1e-3, { min: 0, minExclusive: true });
  const b1 = checkNumber('metaTrain', 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
  const b2 = checkNumber('metaTrain', 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  const aeps = checkNumber('metaTrain', 'adamEps', o.adamEps ?? 1e-12, { min: 0 });
  const seed = o.seed ?? 0;
  const pool = Array.isArray(o.tasks) ? o.tasks.map((t, i) => asF64Task(t, mix(seed, i))) : undefined;
  if (pool && pool.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'metaTrain: the task pool is empty');
  const sampler = Array.isArray(o.tasks) ? undefined : o.tasks;
  if (!pool && typeof sampler !== 'function') throw new MetaoptimError('INVALID_ARGUMENT', 'metaTrain: tasks must be an array or a function of a seed');
  const probe = pool ? pool[0]! : asF64Task(sampler!(mix(seed, 0x7fffffff)));
  if (probe.size !== theta0.n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `metaTrain: tasks have ${probe.size} parameters, θ was made for n = ${theta0.n}`);
  }
  const want = o.gradient ?? 'auto';
  const hasHvp = pool ? pool.every((t) => !!t.hvp) : !!probe.hvp;
  if (want === 'full' && !hasHvp) throw new MetaoptimError('INVALID_ARGUMENT', "metaTrain: gradient 'full' needs tasks with hvp");
  const full = want === 'full' || (want === 'auto' && hasHvp);
  const theta = cloneTheta(theta0);
  const names = paramNames(theta.kind, theta.parameterization);
  const m1: Record<string, Float64Array> = {}, m2: Record<string, Float64Array> = {};
  for (const k of names) {
    m1[k] = new Float64Array(theta.params[k]!.length);
    m2[k] = new Float64Array(theta.params[k]!.length);
  }
  const scaleOf: Record<string, number> = {};
  for (const k of names) {
    const a = theta.params[k]!;
    const rms = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / Math.max(1, a.length));
    scaleOf[k] = o.lrScale === 'relative' ? Math.max(1, rms) : 1;
  }
  const history = new Float64Array(iterations);
  const pick = uniform(mix(seed, 1));
  const uo = { steps, weights: o.weights ?? 'all', normalize: !!o.normalize, full } as const;
  for (let it = 0; it < iterations; it++) {
    if (o.signal?.aborted) {
      throw new MetaoptimError('ABORTED', `metaTrain: aborted at iteration ${it}`, { iteration: it, theta: cloneTheta(theta) });
    }
    let batch: F64Task[];
    if (pool) {
      if (pool.length <= batchSize) batch = pool;
      else {
        // Sample without replacement (partial Fisher–Yates on indices).
        const idx = pool.map((_, i) => i);
        for (let i = 0; i < batchSize; i++) {
          const j = i + Math.floor(pick() * (idx.length - i));
          [idx[i], idx[j]] = [idx[j]!, idx[i]!];
        }
        batch = idx.slice(0, batchSize).map((i) => pool[i]!);
      }
    } else batch = Array.from({ length: batchSize }, (_, i) => asF64Task(sampler!(mix(mix(seed, it + 2), i))));
    const mat = materialize(theta);
    const dense = zeroDenseGrads(theta);
    let loss = 0;
    for (const task of batch) loss += unroll(mat, task, uo, dense).metaLoss;
    const inv = 1 / batch.length;
    loss *= inv;
    history[it] = loss;
    if (!Number.isFinite(loss)) {
      throw new MetaoptimError('NON_FINITE_LOSS', `metaTrain: meta-loss is ${loss} at iteration ${it}; lower lr`, { iteration: it });
    }
    const g = paramGrads(theta, dense);
    const rate = iterations > 1 ? lr * Math.pow(finalLr / lr, it / (iterations - 1)) : lr;
    const c1 = 1 / (1 - Math.pow(b1, it + 1)), c2 = 1 / (1 - Math.pow(b2, it + 1));
    for (const k of names) {
      const p = theta.params[k]!, gk = g[k]!, a = m1[k]!, v = m2[k]!;
      const step = rate * scaleOf[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = gk[i]! * inv;
        a[i] = b1 * a[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        p[i] = p[i]! - (step * a[i]! * c1) / (Math.sqrt(v[i]! * c2) + aeps);
      }
    }
    o.onProgress?.({ iteration: it + 1, iterations, metaLoss: loss });
  }
  return { theta, history, gradient: full ? 'full' : 'first-order' };
}

/** Mean meta-loss of θ over tasks (no update), e.g. on held-out tasks. */
export function metaLoss(theta: DcoTheta, tasks: (Task | F64Task)[], o: { unroll?: number; weights?: 'all' | 'last'; normalize?: boolean } = {}): number {
  const mat = materialize(theta);
  let s = 0;
  tasks.forEach((t, i) => {
    s += unroll(mat, asF64Task(t, i), { steps: o.unroll ?? 1, weights: o.weights ?? 'all', normalize: !!o.normalize, full: false }).metaLoss;
  });
  return s / tasks.length;
}
