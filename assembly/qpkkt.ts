// The unscaled KKT check of the QP solvers (assembly/qpdense.ts calls it before 'optimal'; the
// interior point's results go through qp_kkt_f64): relative residuals of stationarity, primal
// feasibility, complementarity and dual sign of the ORIGINAL problem at (z, ν, λ). Row sums run
// four rows side by side, each in serial order, so SIMD build, scalar build and the reference
// (test/support/reference/qpdense.ts refKkt) give the same bits.
import { axpy_f64, dot_f64 } from './linalg';
import { absmax_f64, at, dotQuad_f64, ld, st, stride, zero_f64 } from './qpdense_ops';

/**
 * Relative KKT residuals of one UNSCALED problem at (z, ν, λ), written to out[0..4):
 *   [0] stationarity ‖Qz + p + Aᵀν + Gᵀλ‖∞ / (1 + max(‖Qz‖∞, ‖p‖∞, ‖Aᵀν‖∞, ‖Gᵀλ‖∞)) = ‖r‖∞/σ_d,
 *   [1] primal  max over rows of |âᵀz − b/c| (equalities) or max(0, ĝᵀz − h/c) (inequalities),
 *       each divided by (1 + ‖z‖∞ + |b or h|/c), where c = ‖row‖∞ and â = a/c (overflow-safe),
 *   [2] complementarity  max_k λ_k·c_k·|h_k/c_k − ĝ_kᵀz| / (σ_d·(1 + ‖z‖∞)),
 *   [3] dual sign  max_k max(0, −λ_k)·c_k / σ_d.
 * A zero row has c = 1. `r` is scratch of 3n f64. Returns the largest of the four.
 */
export function kktCheck(n: i32, ne: i32, ni: i32, Q: usize, p: usize, A: usize, b: usize, G: usize, h: usize,
  z: usize, nu: usize, lam: usize, r: usize, out: usize): f64 {
  const rsz = <usize>n << 3;
  // r ← Qz (four rows side by side: each in dot_f64's order), then r ← Qz + p.
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q0 = Q + <usize>i * rsz;
    dotQuad_f64(q0, q0 + rsz, q0 + 2 * rsz, q0 + 3 * rsz, z, n, n, n, n, at(r, i), at(r, i + 1), at(r, i + 2), at(r, i + 3));
  }
  for (; i < n; i++) st(r, i, dot_f64(Q + <usize>i * rsz, z, n));
  let nq: f64 = 0, np: f64 = 0, nz: f64 = 0;
  for (let i = 0; i < n; i++) {
    const qi = ld(r, i);
    const pi = ld(p, i);
    st(r, i, qi + pi);
    nq = max(nq, abs(qi));
    np = max(np, abs(pi));
    nz = max(nz, abs(ld(z, i)));
  }
  // ‖Aᵀν‖∞ and ‖Gᵀλ‖∞ from their own sums (r collects the total).
  let na: f64 = 0, ng: f64 = 0;
  const ta = at(r, n), tg = at(r, 2 * n);
  zero_f64(ta, n);
  zero_f64(tg, n);
  for (let k = 0; k < ne; k++) {
    const c = ld(nu, k);
    if (c != 0) axpy_f64(ta, A + <usize>k * rsz, n, c);
  }
  for (let k = 0; k < ni; k++) {
    const c = ld(lam, k);
    if (c != 0) axpy_f64(tg, G + <usize>k * rsz, n, c);
  }
  for (let j = 0; j < n; j++) {
    const sa = ld(ta, j), sg = ld(tg, j);
    st(r, j, ld(r, j) + sa + sg);
    na = max(na, abs(sa));
    ng = max(ng, abs(sg));
  }
  const sd: f64 = 1 + max(max(nq, np), max(na, ng));
  let stat: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = abs(ld(r, i));
    if (!(v <= stat)) stat = v;
  }
  // Row terms: out[1..3] accumulate primal, complementarity, dual sign in row order (kktRow);
  // the sums ŝ_k = Σ_j (row_j/c_k)·z_j run four rows side by side, each in serial j order.
  st(out, 1, 0);
  st(out, 2, 0);
  st(out, 3, 0);
  const m = ne + ni;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const r0 = kktRowPtr(A, G, ne, k, rsz), r1 = kktRowPtr(A, G, ne, k + 1, rsz);
    const r2 = kktRowPtr(A, G, ne, k + 2, rsz), r3 = kktRowPtr(A, G, ne, k + 3, rsz);
    const c0 = rowScale(r0, n), c1 = rowScale(r1, n), c2 = rowScale(r2, n), c3 = rowScale(r3, n);
    const i0 = 1 / c0, i1 = 1 / c1, i2 = 1 / c2, i3 = 1 / c3;
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    for (let j = 0; j < n; j++) {
      const zj = ld(z, j);
      s0 += (ld(r0, j) * i0) * zj;
      s1 += (ld(r1, j) * i1) * zj;
      s2 += (ld(r2, j) * i2) * zj;
      s3 += (ld(r3, j) * i3) * zj;
    }
    kktRow(k, ne, s0, c0, i0, b, h, lam, nz, sd, out);
    kktRow(k + 1, ne, s1, c1, i1, b, h, lam, nz, sd, out);
    kktRow(k + 2, ne, s2, c2, i2, b, h, lam, nz, sd, out);
    kktRow(k + 3, ne, s3, c3, i3, b, h, lam, nz, sd, out);
  }
  for (; k < m; k++) {
    const row = kktRowPtr(A, G, ne, k, rsz);
    const c = rowScale(row, n);
    const ic = 1 / c;
    let s: f64 = 0;
    for (let j = 0; j < n; j++) s += (ld(row, j) * ic) * ld(z, j);
    kktRow(k, ne, s, c, ic, b, h, lam, nz, sd, out);
  }
  const prim = ld(out, 1), comp = ld(out, 2), dsgn = ld(out, 3);
  stat = stat / sd;
  st(out, 0, stat);
  let mx = stat;
  if (!(prim <= mx)) mx = prim;
  if (!(comp <= mx)) mx = comp;
  if (!(dsgn <= mx)) mx = dsgn;
  return mx;
}

