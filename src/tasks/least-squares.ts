// Linear least-squares task family (SPEC B.3.3): f_τ(x) = ½‖A_τ x − b_τ‖², x₀ = 0,
// b_τ ~ N(0, I_m). Shared A (A_ij ~ N(0, 1/m), fixed by the family seed) or A varying around
// it: A_τ = A₀ + σ·E_τ with E_ij ~ N(0, 1/m). Exact f64 loss, gradient Aᵀ(Ax − b) and
// Hessian-vector product AᵀA v; the f32 `Task` interface rounds at its boundary.
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { cholSolve, cholesky } from '../core/linalg.js';
import { Rng } from '../core/rng.js';
import type { F64Task, HasF64 } from './f64.js';
import type { Evaluation, Task, TaskFamily } from './types.js';

export interface LeastSquaresConfig {
  n: number;
  m: number;
  /** m×n row-major. */
  A: Float64Array;
  b: Float64Array;
}

export interface LeastSquaresOptions {
  /** Unknowns (default 10). */
  n?: number;
  /** Equations (default 20; at least n so A has full column rank almost surely). */
  m?: number;
  /** Seed of the shared A₀ (default 0). */
  seed?: number;
  /** σ of the per-task perturbation of A (default 0: shared A). */
  varyA?: number;
}

/**
 * One least-squares task f(x) = ½‖Ax − b‖² (a configuration of `leastSquaresFamily`), x₀ = 0:
 * exact f64 loss, gradient Aᵀ(Ax − b) and Hessian-vector product AᵀAv (`f64()`), rounded to f32
 * at the `Task` boundary; `solution()` is the least-squares minimizer (Cholesky of AᵀA).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { type LeastSquaresTask, leastSquaresFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = leastSquaresFamily({ n: 3, m: 6, seed: 0 });
 * const task: LeastSquaresTask = family.task(family.sample(0));
 * const x = task.init();
 * const hv = new Float32Array(3);
 * task.hvp(x, Float32Array.of(1, 0, 0), hv); // Hessian-vector products: the DCO meta-gradients use them
 * console.log(hv[0]! > 0); // true: AᵀA is positive definite
 * ```
 */
export class LeastSquaresTask implements Task, HasF64 {
  readonly name: string;
  readonly size: number;
  readonly config: LeastSquaresConfig;
  private readonly r: Float64Array;

  constructor(config: LeastSquaresConfig, name = 'least-squares') {
    const { n, m, A, b } = config;
    if (A.length !== m * n || b.length !== m) throw new MetaoptimError('LENGTH_MISMATCH', 'least-squares: A must be m×n and b of length m');
    this.config = config;
    this.size = n;
    this.name = name;
    this.r = new Float64Array(m);
  }

  init(): Float32Array {
    return new Float32Array(this.size);
  }

  /** f(x) in f64; ∇f(x) = Aᵀ(Ax − b) into grad. */
  lossF64(x: ArrayLike<number>, grad?: Float64Array | Float32Array): number {
    const { n, m, A, b } = this.config;
    const r = this.r;
    let f = 0;
    for (let i = 0; i < m; i++) {
      let s = -b[i]!;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
      r[i] = s;
      f += s * s;
    }
    if (grad) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += A[i * n + j]! * r[i]!;
        grad[j] = s;
      }
    }
    return 0.5 * f;
  }

  /** AᵀA v (the Hessian is constant). */
  hvpF64(v: ArrayLike<number>, out: Float64Array | Float32Array): void {
    const { n, m, A } = this.config;
    const r = this.r;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
      r[i] = s;
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += A[i * n + j]! * r[i]!;
      out[j] = s;
    }
  }

  loss(params: Float32Array, _batch: number, grad?: Float32Array): number {
    return this.lossF64(params, grad);
  }

  evaluate(params: Float32Array): Evaluation {
    return { loss: this.lossF64(params) };
  }

  hvp(_params: Float32Array, v: Float32Array, out: Float32Array): void {
    this.hvpF64(v, out);
  }

  f64(): F64Task {
    return {
      size: this.size,
      x0: new Float64Array(this.size),
      loss: (x, grad) => this.lossF64(x, grad),
      hvp: (_x, v, out) => this.hvpF64(v, out),
    };
  }

  /** x* = (AᵀA)⁻¹Aᵀb via Cholesky of the normal equations. */
  solution(): Float64Array {
    const { n, m, A, b } = this.config;
    const H = new Float64Array(n * n), g = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k <= j; k++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += A[i * n + j]! * A[i * n + k]!;
        H[j * n + k] = s;
        H[k * n + j] = s;
      }
      let s = 0;
      for (let i = 0; i < m; i++) s += A[i * n + j]! * b[i]!;
      g[j] = s;
    }
    return cholSolve(cholesky(H, n), n, g);
  }
}

export interface LeastSquaresFamily extends TaskFamily<LeastSquaresConfig> {
  readonly n: number;
  readonly m: number;
  /** The shared (or central) matrix A₀, m×n row-major. */
  readonly A0: Float64Array;
  task(config: LeastSquaresConfig): LeastSquaresTask;
}

/**
 * The least-squares task family of SPEC B.3.3: A₀ ~ N(0, 1/m) fixed by `seed`, b_τ ~ N(0, I_m)
 * per task, and A_τ = A₀ + σ·E_τ when `varyA` = σ > 0. Defaults n = 10, m = 20, σ = 0.
 * Errors: UNKNOWN_OPTION, INVALID_ARGUMENT (m < n, σ < 0).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { leastSquaresFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = leastSquaresFamily({ n: 5, m: 10, seed: 1 }); // A shared by the family, b per task
 * const task = family.task(family.sample(0));
 * const xStar = task.solution();                               // the minimizer (Cholesky of AᵀA)
 * const g = new Float32Array(5);
 * task.loss(Float32Array.from(xStar), 0, g);
 * console.log(Math.max(...g.map(Math.abs)) < 1e-4); // true: the gradient vanishes at x*
 * ```
 */
export function leastSquaresFamily(o: LeastSquaresOptions = {}): LeastSquaresFamily {
  checkOptions('leastSquaresFamily', o, optionKeys<LeastSquaresOptions>({ n: 1, m: 1, seed: 1, varyA: 1 }));
  const n = o.n ?? 10, m = o.m ?? 20, sigma = o.varyA ?? 0;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < n) {
    throw new MetaoptimError('INVALID_ARGUMENT', `least-squares: need integers m ≥ n ≥ 1, got n = ${n}, m = ${m}`);
  }
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new MetaoptimError('INVALID_ARGUMENT', 'least-squares: varyA must be finite and ≥ 0');
  const rng0 = new Rng(o.seed ?? 0, 0x15a);
  const sd = 1 / Math.sqrt(m);
  const A0 = Float64Array.from({ length: m * n }, () => sd * rng0.normal());
  const name = sigma > 0 ? `least-squares(n=${n},m=${m},varyA=${sigma})` : `least-squares(n=${n},m=${m})`;
  return {
    name,
    n,
    m,
    A0,
    sample(seed: number): LeastSquaresConfig {
      const rng = new Rng(seed, 0xb);
      const b = Float64Array.from({ length: m }, () => rng.normal());
      const A = sigma > 0 ? A0.map((a) => a + sigma * sd * rng.normal()) : A0;
      return { n, m, A, b };
    },
    task: (config) => new LeastSquaresTask(config, name),
  };
}
