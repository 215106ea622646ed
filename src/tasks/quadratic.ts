// Quadratic task family with controlled conditioning: f_τ(x) = ½(x − x*_τ)ᵀH(x − x*_τ),
// H = U diag(λ) Uᵀ with λ_i = κ^{i/(n−1)} (1 … κ), U a seeded random orthogonal matrix shared by
// the family (identity when rotate = false), x*_τ ~ N(0, I) per task, x₀ = 0. Exact f64 loss,
// gradient H(x − x*) and Hessian-vector product Hv.
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { F64Task, HasF64 } from './f64.js';
import type { Evaluation, Task, TaskFamily } from './types.js';

export interface QuadraticConfig {
  n: number;
  /** n×n row-major, symmetric positive definite. */
  H: Float64Array;
  xStar: Float64Array;
}

export interface QuadraticOptions {
  n?: number;
  /** Condition number κ of H (default 100). */
  condition?: number;
  /** Random eigenbasis (default true); false gives a diagonal H. */
  rotate?: boolean;
  seed?: number;
}

/**
 * One quadratic task f(x) = ½(x − x*)ᵀH(x − x*) of `quadraticFamily`, x₀ = 0: exact f64 loss,
 * gradient H(x − x*) and Hessian-vector product Hv (`f64()`), rounded to f32 at the `Task` boundary.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { type QuadraticTask, quadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = quadraticFamily({ n: 4, condition: 10, seed: 0 });
 * const task: QuadraticTask = family.task(family.sample(0));
 * console.log(task.size); // 4
 * ```
 */
export class QuadraticTask implements Task, HasF64 {
  readonly name: string;
  readonly size: number;
  readonly config: QuadraticConfig;
  private readonly r: Float64Array;

  constructor(config: QuadraticConfig, name = 'quadratic') {
    if (config.H.length !== config.n * config.n || config.xStar.length !== config.n) {
      throw new MetaoptimError('LENGTH_MISMATCH', 'quadratic: H must be n×n and x* of length n');
    }
    this.config = config;
    this.size = config.n;
    this.name = name;
    this.r = new Float64Array(config.n);
  }

  init(): Float32Array {
    return new Float32Array(this.size);
  }

  lossF64(x: ArrayLike<number>, grad?: Float64Array | Float32Array): number {
    const { n, H, xStar } = this.config;
    const r = this.r;
    for (let i = 0; i < n; i++) r[i] = x[i]! - xStar[i]!;
    let f = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i * n + j]! * r[j]!;
      f += r[i]! * s;
      if (grad) grad[i] = s;
    }
    return 0.5 * f;
  }

  hvpF64(v: ArrayLike<number>, out: Float64Array | Float32Array): void {
    const { n, H } = this.config;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i * n + j]! * v[j]!;
      out[i] = s;
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
    return { size: this.size, x0: new Float64Array(this.size), loss: (x, g) => this.lossF64(x, g), hvp: (_x, v, o) => this.hvpF64(v, o) };
  }
}

export interface QuadraticFamily extends TaskFamily<QuadraticConfig> {
  readonly H: Float64Array;
  task(config: QuadraticConfig): QuadraticTask;
}

/**
 * Quadratics with controlled conditioning: H = U diag(λ) Uᵀ, λ_i = κ^{i/(n−1)} (1 … κ), U a
 * seeded random orthogonal matrix shared by the family (identity with `rotate: false`), and
 * x*_τ ~ N(0, I) per task. Defaults n = 10, κ = 100, rotate = true, seed 0.
 * Errors: UNKNOWN_OPTION, INVALID_ARGUMENT.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { quadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = quadraticFamily({ n: 10, condition: 100, seed: 0 });
 * const task = family.task(family.sample(1));
 * console.log(task.size); // 10
 * ```
 */
export function quadraticFamily(o: QuadraticOptions = {}): QuadraticFamily {
  checkOptions('quadraticFamily', o, optionKeys<QuadraticOptions>({ n: 1, condition: 1, rotate: 1, seed: 1 }));
  const n = o.n ?? 10, kappa = o.condition ?? 100;
  if (!Number.isInteger(n) || n < 1) throw new MetaoptimError('INVALID_ARGUMENT', `quadratic: n must be a positive integer, got ${n}`);
  if (!(kappa >= 1) || !Number.isFinite(kappa)) throw new MetaoptimError('INVALID_ARGUMENT', `quadratic: condition must be ≥ 1, got ${kappa}`);
  const lam = Float64Array.from({ length: n }, (_, i) => (n === 1 ? 1 : Math.pow(kappa, i / (n - 1))));
  const U = new Float64Array(n * n);
  if (o.rotate === false) for (let i = 0; i < n; i++) U[i * n + i] = 1;
  else {
    // Gram–Schmidt (twice, for orthogonality to rounding) on a seeded Gaussian matrix; columns of U.
    const rng = new Rng(o.seed ?? 0, 0x9a);
    const cols = Array.from({ length: n }, () => Float64Array.from({ length: n }, () => rng.normal()));
    for (let k = 0; k < n; k++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          let d = 0;
          for (let i = 0; i < n; i++) d += cols[k]![i]! * cols[j]![i]!;
          for (let i = 0; i < n; i++) cols[k]![i] = cols[k]![i]! - d * cols[j]![i]!;
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += cols[k]![i]! ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < n; i++) {
        cols[k]![i] = cols[k]![i]! / norm;
        U[i * n + k] = cols[k]![i]!;
      }
    }
  }
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += U[i * n + k]! * lam[k]! * U[j * n + k]!;
    H[i * n + j] = s;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
    const a = 0.5 * (H[i * n + j]! + H[j * n + i]!);
    H[i * n + j] = a;
    H[j * n + i] = a;
  }
  const name = `quadratic(n=${n},κ=${kappa})`;
  return {
    name,
    H,
    sample(seed: number): QuadraticConfig {
      const rng = new Rng(seed, 0xc);
      return { n, H, xStar: Float64Array.from({ length: n }, () => rng.normal()) };
    },
    task: (config) => new QuadraticTask(config, name),
  };
}
