// Box-constrained QPs (the fast path of assembly/qp.ts, same conventions and info layout):
//   minimize ½zᵀQz + pᵀz  subject to  lb ≤ z ≤ ub,
// over `count` problems stored back to back; `shared` bits Q=1, p=2, lb=4, ub=8 mark inputs
// used by every problem (stride 0). info (8 f64 per problem): [0] status (0 solved, 1 no
// repeat of the active set within maxIter, 2 Q_II not positive definite, 5 non-finite),
// [1] solves, [2] ‖(Qz + p)_free‖∞, [3] bound violation, [4] σ = 1 + max(‖(Qz)_free‖∞, ‖p_free‖∞),
// [5] last pivot, [6] free count m.

import { axpy2_f64, axpy_f64, dot_f64 } from './linalg';
import { lane_piv, pair_first, quad_first } from './qpbox_lanes';

/** Largest n whose first steps run four problems at a time (quad_first); larger n pair them. */
const QUAD_MAX_N = 16;

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function stride(sharedMask: i32, bit: i32, elems: i32): usize {
  return (sharedMask & bit) != 0 ? 0 : <usize>elems << 3;
}

/**
 * In-place Cholesky of the m×m row-major matrix at `a` (lower triangle read and written),
 * fused with the forward substitution x ← L⁻¹x:
 *   L_ij = (A_ij − Σ_{k<j} L_ik L_jk)·r_j, d_i = A_ii − Σ_{k<i} L_ik², L_ii = √d_i, r_i = 1/L_ii,
 *   y_i = (x_i − Σ_{k<i} L_ik y_k)·r_i
 * (reciprocals kept at `inv`: one division per column instead of one per entry). Right-looking
 * (outer-product) order, columns in pairs: column k is scaled by r_k and copied to `col` (2m f64
 * scratch: col, then col2 for column k + 1), y_k is
 * finished, then every row i > k subtracts L_ik·L_jk from its entries k < j ≤ i and x_i
 * subtracts L_ik·y_k, each a contiguous axpy (f64x2 in the SIMD build; a + (−b)·c = a − b·c
 * exactly). Each entry sees exactly the sequential sums above (k ascending, elementwise
 * products, no reassociation), so the bits are those of a row-by-row Crout loop in both builds,
 * without its serial chains.
 * Returns the smallest d_i, or the first d_i that is not > 0 (then the factor is incomplete).
 */
// @ts-ignore: decorator
@inline function small_chol(a: usize, m: i32, inv: usize, col: usize, x: usize): f64 {
  const msz = <usize>m << 3;
  const col2 = col + msz;
  let minPiv: f64 = Infinity;
  // Columns in pairs k, k + 1: one axpy2 pass over each trailing row for both (per entry the
  // same two subtractions in the same order as one column at a time: axpy2 = two axpys' bits).
  for (let k = 0; k < m; k += 2) {
    const d = load<f64>(at(a + <usize>k * msz, k));
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    small_column(a, m, inv, col, x, k, d);
    if (k + 1 == m) break;
    const c1 = load<f64>(at(col, k + 1));
    for (let i = k + 1; i < m; i++) {
      const o = at(a + <usize>i * msz, k + 1);
      store<f64>(o, load<f64>(o) + -load<f64>(at(col, i)) * c1);
    }
    const d1 = load<f64>(at(a + <usize>(k + 1) * msz, k + 1));
    if (!(d1 > 0)) return d1;
    if (d1 < minPiv) minPiv = d1;
    small_column(a, m, inv, col2, x, k + 1, d1);
    for (let i = k + 2; i < m; i++) {
      // Row i, columns k + 1 < j ≤ i: a_ij ← (a_ij + (−L_ik)·L_jk) + (−L_i,k+1)·L_j,k+1.
      axpy2_f64(at(a + <usize>i * msz, k + 2), at(col, k + 2), at(col2, k + 2), i - k - 1, -load<f64>(at(col, i)), -load<f64>(at(col2, i)));
    }
  }
  return minPiv;
}

