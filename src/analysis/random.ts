import { MetaoptimError } from '../core/errors.js';

/**
 * Seeded pseudo-random numbers for the analysis and meta-training code.
 *
 * Generator: xoshiro128** (Blackman & Vigna) over four u32 words, seeded by SplitMix32-style
 * mixing of the seed words, so any list of integers (seed, iteration, particle, …) names
 * one independent stream: `new Rng(seed, iteration, particle)`. Uniforms carry 53 bits.
 * Normals by Box–Muller (both values used). Samplers for heavy-tailed test data:
 * symmetric α-stable (Chambers–Mallows–Stuck 1976) and symmetric Pareto.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  constructor(...seed: number[]) {
    let h = 0x9e3779b9;
    const words: number[] = [];
    for (const s of seed) {
      if (!Number.isFinite(s)) throw new MetaoptimError('INVALID_ARGUMENT', `Rng: seed words must be finite numbers, got ${s}`);
      // Split into two 32-bit halves so seeds beyond 2^32 still differ.
      words.push(s >>> 0, Math.floor(Math.abs(s) / 4294967296) >>> 0);
    }
    const st: number[] = [];
    for (let k = 0; k < 4; k++) {
      for (const w of words) h = mix32((h + w) >>> 0);
      h = mix32((h + 0x6d2b79f5 * (k + 1)) >>> 0);
      st.push(h);
    }
    [this.a, this.b, this.c, this.d] = st as [number, number, number, number];
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next u32. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.u32() >>> 5;
    const lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1): never 0 (for logarithms). */
  open(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.open()));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** Fills `out` with N(0, std²) values. */
  fillNormal(out: Float32Array | Float64Array, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }

  /**
   * Symmetric α-stable (β = 0, unit scale) by Chambers–Mallows–Stuck:
   * V ~ U(−π/2, π/2), W ~ Exp(1),
   * X = sin(αV)/cos(V)^{1/α} · (cos((1−α)V)/W)^{(1−α)/α}; α = 1 gives tan V (Cauchy), α = 2 a N(0, 2).
   */
  stable(alpha: number): number {
    const v = Math.PI * (this.open() - 0.5);
    const w = -Math.log(this.open());
    if (alpha === 1) return Math.tan(v);
    return (Math.sin(alpha * v) / Math.pow(Math.cos(v), 1 / alpha)) * Math.pow(Math.cos((1 - alpha) * v) / w, (1 - alpha) / alpha);
  }

  /** Symmetric Pareto: random sign times U^{−1/α} (tail P(|X| > x) = x^{−α} for x ≥ 1). */
  pareto(alpha: number): number {
    const s = this.u32() & 1 ? 1 : -1;
    return s * Math.pow(this.open(), -1 / alpha);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** n symmetric α-stable samples (Chambers–Mallows–Stuck, unit scale), seeded. */
export function stableSamples(alpha: number, n: number, seed = 0): Float64Array {
  checkAlpha('stableSamples', alpha, 2);
  const r = new Rng(seed, 0x5354);
  return Float64Array.from({ length: n }, () => r.stable(alpha));
}

/** n symmetric Pareto samples (P(|X| > x) = x^{−α}, x ≥ 1), seeded. */
export function paretoSamples(alpha: number, n: number, seed = 0): Float64Array {
  checkAlpha('paretoSamples', alpha, Infinity);
  const r = new Rng(seed, 0x5041);
  return Float64Array.from({ length: n }, () => r.pareto(alpha));
}

function checkAlpha(owner: string, alpha: number, max: number): void {
  if (!(alpha > 0 && alpha <= max)) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: α must lie in (0, ${max}], got ${alpha}`);
}
