// Dense active-set QP solver (Goldfarb & Idnani 1983, the dual method of quadprog), batched,
// with Ruiz equilibration, an unscaled KKT check and Farkas certificates, f64:
//   minimize ½zᵀQz + pᵀz  subject to  Az = b (ne rows), Gz ≤ h (ni rows),  Q positive definite.
// Same batch conventions as assembly/qp.ts: `count` problems back to back, bit k of `shared`
// (Q=1, p=2, A=4, b=8, G=16, h=32) marks an input used by every problem (stride 0); inputs are
// read, never written. Per problem the caller provides z (n), nu (ne), lam (ni), J (n²), R (n²),
// act (n), scl (n + ne + ni) and info (8); `work` (qp_dense_work_len) is scratch reused by all.
//
// Equilibration: D (columns) and E (rows) are powers of two chosen by Ruiz iterations on the
// ∞-norms of the KKT matrix [Q Aᵀ Gᵀ; A 0 0; G 0 0] until every norm lies in [½, 2) (at most 24
// passes), so the scaled problem Q̃ = DQD, p̃ = Dp, Ã = E_A A D, G̃ = E_G G D is formed exactly.
// The solver runs on the scaled problem; z = D z̃, λ = E_G λ̃, ν = E_A ν̃ map back exactly.
//
// Goldfarb–Idnani keeps J = L⁻ᵀQ_f (Q̃ = LLᵀ) with Jᵀ N = [R; 0] for the active normals N
// (constraints written nᵀz̃ ≥ b: equality rows ±ã, inequality rows −g̃). Columns of J are stored
// contiguously (J[k·n …]), R column-major (R[k·n + i], i ≤ k). act[j] codes the j-th active
// constraint: σ·(e+1) for equality e added with sign σ, ne + k + 1 for inequality k.
//
// info (8 f64 per problem): [0] status, [1] iterations (inequalities added or dropped),
// [2] stationarity, [3] primal, [4] complementarity, [7] dual sign: the relative KKT
// residuals of the UNSCALED problem (qp_kkt_f64), [5] smallest Cholesky pivot of Q̃,
// [6] active count q. Status: 0 optimal (KKT residuals ≤ tol), 1 iteration limit,
// 2 Q̃ not positive definite, 3 solved but the unscaled KKT check failed, 4 infeasible
// (a Farkas certificate y ≥ 0 on G rows in lam, free on A rows in nu: Gᵀy_G + Aᵀy_A = 0,
// hᵀy_G + bᵀy_A < 0), 5 non-finite, 6 linearly dependent consistent equality rows.
// The equilibration lives in qpdense_ruiz.ts, the backward pass in qpdense_backward.ts.

import { axpy2_f64, axpy_f64, chol_solve_f64, dot_f64 } from './linalg';
import { chol2_f64 } from './qpdense_chol';
import { equilibrate } from './qpdense_ruiz';
import { absmax_f64, at, copy_f64, dotPair_f64, dotQuad_f64, ld, rot_f64, st, stride, zero_f64 } from './qpdense_ops';
import { kktCheck } from './qpkkt';

export { qp_kkt_f64 } from './qpkkt';
export { qp_dense_backward_f64 } from './qpdense_backward';

