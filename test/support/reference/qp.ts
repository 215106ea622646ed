// Plain-TypeScript f64 references of assembly/qp.ts (one problem at a time, same algorithm
// and operation order): the Mehrotra interior point / direct KKT solve, the box
// primal-dual active-set method, and both backward passes.
import { cholBackward, cholFactor, cholForward, cholSolve, dot } from './linalg.js';

export interface RefProblem {
  n: number;
  ne: number;
  ni: number;
  Q: Float64Array;
  p: Float64Array;
  A: Float64Array;
  b: Float64Array;
  G: Float64Array;
  h: Float64Array;
}

export interface RefIpm {
  status: number;
  iterations: number;
  z: Float64Array;
  nu: Float64Array;
  lam: Float64Array;
  s: Float64Array;
  L: Float64Array;
  W: Float64Array;
  S: Float64Array;
  D: Float64Array;
  /** Rows of the backward adjoint system (ne + |𝒜|) and its form: 0 active set (c), 1 symmetric (b). */
  m: number;
  form: number;
}

function axpy(y: Float64Array, yo: number, x: Float64Array, xo: number, len: number, a: number): void {
  for (let i = 0; i < len; i++) y[yo + i] = y[yo + i]! + a * x[xo + i]!;
}

const infNorm = (x: Float64Array): number => {
  let a = 0;
  for (const v of x) {
    const w = Math.abs(v);
    if (!(w <= a)) a = w;
  }
  return a;
};

function factorK(P: RefProblem, L: Float64Array, W: Float64Array, S: Float64Array, D: Float64Array): number {
  const { n, ne, ni, Q, A, G } = P;
  L.fill(0);
  for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) L[r * n + c] = Q[r * n + c]!;
  for (let k = 0; k < ni; k++) {
    for (let r = 0; r < n; r++) {
      const c = D[k]! * G[k * n + r]!;
      if (c !== 0) axpy(L, r * n, G, k * n, r + 1, c);
    }
  }
  if (!(cholFactor(L, n) > 0)) return 2;
  if (ne > 0) {
    for (let k = 0; k < ne; k++) {
      for (let j = 0; j < n; j++) W[k * n + j] = A[k * n + j]!;
      cholForward(L, n, W, n, 0, k * n);
    }
    for (let k = 0; k < ne; k++) for (let l = 0; l <= k; l++) S[k * ne + l] = dot(W, k * n, W, l * n, n);
    if (!(cholFactor(S, ne) > 0)) return 6;
  }
  return 0;
}

function factorActive(P: RefProblem, L: Float64Array, W: Float64Array, S: Float64Array, D: Float64Array, lam: Float64Array, s: Float64Array): number {
  const { n, ne, ni, A, G } = P;
  for (let k = 0; k < ni; k++) D[k] = lam[k]! > s[k]! ? 1 : 0;
  if (factorK({ ...P, ne: 0 }, L, W, S, D)) return -1;
  let m = 0;
  for (let k = 0; k < ne; k++) { for (let j = 0; j < n; j++) W[m * n + j] = A[k * n + j]!; m++; }
  for (let k = 0; k < ni; k++) if (D[k] !== 0) { for (let j = 0; j < n; j++) W[m * n + j] = G[k * n + j]!; m++; }
  for (let r = 0; r < m; r++) cholForward(L, n, W, n, 0, r * n);
  let dmax = 0;
  for (let k = 0; k < m; k++) {
    for (let l = 0; l <= k; l++) S[k * m + l] = dot(W, k * n, W, l * n, n);
    dmax = Math.max(dmax, S[k * m + k]!);
  }
  const piv = cholFactor(S, m);
  if (!(piv > 1e-10 * dmax)) return -1;
  return m;
}

