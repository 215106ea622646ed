// Plain-TypeScript reference of assembly/qpdense.ts (Goldfarb–Idnani dense active set with
// power-of-two Ruiz equilibration, the unscaled KKT check, and the backward pass), with the
// same operation order. Every "pointer" is an element offset into one Float64Array heap H, so
// the code reads line for line like the kernel; kernel and reference agree bit for bit.
import { cholBackward, cholFactor, cholSolve, dot } from './linalg.js';

const bits = new DataView(new ArrayBuffer(8));

function ruizFactor(x: number): number {
  if (!(x > 0)) return 1;
  bits.setFloat64(0, x);
  const e = ((bits.getUint32(0) >>> 20) & 0x7ff) - 1023;
  const k = -((e + 1) >> 1);
  return 2 ** k;
}

/**
 * a < b ? b : a (WebAssembly's pmax): the running ∞-norms of the kernel, which skip NaN entries
 * and so do not depend on the order in which entries are visited.
 */
const nmax = (a: number, b: number): number => (a < b ? b : a);

const balanced = (x: number): boolean => x === 0 || (x >= 0.5 && x < 2);

function axpy(H: Float64Array, y: number, x: number, len: number, a: number): void {
  for (let i = 0; i < len; i++) H[y + i] = H[y + i]! + a * H[x + i]!;
}

function rot(H: Float64Array, x: number, y: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const a = H[x + i]!, b = H[y + i]!;
    H[x + i] = c * a + s * b;
    H[y + i] = c * b - s * a;
  }
}

export function denseWorkLen(n: number, ne: number, ni: number): number {
  return 3 * n * n + (ne + ni) * (n + 3) + 2 * ni + 9 * n + 8;
}

/** kktCheck of the kernel: writes stationarity, primal, complementarity, dual sign at H[out..out+4). */
export function refKkt(H: Float64Array, n: number, ne: number, ni: number, Q: number, p: number, A: number, b: number, G: number, h: number,
  z: number, nu: number, lam: number, r: number, out: number): number {
  let nq = 0, np = 0, nz = 0;
  for (let i = 0; i < n; i++) {
    const qi = dot(H, Q + i * n, H, z, n);
    const pi = H[p + i]!;
    H[r + i] = qi + pi;
    nq = Math.max(nq, Math.abs(qi));
    np = Math.max(np, Math.abs(pi));
    nz = Math.max(nz, Math.abs(H[z + i]!));
  }
  let na = 0, ng = 0, prim = 0, comp = 0, dsgn = 0;
  const ta = r + n, tg = r + 2 * n;
  H.fill(0, ta, ta + n);
  H.fill(0, tg, tg + n);
  for (let k = 0; k < ne; k++) if (H[nu + k] !== 0) axpy(H, ta, A + k * n, n, H[nu + k]!);
  for (let k = 0; k < ni; k++) if (H[lam + k] !== 0) axpy(H, tg, G + k * n, n, H[lam + k]!);
  for (let j = 0; j < n; j++) {
    const sa = H[ta + j]!, sg = H[tg + j]!;
    H[r + j] = H[r + j]! + sa + sg;
    na = Math.max(na, Math.abs(sa));
    ng = Math.max(ng, Math.abs(sg));
  }
  const sd = 1 + Math.max(Math.max(nq, np), Math.max(na, ng));
  let stat = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(H[r + i]!);
    if (!(v <= stat)) stat = v;
  }
  for (let k = 0; k < ne + ni; k++) {
    const row = k < ne ? A + k * n : G + (k - ne) * n;
    let c = 0;
    for (let j = 0; j < n; j++) c = nmax(c, Math.abs(H[row + j]!));
    if (c === 0) c = 1;
    const ic = 1 / c;
    let s = 0;
    for (let j = 0; j < n; j++) s += (H[row + j]! * ic) * H[z + j]!;
    if (k < ne) {
      const bk = H[b + k]! * ic;
      const v = Math.abs(s - bk) / (1 + nz + Math.abs(bk));
      if (!(v <= prim)) prim = v;
    } else {
      const hk = H[h + k - ne]! * ic;
      const l = H[lam + k - ne]!;
      const v = Math.max(s - hk, 0) / (1 + nz + Math.abs(hk));
      if (!(v <= prim)) prim = v;
      const cv = (l * c) * Math.abs(hk - s) / (sd * (1 + nz));
      if (!(cv <= comp)) comp = cv;
      const dv = Math.max(-l, 0) * c / sd;
      if (!(dv <= dsgn)) dsgn = dv;
    }
  }
  stat = stat / sd;
  H[out] = stat;
  H[out + 1] = prim;
  H[out + 2] = comp;
  H[out + 3] = dsgn;
  let m = stat;
  if (!(prim <= m)) m = prim;
  if (!(comp <= m)) m = comp;
  if (!(dsgn <= m)) m = dsgn;
  return m;
}

