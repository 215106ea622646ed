// The Cholesky factor of the dense active-set kernel (assembly/qpdense.ts): linalg.ts
// chol_factor_f64 with rows i and i + 1 interleaved, bit for bit the same factor and pivot
// (test/support/reference/linalg.ts cholFactor is the reference of both).
import { cholRowTail } from './linalg';
import { dotPair_f64 } from './qpdense_ops';

/**
 * out[0..4) ← dot(xa, y0), dot(xa, y1), dot(xb, y0), dot(xb, y1) over len, each in dot_f64's
 * exact order (four independent chains on shared loads).
 */
// @ts-ignore: decorator
@inline function dot2x2_f64(xa: usize, xb: usize, y0: usize, y1: usize, len: i32, out: usize): void {
  let i = 0;
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let c0 = f64x2.splat(0), c1 = f64x2.splat(0), c2 = f64x2.splat(0), c3 = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const a = v128.load(xa + o), b = v128.load(xb + o), u = v128.load(y0 + o), w = v128.load(y1 + o);
      c0 = f64x2.add(c0, f64x2.mul(a, u));
      c1 = f64x2.add(c1, f64x2.mul(a, w));
      c2 = f64x2.add(c2, f64x2.mul(b, u));
      c3 = f64x2.add(c3, f64x2.mul(b, w));
    }
    s0 = f64x2.extract_lane(c0, 0) + f64x2.extract_lane(c0, 1);
    s1 = f64x2.extract_lane(c1, 0) + f64x2.extract_lane(c1, 1);
    s2 = f64x2.extract_lane(c2, 0) + f64x2.extract_lane(c2, 1);
    s3 = f64x2.extract_lane(c3, 0) + f64x2.extract_lane(c3, 1);
  } else {
    let e0: f64 = 0, f0: f64 = 0, e1: f64 = 0, f1: f64 = 0, e2: f64 = 0, f2: f64 = 0, e3: f64 = 0, f3: f64 = 0;
    for (; i + 2 <= len; i += 2) {
      const o = <usize>i << 3;
      const a0 = load<f64>(xa + o), a1 = load<f64>(xa + o, 8), b0 = load<f64>(xb + o), b1 = load<f64>(xb + o, 8);
      const u0 = load<f64>(y0 + o), u1 = load<f64>(y0 + o, 8), w0 = load<f64>(y1 + o), w1 = load<f64>(y1 + o, 8);
      e0 += a0 * u0;
      f0 += a1 * u1;
      e1 += a0 * w0;
      f1 += a1 * w1;
      e2 += b0 * u0;
      f2 += b1 * u1;
      e3 += b0 * w0;
      f3 += b1 * w1;
    }
    s0 = e0 + f0;
    s1 = e1 + f1;
    s2 = e2 + f2;
    s3 = e3 + f3;
  }
  if (i < len) {
    const o = <usize>i << 3;
    const a = load<f64>(xa + o), b = load<f64>(xb + o), u = load<f64>(y0 + o), w = load<f64>(y1 + o);
    s0 += a * u;
    s1 += a * w;
    s2 += b * u;
    s3 += b * w;
  }
  store<f64>(out, s0);
  store<f64>(out, s1, 8);
  store<f64>(out, s2, 16);
  store<f64>(out, s3, 24);
}

/**
 * Row i of linalg.ts chol_factor_f64 from column pair index j on (its pairs (j, j+1) while
 * j + 1 < i, then the odd column, then the pivot); returns the pivot d_i (not > 0: failure).
 */
// @ts-ignore: decorator
@inline function cholRowFrom(a: usize, stride: usize, i: i32, j: i32, tmp: usize): f64 {
  const ri = a + <usize>i * stride;
  for (; j + 1 < i; j += 2) {
    const rj = a + <usize>j * stride, rj1 = rj + stride;
    const o = <usize>j << 3;
    dotPair_f64(rj, rj1, ri, j, j, tmp, tmp + 8);
    const lij = (load<f64>(ri + o) - load<f64>(tmp)) / load<f64>(rj + o);
    store<f64>(ri + o, lij);
    store<f64>(ri + o + 8, (load<f64>(ri + o + 8) - (load<f64>(tmp, 8) + lij * load<f64>(rj1 + o))) / load<f64>(rj1 + o + 8));
  }
  const oi = <usize>i << 3;
  const d = cholRowTail(a, stride, i, j);
  if (d > 0) store<f64>(ri + oi, Math.sqrt(d));
  return d;
}

/**
 * linalg.ts chol_factor_f64(a, n, n), the same bits and the same return value (smallest pivot,
 * or the first pivot that is not > 0), with rows i and i + 1 interleaved over the column pairs
 * they share (four independent dot chains instead of two). `tmp` is 4 f64 of scratch. After a
 * failure the rows past the failing one may hold partial values (the caller does not read them).
 */
export function chol2_f64(a: usize, n: i32, tmp: usize): f64 {
  let minPiv: f64 = Infinity;
  const stride = <usize>n << 3;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = a + <usize>i * stride, rk = ri + stride;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const rj = a + <usize>j * stride, rj1 = rj + stride;
      const o = <usize>j << 3;
      dot2x2_f64(ri, rk, rj, rj1, j, tmp);
      const ljj = load<f64>(rj + o), lj1j = load<f64>(rj1 + o), lj1j1 = load<f64>(rj1 + o + 8);
      const lij = (load<f64>(ri + o) - load<f64>(tmp)) / ljj;
      store<f64>(ri + o, lij);
      store<f64>(ri + o + 8, (load<f64>(ri + o + 8) - (load<f64>(tmp, 8) + lij * lj1j)) / lj1j1);
      const lkj = (load<f64>(rk + o) - load<f64>(tmp, 16)) / ljj;
      store<f64>(rk + o, lkj);
      store<f64>(rk + o + 8, (load<f64>(rk + o + 8) - (load<f64>(tmp, 24) + lkj * lj1j)) / lj1j1);
    }
    const di = cholRowFrom(a, stride, i, j, tmp);
    if (!(di > 0)) return di;
    if (di < minPiv) minPiv = di;
    const dk = cholRowFrom(a, stride, i + 1, j, tmp);
    if (!(dk > 0)) return dk;
    if (dk < minPiv) minPiv = dk;
  }
  if (i < n) {
    const d = cholRowFrom(a, stride, i, 0, tmp);
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
  }
  return minPiv;
}