/** Mirror of assembly/qp.ts polish(). */
function polish(P: RefProblem, m: number, L: Float64Array, W: Float64Array, S: Float64Array, D: Float64Array,
  z: Float64Array, nu: Float64Array, lam: Float64Array, s: Float64Array): boolean {
  const { n, ne, ni, p, b, G, h } = P;
  const t = new Float64Array(n), y = new Float64Array(m);
  for (let i = 0; i < n; i++) t[i] = -p[i]!;
  for (let k = 0; k < ni; k++) if (D[k] !== 0) axpy(t, 0, G, k * n, n, h[k]!);
  cholForward(L, n, t);
  for (let r = 0; r < m; r++) y[r] = dot(W, r * n, t, 0, n);
  for (let k = 0; k < ne; k++) y[k] = y[k]! - b[k]!;
  let a = ne;
  for (let k = 0; k < ni; k++) if (D[k] !== 0) { y[a] = y[a]! - h[k]!; a++; }
  cholSolve(S, m, y);
  for (let r = 0; r < m; r++) axpy(t, 0, W, r * n, n, -y[r]!);
  cholBackward(L, n, t);
  const lamTol = 1e-9 * (1 + infNorm(lam));
  a = ne;
  for (let k = 0; k < ni; k++) {
    if (D[k] !== 0) {
      if (!(y[a]! >= -lamTol)) return false;
      a++;
    } else if (!(dot(G, k * n, t, 0, n) - h[k]! <= 1e-9 * (1 + Math.abs(h[k]!)))) return false;
  }
  z.set(t);
  for (let k = 0; k < ne; k++) nu[k] = y[k]!;
  a = ne;
  for (let k = 0; k < ni; k++) {
    if (D[k] !== 0) {
      lam[k] = Math.max(y[a]!, 0);
      s[k] = 0;
      a++;
    } else {
      lam[k] = 0;
      s[k] = Math.max(h[k]! - dot(G, k * n, z, 0, n), 0);
    }
  }
  return true;
}

function newton(P: RefProblem, L: Float64Array, W: Float64Array, S: Float64Array, D: Float64Array,
  rx: Float64Array, rs: Float64Array, rz: Float64Array, ry: Float64Array,
  dz: Float64Array, ds: Float64Array, dl: Float64Array, dnu: Float64Array): void {
  const { n, ne, ni, G } = P;
  for (let i = 0; i < n; i++) dz[i] = -rx[i]!;
  for (let k = 0; k < ni; k++) {
    const c = rs[k]! - D[k]! * rz[k]!;
    if (c !== 0) axpy(dz, 0, G, k * n, n, c);
  }
  cholForward(L, n, dz);
  if (ne > 0) {
    for (let k = 0; k < ne; k++) dnu[k] = dot(W, k * n, dz, 0, n) + ry[k]!;
    cholSolve(S, ne, dnu);
    for (let k = 0; k < ne; k++) axpy(dz, 0, W, k * n, n, -dnu[k]!);
  }
  cholBackward(L, n, dz);
  for (let k = 0; k < ni; k++) {
    const dsk = -rz[k]! - dot(G, k * n, dz, 0, n);
    ds[k] = dsk;
    dl[k] = -rs[k]! - D[k]! * dsk;
  }
}

function maxStep(x: Float64Array, dx: Float64Array): number {
  let a = Infinity;
  for (let i = 0; i < x.length; i++) if (dx[i]! < 0) a = Math.min(a, -x[i]! / dx[i]!);
  return a;
}

