// Plain-TypeScript reference of assembly/adam_residual.ts: every operation rounded by
// Math.fround in the kernel's order, exp/log the f32 polynomials of reference/l2o.ts. It
// reproduces both builds of the kernel bit for bit.
import { expf, logf } from './l2o.js';

const fr = Math.fround;
const IN = 11, NX = 8;

/** adam_residual_factor_f32 on one tensor (g, v, fac, out: that tensor's ranges). */
export function arFactorRef(g: Float32Array, v: Float32Array, fac: Float32Array, out: Float32Array, rows: number, cols: number, bv: number, obv: number, r2: number): void {
  bv = fr(bv); obv = fr(obv); r2 = fr(r2);
  if (rows < 2 || cols < 2) {
    for (let j = 0; j < rows * cols; j++) out[j] = fr(fr(Math.sqrt(fr(fr(bv * v[j]!) + fr(obv * fr(g[j]! * g[j]!))))) * r2);
    return;
  }
  const R = fac.subarray(0, rows), C = fac.subarray(rows, rows + cols);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s = fr(s + fr(g[i * cols + j]! ** 2));
    R[i] = fr(fr(bv * R[i]!) + fr(obv * fr(s / cols)));
  }
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s = fr(s + fr(g[i * cols + j]! ** 2));
    C[j] = fr(fr(bv * C[j]!) + fr(obv * fr(s / rows)));
  }
  let mu = 0;
  for (let i = 0; i < rows; i++) mu = fr(mu + R[i]!);
  mu = Math.max(fr(mu / rows), fr(1e-30));
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = fr(fr(Math.sqrt(fr(fr(R[i]! * C[j]!) / mu))) * r2);
}

/** adam_residual_f32 (H = 16) / adam_residual_h_f32 (hidden width H) over all parameters (state arrays updated in place). */
export function arStepRef(p: Float32Array, g: Float32Array, m1: Float32Array, m2: Float32Array, m3: Float32Array, v: Float32Array, frv: Float32Array, theta: Float32Array, cfgIn: ArrayLike<number>, H = 16): void {
  const B1 = IN * H, W2 = B1 + H, B2 = W2 + 2 * H;
  const c = Float32Array.from(cfgIn);
  const base = new Float32Array(H);
  for (let j = 0; j < H; j++) {
    let acc = theta[B1 + j]!;
    for (let i = NX; i < IN; i++) acc = fr(acc + fr(c[15 + i - NX]! * theta[i * H + j]!));
    base[j] = acc;
  }
  const x = new Float32Array(NX);
  for (let n = 0; n < p.length; n++) {
    const pi = p[n]!, gi = g[n]!;
    const mi1 = fr(fr(c[0]! * m1[n]!) + fr(c[1]! * gi));
    const mi2 = fr(fr(c[2]! * m2[n]!) + fr(c[3]! * gi));
    const mi3 = fr(fr(c[4]! * m3[n]!) + fr(c[5]! * gi));
    const vi = fr(fr(c[6]! * v[n]!) + fr(c[7]! * fr(gi * gi)));
    m1[n] = mi1; m2[n] = mi2; m3[n] = mi3; v[n] = vi;
    const eps = c[12]!;
    const den = fr(fr(fr(Math.sqrt(vi)) * c[11]!) + eps);
    const mc = fr(mi1 * c[8]!);
    const a = fr(mc / den);
    const rs = fr(1 / den);
    const f = frv[n]!;
    x[0] = fr(gi * rs); x[1] = a; x[2] = fr(fr(mi2 * c[9]!) * rs); x[3] = fr(fr(mi3 * c[10]!) * rs);
    x[4] = fr(f * rs); x[5] = fr(mc / fr(f + eps)); x[6] = fr(logf(den) * fr(0.1)); x[7] = Math.max(Math.min(pi, 10), -10);
    let d = theta[B2]!, s = theta[B2 + 1]!;
    for (let j = 0; j < H; j++) {
      let h = base[j]!;
      for (let q = 0; q < NX; q++) h = fr(h + fr(x[q]! * theta[q * H + j]!));
      h = Math.max(h, 0);
      d = fr(d + fr(h * theta[W2 + 2 * j]!));
      s = fr(s + fr(h * theta[W2 + 2 * j + 1]!));
    }
    const t = fr(d * expf(Math.min(s, 4)));
    let u = c[18] ? fr(a * fr(1 + t)) : fr(a + t);
    if (c[13]! !== 0) u = fr(u + fr(c[13]! * pi));
    p[n] = fr(pi - fr(c[14]! * u));
  }
}