function equilibrate(H: Float64Array, n: number, ne: number, ni: number, Q: number, A: number, G: number, Qs: number, As: number, Gs: number,
  dc: number, er: number, cn: number, rn: number, cf: number): void {
  const m = ne + ni;
  H.copyWithin(Qs, Q, Q + n * n);
  H.copyWithin(As, A, A + ne * n);
  H.copyWithin(Gs, G, G + ni * n);
  for (let j = 0; j < n; j++) H[dc + j] = 1;
  for (let k = 0; k < m; k++) H[er + k] = 1;
  const rowOf = (k: number): number => (k < ne ? As + k * n : Gs + (k - ne) * n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) c = nmax(c, Math.abs(H[Qs + i * n + j]!));
    H[cn + i] = c;
  }
  const colmax = (row: number): void => {
    for (let j = 0; j < n; j++) H[cn + j] = nmax(H[cn + j]!, Math.abs(H[row + j]!));
  };
  const scalemax = (row: number, f: number): number => {
    let mx = 0;
    for (let j = 0; j < n; j++) {
      const v = H[row + j]! * f * H[cf + j]!;
      H[row + j] = v;
      mx = nmax(mx, Math.abs(v));
    }
    return mx;
  };
  for (let k = 0; k < m; k++) {
    const row = rowOf(k);
    let c = 0;
    for (let j = 0; j < n; j++) c = nmax(c, Math.abs(H[row + j]!));
    H[rn + k] = c;
    colmax(row);
  }
  for (let pass = 0; pass < 24; pass++) {
    let ok = true;
    for (let j = 0; j < n; j++) if (!balanced(H[cn + j]!)) ok = false;
    for (let k = 0; k < m; k++) if (!balanced(H[rn + k]!)) ok = false;
    if (ok) break;
    for (let j = 0; j < n; j++) {
      const f = ruizFactor(H[cn + j]!);
      H[cf + j] = f;
      H[dc + j] = H[dc + j]! * f;
    }
    for (let i = 0; i < n; i++) H[cn + i] = scalemax(Qs + i * n, H[cf + i]!);
    for (let k = 0; k < m; k++) {
      const row = rowOf(k);
      const f = ruizFactor(H[rn + k]!);
      H[er + k] = H[er + k]! * f;
      H[rn + k] = scalemax(row, f);
      colmax(row);
    }
  }
}