export function refIpm(P: RefProblem, tol = 1e-12, maxIter = 50): RefIpm {
  const { n, ne, ni, Q, p, A, b, G, h } = P;
  const z = new Float64Array(n), nu = new Float64Array(ne), lam = new Float64Array(ni), s = new Float64Array(ni);
  const L = new Float64Array(n * n), W = new Float64Array((ne + ni) * n), S = new Float64Array((ne + ni) * (ne + ni)), D = new Float64Array(ni);
  const rx = new Float64Array(n), rz = new Float64Array(ni), ry = new Float64Array(ne), rs = new Float64Array(ni);
  const dz = new Float64Array(n), ds = new Float64Array(ni), dl = new Float64Array(ni), dnu = new Float64Array(ne);
  const scp = 1 + infNorm(p), sch = 1 + infNorm(h), scb = 1 + infNorm(b);
  const out: RefIpm = { status: 0, iterations: 0, z, nu, lam, s, L, W, S, D, m: ne, form: 0 };
  D.fill(1);
  let code = factorK(P, L, W, S, D);
  if (code) return { ...out, status: code };
  rx.set(p);
  for (let k = 0; k < ni; k++) rz[k] = -h[k]!;
  for (let k = 0; k < ne; k++) ry[k] = -b[k]!;
  newton(P, L, W, S, D, rx, rs, rz, ry, z, s, lam, nu);
  // KKT residuals at (z, s, λ, ν) into (ox, oz, oy): Qz + p + Gᵀλ + Aᵀν, Gz + s − h, Az − b.
  const residInto = (ox: Float64Array, oz: Float64Array, oy: Float64Array): void => {
    for (let i = 0; i < n; i++) ox[i] = dot(Q, i * n, z, 0, n) + p[i]!;
    for (let k = 0; k < ni; k++) {
      axpy(ox, 0, G, k * n, n, lam[k]!);
      oz[k] = dot(G, k * n, z, 0, n) + s[k]! - h[k]!;
    }
    for (let k = 0; k < ne; k++) {
      axpy(ox, 0, A, k * n, n, nu[k]!);
      oy[k] = dot(A, k * n, z, 0, n) - b[k]!;
    }
  };
  const resid = (): void => residInto(rx, rz, ry);
  if (ni === 0) {
    resid();
    return out;
  }
  const ms = Math.min(...s), ml = Math.min(...lam);
  const shs = ms < 1 ? 1 - ms : 0, shl = ml < 1 ? 1 - ml : 0;
  for (let k = 0; k < ni; k++) {
    s[k] = s[k]! + shs;
    lam[k] = lam[k]! + shl;
  }
  let status = 1, iters = 0, best = Infinity, stall = 0;
  const dsa = new Float64Array(ni), dla = new Float64Array(ni);
  const bz = new Float64Array(n), bs = new Float64Array(ni), bl = new Float64Array(ni), bnu = new Float64Array(ne);
  for (;;) {
    resid();
    const mu = dot(s, 0, lam, 0, ni) / ni;
    const res = Math.max(Math.max(infNorm(rx) / scp, infNorm(rz) / sch), Math.max(infNorm(ry) / scb, mu));
    if (!Number.isFinite(res)) { status = 5; break; }
    if (res < tol) { status = 0; break; }
    if (res < best) {
      best = res;
      stall = 0;
      bz.set(z);
      bs.set(s);
      bl.set(lam);
      bnu.set(nu);
    } else if (++stall >= 5) break;
    if (iters >= maxIter) break;
    for (let k = 0; k < ni; k++) D[k] = lam[k]! / s[k]!;
    if (factorK(P, L, W, S, D)) break;
    rs.set(lam);
    newton(P, L, W, S, D, rx, rs, rz, ry, dz, ds, dl, dnu);
    const aa = Math.min(1, Math.min(maxStep(s, ds), maxStep(lam, dl)));
    let num = 0;
    for (let k = 0; k < ni; k++) num += (s[k]! + aa * ds[k]!) * (lam[k]! + aa * dl[k]!);
    const ratio = num / (mu * ni);
    const sigma = ratio * ratio * ratio;
    dsa.set(ds);
    dla.set(dl);
    for (let k = 0; k < ni; k++) rs[k] = lam[k]! + (dsa[k]! * dla[k]! - sigma * mu) / s[k]!;
    newton(P, L, W, S, D, rx, rs, rz, ry, dz, ds, dl, dnu);
    const a = Math.min(1, 0.999 * Math.min(maxStep(s, ds), maxStep(lam, dl)));
    axpy(z, 0, dz, 0, n, a);
    axpy(s, 0, ds, 0, ni, a);
    axpy(lam, 0, dl, 0, ni, a);
    axpy(nu, 0, dnu, 0, ne, a);
    iters++;
  }
  if (status !== 0 && best < Infinity) {
    z.set(bz);
    s.set(bs);
    lam.set(bl);
    nu.set(bnu);
    status = best < 1000 * tol ? 0 : 1;
  }
  let m = ne, form = 0;
  if (status === 0 || status === 1) {
    m = factorActive(P, L, W, S, D, lam, s);
    if (m >= 0 && polish(P, m, L, W, S, D, z, nu, lam, s)) {
      form = 2;
      const rxs = new Float64Array(n), rzs = new Float64Array(ni), rys = new Float64Array(ne);
      residInto(rxs, rzs, rys);
      const res = Math.max(Math.max(infNorm(rxs) / scp, infNorm(rzs) / sch), infNorm(rys) / scb);
      if (res < 1000 * tol) status = 0;
    }
    if (m < 0) {
      m = ne;
      form = 1;
      for (let k = 0; k < ni; k++) D[k] = Math.max(lam[k]!, 1e-8) / Math.max(s[k]!, 1e-8);
      if (factorK(P, L, W, S, D)) status = 1;
    }
  }
  return { ...out, status, iterations: iters, m, form };
}

