import { MetaoptimError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/**
 * Bilevel problems (SPEC A.2.1):
 *
 *   min_x F(x) = f(x, y*(x))   subject to   y*(x) ∈ argmin_y g(x, y),   x ∈ X (a box, optional)
 *
 * f is the upper-level (UL) objective, g the lower-level (LL) objective. Each is given as an
 * ORACLE `(x, y, gx, gy) → value` that returns the value at (x, y) and, when `gx` / `gy` are
 * non-null, writes ∇ₓ / ∇_y into those caller-owned buffers (overwriting them). The buffers
 * may be views of WebAssembly memory: an oracle must not keep them past the call and must
 * not allocate in the runtime arena that owns them while it runs (allocate at creation).
 *
 * Gradient-evaluation count (used by every solver, `GradCounts`): each requested partial
 * gradient is one evaluation — a call with both `gx` and `gy` counts 2, with one of them 1,
 * with neither 0 (a value-only call, counted separately as `values`).
 *
 * Error codes raised by the bilevel module:
 * - `BILEVEL_SHAPE`       dimensions disagree (x0, y0, bounds, buffers) or are not positive integers
 * - `BILEVEL_NON_FINITE`  a given vector / bound holds NaN (or ±∞ where not allowed), or an
 *                         oracle produced a non-finite value or gradient
 * - `BILEVEL_INVALID`     a problem definition is malformed (missing oracle, lo > hi, …)
 * - `INVALID_HYPERPARAMETER` a solver option is out of range (from `checkNumber`)
 * - `ABORTED`             the AbortSignal fired during a solve
 */
export type Oracle = (x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null) => number;

/** Box constraint on x: scalars apply to every coordinate; ±Infinity leaves a side open. */
export interface Bounds {
  lo: number | Float32Array;
  hi: number | Float32Array;
}

export interface BilevelProblemSpec {
  name: string;
  dimX: number;
  dimY: number;
  /** Upper objective f(x, y). */
  upper: Oracle;
  /** Lower objective g(x, y) (strongly convex or PL in y for the theory to apply). */
  lower: Oracle;
  /** Optional box constraint on x (solvers project after every x step). */
  bounds?: Bounds;
  /** Seeded starting point (default: zeros, projected onto the box). */
  init?(rng: Rng): { x: Float32Array; y: Float32Array };
  /** Exact (or numerically exact) y*(x), written into `out`. */
  lowerSolution?(x: Float32Array, out: Float32Array): void;
  /** F(x) = f(x, y*(x)); derived from `lowerSolution` when omitted. */
  upperObjective?(x: Float32Array): number;
  /** Extra numbers to record at (x, y), e.g. test accuracy. Not counted as gradient evaluations. */
  metrics?(x: Float32Array, y: Float32Array): Record<string, number>;
  /** One paragraph for reports. */
  description?: string;
}

export interface BilevelProblem extends Readonly<Omit<BilevelProblemSpec, 'upperObjective'>> {
  upperObjective?: (x: Float32Array) => number;
}

/**
 * Validates a problem definition and fills in F(x) from y*(x) when only the latter is given.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { defineBilevelProblem, pbgdFree } from 'metaoptim/bilevel';
 * await ready();
 * // min_x ½(x − 1)² + ½(y − x)²  with  y*(x) = argmin_y ½(y − x)²
 * const p = defineBilevelProblem({
 *   name: 'toy', dimX: 1, dimY: 1,
 *   upper: (x, y, gx, gy) => {
 *     if (gx) gx[0] = x[0]! - 1 - (y[0]! - x[0]!);
 *     if (gy) gy[0] = y[0]! - x[0]!;
 *     return 0.5 * (x[0]! - 1) ** 2 + 0.5 * (y[0]! - x[0]!) ** 2;
 *   },
 *   lower: (x, y, gx, gy) => {
 *     if (gx) gx[0] = x[0]! - y[0]!;
 *     if (gy) gy[0] = y[0]! - x[0]!;
 *     return 0.5 * (y[0]! - x[0]!) ** 2;
 *   },
 * });
 * const r = await pbgdFree(p, { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
 * console.log(r.x[0]!.toFixed(3)); // 1.000
 * ```
 */
export function defineProblem(spec: BilevelProblemSpec): BilevelProblem {
  if (!spec || typeof spec.name !== 'string') throw new MetaoptimError('BILEVEL_INVALID', 'bilevel problem: a name is required');
  const owner = `bilevel problem ${spec.name}`;
  for (const d of ['dimX', 'dimY'] as const) {
    if (!Number.isInteger(spec[d]) || spec[d] <= 0) {
      throw new MetaoptimError('BILEVEL_SHAPE', `${owner}: ${d} must be a positive integer, got ${String(spec[d])}`, { [d]: spec[d] });
    }
  }
  if (typeof spec.upper !== 'function' || typeof spec.lower !== 'function') {
    throw new MetaoptimError('BILEVEL_INVALID', `${owner}: upper and lower must be oracle functions`);
  }
  if (spec.bounds) checkBounds(owner, spec.bounds, spec.dimX);
  let upperObjective = spec.upperObjective;
  if (!upperObjective && spec.lowerSolution) {
    const ys = new Float32Array(spec.dimY);
    const solve = spec.lowerSolution;
    upperObjective = (x) => {
      solve(x, ys);
      return spec.upper(x, ys, null, null);
    };
  }
  return { ...spec, upperObjective };
}

/** Throws BILEVEL_SHAPE / BILEVEL_NON_FINITE unless `v` is a Float32Array of `n` finite numbers. */
export function checkVector(owner: string, name: string, v: unknown, n: number): Float32Array {
  if (!(v instanceof Float32Array)) throw new MetaoptimError('BILEVEL_SHAPE', `${owner}: ${name} must be a Float32Array`, { name });
  if (v.length !== n) {
    throw new MetaoptimError('BILEVEL_SHAPE', `${owner}: ${name} has length ${v.length}, expected ${n}`, { name, length: v.length, expected: n });
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new MetaoptimError('BILEVEL_NON_FINITE', `${owner}: ${name}[${i}] is ${v[i]}`, { name, index: i, value: v[i] });
    }
  }
  return v;
}