function dropActive(H: Float64Array, n: number, q: number, l: number, J: number, R: number, act: number, u: number, top: number): void {
  for (let j = l; j < q - 1; j++) {
    H[act + j] = H[act + j + 1]!;
    H[u + j] = H[u + j + 1]!;
    H.copyWithin(R + j * n, R + (j + 1) * n, R + (j + 1) * n + j + 2);
  }
  for (let j = l; j < q - 1; j++) {
    const cj = R + j * n;
    const a = H[cj + j]!, b = H[cj + j + 1]!;
    if (b === 0) continue;
    const hyp = Math.sqrt(a * a + b * b);
    const c = a / hyp, s = b / hyp;
    H[cj + j] = hyp;
    H[cj + j + 1] = 0;
    for (let col = j + 1; col < q - 1; col++) {
      const cc = R + col * n;
      const x = H[cc + j]!, y = H[cc + j + 1]!;
      H[cc + j] = c * x + s * y;
      H[cc + j + 1] = c * y - s * x;
    }
    const len = Math.max(H[top + j]!, H[top + j + 1]!) + 1;
    H[top + j] = len - 1;
    H[top + j + 1] = len - 1;
    rot(H, J + j * n, J + (j + 1) * n, len, c, s);
  }
}

/** qp_dense_f64 over heap offsets; `shared` as in the kernel. */
export function refDense(H: Float64Array, count: number, n: number, ne: number, ni: number, shared: number,
  Q: number, p: number, A: number, b: number, G: number, h: number,
  z: number, nu: number, lam: number, J: number, R: number, act: number, scl: number,
  work: number, info: number, tol: number, maxIter: number): void {
  const m = ne + ni;
  const Qs = work, L = Qs + n * n, As = L + n * n, Gs = As + ne * n;
  const ps = Gs + ni * n, bs = ps + n, hs = bs + ne;
  const zt = hs + ni, d = zt + n, zs = d + n, r = zs + n, u = r + n, npv = u + n + 1;
  const cn = npv + n, rn = cn + n, state = rn + m, J0 = state + m, top = J0 + n * n;
  const cache = (shared & 21) === 21 && count > 1;
  let piv = 0;
  const str = (bit: number, e: number): number => ((shared & bit) !== 0 ? 0 : e);
  const sQ = str(1, n * n), sp = str(2, n), sA = str(4, ne * n), sb = str(8, ne), sG = str(16, ni * n), sh = str(32, ni);
  for (let t = 0; t < count; t++) {
    const Qt = Q + t * sQ, pt = p + t * sp, At = A + t * sA, bt = b + t * sb, Gt = G + t * sG, ht = h + t * sh;
    const zo = z + t * n, nuo = nu + t * ne, lo = lam + t * ni;
    const Jt = J + t * n * n, Rt = R + t * n * n;
    const actt = act + t * n, dc = scl + t * (n + m), er = dc + n;
    const it = info + t * 8;
    if (!cache || t === 0) {
      equilibrate(H, n, ne, ni, Qt, At, Gt, Qs, As, Gs, dc, er, cn, rn, d);
      for (let i = 0; i < n; i++) H.copyWithin(L + i * n, Qs + i * n, Qs + i * n + i + 1);
      piv = cholFactor(H, n, n, L);
      if (piv > 0) {
        for (let k = 0; k < n; k++) {
          const jc = Jt + k * n;
          H.fill(0, jc, jc + n);
          H[jc + k] = 1;
          cholBackward(H, k + 1, H, n, L, jc);
        }
        if (cache) H.copyWithin(J0, Jt, Jt + n * n);
      }
    } else {
      H.copyWithin(dc, scl, scl + n + m);
      if (piv > 0) H.copyWithin(Jt, J0, J0 + n * n);
    }
    for (let j = 0; j < n; j++) H[ps + j] = H[pt + j]! * H[dc + j]!;
    for (let k = 0; k < ne; k++) H[bs + k] = H[bt + k]! * H[er + k]!;
    for (let k = 0; k < ni; k++) H[hs + k] = H[ht + k]! * H[er + ne + k]!;
    H[it + 5] = piv;
    for (let k = 0; k < ne; k++) H[nuo + k] = 0;
    for (let k = 0; k < ni; k++) H[lo + k] = 0;
    if (!(piv > 0)) {
      H[it] = 2;
      H[it + 1] = 0;
      H[it + 6] = 0;
      for (let k = 2; k < 5; k++) H[it + k] = 0;
      H[it + 7] = 0;
      continue;
    }
    for (let k = 0; k < n; k++) H[top + k] = k;
    for (let j = 0; j < n; j++) H[zt + j] = -H[ps + j]!;
    cholSolve(H, n, H, n, L, zt);
    for (let k = 0; k < m; k++) H[state + k] = 0;
    let q = 0, iters = 0, status = 0, pick = -1;
    let sigma = 1, sp2 = 0, bp = 0, up = 0;
    for (;;) {
      if (pick < 0) {
        let zn = 0;
        for (let j = 0; j < n; j++) zn = nmax(zn, Math.abs(H[zt + j]!));
        for (let k = 0; k < ne; k++) {
          if (H[state + k] === 0) {
            pick = k;
            break;
          }
        }
        if (pick >= 0) {
          const row = As + pick * n;
          const v = dot(H, row, H, zt, n) - H[bs + pick]!;
          sigma = v > 0 ? -1 : 1;
          for (let j = 0; j < n; j++) H[npv + j] = sigma * H[row + j]!;
          bp = sigma * H[bs + pick]!;
          sp2 = sigma * v;
        } else {
          let worst = 0;
          for (let k = 0; k < ni; k++) {
            if (H[state + ne + k] !== 0) continue;
            const hk = H[hs + k]!;
            const s = hk - dot(H, Gs + k * n, H, zt, n);
            if (!(s === s)) {
              worst = s;
              pick = ne + k;
              break;
            }
            if (s < -1e-13 * (1 + Math.abs(hk) + zn) && s < worst) {
              worst = s;
              pick = ne + k;
            }
          }
          if (pick < 0) break;
          if (!(worst === worst)) {
            status = 5;
            break;
          }
          const row = Gs + (pick - ne) * n;
          for (let j = 0; j < n; j++) H[npv + j] = -H[row + j]!;
          sigma = 1;
          bp = -H[hs + pick - ne]!;
          sp2 = worst;
        }
        up = 0;
        if (pick >= ne && ++iters > maxIter) {
          status = 1;
          break;
        }
      }
      let dd = 0, dd2 = 0;
      for (let j = 0; j < n; j++) {
        const dj = dot(H, Jt + j * n, H, npv, H[top + j]! + 1);
        H[d + j] = dj;
        dd += dj * dj;
        if (j >= q) dd2 += dj * dj;
      }
      H.fill(0, zs, zs + n);
      for (let j = q; j < n; j++) axpy(H, zs, Jt + j * n, H[top + j]! + 1, H[d + j]!);
      H.copyWithin(r, d, d + q);
      for (let j = q - 1; j >= 0; j--) {
        const rj = H[r + j]! * (1 / H[Rt + j * n + j]!);
        H[r + j] = rj;
        axpy(H, r, Rt + j * n, j, -rj);
      }
      let t1 = Infinity, l = -1;
      for (let j = 0; j < q; j++) {
        const code = H[actt + j]!, rj = H[r + j]!;
        if (code > ne && rj > 0) {
          const ratio = H[u + j]! / rj;
          if (ratio < t1) {
            t1 = ratio;
            l = j;
          }
        }
      }
      const full = dd2 > 1e-22 * dd;
      const t2 = full ? -sp2 / dd2 : Infinity;
      const tt = Math.min(t1, t2);
      if (!(tt === tt)) {
        status = 5;
        break;
      }
      if (tt === Infinity) {
        if (pick < ne && Math.abs(sp2) <= 1e-11 * (1 + Math.abs(bp))) {
          status = 6;
          break;
        }
        status = 4;
        for (let k = 0; k < ne; k++) H[nuo + k] = 0;
        for (let k = 0; k < ni; k++) H[lo + k] = 0;
        if (pick < ne) H[nuo + pick] = -sigma * H[er + pick]!;
        else H[lo + pick - ne] = H[er + pick]!;
        for (let j = 0; j < q; j++) {
          const code = H[actt + j]!, wj = -H[r + j]!;
          if (code > ne) {
            const k = code - ne - 1;
            H[lo + k] = wj * H[er + ne + k]!;
          } else {
            const e = Math.abs(code) - 1;
            const sg = code > 0 ? 1 : -1;
            H[nuo + e] = -sg * wj * H[er + e]!;
          }
        }
        break;
      }
      for (let j = 0; j < q; j++) {
        const uj = H[u + j]! - tt * H[r + j]!;
        H[u + j] = H[actt + j]! > ne ? Math.max(uj, 0) : uj;
      }
      up += tt;
      if (tt < Infinity && full) axpy(H, zt, zs, n, tt);
      if (full && t2 <= t1) {
        for (let j = n - 1; j > q; j--) {
          const a = H[d + j - 1]!, bb = H[d + j]!;
          if (bb === 0) continue;
          const hyp = Math.sqrt(a * a + bb * bb);
          const c = a / hyp, s = bb / hyp;
          H[d + j - 1] = hyp;
          H[d + j] = 0;
          const len = Math.max(H[top + j - 1]!, H[top + j]!) + 1;
          H[top + j - 1] = len - 1;
          H[top + j] = len - 1;
          rot(H, Jt + (j - 1) * n, Jt + j * n, len, c, s);
        }
        H.copyWithin(Rt + q * n, d, d + q + 1);
        H[actt + q] = pick < ne ? sigma * (pick + 1) : pick + 1;
        H[u + q] = up;
        H[state + pick] = pick < ne ? sigma : 1;
        q++;
        pick = -1;
        continue;
      }
      const code = H[actt + l]!;
      H[state + code - 1] = 0;
      H[u + l] = 0;
      dropActive(H, n, q, l, Jt, Rt, actt, u, top);
      q--;
      if (++iters > maxIter) {
        status = 1;
        break;
      }
      sp2 = dot(H, npv, H, zt, n) - bp;
    }
    for (let j = 0; j < n; j++) H[zo + j] = H[zt + j]! * H[dc + j]!;
    if (status !== 4) {
      for (let j = 0; j < q; j++) {
        const code = H[actt + j]!, uj = H[u + j]!;
        if (code > ne) {
          const k = code - ne - 1;
          H[lo + k] = Math.max(uj, 0) * H[er + ne + k]!;
        } else {
          const e = Math.abs(code) - 1;
          const sg = code > 0 ? 1 : -1;
          H[nuo + e] = -sg * uj * H[er + e]!;
        }
      }
    }
    H[it + 1] = iters;
    H[it + 6] = q;
    if (status === 0 || status === 1) {
      const worst = refKkt(H, n, ne, ni, Qt, pt, At, bt, Gt, ht, zo, nuo, lo, d, it + 2);
      H[it + 7] = H[it + 5]!;
      H[it + 5] = piv;
      if (!(worst === worst)) status = 5;
      else if (status === 0 && !(worst <= tol)) status = 3;
    } else {
      for (let k = 2; k < 5; k++) H[it + k] = 0;
      H[it + 7] = 0;
    }
    H[it] = status;
  }
}