export interface RefGrads {
  Q: Float64Array;
  p: Float64Array;
  A: Float64Array;
  b: Float64Array;
  G: Float64Array;
  h: Float64Array;
}

/** SPEC B.4.2(b) with the factors kept by refIpm. */
export function refIpmBackward(P: RefProblem, r: RefIpm, v: Float64Array): RefGrads {
  const { n, ne, ni } = P;
  const dz = new Float64Array(n), dnu = new Float64Array(ne), mu = new Float64Array(ni), ds = new Float64Array(ni);
  if (r.form !== 1) {
    const m = r.m, y = new Float64Array(m);
    for (let i = 0; i < n; i++) dz[i] = -v[i]!;
    cholForward(r.L, n, dz);
    for (let k = 0; k < m; k++) y[k] = dot(r.W, k * n, dz, 0, n);
    cholSolve(r.S, m, y);
    for (let k = 0; k < m; k++) axpy(dz, 0, r.W, k * n, n, -y[k]!);
    cholBackward(r.L, n, dz);
    for (let k = 0; k < ne; k++) dnu[k] = y[k]!;
    let a = ne;
    for (let k = 0; k < ni; k++) mu[k] = r.D[k] !== 0 ? y[a++]! : 0;
  } else {
    newton(P, r.L, r.W, r.S, r.D, v, new Float64Array(ni), new Float64Array(ni), new Float64Array(ne), dz, ds, mu, dnu);
  }
  const outer = (rows: number, a: Float64Array, c: Float64Array): Float64Array => {
    const o = new Float64Array(rows * n);
    for (let k = 0; k < rows; k++) for (let j = 0; j < n; j++) o[k * n + j] = a[k]! * r.z[j]! + c[k]! * dz[j]!;
    return o;
  };
  const Qg = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Qg[i * n + j] = 0.5 * (dz[i]! * r.z[j]! + r.z[i]! * dz[j]!);
  return { Q: Qg, p: dz, A: outer(ne, dnu, r.nu), b: dnu.map((x) => -x), G: outer(ni, mu, r.lam), h: mu.map((x) => -x) };
}

export interface RefBox {
  status: number;
  iterations: number;
  z: Float64Array;
  mu: Float64Array;
  flags: Int32Array;
  idx: Int32Array;
  m: number;
  Lf: Float64Array;
}

/** small_chol of assembly/qpbox.ts: row Cholesky with reciprocal diagonal, sequential sums; the smallest pivot, or the first ≤ 0. */
export function refSmallChol(a: Float64Array, m: number, inv: Float64Array): number {
  let minPiv = Infinity;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < j; k++) s -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = s * inv[j]!;
    }
    let d = a[i * m + i]!;
    for (let k = 0; k < i; k++) d -= a[i * m + k]! * a[i * m + k]!;
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    const sq = Math.sqrt(d);
    a[i * m + i] = sq;
    inv[i] = 1 / sq;
  }
  return minPiv;
}

/**
 * small_solve of assembly/qpbox.ts: x ← (LLᵀ)⁻¹x by forward then backward substitution with the
 * reciprocals (row form here; the kernel's column form subtracts in the same order per entry).
 */
export function refSmallSolve(a: Float64Array, m: number, inv: Float64Array, x: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= a[i * m + k]! * x[k]!;
    x[i] = s * inv[i]!;
  }
  // Backward: x_i − Σ_{k>i} L_ki x_k with k DESCENDING from m − 1 (the kernel's column order).
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = m - 1; k > i; k--) s -= a[k * m + i]! * x[k]!;
    x[i] = s * inv[i]!;
  }
}

/**
 * small_ldl of assembly/qpbox.ts (the later steps' factor): LDLᵀ in place, row form with
 * sequential sums (k ascending): c_ij = a_ij − Σ ℓ_ik c_jk, ℓ_ij = c_ij·r_j, d_i = a_ii − Σ ℓ_ik c_ik,
 * r_i = 1/d_i stored on the diagonal; the forward solve y_i = x_i − Σ ℓ_ik y_k, x_i ← y_i·r_i.
 * The smallest d_i, or the first that is not > 0.
 */
