// Batched dense QP solvers and their backward passes (SPEC B.4), f64:
//   minimize ½zᵀQz + pᵀz  subject to  Az = b (ne rows), Gz ≤ h (ni rows)
// over `count` problems of one shape stored back to back. Bit `k` of `shared` set means
// input k (Q=1, p=2, A=4, b=8, G=16, h=32; box: Q=1, p=2, lb=4, ub=8) is one array used by
// every problem (stride 0). Everything the backward pass needs (factor of the reduced
// Newton matrix, its Schur complement, the final D, the active set) stays in the
// caller-provided buffers. No allocation; `work` is scratch reused across problems.
//
// info (8 f64 per problem): [0] status, [1] iterations, [2] ‖rx‖∞ (stationarity),
// [3] primal residual, [4] complementarity μ, [5] smallest Cholesky pivot (or the failing
// one), [6] box: number of free variables; IPM: rows of the backward adjoint system,
// [7] IPM backward form (0 active set (c), 1 symmetric (b), 2 active set (c) after an accepted polish).
// Status: 0 solved, 1 not converged (max iterations / stalled / box cycling),
// 2 Newton matrix not positive definite at the start (Q + GᵀG, Q, or Q_II on the box path), 5 non-finite iterate,
// 6 Schur complement A K⁻¹Aᵀ not positive definite (dependent or inconsistent equalities).

import { axpy2_f64, axpy_f64, chol_backward_f64, chol_factor_f64, chol_forward_f64, chol_solve_f64, dot_f64 } from './linalg';

export * from './qpbox';

let lastPivot: f64 = 0;

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function stride(sharedMask: i32, bit: i32, elems: i32): usize {
  return (sharedMask & bit) != 0 ? 0 : <usize>elems << 3;
}

/**
 * K = Q + GᵀDG (lower triangle) into L, then L ← chol(K); when ne > 0, W = L⁻¹Aᵀ (ne rows
 * of n) and S = WᵀW = A K⁻¹Aᵀ factored in place. Returns 0, 2 (K not PD) or 6 (S not PD).
 */
function factorK(n: i32, ne: i32, ni: i32, Q: usize, A: usize, G: usize, L: usize, W: usize, S: usize, D: usize): i32 {
  const rs = <usize>n << 3;
  for (let r = 0; r < n; r++) memory.copy(L + <usize>r * rs, Q + <usize>r * rs, <usize>(r + 1) << 3);
  // Rows of G in pairs: one pass over L[r] per pair (same bits as one row at a time).
  let k = 0;
  for (; k + 1 < ni; k += 2) {
    const d0 = load<f64>(at(D, k)), d1 = load<f64>(at(D, k + 1));
    const g0 = G + <usize>k * rs, g1 = g0 + rs;
    for (let r = 0; r < n; r++) {
      const c0 = d0 * load<f64>(at(g0, r)), c1 = d1 * load<f64>(at(g1, r));
      const Lr = L + <usize>r * rs;
      if (c0 != 0 && c1 != 0) axpy2_f64(Lr, g0, g1, r + 1, c0, c1);
      else if (c0 != 0) axpy_f64(Lr, g0, r + 1, c0);
      else if (c1 != 0) axpy_f64(Lr, g1, r + 1, c1);
    }
  }
  if (k < ni) {
    const dk = load<f64>(at(D, k));
    const g = G + <usize>k * rs;
    for (let r = 0; r < n; r++) {
      const c = dk * load<f64>(at(g, r));
      if (c != 0) axpy_f64(L + <usize>r * rs, g, r + 1, c);
    }
  }
  const piv = chol_factor_f64(L, n, n);
  lastPivot = piv;
  if (!(piv > 0)) return 2;
  if (ne > 0) {
    for (let k = 0; k < ne; k++) {
      const wk = W + <usize>k * rs;
      memory.copy(wk, A + <usize>k * rs, rs);
      chol_forward_f64(L, n, n, wk);
    }
    const ss = <usize>ne << 3;
    for (let k = 0; k < ne; k++) {
      const wk = W + <usize>k * rs;
      for (let l = 0; l <= k; l++) store<f64>(S + <usize>k * ss + (<usize>l << 3), dot_f64(wk, W + <usize>l * rs, n));
    }
    const ps = chol_factor_f64(S, ne, ne);
    if (!(ps > 0)) {
      lastPivot = ps;
      return 6;
    }
  }
  return 0;
}