/**
 * small_chol's column k with pivot d > 0: L_kk = √d, r_k = 1/L_kk, y_k = x_k·r_k, L_ik = A_ik·r_k
 * into `a` and `col`, then x_i += (−y_k)·L_ik for i > k.
 */
// @ts-ignore: decorator
@inline function small_column(a: usize, m: i32, inv: usize, col: usize, x: usize, k: i32, d: f64): void {
  const msz = <usize>m << 3;
  const sq = Math.sqrt(d);
  store<f64>(at(a + <usize>k * msz, k), sq);
  const r = 1 / sq;
  store<f64>(at(inv, k), r);
  const yk = load<f64>(at(x, k)) * r;
  store<f64>(at(x, k), yk);
  for (let i = k + 1; i < m; i++) {
    const o = at(a + <usize>i * msz, k);
    const lik = load<f64>(o) * r;
    store<f64>(o, lik);
    store<f64>(at(col, i), lik);
  }
  axpy_f64(at(x, k + 1), at(col, k + 1), m - k - 1, -yk);
}

/**
 * x ← L⁻ᵀx (after small_chol's forward part): for k = m−1 … 0, x_k ← x_k·r_k, then
 * x_i −= L_ki x_k for i < k, one contiguous axpy over row k (so each x_i subtracts with k
 * DESCENDING from m − 1). The same bits in both builds.
 */
// @ts-ignore: decorator
@inline function small_back(a: usize, m: i32, inv: usize, x: usize): void {
  const msz = <usize>m << 3;
  for (let k = m - 1; k >= 0; k--) {
    const xk = load<f64>(at(x, k)) * load<f64>(at(inv, k));
    store<f64>(at(x, k), xk);
    axpy_f64(x, a + <usize>k * msz, k, -xk);
  }
}


/**
 * The later steps' factor (no √ in the chain from one pivot to the next): in-place LDLᵀ of the
 * m×m row-major matrix at `a` (lower triangle read and written), fused with the forward solve
 * of the unit-lower L and the scaling by D⁻¹:
 *   c_ij = A_ij − Σ_{k<j} ℓ_ik c_jk,  ℓ_ij = c_ij·r_j  (j < i),
 *   d_i = A_ii − Σ_{k<i} ℓ_ik c_ik,  r_i = 1/d_i,
 *   y_i = x_i − Σ_{k<i} ℓ_ik y_k,  x_i ← y_i·r_i
 * (sums sequential, k ascending). Leaves ℓ_ij below the diagonal and r_i = 1/d_i on it (the
 * kept factor of the backward pass, ldl_solve). Right-looking: column k is scaled by r_k (its
 * unscaled entries kept in `col`, m f64), then each later row i subtracts ℓ_ik·c_jk from its
 * entries k < j ≤ i, so a pivot is one division, one product and one multiply-subtract after
 * the previous one (Cholesky adds √d and 1/√d).
 * Returns the smallest d_i, or the first d_i that is not > 0 (then the factor is incomplete).
 */
// @ts-ignore: decorator
@inline function small_ldl(a: usize, m: i32, col: usize, x: usize): f64 {
  const msz = <usize>m << 3;
  let minPiv: f64 = Infinity;
  for (let k = 0; k < m; k++) {
    const rk = a + <usize>k * msz;
    const d = load<f64>(at(rk, k));
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    const r = 1 / d;
    store<f64>(at(rk, k), r);
    const yk = load<f64>(at(x, k));
    store<f64>(at(x, k), yk * r);
    for (let i = k + 1; i < m; i++) {
      const o = at(a + <usize>i * msz, k);
      const c = load<f64>(o);
      store<f64>(at(col, i), c);
      const l = c * r;
      store<f64>(o, l);
      const xo = at(x, i);
      store<f64>(xo, load<f64>(xo) - l * yk);
    }
    for (let i = k + 1; i < m; i++) {
      // Row i, k < j ≤ i: a_ij + (−ℓ_ik)·c_jk (= a_ij − ℓ_ik·c_jk exactly), one contiguous axpy.
      const ri = a + <usize>i * msz;
      axpy_f64(at(ri, k + 1), at(col, k + 1), i - k, -load<f64>(at(ri, k)));
    }
  }
  return minPiv;
}

