// Analysis statistics: update covariance (T samples × d dims, f64) and Hill's tail index
// (O(N) selection), against ml-matrix, simple-statistics and plain-JS loops.
import { Matrix, covariance as mlCovariance } from 'ml-matrix';
import { quickselect } from 'simple-statistics';
import { Rng, covariance, createRuntime, tailIndexHill } from '../../src/index.js';
import type { BenchCase, Suite } from '../types.js';

/** Plain JS: column means, then the upper triangle of Σ (x−μ)(x−μ)ᵀ row by row, mirrored. */
function covPlain(x: Float64Array, T: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) mean[i]! += x[t * d + i]!;
  for (let i = 0; i < d; i++) mean[i]! /= T;
  const c = new Float64Array(d * d), row = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d; i++) row[i] = x[t * d + i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const ri = row[i]!, o = i * d;
      for (let j = i; j < d; j++) c[o + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[j * d + i] = c[i * d + j]! /= T;
  return c;
}

/** Plain JS Hill: |x| into a Float64Array, Hoare quickselect, then k logarithms. */
function hillPlain(x: Float64Array, k: number): number {
  const a = new Float64Array(x.length);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(x[i]!);
  const target = a.length - k - 1;
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const p = a[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  let s = 0;
  for (let i = target + 1; i < a.length; i++) s += Math.log(a[i]!);
  return 1 / (s / k - Math.log(a[target]!));
}

function hillSimpleStats(x: Float64Array, k: number): number {
  const a = Array.from(x, Math.abs);
  const target = a.length - k - 1;
  quickselect(a, target);
  let s = 0;
  for (let i = target + 1; i < a.length; i++) s += Math.log(a[i]!);
  return 1 / (s / k - Math.log(a[target]!));
}

const suite: Suite = {
  name: 'stats',
  async cases({ quick }) {
    const out: BenchCase[] = [];
    const simd = await createRuntime({ build: 'simd' });
    const scalar = await createRuntime({ build: 'scalar' });
    const rng = new Rng(1);
    for (const [T, d] of quick ? [[200, 64]] : [[1000, 256], [93, 1510]]) {
      const x = rng.fillNormal(new Float64Array(T * d)) as Float64Array;
      const size = `${T}x${d}`;
      const flopsPerOp = T * d * (d + 1);
      out.push({ kernel: 'covariance', size, impl: 'plain-js', baseline: true, flopsPerOp, fn: () => void covPlain(x, T, d) });
      out.push({ kernel: 'covariance', size, impl: 'metaoptim-simd', flopsPerOp, fn: () => void covariance({ data: x, rows: T, cols: d }, { runtime: simd }) });
      out.push({ kernel: 'covariance', size, impl: 'metaoptim-scalar', flopsPerOp, fn: () => void covariance({ data: x, rows: T, cols: d }, { runtime: scalar }) });
      if (T * d <= 256000) {
        const m = new Matrix(Array.from({ length: T }, (_, t) => Array.from(x.subarray(t * d, (t + 1) * d))));
        out.push({ kernel: 'covariance', size, impl: 'ml-matrix', flopsPerOp, fn: () => void mlCovariance(m) });
      }
    }
    for (const N of quick ? [1e5] : [1e6]) {
      const x = Float64Array.from({ length: N }, () => rng.stable(1.5));
      const k = Math.floor(Math.sqrt(N));
      out.push({ kernel: 'hill', size: N, impl: 'plain-js', baseline: true, bytesPerOp: 16 * N, fn: () => void hillPlain(x, k) });
      out.push({ kernel: 'hill', size: N, impl: 'simple-statistics', bytesPerOp: 16 * N, fn: () => void hillSimpleStats(x, k) });
      out.push({ kernel: 'hill', size: N, impl: 'metaoptim-simd', bytesPerOp: 16 * N, fn: () => void tailIndexHill(x, { k, runtime: simd }) });
      out.push({ kernel: 'hill', size: N, impl: 'metaoptim-scalar', bytesPerOp: 16 * N, fn: () => void tailIndexHill(x, { k, runtime: scalar }) });
    }
    return out;
  },
};

export default suite;