/**
 * Backward factorization, active-set form (SPEC B.4.2(c)): 𝒜 = {k : λ_k > s_k}, D_k = 1 on 𝒜
 * and 0 elsewhere, K = Q + G_𝒜ᵀG_𝒜 (this adds nothing on the null space of the active rows, so
 * the adjoint solution is that of [Q G_𝒜ᵀ Aᵀ; G_𝒜 0 0; A 0 0]), W = L⁻¹[A; G_𝒜]ᵀ and
 * S = WWᵀ factored with ld = m = ne + |𝒜|. Returns m, or −1 when K is not positive definite or
 * S is singular to working precision (pivot ≤ 1e-10·max diag: dependent active rows).
 */
function factorActive(n: i32, ne: i32, ni: i32, Q: usize, A: usize, G: usize, L: usize, W: usize, S: usize, D: usize,
  lam: usize, s: usize): i32 {
  for (let k = 0; k < ni; k++) store<f64>(at(D, k), load<f64>(at(lam, k)) > load<f64>(at(s, k)) ? 1 : 0);
  if (factorK(n, 0, ni, Q, A, G, L, W, S, D) != 0) return -1;
  const rs = <usize>n << 3;
  let m = 0;
  for (let k = 0; k < ne; k++) memory.copy(W + <usize>(m++) * rs, A + <usize>k * rs, rs);
  for (let k = 0; k < ni; k++) if (load<f64>(at(D, k)) != 0) memory.copy(W + <usize>(m++) * rs, G + <usize>k * rs, rs);
  for (let r = 0; r < m; r++) chol_forward_f64(L, n, n, W + <usize>r * rs);
  const ss = <usize>m << 3;
  let dmax: f64 = 0;
  for (let k = 0; k < m; k++) {
    const wk = W + <usize>k * rs;
    for (let l = 0; l <= k; l++) store<f64>(S + <usize>k * ss + (<usize>l << 3), dot_f64(wk, W + <usize>l * rs, n));
    dmax = max(dmax, load<f64>(S + <usize>k * ss + (<usize>k << 3)));
  }
  const piv = chol_factor_f64(S, m, m);
  if (!(piv > 1e-10 * dmax)) return -1;
  return m;
}

/**
 * Active-set polish after the interior point: with the factors of factorActive (active rows 𝒜
 * marked by D_k = 1), solve the equality-constrained KKT system exactly,
 *   (Q + G_𝒜ᵀG_𝒜)z + [A; G_𝒜]ᵀy = −p + G_𝒜ᵀh_𝒜,   [A; G_𝒜]z = [b; h_𝒜],   y = (ν, λ_𝒜),
 * and accept it when λ_𝒜 ≥ −1e-9·(1 + ‖λ‖∞) and every inactive row holds to 1e-9·(1 + |h_k|).
 * Then z, ν, λ (clamped at 0) and s (0 on 𝒜) are replaced; complementarity holds exactly.
 */
