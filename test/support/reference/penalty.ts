// Plain-TypeScript references for assembly/penalty.ts: the same f32 operations in the same
// order (Math.fround after every operation), so the kernels must match them bit for bit.

const f = Math.fround;

/** y ← y − η·(ca·a + cb·b) */
export function penaltyYStep(y: Float32Array, a: Float32Array, b: Float32Array, ca: number, cb: number, eta: number): void {
  const fca = f(ca), fcb = f(cb), feta = f(eta);
  for (let i = 0; i < y.length; i++) {
    const d = f(f(fca * a[i]!) + f(fcb * b[i]!));
    y[i] = f(y[i]! - f(feta * d));
  }
}

/** x ← clip(x − η·(fx + γ(gxy − gxz)), lo, hi) */
export function penaltyXStep(
  x: Float32Array, fx: Float32Array, gxy: Float32Array, gxz: Float32Array,
  gamma: number, eta: number, lo: number, hi: number,
): void {
  const fg = f(gamma), feta = f(eta), flo = f(lo), fhi = f(hi);
  for (let i = 0; i < x.length; i++) {
    const d = f(fx[i]! + f(fg * f(gxy[i]! - gxz[i]!)));
    const u = f(x[i]! - f(feta * d));
    x[i] = Math.min(Math.max(u, flo), fhi);
  }
}

/** x ← clip(x − η·d, lo, hi) */
export function stepBox(x: Float32Array, d: Float32Array, eta: number, lo: number, hi: number): void {
  const feta = f(eta), flo = f(lo), fhi = f(hi);
  for (let i = 0; i < x.length; i++) {
    const u = f(x[i]! - f(feta * d[i]!));
    x[i] = Math.min(Math.max(u, flo), fhi);
  }
}

/** x ← min(max(x, lo), hi) per coordinate */
export function projectBox(x: Float32Array, lo: Float32Array, hi: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(Math.max(x[i]!, lo[i]!), hi[i]!);
}
