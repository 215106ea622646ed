import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { powerIteration, symmetricEigen } from '../core/linalg.js';
import { Rng } from '../core/rng.js';
import { Region } from '../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../runtime/runtime.js';

/**
 * Update (or gradient) covariance across samples at a frozen checkpoint (SPEC B.1.7).
 *
 * Samples are the rows of a row-major matrix X (L rows × P columns, f32 or f64). With
 * V = X − mean (rows centered by the column mean):
 *   covariance   Σ = VᵀV / L          (P×P)   — `covariance`, a SYRK of the transposed V
 *   Gram form    K = V Vᵀ / L         (L×L)   — `gram`; same nonzero spectrum as Σ
 *   trace        tr Σ = (1/L)·Σ_l ‖v_l‖²  (= tr K)
 *   λ_max        power iteration on the smaller of K and Σ (`lambdaMax`: core `powerIteration`
 *                with the `symv_f64` kernel, from a seeded Gaussian start, to convergence)
 * and, when min(L, P) is small, the full spectrum (core `symmetricEigen`, cyclic Jacobi), the effective rank
 * exp(H(λ/Σλ)) and λ_max/λ_min⁺ (extensions named in B.1.7). The divisor is L (not L − 1),
 * as in B.1.7. Accumulation is f64. `covariance` runs assembly/covariance.ts: the centred
 * samples packed in panels of 4 columns and a blocked SYRK (4 × 4 register tiles, blocks of
 * 1024 rows); each entry is a sequential sum over the rows, times 1/L. `gram` runs
 * `center_f64` + `syrk_f64` of assembly/stats.ts (two partial sums, even and odd indices).
 *
 * Errors: `INVALID_ARGUMENT` (bad shape), `LENGTH_MISMATCH` (data length ≠ rows·cols),
 * `NON_FINITE_INPUT` (NaN/±Inf in the samples).
 */
export interface SampleMatrix {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
}

export interface StatsOptions {
  runtime?: Runtime;
}

const STATS_KEYS = optionKeys<StatsOptions>({ runtime: 1 });