function polish(n: i32, ne: i32, ni: i32, m: i32, p: usize, b: usize, G: usize, h: usize,
  L: usize, W: usize, S: usize, D: usize, z: usize, nu: usize, lam: usize, s: usize, t: usize, y: usize): bool {
  const rsz = <usize>n << 3;
  for (let i = 0; i < n; i++) store<f64>(at(t, i), -load<f64>(at(p, i)));
  for (let k = 0; k < ni; k++) if (load<f64>(at(D, k)) != 0) axpy_f64(t, G + <usize>k * rsz, n, load<f64>(at(h, k)));
  chol_forward_f64(L, n, n, t);
  for (let r = 0; r < m; r++) store<f64>(at(y, r), dot_f64(W + <usize>r * rsz, t, n));
  for (let k = 0; k < ne; k++) store<f64>(at(y, k), load<f64>(at(y, k)) - load<f64>(at(b, k)));
  let a = ne;
  for (let k = 0; k < ni; k++) {
    if (load<f64>(at(D, k)) != 0) {
      store<f64>(at(y, a), load<f64>(at(y, a)) - load<f64>(at(h, k)));
      a++;
    }
  }
  chol_solve_f64(S, m, m, y);
  for (let r = 0; r < m; r++) axpy_f64(t, W + <usize>r * rsz, n, -load<f64>(at(y, r)));
  chol_backward_f64(L, n, n, t);
  const lamTol = 1e-9 * (1 + infNorm(lam, ni));
  a = ne;
  for (let k = 0; k < ni; k++) {
    if (load<f64>(at(D, k)) != 0) {
      if (!(load<f64>(at(y, a)) >= -lamTol)) return false;
      a++;
    } else {
      const hk = load<f64>(at(h, k));
      if (!(dot_f64(G + <usize>k * rsz, t, n) - hk <= 1e-9 * (1 + abs(hk)))) return false;
    }
  }
  memory.copy(z, t, rsz);
  for (let k = 0; k < ne; k++) store<f64>(at(nu, k), load<f64>(at(y, k)));
  a = ne;
  for (let k = 0; k < ni; k++) {
    if (load<f64>(at(D, k)) != 0) {
      store<f64>(at(lam, k), max<f64>(load<f64>(at(y, a)), 0));
      store<f64>(at(s, k), 0);
      a++;
    } else {
      store<f64>(at(lam, k), 0);
      store<f64>(at(s, k), max<f64>(load<f64>(at(h, k)) - dot_f64(G + <usize>k * rsz, z, n), 0));
    }
  }
  return true;
}

/**
 * Solves the Newton system of SPEC B.4.1 for (dz, ds, dλ, dν) given residuals
 * (rx, rs, rz, ry), with the factors from factorK:
 *   r1 = −rx + Gᵀ(rs − D∘rz);  y = L⁻¹r1;  S dν = W y + ry;  dz = L⁻ᵀ(y − Wᵀdν);
 *   ds = −rz − G dz;  dλ = −rs − D∘ds.
 */
function newton(n: i32, ne: i32, ni: i32, G: usize, L: usize, W: usize, S: usize, D: usize,
  rx: usize, rs: usize, rz: usize, ry: usize, dz: usize, ds: usize, dl: usize, dnu: usize): void {
  const rsz = <usize>n << 3;
  for (let i = 0; i < n; i++) store<f64>(at(dz, i), -load<f64>(at(rx, i)));
  for (let k = 0; k < ni; k++) {
    const c = load<f64>(at(rs, k)) - load<f64>(at(D, k)) * load<f64>(at(rz, k));
    if (c != 0) axpy_f64(dz, G + <usize>k * rsz, n, c);
  }
  chol_forward_f64(L, n, n, dz);
  if (ne > 0) {
    for (let k = 0; k < ne; k++) store<f64>(at(dnu, k), dot_f64(W + <usize>k * rsz, dz, n) + load<f64>(at(ry, k)));
    chol_solve_f64(S, ne, ne, dnu);
    for (let k = 0; k < ne; k++) axpy_f64(dz, W + <usize>k * rsz, n, -load<f64>(at(dnu, k)));
  }
  chol_backward_f64(L, n, n, dz);
  for (let k = 0; k < ni; k++) {
    const dsk = -load<f64>(at(rz, k)) - dot_f64(G + <usize>k * rsz, dz, n);
    store<f64>(at(ds, k), dsk);
    store<f64>(at(dl, k), -load<f64>(at(rs, k)) - load<f64>(at(D, k)) * dsk);
  }
}

function maxStep(x: usize, dx: usize, m: i32): f64 {
  let a: f64 = Infinity;
  for (let i = 0; i < m; i++) {
    const d = load<f64>(at(dx, i));
    if (d < 0) a = min(a, -load<f64>(at(x, i)) / d);
  }
  return a;
}

function infNorm(x: usize, m: i32): f64 {
  let a: f64 = 0;
  for (let i = 0; i < m; i++) {
    const v = abs(load<f64>(at(x, i)));
    if (!(v <= a)) a = v; // propagates NaN
  }
  return a;
}

