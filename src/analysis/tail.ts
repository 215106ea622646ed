import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { Rng } from '../core/rng.js';

/**
 * Heavy-tail index of gradient / update noise (SPEC B.1.6).
 *
 * Noise: for B minibatch vectors v_b (each P long, all at one frozen checkpoint),
 *   ξ_b = v_b − (1/B)·Σ_b v_b,   flattened minibatch-major into X (N = B·P)   — `noise`.
 *
 * Block-sum estimator (Mohammadi, Mohammadpour & Ogata 2015, Cor. 2.4; as used by
 * Şimşekli et al. 2019) — `tailIndexBlockSum`, exactly as B.1.6 writes it:
 *   m = the largest divisor of N with m ≤ √N, n = N/m,
 *   Y_i = Σ_{j=1..m} X_{(i−1)m+j}   (contiguous blocks),
 *   1/α̂ = (1/ln m)·[ (1/n)·Σ_i ln(|Y_i| + ε) − (1/N)·Σ_k ln(|X_k| + ε) ],  ε = 2.22e-16.
 * It needs m ≥ 2 (N prime gives m = 1: error `DEGENERATE_SAMPLE`). Values ≈ 2: Gaussian-like.
 *
 * Hill estimator (alternative) — `tailIndexHill`: with |X| sorted descending X_(1) ≥ … and k
 * upper order statistics, 1/α̂ = (1/k)·Σ_{i=1..k} ln X_(i) − ln X_(k+1). The k+1 largest are
 * found in O(N) by the selection kernel (`select_f64`, Floyd–Rivest) on f64 |X|; only those k
 * logarithms are taken. Default k = ⌊√N⌋. For k + 1 ≤ N/8 (N ≥ 4096) one pass first keeps the
 * entries above a threshold estimated from a seeded sample (≈ 2k + 64 of them) and the kernel
 * selects among those — exact whenever at least k + 1 pass, else the full path runs.
 *
 * Errors: `NON_FINITE_INPUT`, `DEGENERATE_SAMPLE`, `INVALID_ARGUMENT`, `LENGTH_MISMATCH`.
 */

const EPS = 2.220446049250313e-16;

/**
 * Largest divisor m of N with m ≤ √N.
 * @example
 * ```ts
 * import { largestDivisorBelowSqrt } from 'metaoptim/analysis';
 * console.log(largestDivisorBelowSqrt(1000)); // 25: the block size of the block-sum estimator
 * ```
 */
export function largestDivisorBelowSqrt(N: number): number {
  for (let m = Math.floor(Math.sqrt(N)); m >= 1; m--) if (N % m === 0) return m;
  return 1;
}

function checkFinite(owner: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new MetaoptimError('NON_FINITE_INPUT', `${owner}: entry ${i} is ${x[i]}`);
  }
}

/**
 * The B.1.6 block-sum tail index α̂ of the samples X (any order-preserving array).
 * @example
 * ```ts
 * import { stableSamples, tailIndexBlockSum } from 'metaoptim/analysis';
 * const x = stableSamples(1.2, 100_000, 1); // symmetric α-stable noise
 * console.log(tailIndexBlockSum(x).alpha.toFixed(1)); // ≈ 1.2
 * ```
 */
export function tailIndexBlockSum(x: ArrayLike<number>): { alpha: number; m: number; n: number } {
  const N = x.length;
  checkFinite('tailIndexBlockSum', x);
  const m = largestDivisorBelowSqrt(N);
  if (N < 4 || m < 2) {
    throw new MetaoptimError('DEGENERATE_SAMPLE', `tailIndexBlockSum: N = ${N} has no divisor m with 2 ≤ m ≤ √N`, { N });
  }
  const n = N / m;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    let y = 0;
    for (let j = 0; j < m; j++) y += x[i * m + j]!;
    sumY += Math.log(Math.abs(y) + EPS);
  }
  let sumX = 0;
  for (let k = 0; k < N; k++) sumX += Math.log(Math.abs(x[k]!) + EPS);
  const invAlpha = (sumY / n - sumX / N) / Math.log(m);
  return { alpha: 1 / invAlpha, m, n };
}

export interface HillOptions {
  /** Number of upper order statistics k (default ⌊√N⌋); 1 ≤ k < N. */
  k?: number;
  runtime?: Runtime;
}

/**
 * Hill's tail index of |X| from its k largest values, with O(N) selection in WebAssembly.
 * @example
 * ```ts
 * import { paretoSamples, tailIndexHill } from 'metaoptim/analysis';
 * const x = paretoSamples(1.5, 100_000, 1);
 * console.log(tailIndexHill(x).alpha.toFixed(1)); // ≈ 1.5
 * ```
 */