/**
 * x ← L⁻ᵀx for small_ldl's unit-lower L (x already scaled by D⁻¹): for k = m−1 … 1,
 * x_i −= ℓ_ki x_k for i < k (row k of L, contiguous; each x_i subtracts with k DESCENDING).
 */
// @ts-ignore: decorator
@inline function small_back_ldl(a: usize, m: i32, x: usize): void {
  const msz = <usize>m << 3;
  for (let k = m - 1; k > 0; k--) {
    const xk = load<f64>(at(x, k));
    const rk = a + <usize>k * msz;
    for (let i = 0; i < k; i++) {
      const o = at(x, i);
      store<f64>(o, load<f64>(o) - load<f64>(at(rk, i)) * xk);
    }
  }
}

/**
 * x ← (LDLᵀ)⁻¹x with small_ldl's kept factor at `a` (ℓ below the diagonal, r_i = 1/d_i on it):
 * y_i = x_i − Σ_{k<i} ℓ_ik y_k (k ascending), x_i ← y_i·r_i, then small_back_ldl.
 */
// @ts-ignore: decorator
@inline function ldl_solve(a: usize, m: i32, x: usize): void {
  const msz = <usize>m << 3;
  for (let i = 0; i < m; i++) {
    const ri = a + <usize>i * msz;
    let s = load<f64>(at(x, i));
    for (let k = 0; k < i; k++) s -= load<f64>(at(ri, k)) * load<f64>(at(x, k));
    store<f64>(at(x, i), s);
  }
  for (let i = 0; i < m; i++) store<f64>(at(x, i), load<f64>(at(x, i)) * load<f64>(at(a + <usize>i * msz, i)));
  small_back_ldl(a, m, x);
}

/** dot_f64's bits (an f64x2 accumulator from +0, pairs in order, lanes summed) straight-line for n = 8 in the SIMD build. */
// @ts-ignore: decorator
@inline function rowdot(x: usize, y: usize, n: i32): f64 {
  if (ASC_FEATURE_SIMD) {
    if (n == 8) {
      let acc = f64x2.add(f64x2.splat(0), f64x2.mul(v128.load(x), v128.load(y)));
      acc = f64x2.add(acc, f64x2.mul(v128.load(x, 16), v128.load(y, 16)));
      acc = f64x2.add(acc, f64x2.mul(v128.load(x, 32), v128.load(y, 32)));
      acc = f64x2.add(acc, f64x2.mul(v128.load(x, 48), v128.load(y, 48)));
      return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    }
  }
  return dot_f64(x, y, n);
}