/** Row k of [A; G] (kktCheck). */
// @ts-ignore: decorator
@inline function kktRowPtr(A: usize, G: usize, ne: i32, k: i32, rsz: usize): usize {
  return k < ne ? A + <usize>k * rsz : G + <usize>(k - ne) * rsz;
}

/** c = ‖row‖∞, or 1 for a zero row (kktCheck). */
// @ts-ignore: decorator
@inline function rowScale(row: usize, n: i32): f64 {
  const c = absmax_f64(row, n);
  return c == 0 ? 1 : c;
}

/**
 * kktCheck's terms of row k with ŝ = Σ_j (row_j/c)·z_j: updates out[1] (primal), out[2]
 * (complementarity), out[3] (dual sign) in row order (`!(v ≤ m)` keeps a NaN from the last row).
 */
// @ts-ignore: decorator
@inline function kktRow(k: i32, ne: i32, s: f64, c: f64, ic: f64, b: usize, h: usize, lam: usize, nz: f64, sd: f64, out: usize): void {
  if (k < ne) {
    const bk = ld(b, k) * ic;
    const v = abs(s - bk) / (1 + nz + abs(bk));
    if (!(v <= ld(out, 1))) st(out, 1, v);
  } else {
    const hk = ld(h, k - ne) * ic;
    const l = ld(lam, k - ne);
    const v = max<f64>(s - hk, 0) / (1 + nz + abs(hk));
    if (!(v <= ld(out, 1))) st(out, 1, v);
    const cv = (l * c) * abs(hk - s) / (sd * (1 + nz));
    if (!(cv <= ld(out, 2))) st(out, 2, cv);
    const dv = max<f64>(-l, 0) * c / sd;
    if (!(dv <= ld(out, 3))) st(out, 3, dv);
  }
}

/**
 * Batched unscaled KKT check (kktCheck) for any solver's output: out gets 4 f64 per problem
 * (stationarity, primal, complementarity, dual sign); `work` holds 3n f64.
 */
export function qp_kkt_f64(count: i32, n: i32, ne: i32, ni: i32, shared: i32,
  Q: usize, p: usize, A: usize, b: usize, G: usize, h: usize, z: usize, nu: usize, lam: usize,
  work: usize, out: usize): void {
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sA = stride(shared, 4, ne * n);
  const sb = stride(shared, 8, ne), sG = stride(shared, 16, ni * n), sh = stride(shared, 32, ni);
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    kktCheck(n, ne, ni, Q + u * sQ, p + u * sp, A + u * sA, b + u * sb, G + u * sG, h + u * sh,
      z + u * (<usize>n << 3), nu + u * (<usize>ne << 3), lam + u * (<usize>ni << 3), work, out + u * 32);
  }
}