/** qp_dense_backward_f64 over heap offsets (shared inputs get one summed block). */
export function refDenseBackward(H: Float64Array, count: number, n: number, ne: number, ni: number, shared: number,
  z: number, nu: number, lam: number, J: number, R: number, act: number, scl: number, info: number,
  v: number, work: number, dQ: number, dp: number, dA: number, db: number, dG: number, dh: number): void {
  const m = ne + ni;
  const vt = work, d = vt + n, y = d + n, dz = y + n, dnu = dz + n, mu = dnu + ne;
  const str = (bit: number, e: number): number => ((shared & bit) !== 0 ? 0 : e);
  const sQ = str(1, n * n), sp = str(2, n), sA = str(4, ne * n), sb = str(8, ne), sG = str(16, ni * n), sh = str(32, ni);
  if (sQ === 0) H.fill(0, dQ, dQ + n * n);
  if (sp === 0) H.fill(0, dp, dp + n);
  if (sA === 0) H.fill(0, dA, dA + ne * n);
  if (sb === 0) H.fill(0, db, db + ne);
  if (sG === 0) H.fill(0, dG, dG + ni * n);
  if (sh === 0) H.fill(0, dh, dh + ni);
  for (let t = 0; t < count; t++) {
    const zt = z + t * n, nut = nu + t * ne, lt = lam + t * ni;
    const Jt = J + t * n * n, Rt = R + t * n * n, actt = act + t * n, dc = scl + t * (n + m), er = dc + n;
    const q = H[info + t * 8 + 6]!;
    const vv = v + t * n;
    for (let j = 0; j < n; j++) H[vt + j] = H[vv + j]! * H[dc + j]!;
    for (let j = 0; j < n; j++) H[d + j] = dot(H, Jt + j * n, H, vt, n);
    H.fill(0, dz, dz + n);
    for (let j = q; j < n; j++) axpy(H, dz, Jt + j * n, n, -H[d + j]!);
    for (let j = 0; j < n; j++) H[dz + j] = H[dz + j]! * H[dc + j]!;
    H.copyWithin(y, d, d + q);
    for (let j = q - 1; j >= 0; j--) {
      const yj = H[y + j]! / H[Rt + j * n + j]!;
      H[y + j] = yj;
      axpy(H, y, Rt + j * n, j, -yj);
    }
    for (let k = 0; k < ne; k++) H[dnu + k] = 0;
    for (let k = 0; k < ni; k++) H[mu + k] = 0;
    for (let j = 0; j < q; j++) {
      const code = H[actt + j]!;
      if (code > ne) {
        const k = code - ne - 1;
        H[mu + k] = H[y + j]! * H[er + ne + k]!;
      } else {
        const e = Math.abs(code) - 1;
        const sg = code > 0 ? 1 : -1;
        H[dnu + e] = -sg * H[y + j]! * H[er + e]!;
      }
    }
    const dpt = dp + t * sp;
    for (let j = 0; j < n; j++) H[dpt + j] = (sp === 0 ? H[dpt + j]! : 0) + H[dz + j]!;
    const dQt = dQ + t * sQ;
    for (let i = 0; i < n; i++) {
      const zi = H[zt + i]!, di = H[dz + i]!;
      for (let j = 0; j < n; j++) {
        const g = 0.5 * (di * H[zt + j]! + zi * H[dz + j]!);
        H[dQt + i * n + j] = (sQ === 0 ? H[dQt + i * n + j]! : 0) + g;
      }
    }
    const dAt = dA + t * sA, dbt = db + t * sb;
    for (let k = 0; k < ne; k++) {
      const a = H[dnu + k]!, c = H[nut + k]!;
      for (let j = 0; j < n; j++) {
        const g = a * H[zt + j]! + c * H[dz + j]!;
        H[dAt + k * n + j] = (sA === 0 ? H[dAt + k * n + j]! : 0) + g;
      }
      H[dbt + k] = (sb === 0 ? H[dbt + k]! : 0) + -a;
    }
    const dGt = dG + t * sG, dht = dh + t * sh;
    for (let k = 0; k < ni; k++) {
      const a = H[mu + k]!, c = H[lt + k]!;
      for (let j = 0; j < n; j++) {
        const g = a * H[zt + j]! + c * H[dz + j]!;
        H[dGt + k * n + j] = (sG === 0 ? H[dGt + k * n + j]! : 0) + g;
      }
      H[dht + k] = (sh === 0 ? H[dht + k]! : 0) + -a;
    }
  }
}