/**
 * Box-constrained QP, lb ≤ z ≤ ub (±∞ allowed), by the primal-dual active-set method
 * (Hintermüller, Ito & Kunisch 2003) with per-coordinate c_i = Q_ii. Multiplier μ with
 * Qz + p + μ = 0 (μ_i > 0 at an upper bound, < 0 at a lower one). From the unconstrained
 * solution, repeat: flag i upper if μ_i + c_i(z_i − ub_i) > 0, lower if μ_i + c_i(z_i − lb_i) < 0,
 * else free; fix flagged z_i at their bound, solve Q_II z_I = −p_I − Q_IA z_A, μ_I = 0,
 * μ_A = −(Qz + p)_A; stop when the flags repeat (then KKT holds exactly up to rounding).
 * Per solve the work is the reduced system only: gathering Q_II (m(m+1)/2), the right-hand
 * side over the active list (m·|A|), the factor of Q_II (m³/6: Cholesky in the first step, with
 * every variable free, as the lane steps; LDLᵀ without √ in the later ones), and the rows of the active variables
 * (|A|·n) — never the full Qz. ‖(Qz + p)_I‖∞ (info[2]) is computed once, after the loop.
 * Kept per problem for the backward pass: flags (i32: 0 free, 1 lower, 2 upper), idx
 * (i32: free indices in increasing order at [0, m), the active ones at [m, n) in decreasing
 * order), Lf (the LDLᵀ of Q_II packed m×m: ℓ below the diagonal, 1/d on it; see small_ldl),
 * info[6] = m.
 * Status 1 after maxIter solves without repeating flags (the caller falls back to the IPM),
 * 2 when Q_II is not positive definite, 5 when z or μ is not finite (overflow).
 * SIMD build: the first step (every variable free) of four problems (n ≤ 16, quad_first) or two
 * (pair_first) runs in f64x2 lanes with each problem's scalar bits (assembly/qpbox_lanes.ts).
 * `work` holds qp_box_work_len(n) f64.
 * The user-facing bound multipliers are written at the end of each problem (box_lambda): problem
 * t's row at lam + t·width·8, λ_lb at offset `lo` and λ_ub at `up` (−1: not given; both −1:
 * nothing written, `lam` unused).
 */