/** top[i] (i32 slots: row extents of the columns of J). */
// @ts-ignore: decorator
@inline function ldi(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function sti(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/** Work length (f64) of qp_dense_f64 and qp_dense_backward_f64 (shared by all problems). */
export function qp_dense_work_len(n: i32, ne: i32, ni: i32): i32 {
  return 3 * n * n + (ne + ni) * (n + 3) + 2 * ni + 9 * n + 8;
}

/** Removes active position l: shifts act, u and the columns of R, restores R upper triangular by Givens rotations on its rows, applied to the columns of J. */
function dropActive(n: i32, q: i32, l: i32, J: usize, R: usize, act: usize, u: usize, top: usize): void {
  const rsz = <usize>n << 3;
  for (let j = l; j < q - 1; j++) {
    st(act, j, ld(act, j + 1));
    st(u, j, ld(u, j + 1));
    copy_f64(R + <usize>j * rsz, R + <usize>(j + 1) * rsz, j + 2);
  }
  for (let j = l; j < q - 1; j++) {
    const cj = R + <usize>j * rsz;
    const a = ld(cj, j), b = ld(cj, j + 1);
    if (b == 0) continue;
    const hyp = Math.sqrt(a * a + b * b);
    const c = a / hyp, s = b / hyp;
    st(cj, j, hyp);
    st(cj, j + 1, 0);
    for (let col = j + 1; col < q - 1; col++) {
      const cc = R + <usize>col * rsz;
      const x = ld(cc, j), y = ld(cc, j + 1);
      st(cc, j, c * x + s * y);
      st(cc, j + 1, c * y - s * x);
    }
    const len = max(ldi(top, j), ldi(top, j + 1)) + 1;
    sti(top, j, len - 1);
    sti(top, j + 1, len - 1);
    rot_f64(J + <usize>j * rsz, J + <usize>(j + 1) * rsz, len, c, s);
  }
}

/**
 * Solves `count` QPs (see the file comment). tol: relative KKT tolerance for status 0;
 * maxIter: limit on active-set changes per problem.
 */
export function qp_dense_f64(count: i32, n: i32, ne: i32, ni: i32, shared: i32,
  Q: usize, p: usize, A: usize, b: usize, G: usize, h: usize,
  z: usize, nu: usize, lam: usize, J: usize, R: usize, act: usize, scl: usize,
  work: usize, info: usize, tol: f64, maxIter: i32): void {
  const m = ne + ni;
  const rsz = <usize>n << 3;
  const Qs = work, L = at(Qs, n * n), As = at(L, n * n), Gs = at(As, ne * n);
  const ps = at(Gs, ni * n), bs = at(ps, n), hs = at(bs, ne);
  const zt = at(hs, ni), d = at(zt, n), zs = at(d, n), r = at(zs, n), u = at(r, n), npv = at(u, n + 1);
  // top: n i32 row extents (in n f64 slots).
  const cn = at(npv, n), rn = at(cn, n), state = at(rn, m), J0 = at(state, m), top = at(J0, n * n);
  const sl = at(top, n), ix = at(sl, ni);
  const cache = (shared & 21) == 21 && count > 1;
  let piv: f64 = 0;
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sA = stride(shared, 4, ne * n);
  const sb = stride(shared, 8, ne), sG = stride(shared, 16, ni * n), sh = stride(shared, 32, ni);
  for (let t = 0; t < count; t++) {
    const w = <usize>t;
    const Qt = Q + w * sQ, pt = p + w * sp, At = A + w * sA, bt = b + w * sb, Gt = G + w * sG, ht = h + w * sh;
    const zo = z + w * rsz, nuo = nu + w * (<usize>ne << 3), lo = lam + w * (<usize>ni << 3);
    const Jt = J + w * (<usize>(n * n) << 3), Rt = R + w * (<usize>(n * n) << 3);
    const actt = act + w * rsz, sc = scl + w * (<usize>(n + m) << 3), dc = sc, er = at(sc, n);
    const it = info + w * 64;
    // Q, A and G shared by the batch: equilibration, Cholesky factor and J₀ = L⁻ᵀ are computed
    // once (problem 0) and reused, since they depend on nothing else.
    if (!cache || t == 0) {
      equilibrate(n, ne, ni, Qt, At, Gt, Qs, As, Gs, dc, er, cn, rn, d);
      for (let i = 0; i < n; i++) copy_f64(L + <usize>i * rsz, Qs + <usize>i * rsz, i + 1);
      piv = chol2_f64(L, n, d); // chol_factor_f64(L, n, n), two rows at a time (same bits)
      if (piv > 0) {
        // J = L⁻ᵀ: column k solves Lᵀx = e_k (nonzero in rows 0..k only) by back substitution,
        // x_i ← x_i/L_ii then x[0..i) −= x_i·L[i][0..i) for i = k … 0 (chol_backward_f64's
        // steps). The columns run interleaved (all k ≥ i at step i): independent chains, and
        // each column sees exactly its own sequence of operations.
        zero_f64(Jt, n * n);
        for (let k = 0; k < n; k++) st(Jt + <usize>k * rsz, k, 1);
        for (let i = n - 1; i >= 0; i--) {
          const li = L + <usize>i * rsz;
          const dii = ld(li, i);
          for (let k = i; k < n; k++) {
            const jc = Jt + <usize>k * rsz;
            const xi = ld(jc, i) / dii;
            st(jc, i, xi);
            axpy_f64(jc, li, i, -xi);
          }
        }
        if (cache) copy_f64(J0, Jt, n * n);
      }
    } else {
      copy_f64(sc, scl, n + m);
      if (piv > 0) copy_f64(Jt, J0, n * n);
    }
    for (let j = 0; j < n; j++) st(ps, j, ld(pt, j) * ld(dc, j));
    for (let k = 0; k < ne; k++) st(bs, k, ld(bt, k) * ld(er, k));
    for (let k = 0; k < ni; k++) st(hs, k, ld(ht, k) * ld(er, ne + k));
    st(it, 5, piv);
    for (let k = 0; k < ne; k++) st(nuo, k, 0);
    for (let k = 0; k < ni; k++) st(lo, k, 0);
    if (!(piv > 0)) {
      st(it, 0, 2);
      st(it, 1, 0);
      st(it, 6, 0);
      for (let k = 2; k < 5; k++) st(it, k, 0); // no residuals: every info entry is written
      st(it, 7, 0);
      continue;
    }
    // Column k of J is zero below row top[k] (J₀ = L⁻ᵀ is upper triangular; a rotation of two
    // columns gives both the larger extent), so dots, axpys and rotations stop there.
    for (let k = 0; k < n; k++) sti(top, k, k);
    // Unconstrained minimizer z̃ = −Q̃⁻¹p̃.
    for (let j = 0; j < n; j++) st(zt, j, -ld(ps, j));
    chol_solve_f64(L, n, n, zt);
    for (let k = 0; k < m; k++) st(state, k, 0); // 0 inactive, ±1 active (sign σ), 2 skipped
    let q = 0;
    let iters = 0;
    let status = 0;
    let pick = -1;
    let sigma: f64 = 1;
    let sp: f64 = 0, bp: f64 = 0;
    let up: f64 = 0;
    for (;;) {
      // Step 1: the next equality, else the most violated inequality (rows are equilibrated).
      if (pick < 0) {
        const zn = absmax_f64(zt, n);
        for (let k = 0; k < ne; k++) {
          if (ld(state, k) == 0) {
            pick = k;
            break;
          }
        }
        if (pick >= 0) {
          const row = As + <usize>pick * rsz;
          const v = dot_f64(row, zt, n) - ld(bs, pick);
          sigma = v > 0 ? -1 : 1;
          for (let j = 0; j < n; j++) st(npv, j, sigma * ld(row, j));
          bp = sigma * ld(bs, pick);
          sp = sigma * v;
        } else {
          let worst: f64 = 0;
          // g̃_kᵀz̃ of the inactive rows, two rows per pass (same bits as one dot_f64 each).
          let cnt = 0;
          for (let k = 0; k < ni; k++) {
            if (ld(state, ne + k) != 0) continue;
            store<i32>(ix + (<usize>cnt << 2), k);
            cnt++;
          }
          let c = 0;
          for (; c + 4 <= cnt; c += 4) {
            const ic = ix + (<usize>c << 2);
            const k0 = load<i32>(ic), k1 = load<i32>(ic, 4), k2 = load<i32>(ic, 8), k3 = load<i32>(ic, 12);
            dotQuad_f64(Gs + <usize>k0 * rsz, Gs + <usize>k1 * rsz, Gs + <usize>k2 * rsz, Gs + <usize>k3 * rsz, zt, n, n, n, n,
              at(sl, k0), at(sl, k1), at(sl, k2), at(sl, k3));
          }
          for (; c + 2 <= cnt; c += 2) {
            const k0 = load<i32>(ix + (<usize>c << 2)), k1 = load<i32>(ix + (<usize>c << 2), 4);
            dotPair_f64(Gs + <usize>k0 * rsz, Gs + <usize>k1 * rsz, zt, n, n, at(sl, k0), at(sl, k1));
          }
          if (c < cnt) {
            const k = load<i32>(ix + (<usize>c << 2));
            st(sl, k, dot_f64(Gs + <usize>k * rsz, zt, n));
          }
          for (let k = 0; k < ni; k++) {
            if (ld(state, ne + k) != 0) continue;
            const hk = ld(hs, k);
            const s = hk - ld(sl, k);
            if (!(s == s)) {
              worst = s;
              pick = ne + k;
              break;
            }
            if (s < -1e-13 * (1 + abs(hk) + zn) && s < worst) {
              worst = s;
              pick = ne + k;
            }
          }
          if (pick < 0) break; // every constraint holds: optimal for the scaled problem
          if (!(worst == worst)) {
            status = 5;
            break;
          }
          const row = Gs + <usize>(pick - ne) * rsz;
          for (let j = 0; j < n; j++) st(npv, j, -ld(row, j));
          sigma = 1;
          bp = -ld(hs, pick - ne);
          sp = worst;
        }
        up = 0;
        if (pick >= ne && ++iters > maxIter) {
          status = 1;
          break;
        }
      }
      // Step 2: primal direction zs = J₂J₂ᵀn_p and dual direction r = R⁻¹J₁ᵀn_p.
      let dd: f64 = 0, dd2: f64 = 0;
      let j2 = 0;
      for (; j2 + 4 <= n; j2 += 4) {
        const x0 = Jt + <usize>j2 * rsz;
        dotQuad_f64(x0, x0 + rsz, x0 + 2 * rsz, x0 + 3 * rsz, npv,
          ldi(top, j2) + 1, ldi(top, j2 + 1) + 1, ldi(top, j2 + 2) + 1, ldi(top, j2 + 3) + 1,
          at(d, j2), at(d, j2 + 1), at(d, j2 + 2), at(d, j2 + 3));
      }
      for (; j2 + 2 <= n; j2 += 2) {
        dotPair_f64(Jt + <usize>j2 * rsz, Jt + <usize>(j2 + 1) * rsz, npv, ldi(top, j2) + 1, ldi(top, j2 + 1) + 1, at(d, j2), at(d, j2 + 1));
      }
      if (j2 < n) st(d, j2, dot_f64(Jt + <usize>j2 * rsz, npv, ldi(top, j2) + 1));
      for (let j = 0; j < n; j++) {
        const dj = ld(d, j);
        dd += dj * dj;
        if (j >= q) dd2 += dj * dj;
      }
      zero_f64(zs, n);
      // zs ← Σ_{j ≥ q} d_j·J_j, two columns per pass ((zs + a·x) + b·y: the bits of two axpys).
      j2 = q;
      for (; j2 + 2 <= n; j2 += 2) {
        const l0 = ldi(top, j2) + 1, l1 = ldi(top, j2 + 1) + 1, lm = min(l0, l1);
        const x0 = Jt + <usize>j2 * rsz, x1 = Jt + <usize>(j2 + 1) * rsz;
        const a0 = ld(d, j2), a1 = ld(d, j2 + 1);
        axpy2_f64(zs, x0, x1, lm, a0, a1);
        if (l0 > lm) axpy_f64(at(zs, lm), at(x0, lm), l0 - lm, a0);
        if (l1 > lm) axpy_f64(at(zs, lm), at(x1, lm), l1 - lm, a1);
      }
      if (j2 < n) axpy_f64(zs, Jt + <usize>j2 * rsz, ldi(top, j2) + 1, ld(d, j2));
      // r_j ← (d_j − Σ_{i>j} R_ji r_i)·(1/R_jj): the reciprocal keeps the division off the chain.
      copy_f64(r, d, q);
      for (let j = q - 1; j >= 0; j--) {
        const rj = ld(r, j) * (1 / ld(Rt + <usize>j * rsz, j));
        st(r, j, rj);
        axpy_f64(r, Rt + <usize>j * rsz, j, -rj);
      }
      let t1: f64 = Infinity;
      let l = -1;
      for (let j = 0; j < q; j++) {
        const code = ld(actt, j);
        const rj = ld(r, j);
        if (code > <f64>ne && rj > 0) {
          const ratio = ld(u, j) / rj;
          if (ratio < t1) {
            t1 = ratio;
            l = j;
          }
        }
      }
      const full = dd2 > 1e-22 * dd;
      const t2: f64 = full ? -sp / dd2 : Infinity;
      const tt = min(t1, t2);
      if (!(tt == tt)) {
        status = 5;
        break;
      }
      if (tt == Infinity) {
        if (pick < ne && abs(sp) <= 1e-11 * (1 + abs(bp))) {
          status = 6;
          break;
        }
        // Infeasible: w = e_p − Σ_j r_j e_act[j] combines the normals to 0 with wᵀb > 0.
        status = 4;
        for (let k = 0; k < ne; k++) st(nuo, k, 0);
        for (let k = 0; k < ni; k++) st(lo, k, 0);
        if (pick < ne) st(nuo, pick, -sigma * ld(er, pick));
        else st(lo, pick - ne, ld(er, pick));
        for (let j = 0; j < q; j++) {
          const code = ld(actt, j);
          const wj = -ld(r, j);
          if (code > <f64>ne) {
            const k = <i32>code - ne - 1;
            st(lo, k, wj * ld(er, ne + k));
          } else {
            const e = <i32>abs(code) - 1;
            const sg: f64 = code > 0 ? 1 : -1;
            st(nuo, e, -sg * wj * ld(er, e));
          }
        }
        break;
      }
      for (let j = 0; j < q; j++) {
        const uj = ld(u, j) - tt * ld(r, j);
        st(u, j, ld(actt, j) > <f64>ne ? max<f64>(uj, 0) : uj);
      }
      up += tt;
      if (tt < Infinity && full) {
        axpy_f64(zt, zs, n, tt);
      }
      if (full && t2 <= t1) {
        // Full step: add constraint `pick` (zero d[q+1..n) by rotations from the bottom).
        for (let j = n - 1; j > q; j--) {
          const a = ld(d, j - 1), bb = ld(d, j);
          if (bb == 0) continue;
          const hyp = Math.sqrt(a * a + bb * bb);
          const c = a / hyp, s = bb / hyp;
          st(d, j - 1, hyp);
          st(d, j, 0);
          const len = max(ldi(top, j - 1), ldi(top, j)) + 1;
          sti(top, j - 1, len - 1);
          sti(top, j, len - 1);
          rot_f64(Jt + <usize>(j - 1) * rsz, Jt + <usize>j * rsz, len, c, s);
        }
        copy_f64(Rt + <usize>q * rsz, d, q + 1);
        st(actt, q, pick < ne ? sigma * <f64>(pick + 1) : <f64>(pick + 1));
        st(u, q, up);
        st(state, pick, pick < ne ? sigma : 1);
        q++;
        pick = -1;
        continue;
      }
      // Partial step: drop the blocking constraint l, then retry step 2 with the same p.
      const code = ld(actt, l);
      st(state, <i32>code - 1, 0);
      st(u, l, 0);
      dropActive(n, q, l, Jt, Rt, actt, u, top);
      q--;
      if (++iters > maxIter) {
        status = 1;
        break;
      }
      sp = dot_f64(npv, zt, n) - bp;
    }
    // Map back: z = D z̃, ν = E_A ν̃ with ν̃_e = −σ_e u, λ = E_G λ̃ with λ̃_k = u.
    for (let j = 0; j < n; j++) st(zo, j, ld(zt, j) * ld(dc, j));
    if (status != 4) {
      for (let j = 0; j < q; j++) {
        const code = ld(actt, j);
        const uj = ld(u, j);
        if (code > <f64>ne) {
          const k = <i32>code - ne - 1;
          st(lo, k, max<f64>(uj, 0) * ld(er, ne + k));
        } else {
          const e = <i32>abs(code) - 1;
          const sg: f64 = code > 0 ? 1 : -1;
          st(nuo, e, -sg * uj * ld(er, e));
        }
      }
    }
    st(it, 1, <f64>iters);
    st(it, 6, <f64>q);
    if (status == 0 || status == 1) {
      const worst = kktCheck(n, ne, ni, Qt, pt, At, bt, Gt, ht, zo, nuo, lo, d, it + 16);
      // kktCheck wrote [2..5]: move the dual-sign entry from [5] to [7], restore the pivot.
      st(it, 7, ld(it, 5));
      st(it, 5, piv);
      if (!(worst == worst)) status = 5;
      else if (status == 0 && !(worst <= tol)) status = 3;
    } else {
      for (let k = 2; k < 5; k++) st(it, k, 0);
      st(it, 7, 0);
    }
    st(it, 0, <f64>status);
  }
}
