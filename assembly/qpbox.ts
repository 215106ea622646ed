// Box-constrained QPs (the fast path of assembly/qp.ts, same conventions and info layout):
//   minimize ½zᵀQz + pᵀz  subject to  lb ≤ z ≤ ub,
// over `count` problems stored back to back; `shared` bits Q=1, p=2, lb=4, ub=8 mark inputs
// used by every problem (stride 0). info (8 f64 per problem): [0] status (0 solved, 1 no
// repeat of the active set within maxIter, 2 Q_II not positive definite, 5 non-finite),
// [1] solves, [2] ‖(Qz + p)_free‖∞, [3] bound violation, [4] 0, [5] last pivot, [6] free count m.

import { chol_factor_f64, chol_solve_f64, dot_f64 } from './linalg';

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function stride(sharedMask: i32, bit: i32, elems: i32): usize {
  return (sharedMask & bit) != 0 ? 0 : <usize>elems << 3;
}

/**
 * Box-constrained QP, lb ≤ z ≤ ub (±∞ allowed), by the primal-dual active-set method
 * (Hintermüller, Ito & Kunisch 2003) with per-coordinate c_i = Q_ii. Multiplier μ with
 * Qz + p + μ = 0 (μ_i > 0 at an upper bound, < 0 at a lower one). From the unconstrained
 * solution, repeat: flag i upper if μ_i + c_i(z_i − ub_i) > 0, lower if μ_i + c_i(z_i − lb_i) < 0,
 * else free; fix flagged z_i at their bound, solve Q_II z_I = −p_I − Q_IA z_A, μ_I = 0,
 * μ_A = −(Qz + p)_A; stop when the flags repeat (then KKT holds exactly up to rounding).
 * Kept per problem for the backward pass: flags (i32: 0 free, 1 lower, 2 upper), idx
 * (i32: free indices), Lf (chol(Q_II) packed m×m), info[6] = m.
 * Status 1 after maxIter solves without repeating flags (the caller falls back to the IPM).
 */
export function qp_box_f64(count: i32, n: i32, shared: i32, Q: usize, p: usize, lb: usize, ub: usize,
  z: usize, mu: usize, flags: usize, idx: usize, Lf: usize, work: usize, info: usize, maxIter: i32): void {
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sl = stride(shared, 4, n), su = stride(shared, 8, n);
  const rsz = <usize>n << 3;
  const isz = <usize>n << 2;
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    const Qt = Q + u * sQ, pt = p + u * sp, lt = lb + u * sl, ut = ub + u * su;
    const zt = z + u * rsz, mt = mu + u * rsz, ft = flags + u * isz, xt = idx + u * isz;
    const Lt = Lf + u * (<usize>(n * n) << 3);
    const it = info + u * 64;
    for (let i = 0; i < n; i++) store<i32>(ft + (<usize>i << 2), 0);
    let status = 1;
    let iters = 0;
    let m = 0;
    let stat: f64 = 0, prim: f64 = 0;
    let piv: f64 = Infinity;
    while (iters < maxIter) {
      iters++;
      m = 0;
      for (let i = 0; i < n; i++) {
        const f = load<i32>(ft + (<usize>i << 2));
        if (f == 0) store<i32>(xt + (<usize>(m++) << 2), i);
        else store<f64>(at(zt, i), f == 1 ? load<f64>(at(lt, i)) : load<f64>(at(ut, i)));
      }
      const msz = <usize>m << 3;
      for (let a = 0; a < m; a++) {
        const ia = load<i32>(xt + (<usize>a << 2));
        const rowQ = Qt + <usize>ia * rsz;
        const rowL = Lt + <usize>a * msz;
        for (let c = 0; c <= a; c++) store<f64>(at(rowL, c), load<f64>(at(rowQ, load<i32>(xt + (<usize>c << 2)))));
        let r = -load<f64>(at(pt, ia));
        if (m < n) {
          for (let j = 0; j < n; j++) {
            if (load<i32>(ft + (<usize>j << 2)) != 0) r -= load<f64>(at(rowQ, j)) * load<f64>(at(zt, j));
          }
        }
        store<f64>(at(work, a), r);
      }
      piv = chol_factor_f64(Lt, m, m);
      if (!(piv > 0)) {
        status = 2;
        break;
      }
      chol_solve_f64(Lt, m, m, work);
      for (let a = 0; a < m; a++) store<f64>(at(zt, load<i32>(xt + (<usize>a << 2))), load<f64>(at(work, a)));
      let changed = 0;
      stat = 0;
      prim = 0;
      for (let i = 0; i < n; i++) {
        const rowQ = Qt + <usize>i * rsz;
        const g = dot_f64(rowQ, zt, n) + load<f64>(at(pt, i));
        const fo = ft + (<usize>i << 2);
        const f = load<i32>(fo);
        let mi: f64 = 0;
        if (f == 0) {
          const ag = abs(g);
          if (!(ag <= stat)) stat = ag;
        } else mi = -g;
        store<f64>(at(mt, i), mi);
        const zi = load<f64>(at(zt, i)), lo = load<f64>(at(lt, i)), hi = load<f64>(at(ut, i));
        const c = load<f64>(at(rowQ, i));
        let nf = 0;
        if (mi + c * (zi - hi) > 0) nf = 2;
        else if (mi + c * (zi - lo) < 0) nf = 1;
        if (nf != f) {
          changed++;
          store<i32>(fo, nf);
        }
        prim = max(prim, max(lo - zi, zi - hi));
      }
      if (!(stat == stat) || !isFinite(stat)) {
        status = 5;
        break;
      }
      if (changed == 0) {
        status = 0;
        break;
      }
    }
    store<f64>(it, <f64>status);
    store<f64>(it + 8, <f64>iters);
    store<f64>(it + 16, stat);
    store<f64>(it + 24, max<f64>(prim, 0));
    store<f64>(it + 32, 0);
    store<f64>(it + 40, piv);
    store<f64>(it + 48, <f64>m);
  }
}

