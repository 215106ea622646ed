import { MetaoptimError } from './errors.js';

/**
 * The one seeded pseudo-random generator of metaoptim. Everything that must be
 * reproducible (data splits, initializations, minibatch streams, ES/PES perturbations, task
 * sampling, test data) draws from it.
 *
 * - Generator: xoshiro128** (Blackman & Vigna 2018), four u32 words of state.
 * - Seeding: `new Rng(w0, w1, …)` takes any list of finite integers (seed, iteration,
 *   particle, …), so a tuple names one stream. The first word seeds the state by splitmix32;
 *   each further word (and the high half of any word outside the 32-bit range) is absorbed into all four state
 *   words. `new Rng(s)` with one 32-bit word gives the same stream as metaoptim 0.1's `Rng(s)`.
 * - `seed` is a 32-bit digest of the words; `fork(k)` derives an independent stream from
 *   (seed, k) only, so parallel workers reproduce the same numbers whatever the worker count.
 * - Uniforms carry 53 bits; normals use Marsaglia's polar method (both values of a pair used).
 * - Heavy-tailed samplers for test data: symmetric α-stable (Chambers–Mallows–Stuck 1976)
 *   and symmetric Pareto.
 *
 * Same words → same sequence on every JavaScript engine. Errors: INVALID_ARGUMENT for a
 * non-finite seed word.
 * @example
 * ```ts
 * import { Rng } from 'metaoptim/core';
 * const rng = new Rng(42, 7);               // seed words: (seed, stream, …)
 * const u = rng.uniform();                   // [0, 1)
 * const z = rng.normal();                    // N(0, 1)
 * const child = rng.fork(3);                 // an independent stream, same for the same (state, k)
 * console.log(u >= 0 && u < 1, Number.isFinite(z), child.int(10) < 10); // true true true
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;
  /** 32-bit digest of the seed words (the word itself for a single 32-bit seed). */
  readonly seed: number;

  constructor(...words: number[]) {
    if (words.length === 0) words = [0];
    const extra: number[] = [];
    for (const [i, w] of words.entries()) {
      if (typeof w !== 'number' || !Number.isFinite(w)) {
        throw new MetaoptimError('INVALID_ARGUMENT', `Rng: seed words must be finite numbers, got ${String(w)}`);
      }
      if (i > 0) extra.push(w >>> 0);
      // Words beyond the int32/uint32 range keep their high half, so 2³² + s ≠ s.
      if (w < -2147483648 || w >= 4294967296) extra.push(Math.floor(w / 4294967296) >>> 0);
    }
    let x = words[0]! >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    let digest = words[0]! >>> 0;
    for (const [k, w] of extra.entries()) {
      const h = mix32((w + Math.imul(k + 1, 0x6d2b79f5)) >>> 0);
      this.s0 = (this.s0 ^ h) >>> 0;
      this.s1 = (this.s1 ^ mix32((h + 0x9e3779b9) >>> 0)) >>> 0;
      this.s2 = (this.s2 ^ mix32((h + 0x3c6ef372) >>> 0)) >>> 0;
      this.s3 = (this.s3 ^ mix32((h + 0xdaa66d2b) >>> 0)) >>> 0;
      digest = mix32((digest ^ h) >>> 0);
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
      for (let r = 0; r < 4; r++) this.u32();
    }
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.seed = digest;
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in (0, 1): never 0 (for logarithms). */
  open(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const q = u * u + v * v;
      if (q > 0 && q < 1) {
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        this.spare = v * f;
        return u * f;
      }
    }
  }

  /** Fills `out` with N(0, std²) values and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * Symmetric α-stable (β = 0, unit scale), α ∈ (0, 2], by Chambers–Mallows–Stuck:
   * V ~ U(−π/2, π/2), W ~ Exp(1),
   * X = sin(αV)/cos(V)^{1/α} · (cos((1−α)V)/W)^{(1−α)/α}; α = 1 gives tan V (Cauchy), α = 2 a N(0, 2).
   */
  stable(alpha: number): number {
    const v = Math.PI * (this.open() - 0.5);
    const w = -Math.log(this.open());
    if (alpha === 1) return Math.tan(v);
    return (Math.sin(alpha * v) / Math.pow(Math.cos(v), 1 / alpha)) * Math.pow(Math.cos((1 - alpha) * v) / w, (1 - alpha) / alpha);
  }

  /** Symmetric Pareto: a random sign times U^{−1/α} (tail P(|X| > x) = x^{−α} for x ≥ 1). */
  pareto(alpha: number): number {
    const s = this.u32() & 1 ? 1 : -1;
    return s * Math.pow(this.open(), -1 / alpha);
  }

  /** An independent generator derived from (this.seed, k) only. */
  fork(k: number): Rng {
    return new Rng(Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul((k >>> 0) + 0x165667b1, 0x9e3779b1));
  }
}

/**
 * Mixes two integers into a new 32-bit seed word (for deriving per-task or per-iteration seeds).
 * @example
 * ```ts
 * import { Rng, mixSeed } from 'metaoptim/core';
 * const rng = new Rng(mixSeed(7, 3)); // one 32-bit seed from two
 * console.log(mixSeed(7, 3) === mixSeed(7, 3), mixSeed(7, 3) !== mixSeed(3, 7)); // true true
 * ```
 */
export function mixSeed(a: number, b: number): number {
  return mix32((mix32(a >>> 0) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0xc2b2ae35)) >>> 0);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mix32(x: number): number {
  let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
