import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Evaluation, Task } from './types.js';

/**
 * Standard deterministic test functions as `Task`s, with exact gradients. The batch index
 * is ignored (there is no data), `evaluate` returns the same loss for both splits. Values
 * and gradients are computed in f64 from the f32 parameters and the gradient is rounded to
 * f32 when stored.
 *
 * Error codes: `INVALID_ARGUMENT` (bad size, condition number or seed; params/grad of the
 * wrong length).
 */

function checkInt(owner: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function checkLengths(owner: string, n: number, params: Float32Array, grad?: Float32Array): void {
  if (params.length !== n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: params has ${params.length} elements, expected ${n}`, { expected: n, got: params.length });
  }
  if (grad !== undefined && grad.length !== n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: grad has ${grad.length} elements, expected ${n}`, { expected: n, got: grad.length });
  }
}

/** Wraps a value-and-gradient function into a `Task`. */
function functionTask(name: string, size: number, init: (seed: number) => Float32Array, f: (x: Float32Array, g?: Float32Array) => number): Task {
  return {
    name,
    size,
    init,
    loss(params: Float32Array, _batch: number, grad?: Float32Array): number {
      checkLengths(name, size, params, grad);
      return f(params, grad);
    },
    evaluate(params: Float32Array): Evaluation {
      checkLengths(name, size, params);
      return { loss: f(params) };
    },
  };
}

/**
 * Rosenbrock's banana function in 2-D (Rosenbrock 1960):
 *   f(x, y) = (1 − x)² + 100·(y − x²)²,  ∇f = (−2(1 − x) − 400·x·(y − x²), 200·(y − x²))
 * Minimum 0 at (1, 1); the classic start (−1.2, 1) has f = 24.2. `init` ignores the seed.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { rosenbrockTask } from 'metaoptim/tasks';
 * await ready();
 * const run = await train(rosenbrockTask(), adam({ lr: 0.3 }), { steps: 1000, evalSplits: ['train'] });
 * console.log(run.losses[0], run.final.train!.loss < 1e-6); // 24.2 true
 * ```
 */
export function rosenbrockTask(): Task {
  return functionTask(
    'rosenbrock',
    2,
    () => Float32Array.of(-1.2, 1),
    (p, g) => {
      const x = p[0]!;
      const y = p[1]!;
      const a = 1 - x;
      const b = y - x * x;
      if (g) {
        g[0] = -2 * a - 400 * x * b;
        g[1] = 200 * b;
      }
      return a * a + 100 * b * b;
    },
  );
}

export interface QuadraticTaskOptions {
  /** Dimension (default 50). */
  n?: number;
  /** Condition number λmax/λmin (default 1e4). */
  condition?: number;
  /** Seed of the rotation and of the minimizer (default 0). */
  seed?: number;
}

/**
 * An ill-conditioned rotated quadratic:
 *   f(x) = ½ (x − x*)ᵀ Qᵀ D Q (x − x*),  ∇f = Qᵀ D Q (x − x*)
 * D = diag(λ₁…λₙ) log-spaced from 1/√κ to √κ (so λmax/λmin = κ, geometric mean 1),
 * Q a seeded random orthogonal matrix (modified Gram–Schmidt on a Gaussian matrix; the
 * rotation stops coordinate-wise methods from seeing the axes), x* a seeded N(0, I) point.
 * Minimum 0 at x*. `init(seed)` draws the start x* + N(0, I) from its own stream.
 * @example
 * ```ts
 * import { ready, sgd, train } from 'metaoptim';
 * import { quadraticTask } from 'metaoptim/tasks';
 * await ready();
 * const task = quadraticTask({ n: 20, condition: 100 });
 * const run = await train(task, sgd({ lr: 0.1 }), { steps: 1000, evalSplits: ['train'] });
 * console.log(run.final.train!.loss < 1e-6); // true
 * ```
 */
export function quadraticTask(o: QuadraticTaskOptions = {}): Task {
  checkOptions('quadraticTask', o, optionKeys<QuadraticTaskOptions>({ n: 1, condition: 1, seed: 1 }));
  const n = checkInt('quadratic', 'n', o.n ?? 50, 1);
  const kappa = o.condition ?? 1e4;
  if (!Number.isFinite(kappa) || kappa < 1) throw new MetaoptimError('INVALID_ARGUMENT', `quadratic: condition must be a finite number ≥ 1, got ${kappa}`);
  const rng = new Rng(o.seed ?? 0);
  const q = orthogonal(n, rng.fork(1));
  const lam = new Float64Array(n);
  for (let i = 0; i < n; i++) lam[i] = Math.pow(kappa, n === 1 ? 0 : i / (n - 1) - 0.5);
  const star = new Float64Array(n);
  const sr = rng.fork(2);
  for (let i = 0; i < n; i++) star[i] = sr.normal();
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  return functionTask(
    'quadratic',
    n,
    (seed) => {
      const ir = new Rng(seed).fork(3);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = star[i]! + ir.normal();
      return x;
    },
    (p, g) => {
      for (let i = 0; i < n; i++) r[i] = p[i]! - star[i]!;
      let f = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += q[row + j]! * r[j]!;
        f += lam[i]! * s * s;
        z[i] = lam[i]! * s;
      }
      if (g) {
        g.fill(0);
        for (let j = 0; j < n; j++) r[j] = 0;
        for (let i = 0; i < n; i++) {
          const zi = z[i]!;
          const row = i * n;
          for (let j = 0; j < n; j++) r[j] += q[row + j]! * zi;
        }
        for (let j = 0; j < n; j++) g[j] = r[j]!;
      }
      return 0.5 * f;
    },
  );
}

/** A random n×n orthogonal matrix (row-major): modified Gram–Schmidt on Gaussian rows. */
export function orthogonal(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) a[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const rk = k * n;
      let d = 0;
      for (let j = 0; j < n; j++) d += a[ri + j]! * a[rk + j]!;
      for (let j = 0; j < n; j++) a[ri + j] -= d * a[rk + j]!;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += a[ri + j]! * a[ri + j]!;
    s = Math.sqrt(s);
    for (let j = 0; j < n; j++) a[ri + j] /= s;
  }
  return a;
}