/**
 * Backward pass of qp_box_f64 (SPEC B.4.2(c), exact under strict complementarity): with the
 * final free set I, d_z_I = −Q_II⁻¹v_I, d_z_A = 0, r = −v − Q d_z; then
 *   dp = d_z, dQ = ½(d_z zᵀ + z d_zᵀ), dlb_i = −r_i (i at lower), dub_i = −r_i (i at upper),
 * zero elsewhere.
 */
export function qp_box_backward_f64(count: i32, n: i32, shared: i32, Q: usize, z: usize, flags: usize, idx: usize,
  Lf: usize, info: usize, v: usize, work: usize, dQ: usize, dp: usize, dlb: usize, dub: usize): void {
  const sQ = stride(shared, 1, n * n);
  const rsz = <usize>n << 3;
  const isz = <usize>n << 2;
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    const Qt = Q + u * sQ, zt = z + u * rsz, ft = flags + u * isz, xt = idx + u * isz;
    const Lt = Lf + u * (<usize>(n * n) << 3), vt = v + u * rsz;
    const dzt = dp + u * rsz, dlt = dlb + u * rsz, dut = dub + u * rsz;
    const m = <i32>load<f64>(info + u * 64 + 48);
    for (let a = 0; a < m; a++) store<f64>(at(work, a), -load<f64>(at(vt, load<i32>(xt + (<usize>a << 2)))));
    chol_solve_f64(Lt, m, m, work);
    for (let i = 0; i < n; i++) store<f64>(at(dzt, i), 0);
    for (let a = 0; a < m; a++) store<f64>(at(dzt, load<i32>(xt + (<usize>a << 2))), load<f64>(at(work, a)));
    for (let i = 0; i < n; i++) {
      const f = load<i32>(ft + (<usize>i << 2));
      let gl: f64 = 0, gu: f64 = 0;
      if (f != 0) {
        const r = -load<f64>(at(vt, i)) - dot_f64(Qt + <usize>i * rsz, dzt, n);
        if (f == 1) gl = -r;
        else gu = -r;
      }
      store<f64>(at(dlt, i), gl);
      store<f64>(at(dut, i), gu);
    }
    const dQt = dQ + u * (<usize>(n * n) << 3);
    for (let i = 0; i < n; i++) {
      const zi = load<f64>(at(zt, i)), di = load<f64>(at(dzt, i));
      const row = dQt + <usize>i * rsz;
      for (let j = 0; j < n; j++) store<f64>(at(row, j), 0.5 * (di * load<f64>(at(zt, j)) + zi * load<f64>(at(dzt, j))));
    }
  }
}
