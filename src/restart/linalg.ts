// Small dense f64 linear algebra for the surrogate proposer (matrices of a few dozen rows):
// cyclic Jacobi eigen-decomposition of a symmetric matrix, a Gaussian-elimination solve
// with partial pivoting, and the trust-region subproblem of a quadratic model.

/** Eigen-decomposition of symmetric `a` (n×n, row-major; not modified): values descending, vectors as columns of `v`. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i]! * m[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += m[i * n + j]! * m[i * n + j]!;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]!;
          const mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!;
          const mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Solves a·x = b (n×n row-major) by Gaussian elimination with partial pivoting; undefined if singular. */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    const piv = m[p * n + c]!;
    if (!(Math.abs(piv) > 1e-300)) return undefined;
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

/**
 * Trust-region step for the model gᵀs + ½sᵀHs with ‖s‖ ≤ radius (Moré–Sorensen in the
 * eigenbasis of H): the Newton step −H⁻¹g when H is positive definite and the step fits,
 * else s(μ) = −(H + μI)⁻¹g on the boundary with μ > max(0, −λmin) found by bisection; in the
 * hard case (g orthogonal to the lowest eigenvector) the step is completed along it.
 */
export function trustRegionStep(g: Float64Array, h: Float64Array, d: number, radius: number): { step: Float64Array; newton: boolean } {
  const { values, vectors } = symmetricEigen(h, d);
  const gq = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += vectors[k * d + i]! * g[k]!;
    gq[i] = s;
  }
  const lmin = values[d - 1]!;
  const scale = Math.max(1e-12, Math.abs(values[0]!));
  const norm = (mu: number) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += (gq[i]! / (values[i]! + mu)) ** 2;
    return Math.sqrt(s);
  };
  const build = (mu: number, extra = 0) => {
    const step = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const c = -gq[i]! / (values[i]! + mu) + (i === d - 1 ? extra : 0);
      for (let k = 0; k < d; k++) step[k] = step[k]! + c * vectors[k * d + i]!;
    }
    return step;
  };
  if (lmin > 1e-9 * scale && norm(0) <= radius) return { step: build(0), newton: true };
  let lo = Math.max(0, -lmin) + 1e-12 * scale;
  if (norm(lo) < radius) {
    // Hard case: move along the lowest-curvature eigenvector to the boundary.
    const inner = build(lo);
    let ss = 0;
    for (let k = 0; k < d; k++) ss += inner[k]! ** 2;
    const extra = Math.sqrt(Math.max(0, radius * radius - ss));
    const gqMin = gq[d - 1]!;
    return { step: build(lo, gqMin > 0 ? -extra : extra), newton: false };
  }
  let hi = lo + 1;
  while (norm(hi) > radius && hi < 1e300) hi *= 2;
  for (let it = 0; it < 200 && hi - lo > 1e-14 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (norm(mid) > radius) lo = mid;
    else hi = mid;
  }
  return { step: build(hi), newton: false };
}
