// Backward pass of the dense active-set kernel (assembly/qpdense.ts, qp_dense_f64): the adjoint
// of the KKT system on the active set the forward pass confirmed, from the factors J and R it
// left in memory (one more solve with the same factors, as in qpth). Reference:
// test/support/reference/qpdense.ts refDenseBackward (bit for bit in both builds).
import { axpy_f64, dot_f64 } from './linalg';
import { at, ld, st, stride } from './qpdense_ops';

/**
 * Backward pass of qp_dense_f64 (SPEC B.4.2(c) on the confirmed active set 𝒜): per problem,
 * ṽ = D v, d = Jᵀṽ, d̃_z = −J₂d₂, y = R⁻¹d₁, then d_z = D d̃_z and the multipliers of the
 * adjoint system [Q A_𝒜ᵀ; A_𝒜 0][d_z; μ] = [−v; 0] are μ_k = E_k·y_j (inequality k at position
 * j) and d_ν,e = −σ_e E_e·y_j (equality e), zero off 𝒜. Gradients: dp = d_z, db = −d_ν, dh = −μ,
 * dQ = ½(d_z zᵀ + z d_zᵀ), dA = d_ν zᵀ + ν d_zᵀ, dG = μ zᵀ + λ d_zᵀ. An input whose bit is set in
 * `shared` (Q=1, p=2, A=4, b=8, G=16, h=32) gets ONE block, the sum over problems in order
 * t = 0, 1, … (starting from 0); the others get one block per problem, written as 0 + g (no −0).
 */
export function qp_dense_backward_f64(count: i32, n: i32, ne: i32, ni: i32, shared: i32,
  z: usize, nu: usize, lam: usize, J: usize, R: usize, act: usize, scl: usize, info: usize,
  v: usize, work: usize, dQ: usize, dp: usize, dA: usize, db: usize, dG: usize, dh: usize): void {
  const m = ne + ni;
  const rsz = <usize>n << 3;
  const vt = work, d = at(vt, n), y = at(d, n), dz = at(y, n), dnu = at(dz, n), mu = at(dnu, ne);
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sA = stride(shared, 4, ne * n);
  const sb = stride(shared, 8, ne), sG = stride(shared, 16, ni * n), sh = stride(shared, 32, ni);
  if (sQ == 0) memory.fill(dQ, 0, <usize>(n * n) << 3);
  if (sp == 0) memory.fill(dp, 0, rsz);
  if (sA == 0) memory.fill(dA, 0, <usize>(ne * n) << 3);
  if (sb == 0) memory.fill(db, 0, <usize>ne << 3);
  if (sG == 0) memory.fill(dG, 0, <usize>(ni * n) << 3);
  if (sh == 0) memory.fill(dh, 0, <usize>ni << 3);
  for (let t = 0; t < count; t++) {
    const w = <usize>t;
    const zt = z + w * rsz, nut = nu + w * (<usize>ne << 3), lt = lam + w * (<usize>ni << 3);
    const Jt = J + w * (<usize>(n * n) << 3), Rt = R + w * (<usize>(n * n) << 3);
    const actt = act + w * rsz, dc = scl + w * (<usize>(n + m) << 3), er = at(dc, n);
    const q = <i32>load<f64>(info + w * 64 + 48);
    const vv = v + w * rsz;
    for (let j = 0; j < n; j++) st(vt, j, ld(vv, j) * ld(dc, j));
    for (let j = 0; j < n; j++) st(d, j, dot_f64(Jt + <usize>j * rsz, vt, n));
    memory.fill(dz, 0, rsz);
    for (let j = q; j < n; j++) axpy_f64(dz, Jt + <usize>j * rsz, n, -ld(d, j));
    for (let j = 0; j < n; j++) st(dz, j, ld(dz, j) * ld(dc, j));
    memory.copy(y, d, <usize>q << 3);
    for (let j = q - 1; j >= 0; j--) {
      const yj = ld(y, j) / ld(Rt + <usize>j * rsz, j);
      st(y, j, yj);
      axpy_f64(y, Rt + <usize>j * rsz, j, -yj);
    }
    for (let k = 0; k < ne; k++) st(dnu, k, 0);
    for (let k = 0; k < ni; k++) st(mu, k, 0);
    for (let j = 0; j < q; j++) {
      const code = ld(actt, j);
      if (code > <f64>ne) {
        const k = <i32>code - ne - 1;
        st(mu, k, ld(y, j) * ld(er, ne + k));
      } else {
        const e = <i32>abs(code) - 1;
        const sg: f64 = code > 0 ? 1 : -1;
        st(dnu, e, -sg * ld(y, j) * ld(er, e));
      }
    }
    const dpt = dp + w * sp;
    for (let j = 0; j < n; j++) st(dpt, j, (sp == 0 ? ld(dpt, j) : 0) + ld(dz, j));
    const dQt = dQ + w * sQ;
    for (let i = 0; i < n; i++) {
      const zi = ld(zt, i), di = ld(dz, i);
      const row = dQt + <usize>i * rsz;
      for (let j = 0; j < n; j++) {
        const g = 0.5 * (di * ld(zt, j) + zi * ld(dz, j));
        st(row, j, (sQ == 0 ? ld(row, j) : 0) + g);
      }
    }
    rowGrads(ne, n, dnu, nut, zt, dz, dA + w * sA, sA == 0, db + w * sb, sb == 0);
    rowGrads(ni, n, mu, lt, zt, dz, dG + w * sG, sG == 0, dh + w * sh, sh == 0);
  }
}

/**
 * Gradients of one constraint block (rows of A with b, or of G with h): dX_k = a_k zᵀ + y_k d_zᵀ
 * and d(rhs)_k = −a_k, with a the adjoint multipliers and y the solution's; `sumX`/`sumR` add
 * to the block (an input shared by the batch) instead of writing 0 + g.
 */
// @ts-ignore: decorator
@inline function rowGrads(rows: i32, n: i32, a: usize, y: usize, z: usize, dz: usize, dX: usize, sumX: bool, dr: usize, sumR: bool): void {
  const rsz = <usize>n << 3;
  for (let k = 0; k < rows; k++) {
    const ak = ld(a, k), yk = ld(y, k);
    const row = dX + <usize>k * rsz;
    for (let j = 0; j < n; j++) {
      const g = ak * ld(z, j) + yk * ld(dz, j);
      st(row, j, (sumX ? ld(row, j) : 0) + g);
    }
    st(dr, k, (sumR ? ld(dr, k) : 0) + -ak);
  }
}
