import { MetaoptimError } from '../../core/errors.js';

/**
 * Solves K·x = b for a dense row-major N×N matrix by Gaussian elimination with partial
 * pivoting in f64 (small systems: the closed-form predictions of the quadratic problems).
 * Throws BILEVEL_INVALID when K is singular to working precision.
 */
export function solveLinear(K: Float64Array, b: Float64Array, N: number): Float64Array {
  const a = Float64Array.from(K);
  const x = Float64Array.from(b);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let col = 0; col < N; col++) {
    let piv = col;
    for (let r = col + 1; r < N; r++) if (Math.abs(a[r * N + col]!) > Math.abs(a[piv * N + col]!)) piv = r;
    if (!(Math.abs(a[piv * N + col]!) > 1e-13 * scale)) throw new MetaoptimError('BILEVEL_INVALID', 'singular linear system in a closed-form prediction');
    if (piv !== col) {
      for (let j = 0; j < N; j++) {
        const t = a[col * N + j]!;
        a[col * N + j] = a[piv * N + j]!;
        a[piv * N + j] = t;
      }
      const t = x[col]!;
      x[col] = x[piv]!;
      x[piv] = t;
    }
    const d = a[col * N + col]!;
    for (let r = col + 1; r < N; r++) {
      const f = a[r * N + col]! / d;
      if (f === 0) continue;
      for (let j = col; j < N; j++) a[r * N + j]! -= f * a[col * N + j]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = N - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let j = r + 1; j < N; j++) s -= a[r * N + j]! * x[j]!;
    x[r] = s / a[r * N + r]!;
  }
  return x;
}