export function qp_box_f64(count: i32, n: i32, shared: i32, Q: usize, p: usize, lb: usize, ub: usize,
  z: usize, mu: usize, flags: usize, idx: usize, Lf: usize, work: usize, info: usize, maxIter: i32,
  lam: usize, width: i32, lo: i32, up: i32): void {
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sl = stride(shared, 4, n), su = stride(shared, 8, n);
  const rsz = <usize>n << 3;
  const isz = <usize>n << 2;
  // SIMD build: the first step of the next 4 (quad_first) or 2 (pair_first) problems is solved
  // together when problem `group` starts; `pending` later problems then take theirs from lanes.
  let pending = 0;
  let lane = 0;
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    const Qt = Q + u * sQ, pt = p + u * sp, lt = lb + u * sl, ut = ub + u * su;
    const zt = z + u * rsz, mt = mu + u * rsz, ft = flags + u * isz, xt = idx + u * isz;
    const Lt = Lf + u * (<usize>(n * n) << 3);
    const it = info + u * 64;
    const inv = work + rsz;
    // pair_first's/quad_first's buffer, after small_chol's (x, inv, col, col2: 4n), so that the
    // factors of the group's later problems survive the later steps of the earlier ones.
    const laneW = work + (rsz << 2);
    for (let i = 0; i < n; i++) store<i32>(ft + (<usize>i << 2), 0);
    // SIMD build: the first step of problems t … t + 3 (or t, t + 1) together, same bits.
    let pre = false;
    let prePiv: f64 = 0;
    if (ASC_FEATURE_SIMD) {
      // (a compile-time branch: the scalar build contains no lane steps and no v128)
      if (pending > 0) {
        pending--;
        pre = true;
        lane++;
        prePiv = lane_piv(lane);
      } else if (n > 0 && maxIter > 0) {
        if (n <= QUAD_MAX_N && t + 3 < count && quad_first(n, Qt, Qt + sQ, Qt + 2 * sQ, Qt + 3 * sQ, pt, pt + sp, pt + 2 * sp, pt + 3 * sp,
          zt, zt + rsz, zt + 2 * rsz, zt + 3 * rsz, laneW) != 0) {
          pending = 3;
        } else if (t + 1 < count && pair_first(n, Qt, Qt + sQ, pt, pt + sp, zt, zt + rsz, laneW) != 0) {
          pending = 1;
        }
        if (pending > 0) {
          pre = true;
          lane = 0;
          prePiv = lane_piv(0);
        }
      }
    }
    let status = 1;
    let iters = 0;
    let m = 0;
    let piv: f64 = Infinity;
    while (iters < maxIter) {
      iters++;
      m = 0;
      let q = n;
      for (let i = 0; i < n; i++) {
        const f = load<i32>(ft + (<usize>i << 2));
        if (f == 0) store<i32>(xt + (<usize>(m++) << 2), i);
        else {
          store<i32>(xt + (<usize>(--q) << 2), i);
          store<f64>(at(zt, i), f == 1 ? load<f64>(at(lt, i)) : load<f64>(at(ut, i)));
        }
      }
      if (pre && iters == 1) {
        // Every variable free (m = n, idx the identity): z and the factor came from pair_first.
        for (let a = 0; a < m; a++) store<f64>(at(work, a), load<f64>(at(zt, a)));
        piv = prePiv;
      } else {
      const msz = <usize>m << 3;
      for (let a = 0; a < m; a++) {
        const ia = load<i32>(xt + (<usize>a << 2));
        const rowQ = Qt + <usize>ia * rsz;
        const rowL = Lt + <usize>a * msz;
        for (let c = 0; c <= a; c++) store<f64>(at(rowL, c), load<f64>(at(rowQ, load<i32>(xt + (<usize>c << 2)))));
        let r = -load<f64>(at(pt, ia));
        for (let b = m; b < n; b++) {
          const j = load<i32>(xt + (<usize>b << 2));
          r -= load<f64>(at(rowQ, j)) * load<f64>(at(zt, j));
        }
        store<f64>(at(work, a), r);
      }
      // The first step (every variable free) by Cholesky, as the lane steps; the later ones by LDLᵀ.
      piv = iters == 1 ? small_chol(Lt, m, inv, inv + rsz, work) : small_ldl(Lt, m, inv + rsz, work);
      if (!(piv > 0)) {
        status = 2;
        break;
      }
      if (iters == 1) small_back(Lt, m, inv, work);
      else small_back_ldl(Lt, m, work);
      }
      let changed = 0;
      let chk: f64 = 0;
      for (let a = 0; a < m; a++) {
        const i = load<i32>(xt + (<usize>a << 2));
        const zi = load<f64>(at(work, a));
        chk += zi - zi;
        store<f64>(at(zt, i), zi);
        store<f64>(at(mt, i), 0);
        const c = load<f64>(at(Qt + <usize>i * rsz, i));
        // Branch-free: nf = 2 if c(z − ub) > 0, else 1 if c(z − lb) < 0, else 0 (the flag was 0).
        const nf = select<i32>(2, select<i32>(1, 0, c * (zi - load<f64>(at(lt, i))) < 0), c * (zi - load<f64>(at(ut, i))) > 0);
        changed += <i32>(nf != 0);
        store<i32>(ft + (<usize>i << 2), nf);
      }
      for (let b = m; b < n; b++) {
        const i = load<i32>(xt + (<usize>b << 2));
        const rowQ = Qt + <usize>i * rsz;
        const mi = -(rowdot(rowQ, zt, n) + load<f64>(at(pt, i)));
        chk += mi - mi;
        store<f64>(at(mt, i), mi);
        const zi = load<f64>(at(zt, i));
        const c = load<f64>(at(rowQ, i));
        const nf = select<i32>(2, select<i32>(1, 0, mi + c * (zi - load<f64>(at(lt, i))) < 0), mi + c * (zi - load<f64>(at(ut, i))) > 0);
        const fo = ft + (<usize>i << 2);
        changed += <i32>(nf != load<i32>(fo));
        store<i32>(fo, nf);
      }
      if (chk != 0) {
        status = 5;
        break;
      }
      if (changed == 0) {
        status = 0;
        break;
      }
    }
    // The first step was the last: the kept factor is the LDLᵀ of the whole Q (m = n), as a
    // later step would have left it (the first step's Cholesky is not kept).
    if (status == 0 && iters == 1) {
      for (let a = 0; a < n; a++) {
        const rowQ = Qt + <usize>a * rsz, rowL = Lt + <usize>a * rsz;
        for (let c = 0; c <= a; c++) store<f64>(at(rowL, c), load<f64>(at(rowQ, c)));
        store<f64>(at(work, a), 0);
      }
      if (!(small_ldl(Lt, n, inv + rsz, work) > 0)) status = 2;
    }
    let stat: f64 = 0, prim: f64 = 0, sig: f64 = 0;
    for (let a = 0; a < m; a++) {
      const i = load<i32>(xt + (<usize>a << 2));
      const qz = rowdot(Qt + <usize>i * rsz, zt, n), pi = load<f64>(at(pt, i));
      const g = abs(qz + pi);
      if (!(g <= stat)) stat = g;
      sig = max(sig, max(abs(qz), abs(pi)));
    }
    for (let i = 0; i < n; i++) {
      const zi = load<f64>(at(zt, i));
      prim = max(prim, max(load<f64>(at(lt, i)) - zi, zi - load<f64>(at(ut, i))));
    }
    store<f64>(it, <f64>status);
    store<f64>(it + 8, <f64>iters);
    store<f64>(it + 16, stat);
    store<f64>(it + 24, max<f64>(prim, 0));
    store<f64>(it + 32, 1 + sig);
    store<f64>(it + 40, piv);
    store<f64>(it + 48, <f64>m);
    if (lo >= 0 || up >= 0) box_lambda(n, ft, mt, lam + u * (<usize>width << 3), lo, up);
  }
}

