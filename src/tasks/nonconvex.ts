import { MetaoptimError, checkNumber } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Evaluation, Task } from './types.js';

/**
 * Deterministic nonconvex test functions where restarts matter (SPEC A.3, "tasks"), as
 * `Task`s over float32 parameters (computed in f64). The minibatch index is ignored: the
 * loss is the same on every batch, so a restart candidate's score is exact.
 *
 * Rastrigin (Rastrigin 1974; Mühlenbein et al. 1991), A = 10:
 *   f(x) = A·n + Σᵢ (xᵢ² − A·cos(2πxᵢ)),   ∂f/∂xᵢ = 2xᵢ + 2πA·sin(2πxᵢ)
 *   global minimum f(0) = 0; a local minimum near every integer lattice point.
 * Ackley (Ackley 1987), a = 20, b = 0.2, c = 2π, r = √(Σxᵢ²/n):
 *   f(x) = −a·exp(−b·r) − exp(Σᵢ cos(c·xᵢ)/n) + a + e
 *   ∂f/∂xᵢ = a·b·exp(−b·r)·xᵢ/(n·r) + exp(Σ cos(c·x)/n)·c·sin(c·xᵢ)/n   (first term 0 at r = 0)
 *   global minimum f(0) = 0.
 * Initial points are uniform in [−range, range]ⁿ from the seed (defaults 5.12 and 32.768,
 * the usual search domains). With `shift` s the function is f(x − s): the minimum moves to s
 * while the initialization box stays centred at the origin (a check that a method does not
 * merely favour the origin).
 *
 * Errors: INVALID_HYPERPARAMETER (n or range), LENGTH_MISMATCH (params/grad length).
 */
export interface NonconvexOptions {
  /** Dimension (default 10). */
  n?: number;
  /** Half-width of the initialization box. */
  range?: number;
  /** Location of the global minimum (default the origin; rounded to float32); length n. */
  shift?: ArrayLike<number>;
}

/** A test-function task; `minimizer()` and `optimum` give the known global solution. */
export interface TestFunctionTask extends Task {
  readonly optimum: number;
  minimizer(): Float32Array;
  /** Half-width of the initialization box. */
  readonly range: number;
}

type Fn = (x: Float32Array | Float64Array, grad?: Float32Array) => number;

function makeTask(name: string, o: NonconvexOptions, defaultRange: number, fn: Fn): TestFunctionTask {
  const n = o.n ?? 10;
  if (!Number.isInteger(n) || n < 1) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${name}: n must be a positive integer, got ${n}`);
  const range = checkNumber(name, 'range', o.range ?? defaultRange, { min: 0, minExclusive: true });
  let shift: Float64Array | undefined;
  if (o.shift !== undefined) {
    if (o.shift.length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `${name}: shift must have length ${n}`, { expected: n });
    shift = Float64Array.from(o.shift, (v) => Math.fround(v));
    for (let i = 0; i < n; i++) checkNumber(name, `shift[${i}]`, shift[i]);
  }
  const y = new Float64Array(n);
  const at = (p: Float32Array): Float32Array | Float64Array => {
    if (!shift) return p;
    for (let i = 0; i < n; i++) y[i] = p[i]! - shift[i]!;
    return y;
  };
  const check = (p: Float32Array, g?: Float32Array) => {
    if (!(p instanceof Float32Array) || p.length !== n) {
      throw new MetaoptimError('LENGTH_MISMATCH', `${name}: params must be a Float32Array of length ${n}`, { expected: n });
    }
    if (g !== undefined && (!(g instanceof Float32Array) || g.length !== n)) {
      throw new MetaoptimError('LENGTH_MISMATCH', `${name}: grad must be a Float32Array of length ${n}`, { expected: n });
    }
  };
  return {
    name: `${name}${shift ? '-shifted' : ''}-${n}`,
    size: n,
    range,
    optimum: 0,
    init(seed: number): Float32Array {
      const rng = new Rng(seed);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = (2 * rng.uniform() - 1) * range;
      return x;
    },
    loss(params: Float32Array, _batch: number, grad?: Float32Array): number {
      check(params, grad);
      return fn(at(params), grad);
    },
    evaluate(params: Float32Array): Evaluation {
      check(params);
      return { loss: fn(at(params)) };
    },
    minimizer: () => (shift ? Float32Array.from(shift) : new Float32Array(n)),
  };
}

const TWO_PI = 2 * Math.PI;

/**
 * Rastrigin function task (A = 10), `rastrigin-<n>`.
 * @example
 * ```ts
 * import { momentum, ready, train } from 'metaoptim';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * const task = rastriginTask({ n: 10 }); // f(0) = 0; starts uniform in [−5.12, 5.12]ⁿ
 * const run = await train(task, momentum({ lr: 3e-4 }), { steps: 1000, evalSplits: ['train'] });
 * console.log(run.final.train!.loss < run.losses[0]!); // true (a local minimum, not 0)
 * ```
 */
export function rastriginTask(o: NonconvexOptions = {}): TestFunctionTask {
  const A = 10;
  return makeTask('rastrigin', o, 5.12, (x, g) => {
    let f = A * x.length;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      f += xi * xi - A * Math.cos(TWO_PI * xi);
      if (g) g[i] = 2 * xi + TWO_PI * A * Math.sin(TWO_PI * xi);
    }
    return f;
  });
}

/**
 * Ackley function task (a = 20, b = 0.2, c = 2π), `ackley-<n>`.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { ackleyTask } from 'metaoptim/tasks';
 * await ready();
 * const run = await train(ackleyTask({ n: 10 }), adam({ lr: 0.05 }), { steps: 500, evalSplits: ['train'] });
 * console.log(run.final.train!.loss < run.losses[0]!); // true
 * ```
 */
export function ackleyTask(o: NonconvexOptions = {}): TestFunctionTask {
  const a = 20;
  const b = 0.2;
  return makeTask('ackley', o, 32.768, (x, g) => {
    const n = x.length;
    let sq = 0;
    let cs = 0;
    for (let i = 0; i < n; i++) {
      sq += x[i]! * x[i]!;
      cs += Math.cos(TWO_PI * x[i]!);
    }
    const r = Math.sqrt(sq / n);
    const e1 = Math.exp(-b * r);
    const e2 = Math.exp(cs / n);
    if (g) {
      const k1 = r > 0 ? (a * b * e1) / (n * r) : 0;
      const k2 = (e2 * TWO_PI) / n;
      for (let i = 0; i < n; i++) g[i] = k1 * x[i]! + k2 * Math.sin(TWO_PI * x[i]!);
    }
    // a·(1 − e₁) + (e − e₂): the same value, but exactly 0 at the origin.
    return a * (1 - e1) + (Math.E - e2);
  });
}
