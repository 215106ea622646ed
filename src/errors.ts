/**
 * Every error metaoptim throws on purpose is a `MetaoptimError` with a stable `code`.
 * Codes are grouped by area; each module documents the codes it raises, and
 * docs/errors.md lists them all.
 *
 * Foundation codes:
 * - `NOT_READY`              `await ready()` was not called (or failed) before use
 * - `WASM_UNAVAILABLE`       WebAssembly (or the requested SIMD build) cannot run here
 * - `DISPOSED`               a state or runtime was used after `dispose()`
 * - `OUT_OF_MEMORY`          the arena could not grow linear memory
 * - `LENGTH_MISMATCH`        buffers whose lengths must agree do not
 * - `INVALID_ARGUMENT`       an argument has the wrong type or shape
 * - `INVALID_HYPERPARAMETER` a hyper-parameter (or a schedule's value) is non-finite or out of range
 * - `MISSING_LOSS`           Eve was stepped without `{ loss }`
 * - `NON_FINITE_LOSS`        the loss given to Eve is NaN or ±Inf (policy `throw`)
 * - `NON_FINITE_GRADIENT`    the gradient holds NaN or ±Inf (policy `throw`)
 * - `STATE_MISMATCH`         a state was passed to an optimizer that did not make it
 * - `BAD_CHECKPOINT`         bytes are not a metaoptim checkpoint, or a newer/other format
 */
export class MetaoptimError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(`[${code}] ${message}`);
    this.name = 'MetaoptimError';
    this.code = code;
    this.details = details;
  }
}

/** Throws INVALID_HYPERPARAMETER unless `value` is a finite number within [min, max]. */
export function checkNumber(
  owner: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: ${name} must be a finite number, got ${String(value)}`, {
      name,
      value,
    });
  }
  const { min, max, minExclusive, maxExclusive } = range;
  const low = min !== undefined && (minExclusive ? value <= min : value < min);
  const high = max !== undefined && (maxExclusive ? value >= max : value > max);
  if (low || high) {
    const lo = min === undefined ? '(-∞' : `${minExclusive ? '(' : '['}${min}`;
    const hi = max === undefined ? '∞)' : `${max}${maxExclusive ? ')' : ']'}`;
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: ${name} must lie in ${lo}, ${hi}, got ${value}`, {
      name,
      value,
    });
  }
  return value;
}
