import { MetaoptimError } from './errors.js';

/**
 * The one small dense f64 linear-algebra module (row-major, n up to a few hundred; the WASM
 * kernels in `qp/` and `analysis/` handle the large and batched cases). Every function leaves
 * its inputs untouched unless it says "in place".
 *
 * Errors: LENGTH_MISMATCH for shapes that disagree; NOT_POSITIVE_DEFINITE (details
 * `{ pivot, index }`) from `cholesky`; SINGULAR from `luSolve` when a pivot falls below
 * `tol·max|A|` (callers that prefer a soft failure use `tryLuSolve`).
 */

function checkSquare(owner: string, a: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${owner}: matrix has ${a.length} entries, expected ${n}² = ${n * n}`);
  }
}

/** Lower Cholesky factor L of the symmetric positive definite A = LLᵀ (a new array). */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  checkSquare('cholesky', a, n);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) {
          throw new MetaoptimError('NOT_POSITIVE_DEFINITE', `cholesky: matrix is not positive definite (pivot ${s} at ${i})`, { pivot: s, index: i });
        }
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  return L;
}

/** x ← (LLᵀ)⁻¹x in place, for the factor of `cholesky`; returns x. */
export function cholSolve(L: ArrayLike<number>, n: number, x: Float64Array): Float64Array {
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

/**
 * Solves A·x = b by Gaussian elimination with partial pivoting (LU with row exchanges).
 * Returns undefined when a pivot is ≤ tol·max|A| (default tol 0: only an exact zero, or a
 * non-finite solution, counts as singular).
 */
export function tryLuSolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol = 0): Float64Array | undefined {
  checkSquare('luSolve', a, n);
  if (b.length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `luSolve: right-hand side has ${b.length} entries, expected ${n}`);
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]!));
  const floor = Math.max(tol * scale, 1e-300);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    const piv = m[p * n + c]!;
    if (!(Math.abs(piv) > floor)) return undefined;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = m[c * n + k]!;
        m[c * n + k] = m[p * n + k]!;
        m[p * n + k] = t;
      }
      const t = x[c]!;
      x[c] = x[p]!;
      x[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k] = m[r * n + k]! - f * m[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r * n + k]! * x[k]!;
    x[r] = s / m[r * n + r]!;
  }
  return x.every(Number.isFinite) ? x : undefined;
}

/** `tryLuSolve` that throws SINGULAR instead of returning undefined. */
export function luSolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol = 0): Float64Array {
  const x = tryLuSolve(a, b, n, tol);
  if (x === undefined) throw new MetaoptimError('SINGULAR', `luSolve: the ${n}×${n} system is singular to working precision`);
  return x;
}

/**
 * Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method (Golub & Van Loan
 * §8.5): sweeps of plane rotations with the stable t = sign(θ)/(|θ| + √(θ²+1)),
 * θ = (a_qq − a_pp)/(2a_pq), until the off-diagonal Frobenius norm² falls below
 * 1e-28·‖A‖²_F (or 100 sweeps). Values descending; `vectors` holds the matching unit
 * eigenvectors as columns (row-major n×n). O(n³) per sweep.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, opts: { vectors?: boolean } = {}): { values: Float64Array; vectors: Float64Array } {
  checkSquare('symmetricEigen', a, n);
  const wantVectors = opts.vectors ?? true;
  const m = Float64Array.from(a);
  const v = new Float64Array(wantVectors ? n * n : 0);
  if (wantVectors) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i]! * m[i]!;
  const tol = 1e-28 * total;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q]! * m[p * n + q]!;
    if (off <= tol) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(m, n, p, q, c, s, true);
        rotate(m, n, p, q, c, s, false);
        if (wantVectors) rotate(v, n, p, q, c, s, true);
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(wantVectors ? n * n : 0);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src]!;
    if (wantVectors) for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Applies the plane rotation (c, s) to columns p, q (`columns`) or rows p, q of m. */
function rotate(m: Float64Array, n: number, p: number, q: number, c: number, s: number, columns: boolean): void {
  for (let k = 0; k < n; k++) {
    const ip = columns ? k * n + p : p * n + k;
    const iq = columns ? k * n + q : q * n + k;
    const xp = m[ip]!;
    const xq = m[iq]!;
    m[ip] = c * xp - s * xq;
    m[iq] = s * xp + c * xq;
  }
}

export interface PowerIterationOptions {
  /** Maximum iterations (default 1000). */
  maxIterations?: number;
  /** Stop when |λ_k − λ_{k−1}| ≤ tol·|λ_k| (default 1e-12); 0 runs all iterations. */
  tol?: number;
  /** Start vector (default: all ones / √n). */
  start?: ArrayLike<number>;
}

/**
 * Dominant eigenvalue of a symmetric operator by power iteration with a convergence test:
 * x ← Ax/‖Ax‖, λ_k = x_kᵀAx_k (Rayleigh quotient), stopping when λ changes by ≤ tol·|λ|.
 * `apply(x, out)` writes Ax into out, so a matrix-free or WASM-backed operator works too.
 * A zero operator gives λ = 0. Returns λ, the unit vector, the iterations used and whether
 * the test passed.
 */
export function powerIteration(
  apply: (x: Float64Array, out: Float64Array) => void,
  n: number,
  opts: PowerIterationOptions = {},
): { lambda: number; vector: Float64Array; iterations: number; converged: boolean } {
  const maxIt = opts.maxIterations ?? 1000;
  const tol = opts.tol ?? 1e-12;
  const x = opts.start ? Float64Array.from(opts.start) : new Float64Array(n).fill(1 / Math.sqrt(Math.max(n, 1)));
  if (x.length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `powerIteration: start vector has ${x.length} entries, expected ${n}`);
  normalizeInPlace(x);
  const y = new Float64Array(n);
  let lambda = NaN;
  for (let it = 1; it <= maxIt; it++) {
    apply(x, y);
    const q = dot(x, y);
    const ny = norm(y);
    if (ny === 0) return { lambda: 0, vector: x, iterations: it, converged: true };
    for (let i = 0; i < n; i++) x[i] = y[i]! / ny;
    if (tol > 0 && Math.abs(q - lambda) <= tol * Math.abs(q)) return { lambda: q, vector: x, iterations: it, converged: true };
    lambda = q;
  }
  apply(x, y);
  return { lambda: dot(x, y), vector: x, iterations: maxIt, converged: tol === 0 };
}

/** out = M·x for row-major M (rows×cols). */
export function matVec(M: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, out: Float64Array = new Float64Array(rows)): Float64Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += M[i * cols + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** out = Mᵀ·x for row-major M (rows×cols), x of length rows. */
export function matTVec(M: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, out: Float64Array = new Float64Array(cols)): Float64Array {
  out.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    for (let j = 0; j < cols; j++) out[j] = out[j]! + M[i * cols + j]! * xi;
  }
  return out;
}

/** The Gram matrix XᵀX (cols×cols) of row-major X (rows×cols). */
export function gram(X: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (X.length !== rows * cols) throw new MetaoptimError('LENGTH_MISMATCH', `gram: matrix has ${X.length} entries, expected ${rows}×${cols}`);
  const G = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const xi = X[r * cols + i]!;
      if (xi === 0) continue;
      for (let j = i; j < cols; j++) G[i * cols + j] = G[i * cols + j]! + xi * X[r * cols + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) G[i * cols + j] = G[j * cols + i]!;
  return G;
}

/** G += a·u·vᵀ in place (n×n). */
export function addOuter(G: Float64Array, n: number, a: number, u: ArrayLike<number>, v: ArrayLike<number>): void {
  for (let i = 0; i < n; i++) {
    const ui = a * u[i]!;
    if (ui === 0) continue;
    for (let j = 0; j < n; j++) G[i * n + j] = G[i * n + j]! + ui * v[j]!;
  }
}

/** xᵀy. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** ‖x‖₂. */
export function norm(x: ArrayLike<number>): number {
  return Math.sqrt(dot(x, x));
}

/** x ← x/‖x‖ in place (a zero vector stays zero); returns x. */
export function normalizeInPlace(x: Float64Array): Float64Array {
  const s = norm(x);
  if (s > 0) for (let i = 0; i < x.length; i++) x[i] = x[i]! / s;
  return x;
}
