// Seeded PRNG for initializations and minibatch streams: xoshiro128** (Blackman & Vigna)
// with its 128-bit state (4 × u32 at `state`, 16 bytes) seeded by splitmix32 from a 32-bit
// seed — the same generator as the TypeScript `Rng` (src/util/rng.ts), which is its
// reference: `rng_seed(s, seed)` followed by any sequence of calls below yields exactly
// the numbers `new Rng(seed)` yields for the same sequence of u32/uniform/int/shuffle calls.

// @ts-ignore: decorator
@inline function splitmix(x: u32): u32 {
  let z = x;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

/** Seeds the 4-word state at `state` from `seed` (splitmix32, as `new Rng(seed)`). */
export function rng_seed(state: usize, seed: u32): void {
  let x = seed;
  x += 0x9e3779b9; const s0 = splitmix(x);
  x += 0x9e3779b9; const s1 = splitmix(x);
  x += 0x9e3779b9; const s2 = splitmix(x);
  x += 0x9e3779b9; const s3 = splitmix(x);
  store<u32>(state, (s0 | s1 | s2 | s3) == 0 ? 1 : s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** Next 32-bit output (xoshiro128**: rotl(s1·5, 7)·9). */
export function rng_u32(state: usize): u32 {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** Uniform in [0, 1) with 53 random bits (two outputs, as `Rng.uniform`). */
export function rng_uniform(state: usize): f64 {
  const a = rng_u32(state) >>> 5;
  const b = rng_u32(state) >>> 6;
  return (<f64>a * 67108864.0 + <f64>b) / 9007199254740992.0;
}

/** out[i] = f32(lo + (hi − lo)·u_i), u_i = rng_uniform, i = 0..n−1 in order (f64 arithmetic). */
export function rng_fill_uniform_f32(state: usize, out: usize, n: i32, lo: f64, hi: f64): void {
  const w = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(lo + w * rng_uniform(state)));
}

/** Fisher–Yates shuffle of n i32 in place (as `Rng.shuffle`: j = ⌊u·(i+1)⌋ for i = n−1 … 1). */
export function rng_shuffle_i32(state: usize, a: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>Math.floor(rng_uniform(state) * <f64>(i + 1));
    const pi = a + (<usize>i << 2), pj = a + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

/** a ← a permutation of 0..n−1 (as `Rng.permutation`). */
export function rng_permutation_i32(state: usize, a: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(a + (<usize>i << 2), i);
  rng_shuffle_i32(state, a, n);
}
