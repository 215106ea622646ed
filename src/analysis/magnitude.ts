import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';

/**
 * Update magnitudes (SPEC B.1.8): log-spaced histograms of |Δθ| (or |g|) over all parameters,
 * and per-tensor norms (‖x‖₂ and mean|x|) recorded over time.
 */
export interface LogHistogram {
  /** bins + 1 edges, log-spaced from `min` to `max`. */
  edges: Float64Array;
  counts: Uint32Array;
  /** Entries with |x| = 0 (no bin on a log axis). */
  zeros: number;
  /** Entries with 0 < |x| < min, and with |x| ≥ max. */
  below: number;
  above: number;
  /** Non-finite entries (not binned). */
  nonFinite: number;
}

export interface HistogramOptions {
  bins?: number;
  /** Lower edge (default 1e-10). */
  min?: number;
  /** Upper edge (default 1e2). */
  max?: number;
}

/**
 * Histogram of |x| on `bins` log-spaced bins in [min, max) (defaults 60 bins over [1e-10, 1e2)).
 * @example
 * ```ts
 * import { logHistogram } from 'metaoptim/analysis';
 * const h = logHistogram([1e-3, 1e-2, 0.1, 0, 5], { min: 1e-4, max: 10, bins: 5 });
 * console.log(h.counts.length, h.zeros); // 5 1
 * ```
 */
export function logHistogram(x: ArrayLike<number>, opts: HistogramOptions = {}): LogHistogram {
  checkOptions('logHistogram', opts, optionKeys<HistogramOptions>({ bins: 1, min: 1, max: 1 }));
  const bins = opts.bins ?? 60, min = opts.min ?? 1e-10, max = opts.max ?? 1e2;
  if (!Number.isInteger(bins) || bins < 1 || !(min > 0) || !(max > min) || !Number.isFinite(max)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `logHistogram: need an integer bins ≥ 1 and 0 < min < max < ∞ (got ${bins}, ${min}, ${max})`);
  }
  const lmin = Math.log(min), width = (Math.log(max) - lmin) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = Math.exp(lmin + i * width);
  edges[0] = min;
  edges[bins] = max;
  const counts = new Uint32Array(bins);
  let zeros = 0, below = 0, above = 0, nonFinite = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (!Number.isFinite(a)) nonFinite++;
    else if (a === 0) zeros++;
    else if (a < min) below++;
    else if (a >= max) above++;
    else {
      let b = Math.floor((Math.log(a) - lmin) / width);
      // Correct for rounding of the logarithm at the edges.
      if (b >= bins) b = bins - 1;
      if (b > 0 && a < edges[b]!) b--;
      else if (b < bins - 1 && a >= edges[b + 1]!) b++;
      counts[b]!++;
    }
  }
  return { edges, counts, zeros, below, above, nonFinite };
}

export interface TensorNorm {
  l2: number;
  meanAbs: number;
}

/**
 * ‖x‖₂ and mean|x| of each named tensor (f64 sums).
 * @example
 * ```ts
 * import { tensorNorms } from 'metaoptim/analysis';
 * const n = tensorNorms({ W1: [3, 4], b1: [0, -2] });
 * console.log(n.W1!.l2, n.b1!.meanAbs); // 5 1
 * ```
 */
export function tensorNorms(views: Record<string, ArrayLike<number>>): Record<string, TensorNorm> {
  const out: Record<string, TensorNorm> = {};
  for (const [name, v] of Object.entries(views)) {
    let q = 0, a = 0;
    for (let i = 0; i < v.length; i++) {
      q += v[i]! * v[i]!;
      a += Math.abs(v[i]!);
    }
    out[name] = { l2: Math.sqrt(q), meanAbs: v.length ? a / v.length : 0 };
  }
  return out;
}

/**
 * Per-tensor norm curves over time: `record(step, {update, params, grads})` where each value is
 * a record of named tensor views; `series()` returns one row per recorded step and quantity.
 */
export class NormTrace {
  private readonly rows: { step: number; quantity: string; tensor: string; l2: number; meanAbs: number }[] = [];

  record(step: number, quantities: Record<string, Record<string, ArrayLike<number>>>): void {
    for (const [quantity, views] of Object.entries(quantities)) {
      for (const [tensor, n] of Object.entries(tensorNorms(views))) this.rows.push({ step, quantity, tensor, ...n });
    }
  }

  series(): readonly { step: number; quantity: string; tensor: string; l2: number; meanAbs: number }[] {
    return this.rows;
  }
}