/**
 * f64 scratch qp_box_f64 needs at `work` for problems of n variables: 4n (the scalar path's x,
 * reciprocals and two column buffers), then the lane steps' buffer: 4n² + 8n for n ≤ 16
 * (quad_first, four problems), else 2n² + 8n (pair_first); +2 for alignment. The scalar build
 * uses only the first 4n.
 */
export function qp_box_work_len(n: i32): i32 {
  return (n <= QUAD_MAX_N ? 4 : 2) * n * n + 12 * n + 2;
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
    ldl_solve(Lt, m, work);
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

/**
 * The user-facing bound multipliers of one problem of qp_box_f64 (flags at ft, μ at mt), into its
 * row at `base`: base[lo + i] = −μ_i when variable i is at its lower bound (else 0) and
 * base[up + i] = μ_i when it is at its upper bound (else 0); lo or up < 0 skips that block (no
 * lb or no ub given). Entries of the row outside the blocks are left as they are.
 */
// @ts-ignore: decorator
@inline function box_lambda(n: i32, ft: usize, mt: usize, base: usize, lo: i32, up: i32): void {
  for (let i = 0; i < n; i++) {
    const f = load<i32>(ft + (<usize>i << 2));
    const m = load<f64>(at(mt, i));
    if (lo >= 0) store<f64>(at(base, lo + i), f == 1 ? -m : 0);
    if (up >= 0) store<f64>(at(base, up + i), f == 2 ? m : 0);
  }
}

/** Q_ij = Q_ji ← m = ½(Q_ij + Q_ji) (row i at ri, row j at rj); returns m − m (0, or NaN when m is not finite). */
// @ts-ignore: decorator
@inline function sym_entry(ri: usize, rj: usize, i: i32, j: i32): f64 {
  const a = at(ri, j), b = at(rj, i);
  const m = 0.5 * (load<f64>(a) + load<f64>(b));
  store<f64>(a, m);
  store<f64>(b, m);
  return m - m;
}

/** qp_box_prep_f64's symmetrization of one n×n matrix at q, scalar: returns Σ (m − m) + Σ (d − d). */
// @ts-ignore: decorator
@inline function sym_scalar(q: usize, n: i32): f64 {
  const rsz = <usize>n << 3;
  let bad: f64 = 0;
  for (let i = 0; i < n; i++) {
    const ri = q + <usize>i * rsz;
    for (let j = 0; j < i; j++) bad += sym_entry(ri, q + <usize>j * rsz, i, j);
    const d = load<f64>(at(ri, i));
    bad += d - d;
  }
  return bad;
}

/**
 * sym_scalar for the SIMD build: 2×2 blocks (rows i, i + 1 against columns j, j + 1 < i, and
 * the mirrored block transposed by two shuffles), per lane the scalar arithmetic
 * ½(Q_ij + Q_ji) (addition commutes exactly), so the same symmetrized bits; the odd last row
 * and the entries (i + 1, i) beside the diagonal go through sym_entry. The check sum is 0
 * exactly when sym_scalar's is (both are 0 or NaN).
 */
// @ts-ignore: decorator
@inline function sym_blocks(q: usize, n: i32): f64 {
  const rsz = <usize>n << 3;
  let bad: f64 = 0;
  let acc = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = q + <usize>i * rsz, rk = ri + rsz;
    for (let j = 0; j < i; j += 2) {
      const cj = q + <usize>j * rsz + (<usize>i << 3), ck = cj + rsz;
      const c = v128.load(cj), d = v128.load(ck);
      const a = f64x2.mul(half, f64x2.add(v128.load(at(ri, j)), v128.shuffle<f64>(c, d, 0, 2)));
      const b = f64x2.mul(half, f64x2.add(v128.load(at(rk, j)), v128.shuffle<f64>(c, d, 1, 3)));
      acc = f64x2.add(acc, f64x2.add(f64x2.sub(a, a), f64x2.sub(b, b)));
      v128.store(at(ri, j), a);
      v128.store(at(rk, j), b);
      v128.store(cj, v128.shuffle<f64>(a, b, 0, 2));
      v128.store(ck, v128.shuffle<f64>(a, b, 1, 3));
    }
    bad += sym_entry(rk, ri, i + 1, i);
    const d0 = load<f64>(at(ri, i)), d1 = load<f64>(at(rk, i + 1));
    bad += (d0 - d0) + (d1 - d1);
  }
  if (i < n) {
    const ri = q + <usize>i * rsz;
    for (let j = 0; j < i; j++) bad += sym_entry(ri, q + <usize>j * rsz, i, j);
    const d = load<f64>(at(ri, i));
    bad += d - d;
  }
  return bad + f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * The SIMD build's input checks of qp_box_prep_f64 after Q (the same verdict as the scalar
 * loops, which stop at the first failure: 0 when p is finite, lb has no NaN/+∞, ub no NaN/−∞ and
 * lb ≤ ub over max(nl, nu) problems, else 1), two entries per pass with the failures or-ed.
 */
