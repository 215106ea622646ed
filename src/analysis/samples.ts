import { MetaoptimError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/**
 * Seeded heavy-tailed test data for the tail-index estimators (SPEC B.1.6), drawn from the one
 * core `Rng`: `stableSamples` by Chambers–Mallows–Stuck (`Rng.stable`), `paretoSamples` by a
 * random sign times U^{−1/α} (`Rng.pareto`). Stream: `new Rng(seed, 0x5354)` (stable) and
 * `new Rng(seed, 0x5041)` (Pareto).
 *
 * Errors: `INVALID_ARGUMENT` for α outside (0, 2] (stable) or (0, ∞) (Pareto).
 */

/**
 * n symmetric α-stable samples (unit scale, β = 0), α ∈ (0, 2], seeded (default seed 0).
 * @example
 * ```ts
 * import { stableSamples } from 'metaoptim/analysis';
 * const x = stableSamples(2, 10_000, 0); // α = 2 is Gaussian (variance 2)
 * console.log(x.length); // 10000
 * ```
 */
export function stableSamples(alpha: number, n: number, seed = 0): Float64Array {
  checkAlpha('stableSamples', alpha, 2);
  const r = new Rng(seed, 0x5354);
  return Float64Array.from({ length: n }, () => r.stable(alpha));
}

/**
 * n symmetric Pareto samples (P(|X| > x) = x^{−α}, x ≥ 1), seeded (default seed 0).
 * @example
 * ```ts
 * import { paretoSamples } from 'metaoptim/analysis';
 * const x = paretoSamples(3, 1000, 0);
 * console.log(x.every((v) => Math.abs(v) >= 1)); // true: symmetric, |X| ≥ 1
 * ```
 */
export function paretoSamples(alpha: number, n: number, seed = 0): Float64Array {
  checkAlpha('paretoSamples', alpha, Infinity);
  const r = new Rng(seed, 0x5041);
  return Float64Array.from({ length: n }, () => r.pareto(alpha));
}

function checkAlpha(owner: string, alpha: number, max: number): void {
  if (!(alpha > 0 && alpha <= max)) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: α must lie in (0, ${max}], got ${alpha}`);
}
