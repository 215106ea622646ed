import { MetaoptimError } from './errors.js';
import { Rng } from './rng.js';

/**
 * The one set of summary statistics, so that a "mean ± sd" in one doc compares with one in
 * another. Conventions (numpy/R defaults where they differ):
 * - `sd` is the **sample** standard deviation (n − 1); one value gives sd 0, none gives NaN.
 * - `quantile` interpolates linearly between order statistics (R type 7, numpy 'linear').
 * - `iqm` is the interquartile mean of Agarwal et al. 2021 (rliable): the mean of the middle
 *   50 %, with fractional weight for the boundary values, so IQM of n values is exact.
 * - Non-finite values are kept: a NaN in gives NaN out, so a diverged run is never hidden.
 *   `finite(xs)` drops them explicitly where a caller wants that.
 */

/**
 * Arithmetic mean; NaN for no values.
 * @example
 * ```ts
 * import { mean, sd } from 'metaoptim/core';
 * console.log(mean([1, 2, 3, 4]), sd([1, 2, 3, 4]).toFixed(4)); // 2.5 1.2910 (sample sd, n − 1)
 * ```
 */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/**
 * Sample standard deviation (n − 1 in the denominator); 0 for one value, NaN for none.
 * @example
 * ```ts
 * import { sd } from 'metaoptim/core';
 * console.log(sd([2, 4, 4, 4, 5, 5, 7, 9]).toFixed(4)); // 2.1381
 * ```
 */
export function sd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  if (n === 1) return Number.isFinite(xs[0]!) ? 0 : NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/**
 * `{ mean, sd, n }` in one call.
 * @example
 * ```ts
 * import { meanSd } from 'metaoptim/core';
 * console.log(meanSd([1, 2, 3])); // { mean: 2, sd: 1, n: 3 }
 * ```
 */
export function meanSd(xs: ArrayLike<number>): { mean: number; sd: number; n: number } {
  return { mean: mean(xs), sd: sd(xs), n: xs.length };
}

/**
 * The finite values of xs, in order.
 * @example
 * ```ts
 * import { finite } from 'metaoptim/core';
 * console.log(finite([1, NaN, 2, Infinity])); // [ 1, 2 ]
 * ```
 */
export function finite(xs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]!)) out.push(xs[i]!);
  return out;
}

function sorted(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/**
 * The q-quantile, q ∈ [0, 1], with linear interpolation (R type 7); NaN for no values.
 * @example
 * ```ts
 * import { quantile } from 'metaoptim/core';
 * console.log(quantile([1, 2, 3, 4], 0.25)); // 1.75 (type 7, R's default)
 * ```
 */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new MetaoptimError('INVALID_ARGUMENT', `quantile: q must lie in [0, 1], got ${q}`);
  if (xs.length === 0) return NaN;
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i]!)) return NaN;
  return quantileSorted(sorted(xs), q);
}

function quantileSorted(s: Float64Array, q: number): number {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/**
 * The median (the 0.5-quantile).
 * @example
 * ```ts
 * import { median } from 'metaoptim/core';
 * console.log(median([3, 1, 2, 10])); // 2.5
 * ```
 */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/**
 * Interquartile mean: the mean of the values between the 25th and 75th percentiles, each
 * sorted value weighted by the part of its slot [i/n, (i+1)/n) inside [0.25, 0.75].
 * @example
 * ```ts
 * import { iqm } from 'metaoptim/core';
 * console.log(iqm([1, 2, 3, 4, 5, 6, 7, 100])); // 4.5: the mean of the middle half ignores the outlier
 * ```
 */
export function iqm(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  for (let i = 0; i < n; i++) if (Number.isNaN(xs[i]!)) return NaN;
  const s = sorted(xs);
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.max(0, Math.min((i + 1) / n, 0.75) - Math.max(i / n, 0.25));
    if (w > 0) {
      sum += w * s[i]!;
      weight += w;
    }
  }
  return sum / weight;
}

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Seed of the resampling stream (default 0). */
  seed?: number;
}

/**
 * Percentile bootstrap confidence interval of `stat` (default: the mean): `resamples` draws of
 * n values with replacement from `new Rng(seed, 0xb007)`, then the (1∓level)/2 quantiles.
 * @example
 * ```ts
 * import { bootstrapCi, median } from 'metaoptim/core';
 * const ci = bootstrapCi([3, 5, 4, 6, 5, 7, 4, 5], median, { seed: 1 });
 * console.log(ci.estimate, ci.lo <= ci.estimate && ci.estimate <= ci.hi); // 5 true
 * ```
 */
export function bootstrapCi(
  xs: ArrayLike<number>,
  stat: (sample: Float64Array) => number = mean,
  opts: BootstrapOptions = {},
): { lo: number; hi: number; estimate: number } {
  const n = xs.length;
  const estimate = stat(Float64Array.from(xs));
  if (n === 0) return { lo: NaN, hi: NaN, estimate };
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new MetaoptimError('INVALID_ARGUMENT', `bootstrapCi: level must lie in (0, 1), got ${level}`);
  const rng = new Rng(opts.seed ?? 0, 0xb007);
  const draws = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = xs[rng.int(n)]!;
    draws[r] = stat(sample);
  }
  const s = draws.sort();
  return { lo: quantileSorted(s, (1 - level) / 2), hi: quantileSorted(s, (1 + level) / 2), estimate };
}

/**
 * Ranks 1..n with ties given their mean rank.
 * @example
 * ```ts
 * import { ranks } from 'metaoptim/core';
 * console.log(ranks([10, 30, 20, 20])); // [ 1, 4, 2.5, 2.5 ] (ties share the mean rank)
 * ```
 */
export function ranks(xs: ArrayLike<number>): number[] {
  const idx = Array.from({ length: xs.length }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/**
 * Spearman rank correlation over the pairs where both values are finite (ties get mean
 * ranks); NaN for fewer than 2 such pairs or a constant input.
 * @example
 * ```ts
 * import { spearman } from 'metaoptim/core';
 * console.log(spearman([1, 2, 3, 4], [10, 20, 25, 100])); // 1 (monotone)
 * ```
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new MetaoptimError('LENGTH_MISMATCH', `spearman: ${x.length} x values but ${y.length} y values`);
  const ok: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) ok.push(i);
  if (ok.length < 2) return NaN;
  const rx = ranks(ok.map((i) => x[i]!));
  const ry = ranks(ok.map((i) => y[i]!));
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}
