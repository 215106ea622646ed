// Restore-time rules for a state's scalars and buffers (checkpoint format 2, issue 15): what
// values a state can legitimately hold. `restore` checks every field against them.

/** Checks one value: `undefined` when valid, else the reason (e.g. `-1 is not a non-negative integer`). */
export type ValueRule = (v: number) => string | undefined;

/** Per-optimizer rules beyond the defaults (see `restore` in base.ts). */
export interface FieldRules {
  /** Rules for the optimizer's own scalars; a scalar without a rule must be finite. */
  scalars?: Readonly<Record<string, ValueRule>>;
  /** Buffers whose entries must also be ≥ 0 (second moments such as Adam's `v`). */
  nonNegative?: readonly string[];
  /**
   * Names of scalars whose number depends on the state (e.g. Celo's per-tensor shape scalars
   * `dim<i>r`/`dim<i>c`): a checkpoint may hold them besides the fixed ones; each must be a
   * non-negative integer, and the optimizer's own `restore` reads and checks them further.
   */
  extraScalars?: RegExp;
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** A finite number. */
export const finite: ValueRule = (v) => (Number.isFinite(v) ? undefined : `${show(v)} is not finite`);

/** `count` and `skipped`: a non-negative safe integer (0 ≤ v ≤ 2⁵³ − 1). */
export const stepCount: ValueRule = (v) => (Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0) ? undefined : `${show(v)} is not a non-negative integer`);

/** NaN (meaning "none yet") or a finite number. */
export const nanOrFinite: ValueRule = (v) => (Number.isNaN(v) || Number.isFinite(v) ? undefined : `${show(v)} is neither NaN (none yet) nor finite`);

/** NaN (meaning "none yet") or a finite number ≥ `min`. */
export function nanOrAtLeast(min: number): ValueRule {
  return (v) => (Number.isNaN(v) || (Number.isFinite(v) && v >= min) ? undefined : `${show(v)} is neither NaN (none yet) nor a finite number ≥ ${min}`);
}

/**
 * A finite number in [lo, hi], widened by a relative 1e−6 at each end for the f64 rounding of
 * the moving averages that produce such values (each update is a convex combination of values
 * in the range, so the exact result stays inside it up to rounding and cancellation).
 */
export function within(lo: number, hi: number): ValueRule {
  const a = lo - 1e-6 * Math.abs(lo), b = hi + 1e-6 * Math.abs(hi);
  return (v) => (Number.isFinite(v) && v >= a && v <= b ? undefined : `${show(v)} is outside [${lo}, ${hi}]`);
}

/** Smallest positive normal double (Eve's denominator guard). */
const TINY = 2.2250738585072014e-308;

/**
 * Eve's scalars (optim/eve.ts `eveFeedback`), under `prefix`. The coefficient d starts at 1 and
 * is a moving average of values clipped to [1/c, c] (`clip`) or of relative changes
 * r ∈ [k, K] (`thresholds`), so d ∈ [1/c, c], resp. [min(1, k), max(1, K)]. `fPrev` is NaN
 * (no loss yet) or a finite loss; `fHat` is NaN or a finite value ≥ the smallest normal double.
 */
export function eveRules(h: { variant: string; c: number; k: number; K: number }, prefix = ''): Record<string, ValueRule> {
  return h.variant === 'clip'
    ? { [`${prefix}d`]: within(1 / h.c, h.c), [`${prefix}fPrev`]: nanOrFinite }
    : { [`${prefix}d`]: within(Math.min(1, h.k), Math.max(1, h.K)), [`${prefix}fHat`]: nanOrAtLeast(TINY) };
}

/** The first invalid entry of `a` as a reason, or `undefined`: finite, and ≥ 0 when `nonNegative`. */
export function checkBuffer(a: Float32Array, nonNegative: boolean): string | undefined {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isFinite(x)) return `entry ${i} is ${x}, not finite`;
    if (nonNegative && x < 0) return `entry ${i} is ${x} < 0 (a second moment)`;
  }
  return undefined;
}