function checkBounds(owner: string, b: Bounds, n: number): void {
  const side = (name: string, v: number | Float32Array): void => {
    if (typeof v === 'number') {
      if (Number.isNaN(v)) throw new MetaoptimError('BILEVEL_NON_FINITE', `${owner}: bound ${name} is NaN`);
      return;
    }
    if (!(v instanceof Float32Array) || v.length !== n) {
      throw new MetaoptimError('BILEVEL_SHAPE', `${owner}: bound ${name} must be a number or a Float32Array of length ${n}`);
    }
    for (let i = 0; i < n; i++) if (Number.isNaN(v[i]!)) throw new MetaoptimError('BILEVEL_NON_FINITE', `${owner}: bound ${name}[${i}] is NaN`);
  };
  side('lo', b.lo);
  side('hi', b.hi);
  for (let i = 0; i < n; i++) {
    const lo = typeof b.lo === 'number' ? b.lo : b.lo[i]!;
    const hi = typeof b.hi === 'number' ? b.hi : b.hi[i]!;
    if (lo > hi) throw new MetaoptimError('BILEVEL_INVALID', `${owner}: bound lo[${i}] = ${lo} exceeds hi = ${hi}`);
  }
}

/** Projects `x` onto the problem's box in place (no-op without bounds). */
export function projectOnto(bounds: Bounds | undefined, x: Float32Array): void {
  if (!bounds) return;
  for (let i = 0; i < x.length; i++) {
    const lo = typeof bounds.lo === 'number' ? bounds.lo : bounds.lo[i]!;
    const hi = typeof bounds.hi === 'number' ? bounds.hi : bounds.hi[i]!;
    x[i] = Math.min(Math.max(x[i]!, lo), hi);
  }
}

/** Per-oracle counts of partial-gradient evaluations (see the module comment). */
export interface GradCounts {
  /** ∇ₓf evaluations */
  fx: number;
  /** ∇_y f evaluations */
  fy: number;
  /** ∇ₓg evaluations */
  gx: number;
  /** ∇_y g evaluations */
  gy: number;
  /** fx + fy + gx + gy */
  total: number;
  /** value-only oracle calls made by the solver itself (records are not counted) */
  values: number;
}

/**
 * Wraps a problem's oracles: counts gradient evaluations and turns non-finite values or
 * gradients into BILEVEL_NON_FINITE errors (with the oracle and the iteration in details).
 */
export class CountingOracles {
  readonly counts: GradCounts = { fx: 0, fy: 0, gx: 0, gy: 0, total: 0, values: 0 };
  iteration = 0;
  constructor(private readonly p: BilevelProblem, private readonly checkFinite: boolean) {}

  f(x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number {
    if (gx) this.counts.fx++;
    if (gy) this.counts.fy++;
    return this.call('f', this.p.upper, x, y, gx, gy);
  }

  g(x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number {
    if (gx) this.counts.gx++;
    if (gy) this.counts.gy++;
    return this.call('g', this.p.lower, x, y, gx, gy);
  }

  private call(which: 'f' | 'g', o: Oracle, x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number {
    this.counts.total = this.counts.fx + this.counts.fy + this.counts.gx + this.counts.gy;
    if (!gx && !gy) this.counts.values++;
    const v = o(x, y, gx, gy);
    if (this.checkFinite) {
      if (!Number.isFinite(v)) this.fail(which, 'value', v);
      if (gx) for (let i = 0; i < gx.length; i++) if (!Number.isFinite(gx[i]!)) this.fail(which, `∇ₓ[${i}]`, gx[i]!);
      if (gy) for (let i = 0; i < gy.length; i++) if (!Number.isFinite(gy[i]!)) this.fail(which, `∇_y[${i}]`, gy[i]!);
    }
    return v;
  }

  private fail(which: string, what: string, v: number): never {
    throw new MetaoptimError('BILEVEL_NON_FINITE', `${this.p.name}: oracle ${which} produced ${what} = ${v} at iteration ${this.iteration}`, {
      oracle: which,
      what,
      iteration: this.iteration,
    });
  }
}
