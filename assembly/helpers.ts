// Small @inline building blocks shared by kernel families. Not re-exported by index.ts,
// so nothing here becomes a module export; each user inlines its own copy.

/** y ← y + a·x over n f32 (SIMD body, scalar tail). */
// @ts-ignore: decorator
@inline export function axpy(y: usize, x: usize, n: i32, a: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}
