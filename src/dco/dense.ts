// Small dense f64 helpers for DCO (row-major n×n): Cholesky factor and solve, products.
// The meta-learned matrices are small (n up to a few hundred), so plain JavaScript suffices;
// constrained steps go through the WebAssembly QP kernels (src/qp).
import { MetaoptimError } from '../core/errors.js';

/** Lower Cholesky factor of the SPD matrix A (a new array); throws QP_NOT_PD with the pivot. */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) {
          throw new MetaoptimError('QP_NOT_PD', `dco: P is not positive definite (pivot ${s} at ${i}); raise eps`, { pivot: s, index: i });
        }
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  return L;
}

/** x ← (LLᵀ)⁻¹x in place. */
export function cholSolve(L: Float64Array, n: number, x: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** out = M x (M row-major rows×cols). */
export function matVec(M: Float64Array, rows: number, cols: number, x: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += M[i * cols + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** out = Mᵀ x (M row-major rows×cols, x of length rows). */
export function matTVec(M: Float64Array, rows: number, cols: number, x: ArrayLike<number>, out: Float64Array): Float64Array {
  out.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    for (let j = 0; j < cols; j++) out[j] = out[j]! + M[i * cols + j]! * xi;
  }
  return out;
}

/** G += a·u vᵀ (n×n). */
export function addOuter(G: Float64Array, n: number, a: number, u: ArrayLike<number>, v: ArrayLike<number>): void {
  for (let i = 0; i < n; i++) {
    const ui = a * u[i]!;
    if (ui === 0) continue;
    for (let j = 0; j < n; j++) G[i * n + j] = G[i * n + j]! + ui * v[j]!;
  }
}

/** log(1 + eˣ), stable. */
export function softplus(x: number): number {
  return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
}

/** The inverse of softplus: y > 0 ↦ log(eʸ − 1). */
export function softplusInv(y: number): number {
  return y > 30 ? y : Math.log(Math.expm1(y));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