export function refSmallLdl(a: Float64Array, m: number, x: Float64Array): number {
  const c = new Float64Array(m * m);
  let minPiv = Infinity;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < j; k++) s -= a[i * m + k]! * c[j * m + k]!;
      c[i * m + j] = s;
      a[i * m + j] = s * a[j * m + j]!;
    }
    let d = a[i * m + i]!;
    for (let k = 0; k < i; k++) d -= a[i * m + k]! * c[i * m + k]!;
    if (!(d > 0)) return d;
    if (d < minPiv) minPiv = d;
    a[i * m + i] = 1 / d;
    let y = x[i]!;
    for (let k = 0; k < i; k++) y -= a[i * m + k]! * x[k]!;
    x[i] = y;
  }
  for (let i = 0; i < m; i++) x[i] = x[i]! * a[i * m + i]!;
  return minPiv;
}

/** small_back_ldl of assembly/qpbox.ts: x_i ← x_i − Σ_{k>i} ℓ_ki x_k with k DESCENDING from m − 1. */
export function refLdlBack(a: Float64Array, m: number, x: Float64Array): void {
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = m - 1; k > i; k--) s -= a[k * m + i]! * x[k]!;
    x[i] = s;
  }
}

/** ldl_solve of assembly/qpbox.ts: x ← (LDLᵀ)⁻¹x with refSmallLdl's factor. */
export function refLdlSolve(a: Float64Array, m: number, x: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= a[i * m + k]! * x[k]!;
    x[i] = s;
  }
  for (let i = 0; i < m; i++) x[i] = x[i]! * a[i * m + i]!;
  refLdlBack(a, m, x);
}

/**
 * Primal-dual active set for lb ≤ z ≤ ub (see assembly/qpbox.ts qp_box_f64, same operation
 * order): free indices at idx[0, m), active ones at idx[m, n) in decreasing order; the reduced
 * solve only; μ from the active rows; ‖(Qz + p)_I‖∞ and the bound violation after the loop.
 */
export function refBox(n: number, Q: Float64Array, p: Float64Array, lb: Float64Array, ub: Float64Array, maxIter = 100): RefBox & { stat: number; prim: number; sigma: number; piv: number } {
  const z = new Float64Array(n), mu = new Float64Array(n), flags = new Int32Array(n), idx = new Int32Array(n);
  const Lf = new Float64Array(n * n), w = new Float64Array(n), inv = new Float64Array(n);
  let status = 1, iters = 0, m = 0, piv = Infinity;
  while (iters < maxIter) {
    iters++;
    m = 0;
    let q = n;
    for (let i = 0; i < n; i++) {
      if (flags[i] === 0) idx[m++] = i;
      else {
        idx[--q] = i;
        z[i] = flags[i] === 1 ? lb[i]! : ub[i]!;
      }
    }
    for (let a = 0; a < m; a++) {
      const ia = idx[a]!;
      for (let c = 0; c <= a; c++) Lf[a * m + c] = Q[ia * n + idx[c]!]!;
      let r = -p[ia]!;
      for (let b = m; b < n; b++) r -= Q[ia * n + idx[b]!]! * z[idx[b]!]!;
      w[a] = r;
    }
    // The first step (every variable free) by Cholesky, the later ones by LDLᵀ (as the kernel).
    piv = iters === 1 ? refSmallChol(Lf, m, inv) : refSmallLdl(Lf, m, w);
    if (!(piv > 0)) { status = 2; break; }
    if (iters === 1) refSmallSolve(Lf, m, inv, w);
    else refLdlBack(Lf, m, w);
    let changed = 0, chk = 0;
    for (let a = 0; a < m; a++) {
      const i = idx[a]!, zi = w[a]!;
      chk += zi - zi;
      z[i] = zi;
      mu[i] = 0;
      const c = Q[i * n + i]!;
      const nf = c * (zi - ub[i]!) > 0 ? 2 : c * (zi - lb[i]!) < 0 ? 1 : 0;
      if (nf !== 0) { changed++; flags[i] = nf; }
    }
    for (let b = m; b < n; b++) {
      const i = idx[b]!;
      const mi = -(dot(Q, i * n, z, 0, n) + p[i]!);
      chk += mi - mi;
      mu[i] = mi;
      const c = Q[i * n + i]!;
      const nf = mi + c * (z[i]! - ub[i]!) > 0 ? 2 : mi + c * (z[i]! - lb[i]!) < 0 ? 1 : 0;
      if (nf !== flags[i]) { changed++; flags[i] = nf; }
    }
    if (chk !== 0) { status = 5; break; }
    if (changed === 0) { status = 0; break; }
  }
  if (status === 0 && iters === 1) {
    // The first step was the last: the kept factor is the LDLᵀ of the whole Q.
    for (let a = 0; a < n; a++) for (let c = 0; c <= a; c++) Lf[a * n + c] = Q[a * n + c]!;
    if (!(refSmallLdl(Lf, n, new Float64Array(n)) > 0)) status = 2;
  }
  let stat = 0, prim = 0, sig = 0;
  for (let a = 0; a < m; a++) {
    const i = idx[a]!;
    const qz = dot(Q, i * n, z, 0, n);
    const g = Math.abs(qz + p[i]!);
    if (!(g <= stat)) stat = g;
    sig = Math.max(sig, Math.max(Math.abs(qz), Math.abs(p[i]!)));
  }
  for (let i = 0; i < n; i++) prim = Math.max(prim, Math.max(lb[i]! - z[i]!, z[i]! - ub[i]!));
  return { status, iterations: iters, z, mu, flags, idx, m, Lf, stat, prim: Math.max(prim, 0), sigma: 1 + sig, piv };
}