// @ts-ignore: decorator
@inline function checks_pairs(n: i32, p: usize, np: i32, lb: usize, nl: i32, ub: usize, nu: i32): i32 {
  let acc = f64x2.splat(0);
  let badv = v128.splat<i64>(0);
  const inf = f64x2.splat(Infinity), ninf = f64x2.splat(-Infinity);
  const lp = np * n, ll = nl * n, lu = nu * n;
  let i = 0;
  for (; i + 2 <= lp; i += 2) {
    const e = v128.load(at(p, i));
    acc = f64x2.add(acc, f64x2.sub(e, e));
  }
  let tail: f64 = 0;
  if (i < lp) {
    const e = load<f64>(at(p, i));
    tail = e - e;
  }
  for (i = 0; i + 2 <= ll; i += 2) {
    const e = v128.load(at(lb, i));
    badv = v128.or(badv, v128.or(f64x2.ne(e, e), f64x2.eq(e, inf)));
  }
  if (i < ll) {
    const e = load<f64>(at(lb, i));
    if (e != e || e == Infinity) return 1;
  }
  for (i = 0; i + 2 <= lu; i += 2) {
    const e = v128.load(at(ub, i));
    badv = v128.or(badv, v128.or(f64x2.ne(e, e), f64x2.eq(e, ninf)));
  }
  if (i < lu) {
    const e = load<f64>(at(ub, i));
    if (e != e || e == -Infinity) return 1;
  }
  const pairs = max(nl, nu);
  const sl: usize = nl > 1 ? <usize>n << 3 : 0, su: usize = nu > 1 ? <usize>n << 3 : 0;
  for (let t = 0; t < pairs; t++) {
    const l0 = lb + <usize>t * sl, u0 = ub + <usize>t * su;
    let j = 0;
    for (; j + 2 <= n; j += 2) badv = v128.or(badv, f64x2.gt(v128.load(at(l0, j)), v128.load(at(u0, j))));
    if (j < n && load<f64>(at(l0, j)) > load<f64>(at(u0, j))) return 1;
  }
  if (v128.any_true(badv)) return 1;
  return tail + f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) != 0 ? 1 : 0;
}