function checkShape(owner: string, x: SampleMatrix): void {
  if (!x || !(x.data instanceof Float32Array || x.data instanceof Float64Array)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: data must be a Float32Array or Float64Array`);
  }
  if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 1 || x.cols < 1) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: rows and cols must be positive integers, got ${x.rows}×${x.cols}`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: data has ${x.data.length} entries, expected ${x.rows}·${x.cols}`, {
      expected: x.rows * x.cols,
      got: x.data.length,
    });
  }
}

/** Centered (optionally transposed) copy of X in f64 plus the column means; the caller releases `out`. */
function centered(rt: Runtime, x: SampleMatrix, transpose: boolean): { out: Region<Float64Array>; mean: Float64Array } {
  const f32 = x.data instanceof Float32Array;
  const input: Region<Float32Array | Float64Array> = f32 ? new Region(rt.arena, Float32Array, x.data.length) : new Region(rt.arena, Float64Array, x.data.length);
  const mean = new Region(rt.arena, Float64Array, x.cols);
  const out = new Region(rt.arena, Float64Array, x.data.length);
  try {
    input.view.set(x.data);
    const k = rt.kernels;
    const bad = (f32 ? k.count_nonfinite_f32 : k.count_nonfinite_f64)(input.ptr, x.data.length);
    if (bad > 0) throw new MetaoptimError('NON_FINITE_INPUT', `samples hold ${bad} NaN or ±Inf entries`, { count: bad });
    (f32 ? k.center_f32 : k.center_f64)(out.ptr, input.ptr, mean.ptr, x.rows, x.cols, transpose ? 1 : 0);
    return { out, mean: mean.view.slice() };
  } catch (err) {
    out.release();
    throw err;
  } finally {
    input.release();
    mean.release();
  }
}

function syrk(rt: Runtime, a: Region<Float64Array>, n: number, len: number, scale: number): Float64Array {
  const out = new Region(rt.arena, Float64Array, n * n);
  try {
    rt.kernels.syrk_f64(out.ptr, a.ptr, n, len, scale);
    return out.view.slice();
  } finally {
    out.release();
  }
}

/**
 * Σ = VᵀV / L (cols×cols, row-major f64) and the column means. Σ[a][b] = (1/L)·Σ_t v_ta·v_tb
 * summed in row order t = 0 … L−1 (the order of assembly/covariance.ts, in both builds), so
 * Σ is exactly symmetric. Errors: `INVALID_ARGUMENT`, `LENGTH_MISMATCH`, `NON_FINITE_INPUT`.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { covariance } from 'metaoptim/analysis';
 * await ready();
 * const data = Float64Array.of(1, 2, 3, 4, 5, 9); // 3 samples × 2 coordinates
 * const { cov, dim } = covariance({ data, rows: 3, cols: 2 });
 * console.log(dim, Array.from(cov)); // 2, the 2 × 2 covariance (1/L normalization)
 * ```
 */
export function covariance(x: SampleMatrix, opts: StatsOptions = {}): { cov: Float64Array; mean: Float64Array; dim: number } {
  checkOptions('covariance', opts, STATS_KEYS);
  checkShape('covariance', x);
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const { rows, cols } = x;
  const f32 = x.data instanceof Float32Array;
  const width = (cols + 3) & ~3;
  // No zero-fill (`zero = false`, about 4.5 MB per call at T = 1,000, d = 256): the copy
  // writes every input entry, pack_center_* every mean and panel entry (padding included),
  // syrk_packed_f64 zeroes each tile's block of `work` before reading it and writes every
  // entry of `out`.
  const input: Region<Float32Array | Float64Array> = f32 ? new Region(rt.arena, Float32Array, x.data.length, false) : new Region(rt.arena, Float64Array, x.data.length, false);
  const mean = new Region(rt.arena, Float64Array, cols, false);
  const packed = new Region(rt.arena, Float64Array, rows * width, false);
  const work = new Region(rt.arena, Float64Array, rows > 1024 ? width * width : 16, false);
  const out = new Region(rt.arena, Float64Array, cols * cols, false);
  try {
    input.view.set(x.data);
    const k = rt.kernels;
    (f32 ? k.pack_center_f32 : k.pack_center_f64)(packed.ptr, input.ptr, mean.ptr, rows, cols);
    // A NaN or ±Inf sample makes its column's mean non-finite, so finite means prove finite
    // samples and the separate scan runs only when some mean is not finite (or overflowed).
    const means = mean.view;
    let finite = true;
    for (let c = 0; c < cols; c++) if (!Number.isFinite(means[c]!)) { finite = false; break; }
    if (!finite) {
      const bad = (f32 ? k.count_nonfinite_f32 : k.count_nonfinite_f64)(input.ptr, x.data.length);
      if (bad > 0) throw new MetaoptimError('NON_FINITE_INPUT', `samples hold ${bad} NaN or ±Inf entries`, { count: bad });
    }
    k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, cols, rows, 1 / rows);
    return { cov: out.view.slice(), mean: means.slice(), dim: cols };
  } finally {
    for (const r of [input, mean, packed, work, out]) r.release();
  }
}

/**
 * K = V Vᵀ / L (rows×rows, row-major f64) and the column means.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { gram } from 'metaoptim/analysis';
 * await ready();
 * const g = gram({ data: Float64Array.of(1, 0, 0, 1, 1, 1), rows: 3, cols: 2 });
 * console.log(g.dim); // 3: the L × L Gram matrix of the centred samples
 * ```
 */
export function gram(x: SampleMatrix, opts: StatsOptions = {}): { gram: Float64Array; mean: Float64Array; dim: number } {
  checkOptions('gram', opts, STATS_KEYS);
  checkShape('gram', x);
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const { out, mean } = centered(rt, x, false);
  try {
    return { gram: syrk(rt, out, x.rows, x.cols, 1 / x.rows), mean, dim: x.rows };
  } finally {
    out.release();
  }
}

export interface PowerOptions extends StatsOptions {
  /** Iteration cap (default 1000). */
  maxIterations?: number;
  /** Convergence test |λ_k − λ_{k−1}| ≤ tol·|λ_k| (default 1e-12; 0 runs all `maxIterations`). */
  tol?: number;
  /** Seed of the Gaussian start vector (default 0). */
  seed?: number;
}

const POWER_KEYS = optionKeys<PowerOptions>({ runtime: 1, maxIterations: 1, tol: 1, seed: 1 });

/**
 * Largest eigenvalue of a symmetric PSD matrix A (n×n row-major f64): the core
 * `powerIteration` (x ← Ax/‖Ax‖, Rayleigh quotient λ = xᵀAx, stop when λ changes by at most
 * tol·|λ|) driven by the WebAssembly `symv_f64` kernel as the operator, from a seeded Gaussian
 * start x₀ ~ N(0, I) (`Rng(seed, 0x9001)`). SPEC B.1.7 asks for 100 iterations; we iterate to
 * the convergence test instead (at most `maxIterations`), so λ_max agrees with the top of the
 * Jacobi spectrum to ~1e-10 relative whenever the eigengap allows it. A zero matrix gives λ = 0.
 * Returns λ, the unit vector, the iterations used and whether the test passed.
 * @example
 * ```ts
 * import { lambdaMax } from 'metaoptim/analysis';
 * const a = Float64Array.of(2, 1, 1, 2); // symmetric 2 × 2, eigenvalues 3 and 1
 * console.log(lambdaMax(a, 2).lambda.toFixed(6)); // 3.000000
 * ```
 */
export function lambdaMax(a: Float64Array, n: number, opts: PowerOptions = {}): { lambda: number; vector: Float64Array; iterations: number; converged: boolean } {
  checkOptions('lambdaMax', opts, POWER_KEYS);
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `lambdaMax: matrix has ${a.length} entries, expected ${n}²`);
  }
  const maxIterations = opts.maxIterations ?? 1000;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new MetaoptimError('INVALID_ARGUMENT', `lambdaMax: maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const tol = checkNumber('lambdaMax', 'tol', opts.tol ?? 1e-12, { min: 0 });
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const A = new Region(rt.arena, Float64Array, n * n);
  const X = new Region(rt.arena, Float64Array, n);
  const Y = new Region(rt.arena, Float64Array, n);
  try {
    A.view.set(a);
    const start = new Rng(opts.seed ?? 0, 0x9001).fillNormal(new Float64Array(n));
    const apply = (x: Float64Array, out: Float64Array) => {
      X.view.set(x);
      rt.kernels.symv_f64(Y.ptr, A.ptr, X.ptr, n);
      out.set(Y.view);
    };
    return powerIteration(apply, n, { maxIterations, tol, start });
  } finally {
    A.release();
    X.release();
    Y.release();
  }
}

export interface CovarianceSummaryOptions extends PowerOptions {
  /** Compute the full spectrum when min(rows, cols) ≤ this (default 256). */
  maxSpectrumDim?: number;
}

export interface CovarianceSummary {
  /** tr Σ = (1/L)·Σ ‖v_l − mean‖². */
  trace: number;
  /** λ_max of Σ by power iteration on the smaller of K (L×L) and Σ (P×P). */
  lambdaMax: number;
  /** Eigenvalues, descending, when min(L, P) ≤ maxSpectrumDim. */
  spectrum?: Float64Array;
  /** exp(entropy(λ/Σλ)) over λ ≥ 0. */
  effectiveRank?: number;
  /** λ_max / smallest eigenvalue above n·ε·λ_max. */
  condition?: number;
}

/**
 * Trace, λ_max, and (for small dimension) spectrum summaries of the sample covariance of X's rows.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { covarianceSummary } from 'metaoptim/analysis';
 * await ready();
 * const data = Float64Array.from({ length: 100 * 8 }, (_, i) => Math.sin(i * 0.37));
 * const s = covarianceSummary({ data, rows: 100, cols: 8 });
 * console.log(s.trace >= s.lambdaMax, s.lambdaMax > 0); // true true
 * ```
 */
export function covarianceSummary(x: SampleMatrix, opts: CovarianceSummaryOptions = {}): CovarianceSummary {
  checkOptions('covarianceSummary', opts, optionKeys<CovarianceSummaryOptions>({ runtime: 1, maxIterations: 1, tol: 1, seed: 1, maxSpectrumDim: 1 }));
  const useGram = x.rows <= x.cols;
  const m = useGram ? gram(x, { runtime: opts.runtime }) : covariance(x, { runtime: opts.runtime });
  const mat = 'gram' in m ? m.gram : m.cov;
  const n = m.dim;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += mat[i * n + i]!;
  const { lambda } = lambdaMax(mat, n, { runtime: opts.runtime, maxIterations: opts.maxIterations, tol: opts.tol, seed: opts.seed });
  const out: CovarianceSummary = { trace, lambdaMax: lambda };
  if (n <= (opts.maxSpectrumDim ?? 256)) {
    const spectrum = symmetricEigen(mat, n, { vectors: false }).values;
    Object.assign(out, { spectrum }, spectrumSummary(spectrum));
  }
  return out;
}

/**
 * The B.1.7 trace estimator around a reference point: (1/S)·Σ_i ‖v_ref − v_i‖² (v_ref is the
 * full-batch gradient or update, the v_i are per-sample ones; rows of X).
 * @example
 * ```ts
 * import { traceAround } from 'metaoptim/analysis';
 * console.log(traceAround({ data: Float64Array.of(1, 1, 3, 3), rows: 2, cols: 2 }, [2, 2])); // 2 = mean ‖v_l − ref‖²
 * ```
 */
export function traceAround(x: SampleMatrix, ref: ArrayLike<number>): number {
  checkShape('traceAround', x);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) throw new MetaoptimError('NON_FINITE_INPUT', `traceAround: sample entry ${i} is ${x.data[i]}`);
  }
  if (ref.length !== x.cols) throw new MetaoptimError('LENGTH_MISMATCH', `traceAround: reference has ${ref.length} entries, expected ${x.cols}`);
  let s = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) {
      const d = ref[c]! - x.data[r * x.cols + c]!;
      s += d * d;
    }
  }
  return s / x.rows;
}

/**
 * Summaries of a PSD spectrum (descending): effective rank exp(−Σ p·ln p) with
 * p = λ⁺/Σλ⁺ (negative round-off eigenvalues count as 0), and the condition number
 * λ_max/λ_min⁺ where λ_min⁺ is the smallest eigenvalue above n·2.2e-16·λ_max.
 * @example
 * ```ts
 * import { spectrumSummary } from 'metaoptim/analysis';
 * const s = spectrumSummary(Float64Array.of(4, 1, 1, 1, 1));
 * console.log(s.condition, s.effectiveRank > 1); // 4 true
 * ```
 */
export function spectrumSummary(eigs: Float64Array): { effectiveRank: number; condition: number } {
  let sum = 0;
  let max = 0;
  for (const l of eigs) if (l > 0) { sum += l; max = Math.max(max, l); }
  if (sum === 0) return { effectiveRank: 0, condition: NaN };
  let h = 0;
  for (const l of eigs) if (l > 0) { const p = l / sum; h -= p * Math.log(p); }
  const floor = eigs.length * 2.220446049250313e-16 * max;
  let minPos = Infinity;
  for (const l of eigs) if (l > floor && l < minPos) minPos = l;
  return { effectiveRank: Math.exp(h), condition: max / minPos };
}