export function refBoxBackward(n: number, Q: Float64Array, r: RefBox, v: Float64Array): { Q: Float64Array; p: Float64Array; lb: Float64Array; ub: Float64Array } {
  const w = new Float64Array(r.m);
  for (let a = 0; a < r.m; a++) w[a] = -v[r.idx[a]!]!;
  refLdlSolve(r.Lf, r.m, w);
  const dz = new Float64Array(n);
  for (let a = 0; a < r.m; a++) dz[r.idx[a]!] = w[a]!;
  const dlb = new Float64Array(n), dub = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = r.flags[i]!;
    if (f === 0) continue;
    const res = -v[i]! - dot(Q, i * n, dz, 0, n);
    if (f === 1) dlb[i] = -res;
    else dub[i] = -res;
  }
  const Qg = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Qg[i * n + j] = 0.5 * (dz[i]! * r.z[j]! + r.z[i]! * dz[j]!);
  return { Q: Qg, p: dz, lb: dlb, ub: dub };
}

/**
 * qp_box_prep_f64 of assembly/qpbox.ts: symmetrizes nQ n×n matrices in place (½(Q_ij + Q_ji),
 * row by row, j < i) and returns 0 when Q, p are finite, lb has no NaN/+∞, ub no NaN/−∞ and
 * lb ≤ ub over max(nl, nu) problems; 1 at the first failure. Q is checked one whole matrix at a
 * time: a matrix with a non-finite entry is still symmetrized to its end, then 1 is returned
 * (the later matrices untouched).
 */
export function refBoxPrep(n: number, Q: Float64Array, nQ: number, p: Float64Array, np: number, lb: Float64Array, nl: number, ub: Float64Array, nu: number): number {
  for (let t = 0; t < nQ; t++) {
    const q = t * n * n;
    let bad = false;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const m = 0.5 * (Q[q + i * n + j]! + Q[q + j * n + i]!);
        if (m - m !== 0) bad = true;
        Q[q + i * n + j] = m;
        Q[q + j * n + i] = m;
      }
      const d = Q[q + i * n + i]!;
      if (d - d !== 0) bad = true;
    }
    if (bad) return 1;
  }
  for (let i = 0; i < np * n; i++) if (p[i]! - p[i]! !== 0) return 1;
  for (let i = 0; i < nl * n; i++) if (Number.isNaN(lb[i]!) || lb[i] === Infinity) return 1;
  for (let i = 0; i < nu * n; i++) if (Number.isNaN(ub[i]!) || ub[i] === -Infinity) return 1;
  for (let t = 0; t < Math.max(nl, nu); t++) {
    for (let i = 0; i < n; i++) if (lb[(nl > 1 ? t : 0) * n + i]! > ub[(nu > 1 ? t : 0) * n + i]!) return 1;
  }
  return 0;
}