/**
 * Checks and symmetrizes the inputs of a qp_box_f64 batch in place (the direct path,
 * src/qp/box-direct.ts, calls it after copying the user's arrays in): for each of the nQ
 * matrices at Q, Q_ij = Q_ji ← ½(Q_ij + Q_ji) for j < i (the arithmetic of src/qp/input.ts
 * `symmetrize`), row by row. Returns 0 when every symmetrized entry and every diagonal of Q and
 * every entry of p (np copies) is finite, no lb entry is NaN or +∞, no ub entry is NaN or −∞,
 * and lb_i ≤ ub_i in each of max(nl, nu) problems (a bound with one copy pairs with every
 * problem); otherwise 1, at the first failure in the order Q, p, lb, ub, lb ≤ ub (Q is checked
 * one whole matrix at a time: the failing matrix is symmetrized to its end, later ones are not
 * touched; the caller drops the block and the general path reports the error). The SIMD build
 * symmetrizes 2×2 blocks and checks p, lb, ub two entries per pass, with the scalar arithmetic
 * per lane: the same bits and the same verdict in both builds (refBoxPrep).
 */
export function qp_box_prep_f64(n: i32, Q: usize, nQ: i32, p: usize, np: i32, lb: usize, nl: i32, ub: usize, nu: i32): i32 {
  const rsz = <usize>n << 3;
  for (let t = 0; t < nQ; t++) {
    const q = Q + <usize>t * <usize>n * rsz;
    // Σ (m − m) over the matrix: 0 when every entry is finite, NaN otherwise (checked once per
    // matrix, so a bad matrix is symmetrized to its end before 1 is returned).
    const bad = ASC_FEATURE_SIMD ? sym_blocks(q, n) : sym_scalar(q, n);
    if (bad != 0) return 1;
  }
  if (ASC_FEATURE_SIMD) return checks_pairs(n, p, np, lb, nl, ub, nu);
  const lp = np * n;
  for (let i = 0; i < lp; i++) {
    const e = load<f64>(at(p, i));
    if (e - e != 0) return 1;
  }
  const ll = nl * n;
  for (let i = 0; i < ll; i++) {
    const e = load<f64>(at(lb, i));
    if (e != e || e == Infinity) return 1;
  }
  const lu = nu * n;
  for (let i = 0; i < lu; i++) {
    const e = load<f64>(at(ub, i));
    if (e != e || e == -Infinity) return 1;
  }
  const pairs = max(nl, nu);
  const sl = nl > 1 ? rsz : 0, su = nu > 1 ? rsz : 0;
  for (let t = 0; t < pairs; t++) {
    const l0 = lb + <usize>t * sl, u0 = ub + <usize>t * su;
    for (let i = 0; i < n; i++) if (load<f64>(at(l0, i)) > load<f64>(at(u0, i))) return 1;
  }
  return 0;
}
