import { MetaoptimError } from '../core/errors.js';

/**
 * Eigenvalues of a small symmetric matrix (row-major f64, n×n) by the cyclic Jacobi method
 * (Golub & Van Loan §8.5): sweeps of plane rotations that zero each off-diagonal entry in
 * turn, with the stable rotation t = sign(θ)/(|θ| + √(θ²+1)), θ = (a_qq − a_pp)/(2a_pq),
 * until the off-diagonal Frobenius norm falls below 1e-14·‖A‖_F (or 100 sweeps).
 * Returns the eigenvalues in descending order. O(n³) per sweep: meant for n ≤ a few hundred.
 */
export function jacobiEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) {
    throw new MetaoptimError('LENGTH_MISMATCH', `jacobiEigenvalues: matrix has ${a.length} entries, expected ${n}²`);
  }
  const m = Float64Array.from(a);
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
        const app = m[p * n + p]!, aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!, akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!, aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const ev = new Float64Array(n);
  for (let i = 0; i < n; i++) ev[i] = m[i * n + i]!;
  return ev.sort().reverse();
}

/**
 * Summaries of a PSD spectrum (descending): effective rank exp(−Σ p·ln p) with
 * p = λ⁺/Σλ⁺ (negative round-off eigenvalues count as 0), and the condition number
 * λ_max/λ_min⁺ where λ_min⁺ is the smallest eigenvalue above n·2.2e-16·λ_max.
 */
export function spectrumSummary(eigs: Float64Array): { effectiveRank: number; condition: number } {
  let sum = 0;
  let max = 0;
  for (const l of eigs) if (l > 0) { sum += l; max = Math.max(max, l); }
  if (sum === 0) return { effectiveRank: 0, condition: NaN };
  let h = 0;
  for (const l of eigs) if (l > 0) { const p = l / sum; h -= p * Math.log(p); }
  const floor = eigs.length * 2.220446049250313e-16 * max;
  let minPos = Infinity;
  for (const l of eigs) if (l > floor && l < minPos) minPos = l;
  return { effectiveRank: Math.exp(h), condition: max / minPos };
}