/** rx = Qz + p + Gᵀλ + Aᵀν, rz = Gz + s − h, ry = Az − b. */
function residuals(n: i32, ne: i32, ni: i32, Q: usize, p: usize, A: usize, b: usize, G: usize, h: usize,
  z: usize, nu: usize, lam: usize, s: usize, rx: usize, rz: usize, ry: usize): void {
  const rsz = <usize>n << 3;
  for (let i = 0; i < n; i++) store<f64>(at(rx, i), dot_f64(Q + <usize>i * rsz, z, n) + load<f64>(at(p, i)));
  for (let k = 0; k < ni; k++) {
    const g = G + <usize>k * rsz;
    axpy_f64(rx, g, n, load<f64>(at(lam, k)));
    store<f64>(at(rz, k), dot_f64(g, z, n) + load<f64>(at(s, k)) - load<f64>(at(h, k)));
  }
  for (let k = 0; k < ne; k++) {
    const a = A + <usize>k * rsz;
    axpy_f64(rx, a, n, load<f64>(at(nu, k)));
    store<f64>(at(ry, k), dot_f64(a, z, n) - load<f64>(at(b, k)));
  }
}

/** Work buffer length (f64) the IPM forward and backward need (shared by all problems). */
export function qp_ipm_work_len(n: i32, ne: i32, ni: i32): i32 {
  return 4 * n + 8 * ni + 4 * ne + 8;
}

/**
 * Primal-dual interior point with Mehrotra predictor-corrector (SPEC B.4.1), or for ni = 0
 * one direct solve of the KKT system. Per problem: z (n), nu (ne), lam (ni), s (ni) out;
 * L (n²), W ((ne+ni)·n), S ((ne+ni)²), D (ni) are kept for the backward pass: after the loop
 * they hold the active-set factors of factorActive (form (c)), or when the active rows are
 * dependent those of form (b) with D = max(λ,1e-8)/max(s,1e-8).
 * Stops when max(‖rx‖∞/(1+‖p‖∞), ‖rz‖∞/(1+‖h‖∞), ‖ry‖∞/(1+‖b‖∞), μ) < tol, after 5
 * iterations without improving that measure, or after maxIter iterations; in the latter cases
 * the best iterate is restored, and counts as solved (status 0) when its measure < 1000·tol.
 */