export function tailIndexHill(x: Float32Array | Float64Array, opts: HillOptions = {}): { alpha: number; k: number; threshold: number } {
  checkOptions('tailIndexHill', opts, optionKeys<HillOptions>({ k: 1, runtime: 1 }));
  const N = x.length;
  const k = opts.k ?? Math.floor(Math.sqrt(N));
  if (!Number.isInteger(k) || k < 1 || k >= N) {
    throw new MetaoptimError('INVALID_ARGUMENT', `tailIndexHill: k must be an integer in [1, N), got ${k} for N = ${N}`);
  }
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const top = k + 1 <= N / 8 && N >= 4096 ? candidates(rt, x, k + 1) : undefined;
  const M = top ? top.length : N;
  const buf = new Region(rt.arena, Float64Array, M);
  const f32 = !top && x instanceof Float32Array;
  const src = new Region(rt.arena, Float32Array, f32 ? N : 0);
  try {
    const kr = rt.kernels;
    let bad: number;
    if (top) {
      buf.view.set(top);
      bad = kr.count_nonfinite_f64(buf.ptr, M);
    } else if (f32) {
      src.view.set(x as Float32Array);
      bad = kr.count_nonfinite_f32(src.ptr, N);
      kr.abs_f32_to_f64(buf.ptr, src.ptr, N);
    } else {
      buf.view.set(x);
      bad = kr.count_nonfinite_f64(buf.ptr, N);
      kr.abs_f64(buf.ptr, buf.ptr, N);
    }
    if (bad > 0) throw new MetaoptimError('NON_FINITE_INPUT', `tailIndexHill: ${bad} NaN or ±Inf entries`, { count: bad });
    const threshold = kr.select_f64(buf.ptr, M, M - k - 1);
    if (!(threshold > 0)) {
      throw new MetaoptimError('DEGENERATE_SAMPLE', `tailIndexHill: the (k+1)-th largest |x| is ${threshold}; choose a smaller k`, { k });
    }
    const v = buf.view;
    let s = 0;
    for (let i = M - k; i < M; i++) s += Math.log(v[i]!);
    const invAlpha = s / k - Math.log(threshold);
    return { alpha: 1 / invAlpha, k, threshold };
  } finally {
    buf.release();
    src.release();
  }
}

/**
 * Pre-filter for small k: a seeded sample of 8,192 |x| values gives a threshold that about
 * 2·need + 64 entries should exceed; one pass collects every |x| above it. When at least `need`
 * entries exceed the threshold, the `need` largest are all among them, so the selection on the
 * candidates is exact. Returns undefined (use the full path) when too few pass, or when a NaN
 * is seen (the full path reports it). ±Inf passes the filter and is reported by the caller.
 */
function candidates(rt: Runtime, x: Float32Array | Float64Array, need: number): Float64Array | undefined {
  const N = x.length, want = Math.min(N, 2 * need + 64);
  const thr = sampledThreshold(rt, x, need);
  if (thr === undefined) return undefined;
  let out = new Float64Array(Math.min(N, 2 * want + 64));
  let c = 0;
  for (let i = 0; i < N; i++) {
    const a = Math.abs(x[i]!);
    if (a > thr) {
      if (c === out.length) {
        const grown = new Float64Array(Math.min(N, out.length * 2));
        grown.set(out);
        out = grown;
      }
      out[c++] = a;
    } else if (a !== a) return undefined;
  }
  return c >= need ? out.subarray(0, c) : undefined;
}

const SAMPLE = 8192;

/**
 * The pre-filter's threshold: the q-th smallest (q = ⌊S·(1 − want/N)⌋ − 1, want = min(N,
 * 2·need + 64)) of S = 8,192 |x| drawn with the seeded Rng(N, need, "hill"), NaN ranked last as
 * a sort does; undefined when that entry is NaN. The value is the sorted sample's q-th entry,
 * found by `select_f64` (O(S)) instead of sorting (the sort cost 20 % of a 10⁶-value call).
 */
export function sampledThreshold(rt: Runtime, x: Float32Array | Float64Array, need: number): number | undefined {
  const N = x.length, S = SAMPLE;
  if (N === 0) return undefined;
  const rng = new Rng(N, need, 0x68696c6c);
  const sample = new Region(rt.arena, Float64Array, S);
  try {
    const v = sample.view;
    let nan = 0;
    for (let i = 0; i < S; i++) {
      const a = Math.abs(x[Math.floor(rng.uniform() * N)]!);
      // A sort puts NaN after +Inf: as +Inf they keep every finite rank; the q-th is NaN iff q ≥ S − nan.
      if (a !== a) (v[i] = Infinity), nan++;
      else v[i] = a;
    }
    const want = Math.min(N, 2 * need + 64);
    const q = Math.max(0, Math.floor(S * (1 - want / N)) - 1);
    return q >= S - nan ? undefined : rt.kernels.select_f64(sample.ptr, S, q);
  } finally {
    sample.release();
  }
}

/**
 * Noise of B sample vectors around their mean (SPEC B.1.6 step 2), flattened minibatch-major:
 * out[b·P + i] = v_b[i] − (1/B)Σ_b' v_b'[i], in f64. Also returns ‖ξ_b‖ per minibatch.
 * @example
 * ```ts
 * import { noise } from 'metaoptim/analysis';
 * const r = noise([[1, 2], [3, 4], [5, 6]]); // per-sample deviations from the mean
 * console.log(r.size, r.noise.length); // 2 6
 * ```
 */
export function noise(samples: readonly ArrayLike<number>[]): { noise: Float64Array; norms: Float64Array; size: number } {
  const B = samples.length;
  if (B < 2) throw new MetaoptimError('INVALID_ARGUMENT', `noise: need at least 2 sample vectors, got ${B}`);
  const P = samples[0]!.length;
  const mean = new Float64Array(P);
  for (const s of samples) {
    if (s.length !== P) throw new MetaoptimError('LENGTH_MISMATCH', `noise: sample vectors differ in length (${s.length} vs ${P})`);
    checkFinite('noise', s);
    for (let i = 0; i < P; i++) mean[i]! += s[i]!;
  }
  for (let i = 0; i < P; i++) mean[i]! /= B;
  const out = new Float64Array(B * P);
  const norms = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const s = samples[b]!;
    let q = 0;
    for (let i = 0; i < P; i++) {
      const d = s[i]! - mean[i]!;
      out[b * P + i] = d;
      q += d * d;
    }
    norms[b] = Math.sqrt(q);
  }
  return { noise: out, norms, size: P };
}
