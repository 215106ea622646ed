// Fused penalty-gradient steps for single-loop bilevel methods (SPEC A.2): the y-direction
// combination of the upper and lower y-gradients, the x-direction value-function penalty
// gradient, and box projection for constrained x — each one pass over f32 buffers.
//
// SIMD body over 4 lanes and a scalar tail with the same operation order (IEEE f32, no
// fused multiply-add), so the SIMD build, the scalar build and the TypeScript reference
// (test/reference/penalty.ts) agree bit for bit. min/max propagate NaN in both builds.
// Preconditions: pointers address `n` f32 each; the updated buffer may not alias an input
// gradient; no alignment is required.

/**
 * y ← y − η·(ca·a + cb·b)
 *   PBGD-Free (A.2.4):  a = ∇_y f, b = ∇_y g, ca = 1/γ, cb = 1, η = η_γ
 *   PBGD (A.2.2):       ca = 1, cb = γ, η = α·s
 *   F2SA (A.2.3):       ca = 1, cb = λ_k, η = α_k
 */
export function penalty_y_step_f32(y: usize, a: usize, b: usize, n: i32, ca: f32, cb: f32, eta: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vca = f32x4.splat(ca), vcb = f32x4.splat(cb), veta = f32x4.splat(eta);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.add(f32x4.mul(vca, v128.load(a + o)), f32x4.mul(vcb, v128.load(b + o)));
      v128.store(y + o, f32x4.sub(v128.load(y + o), f32x4.mul(veta, d)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = ca * load<f32>(a + o) + cb * load<f32>(b + o);
    store<f32>(y + o, load<f32>(y + o) - eta * d);
  }
}

/**
 * x ← clip(x − η·(fx + γ·(gxy − gxz)), lo, hi)
 * the reduced penalty gradient ∇ₓf(x,y) + γ(∇ₓg(x,y) − ∇ₓg(x,z)) (A.2.1) with the step and
 * the box projection fused; lo = −∞, hi = +∞ for unconstrained x.
 */
export function penalty_x_step_f32(
  x: usize, fx: usize, gxy: usize, gxz: usize, n: i32, gamma: f32, eta: f32, lo: f32, hi: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vg = f32x4.splat(gamma), veta = f32x4.splat(eta);
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.add(v128.load(fx + o), f32x4.mul(vg, f32x4.sub(v128.load(gxy + o), v128.load(gxz + o))));
      const u = f32x4.sub(v128.load(x + o), f32x4.mul(veta, d));
      v128.store(x + o, f32x4.min(f32x4.max(u, vlo), vhi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(fx + o) + gamma * (load<f32>(gxy + o) - load<f32>(gxz + o));
    const u = load<f32>(x + o) - eta * d;
    store<f32>(x + o, min<f32>(max<f32>(u, lo), hi));
  }
}

/** x ← clip(x − η·d, lo, hi): a projected gradient step (PBGD-Free's x step, F2SA's z step). */
export function step_box_f32(x: usize, d: usize, n: i32, eta: f32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const veta = f32x4.splat(eta), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const u = f32x4.sub(v128.load(x + o), f32x4.mul(veta, v128.load(d + o)));
      v128.store(x + o, f32x4.min(f32x4.max(u, vlo), vhi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const u = load<f32>(x + o) - eta * load<f32>(d + o);
    store<f32>(x + o, min<f32>(max<f32>(u, lo), hi));
  }
}

/** x ← min(max(x, lo), hi) with per-coordinate bounds (Euclidean projection onto a box). */
export function project_box_f32(x: usize, lo: usize, hi: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(x + o, f32x4.min(f32x4.max(v128.load(x + o), v128.load(lo + o)), v128.load(hi + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, min<f32>(max<f32>(load<f32>(x + o), load<f32>(lo + o)), load<f32>(hi + o)));
  }
}