export function qp_ipm_f64(count: i32, n: i32, ne: i32, ni: i32, shared: i32,
  Q: usize, p: usize, A: usize, b: usize, G: usize, h: usize,
  z: usize, nu: usize, lam: usize, s: usize,
  L: usize, W: usize, S: usize, D: usize, work: usize, info: usize,
  tol: f64, maxIter: i32): void {
  const rx = work, rz = at(rx, n), ry = at(rz, ni), rs = at(ry, ne), dz = at(rs, ni), ds = at(dz, n);
  const dl = at(ds, ni), dnu = at(dl, ni), dsa = at(dnu, ne), dla = at(dsa, ni);
  const bz = at(dla, ni), bs = at(bz, n), bl = at(bs, ni), bnu = at(bl, ni); // best iterate so far
  const sQ = stride(shared, 1, n * n), sp = stride(shared, 2, n), sA = stride(shared, 4, ne * n);
  const sb = stride(shared, 8, ne), sG = stride(shared, 16, ni * n), sh = stride(shared, 32, ni);
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    const Qt = Q + u * sQ, pt = p + u * sp, At = A + u * sA, bt = b + u * sb, Gt = G + u * sG, ht = h + u * sh;
    const zt = z + u * (<usize>n << 3), nut = nu + u * (<usize>ne << 3);
    const lt = lam + u * (<usize>ni << 3), st = s + u * (<usize>ni << 3);
    const Lt = L + u * (<usize>(n * n) << 3), Wt = W + u * (<usize>((ne + ni) * n) << 3);
    const St = S + u * (<usize>((ne + ni) * (ne + ni)) << 3), Dt = D + u * (<usize>ni << 3);
    const it = info + u * 64;
    const scp = 1 + infNorm(pt, n), sch = 1 + infNorm(ht, ni), scb = 1 + infNorm(bt, ne);

    // Initial point: the Newton system with D = I from zero (rx = p, rs = 0, rz = −h, ry = −b).
    for (let k = 0; k < ni; k++) store<f64>(at(Dt, k), 1);
    let code = factorK(n, ne, ni, Qt, At, Gt, Lt, Wt, St, Dt);
    store<f64>(it + 40, lastPivot);
    if (code != 0) {
      store<f64>(it, <f64>code);
      store<f64>(it + 8, 0);
      continue;
    }
    memory.copy(rx, pt, <usize>n << 3);
    for (let k = 0; k < ni; k++) {
      store<f64>(at(rs, k), 0);
      store<f64>(at(rz, k), -load<f64>(at(ht, k)));
    }
    for (let k = 0; k < ne; k++) store<f64>(at(ry, k), -load<f64>(at(bt, k)));
    newton(n, ne, ni, Gt, Lt, Wt, St, Dt, rx, rs, rz, ry, zt, st, lt, nut);
    let status = 1;
    let iters = 0;
    let mu: f64 = 0;
    if (ni > 0) {
      let ms: f64 = Infinity, ml: f64 = Infinity;
      for (let k = 0; k < ni; k++) {
        ms = min(ms, load<f64>(at(st, k)));
        ml = min(ml, load<f64>(at(lt, k)));
      }
      const shs: f64 = ms < 1 ? 1 - ms : 0, shl: f64 = ml < 1 ? 1 - ml : 0;
      for (let k = 0; k < ni; k++) {
        store<f64>(at(st, k), load<f64>(at(st, k)) + shs);
        store<f64>(at(lt, k), load<f64>(at(lt, k)) + shl);
      }
      let best: f64 = Infinity;
      let stall = 0;
      for (;;) {
        residuals(n, ne, ni, Qt, pt, At, bt, Gt, ht, zt, nut, lt, st, rx, rz, ry);
        mu = dot_f64(st, lt, ni) / <f64>ni;
        const res = max(max(infNorm(rx, n) / scp, infNorm(rz, ni) / sch), max(infNorm(ry, ne) / scb, mu));
        if (!(res == res) || !isFinite(res)) {
          status = 5;
          break;
        }
        if (res < tol) {
          status = 0;
          break;
        }
        if (res < best) {
          best = res;
          stall = 0;
          memory.copy(bz, zt, <usize>n << 3);
          memory.copy(bs, st, <usize>ni << 3);
          memory.copy(bl, lt, <usize>ni << 3);
          memory.copy(bnu, nut, <usize>ne << 3);
        } else if (++stall >= 5) break;
        if (iters >= maxIter) break;
        for (let k = 0; k < ni; k++) store<f64>(at(Dt, k), load<f64>(at(lt, k)) / load<f64>(at(st, k)));
        // A failure here (overflowing D on an infeasible problem) ends the loop as "not
        // converged"; the caller classifies it from the residuals of this iterate.
        if (factorK(n, ne, ni, Qt, At, Gt, Lt, Wt, St, Dt) != 0) break;
        // Predictor (affine scaling): rs = λ.
        memory.copy(rs, lt, <usize>ni << 3);
        newton(n, ne, ni, Gt, Lt, Wt, St, Dt, rx, rs, rz, ry, dz, ds, dl, dnu);
        const aa = min<f64>(1, min(maxStep(st, ds, ni), maxStep(lt, dl, ni)));
        let num: f64 = 0;
        for (let k = 0; k < ni; k++) {
          num += (load<f64>(at(st, k)) + aa * load<f64>(at(ds, k))) * (load<f64>(at(lt, k)) + aa * load<f64>(at(dl, k)));
        }
        const ratio = num / (mu * <f64>ni);
        const sigma = ratio * ratio * ratio;
        memory.copy(dsa, ds, <usize>ni << 3);
        memory.copy(dla, dl, <usize>ni << 3);
        // Combined predictor-corrector: rs = λ + (ds_aff∘dλ_aff − σμ)/s.
        for (let k = 0; k < ni; k++) {
          store<f64>(at(rs, k), load<f64>(at(lt, k)) +
            (load<f64>(at(dsa, k)) * load<f64>(at(dla, k)) - sigma * mu) / load<f64>(at(st, k)));
        }
        newton(n, ne, ni, Gt, Lt, Wt, St, Dt, rx, rs, rz, ry, dz, ds, dl, dnu);
        const a = min<f64>(1, 0.999 * min(maxStep(st, ds, ni), maxStep(lt, dl, ni)));
        axpy_f64(zt, dz, n, a);
        axpy_f64(st, ds, ni, a);
        axpy_f64(lt, dl, ni, a);
        axpy_f64(nut, dnu, ne, a);
        iters++;
      }
      // Stalled, out of iterations or overflowed: return the best iterate seen. Rounding can keep
      // the residual just above a tight tol while μ keeps shrinking and K degrades; within
      // 1000·tol that best iterate counts as solved.
      if (status != 0 && best < Infinity) {
        memory.copy(zt, bz, <usize>n << 3);
        memory.copy(st, bs, <usize>ni << 3);
        memory.copy(lt, bl, <usize>ni << 3);
        memory.copy(nut, bnu, <usize>ne << 3);
        residuals(n, ne, ni, Qt, pt, At, bt, Gt, ht, zt, nut, lt, st, rx, rz, ry);
        mu = dot_f64(st, lt, ni) / <f64>ni;
        status = best < 1000 * tol ? 0 : 1;
      }
    } else {
      residuals(n, ne, ni, Qt, pt, At, bt, Gt, ht, zt, nut, lt, st, rx, rz, ry);
      status = 0;
      const r = max(infNorm(rx, n), infNorm(ry, ne));
      if (!(r == r) || !isFinite(r)) status = 5;
    }
    store<f64>(it + 16, infNorm(rx, n));
    store<f64>(it + 24, max(infNorm(rz, ni), infNorm(ry, ne)));
    store<f64>(it + 32, mu);
    store<f64>(it + 8, <f64>iters);
    // Factors for the backward pass: active-set form (c) when the active rows are independent
    // (info[6] = ne + |𝒜|, info[7] = 0), else symmetric form (b) with D = max(λ,1e-8)/max(s,1e-8)
    // (info[7] = 1). Without inequalities the direct solve's factors serve as they are (exact).
    store<f64>(it + 48, <f64>ne);
    store<f64>(it + 56, 0);
    if (ni > 0 && (status == 0 || status == 1)) {
      const m = factorActive(n, ne, ni, Qt, At, Gt, Lt, Wt, St, Dt, lt, st);
      if (m >= 0) {
        store<f64>(it + 48, <f64>m);
        if (polish(n, ne, ni, m, pt, bt, Gt, ht, Lt, Wt, St, Dt, zt, nut, lt, st, dz, bz)) {
          residuals(n, ne, ni, Qt, pt, At, bt, Gt, ht, zt, nut, lt, st, rx, rz, ry);
          const res = max(max(infNorm(rx, n) / scp, infNorm(rz, ni) / sch), infNorm(ry, ne) / scb);
          if (res < 1000 * tol) status = 0;
          store<f64>(it + 16, infNorm(rx, n));
          store<f64>(it + 24, max(infNorm(rz, ni), infNorm(ry, ne)));
          store<f64>(it + 32, 0);
          store<f64>(it + 56, 2);
        }
      } else {
        store<f64>(it + 56, 1);
        for (let k = 0; k < ni; k++) {
          store<f64>(at(Dt, k), max<f64>(load<f64>(at(lt, k)), 1e-8) / max<f64>(load<f64>(at(st, k)), 1e-8));
        }
        if (factorK(n, ne, ni, Qt, At, Gt, Lt, Wt, St, Dt) != 0) status = 1;
      }
    }
    store<f64>(it, <f64>status);
    if (status == 0 || status == 1) store<f64>(it + 40, lastPivot);
  }
}

