/**
 * Every error metaoptim throws on purpose is a `MetaoptimError` with a stable `code`.
 * Codes are grouped by area; each module documents the codes it raises, and
 * docs/errors.md lists them all.
 *
 * Foundation codes:
 * - `NOT_READY`              `await ready()` was not called (or failed) before use
 * - `WASM_UNAVAILABLE`       WebAssembly (or the requested SIMD build) cannot run here
 * - `WASM_FETCH_FAILED`      the .wasm module could not be fetched or read (details: url, build, reason)
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
 * - `UNKNOWN_OPTION`         an options object has a key the function does not take
 *                            (details: `{ key, suggestion, valid }`)
 * - `ABORTED`                a long-running function's `AbortSignal` fired
 *                            (details: `{ iteration, partial }`, see core/loop.ts)
 * - `WORKER_FAILED`          a worker thread threw or exited; the run is rejected, never left pending
 * Reference: docs/errors.md lists every code with the functions that raise it.
 * @example
 * ```ts
 * import { MetaoptimError, adam } from 'metaoptim';
 * const options: Record<string, number> = { learningRate: 0.1 };
 * try {
 *   adam(options);
 * } catch (err) {
 *   if (!(err instanceof MetaoptimError)) throw err;
 *   console.log(err.code, err.details?.suggestion); // UNKNOWN_OPTION lr
 * }
 * ```
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

/**
 * Throws INVALID_HYPERPARAMETER unless `value` is a finite number within [min, max].
 * @example
 * ```ts
 * import { checkNumber } from 'metaoptim/core';
 * const lr = checkNumber('myOptimizer', 'lr', 0.1, { min: 0 }); // returns the number, or throws INVALID_HYPERPARAMETER
 * console.log(lr); // 0.1
 * ```
 */
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

/**
 * Rejects any key of `opts` that is not in `valid` with `UNKNOWN_OPTION`, naming the closest
 * valid key (Levenshtein distance ≤ max(2, ⌊len/3⌋), case-insensitive) so that a typo such as
 * `learningRate` for `lr` is an error, never a silently ignored option. `undefined` or `null`
 * `opts` pass. Returns `opts` (typed) for chaining.
 * @example
 * ```ts
 * import { MetaoptimError } from 'metaoptim';
 * import { checkOptions, optionKeys } from 'metaoptim/core';
 * interface MyOptions { steps?: number; seed?: number }
 * const KEYS = optionKeys<MyOptions>({ steps: 1, seed: 1 });
 * try {
 *   checkOptions('myFunction', { step: 10 }, KEYS);
 * } catch (err) {
 *   console.log(err instanceof MetaoptimError && err.message); // [UNKNOWN_OPTION] myFunction: unknown option 'step'; did you mean 'steps'?
 * }
 * ```
 */
export function checkOptions<T extends object>(owner: string, opts: T | undefined | null, valid: readonly string[]): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: options must be an object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  for (const key of Object.keys(opts)) {
    if (valid.includes(key)) continue;
    const suggestion = closestKey(key, valid);
    const hint = suggestion === undefined ? `valid options: ${valid.join(', ')}` : `did you mean '${suggestion}'?`;
    throw new MetaoptimError('UNKNOWN_OPTION', `${owner}: unknown option '${key}'; ${hint}`, { key, suggestion, valid: [...valid] });
  }
  return opts;
}

/**
 * The option keys of an options type, checked by the compiler both ways: every key of `T` must
 * be listed (a missing one is an error) and nothing else may be (excess-property check). Use
 * it to build the `valid` list of `checkOptions`, so that list cannot drift from the interface:
 *
 *   const ADAM_KEYS = optionKeys<AdamOptions>({ lr: 1, beta1: 1, beta2: 1, eps: 1, weightDecay: 1, nonFinite: 1 });
 * @example
 * ```ts
 * import { optionKeys } from 'metaoptim/core';
 * interface O { a?: number; b?: string }
 * console.log(optionKeys<O>({ a: 1, b: 1 })); // [ 'a', 'b' ]: a missing or extra key is a type error
 * ```
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: 1 }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * The entry of `candidates` closest to `word` by edit distance, if it is close enough to be a typo.
 * @example
 * ```ts
 * import { closestKey } from 'metaoptim/core';
 * console.log(closestKey('learningRate', ['lr', 'beta1', 'eps'])); // lr
 * ```
 */
export function closestKey(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const alias = ALIASES[w.replace(/[_-]/g, '')];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    // A key that contains the other (momentum ⊂ momentumDecay), or an edit-distance neighbour.
    const d = lc.includes(w) || w.includes(lc) ? Math.abs(lc.length - w.length) * 0.5 : editDistance(w, lc);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Names other libraries use for the same hyper-parameter (optax, PyTorch, TF.js), lower-cased. */
const ALIASES: Record<string, string> = {
  learningrate: 'lr',
  stepsize: 'lr',
  epsilon: 'eps',
  beta1: 'b1',
  beta2: 'b2',
  beta3: 'b3',
  weightdecay: 'weightDecay',
  decay: 'weightDecay',
};

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