/**
 * Backward pass of qp_ipm_f64 (SPEC B.4.2): given v = ∂ℓ/∂z per problem, solve the active-set
 * system (c) [K, A_𝒜ᵀ; A_𝒜, 0][d_z; (d_ν, μ_𝒜)] = [−v; 0] with A_𝒜 = [A; G_𝒜], μ = 0 off 𝒜
 * (info[7] = 0), or form (b) (K + Aᵀ… with D = λ/s clamped, μ = D∘(G d_z); info[7] = 1); write
 *   dp = d_z, db = −d_ν, dh = −μ, dQ = ½(d_z zᵀ + z d_zᵀ), dA = d_ν zᵀ + ν d_zᵀ,
 *   dG = μ zᵀ + λ d_zᵀ   (every output per problem; the caller sums shared inputs).
 */
export function qp_ipm_backward_f64(count: i32, n: i32, ne: i32, ni: i32, shared: i32,
  G: usize, z: usize, nu: usize, lam: usize, L: usize, W: usize, S: usize, D: usize, info: usize,
  v: usize, work: usize, dQ: usize, dp: usize, dA: usize, db: usize, dG: usize, dh: usize): void {
  const rz = work, ry = at(rz, ni), rs = at(ry, ne), ds = at(rs, ni), y = at(ds, ni);
  for (let k = 0; k < ni; k++) {
    store<f64>(at(rz, k), 0);
    store<f64>(at(rs, k), 0);
  }
  for (let k = 0; k < ne; k++) store<f64>(at(ry, k), 0);
  const sG = stride(shared, 16, ni * n);
  const rsz = <usize>n << 3;
  for (let t = 0; t < count; t++) {
    const u = <usize>t;
    const Gt = G + u * sG;
    const zt = z + u * rsz, nut = nu + u * (<usize>ne << 3), lt = lam + u * (<usize>ni << 3);
    const Lt = L + u * (<usize>(n * n) << 3), Wt = W + u * (<usize>((ne + ni) * n) << 3);
    const St = S + u * (<usize>((ne + ni) * (ne + ni)) << 3), Dt = D + u * (<usize>ni << 3);
    const vt = v + u * rsz;
    const dzt = dp + u * rsz, dnut = db + u * (<usize>ne << 3), mut = dh + u * (<usize>ni << 3);
    const it = info + u * 64;
    if (ni == 0 || load<f64>(it + 56) != 1) {
      // Form (c): K d_z + [A; G_𝒜]ᵀ y = −v, [A; G_𝒜] d_z = 0, y = (d_ν, μ_𝒜).
      const m = <i32>load<f64>(it + 48);
      for (let i = 0; i < n; i++) store<f64>(at(dzt, i), -load<f64>(at(vt, i)));
      chol_forward_f64(Lt, n, n, dzt);
      for (let r = 0; r < m; r++) store<f64>(at(y, r), dot_f64(Wt + <usize>r * rsz, dzt, n));
      chol_solve_f64(St, m, m, y);
      for (let r = 0; r < m; r++) axpy_f64(dzt, Wt + <usize>r * rsz, n, -load<f64>(at(y, r)));
      chol_backward_f64(Lt, n, n, dzt);
      for (let k = 0; k < ne; k++) store<f64>(at(dnut, k), load<f64>(at(y, k)));
      let a = ne;
      for (let k = 0; k < ni; k++) store<f64>(at(mut, k), load<f64>(at(Dt, k)) != 0 ? load<f64>(at(y, a++)) : 0);
    } else {
      // Form (b): newton gives dλ = −rs − D∘ds = D∘(G d_z) = μ in mut; dν in dnut.
      newton(n, ne, ni, Gt, Lt, Wt, St, Dt, vt, rs, rz, ry, dzt, ds, mut, dnut);
    }
    const dQt = dQ + u * (<usize>(n * n) << 3);
    for (let i = 0; i < n; i++) {
      const zi = load<f64>(at(zt, i)), di = load<f64>(at(dzt, i));
      const row = dQt + <usize>i * rsz;
      for (let j = 0; j < n; j++) store<f64>(at(row, j), 0.5 * (di * load<f64>(at(zt, j)) + zi * load<f64>(at(dzt, j))));
    }
    const dAt = dA + u * (<usize>(ne * n) << 3);
    for (let k = 0; k < ne; k++) {
      const a = load<f64>(at(dnut, k)), c = load<f64>(at(nut, k));
      const row = dAt + <usize>k * rsz;
      for (let j = 0; j < n; j++) store<f64>(at(row, j), a * load<f64>(at(zt, j)) + c * load<f64>(at(dzt, j)));
      store<f64>(at(dnut, k), -a);
    }
    const dGt = dG + u * (<usize>(ni * n) << 3);
    for (let k = 0; k < ni; k++) {
      const a = load<f64>(at(mut, k)), c = load<f64>(at(lt, k));
      const row = dGt + <usize>k * rsz;
      for (let j = 0; j < n; j++) store<f64>(at(row, j), a * load<f64>(at(zt, j)) + c * load<f64>(at(dzt, j)));
      store<f64>(at(mut, k), -a);
    }
  }
}
