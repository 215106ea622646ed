// The SIMD build's lane steps of the box kernel (assembly/qpbox.ts qp_box_f64): the first
// active-set step (every variable free, so the same n×n Cholesky and solve for every problem)
// of two problems at once, one per f64x2 lane (pair_first), or of four, two f64x2 halves per
// matrix entry (quad_first: two independent dependency chains in flight, for small n where the
// √ → 1/√ → next pivot chain dominates). Each lane performs exactly the scalar operations of
// qpbox.ts small_chol/small_back (a + (−b)·c or a − b·c, x·r, √d, 1/√d: IEEE-exact per lane),
// so every problem gets the bits it gets alone (refBox in test/support/reference/qp.ts).
// Only the SIMD build calls these (the scalar build compiles no v128).

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

/**
 * pair_first's column k, pivot d (both lanes > 0): L_kk = √d, r_k = 1/L_kk, y_k = x_k·r_k,
 * L_ik = A_ik·r_k into A and `col`, x_i += (−y_k)·L_ik for i > k (small_chol's operations).
 */
// @ts-ignore: decorator
@inline function pair_column(A: usize, x: usize, inv: usize, col: usize, n: i32, k: i32, d: v128): void {
  const r2 = <usize>n << 4;
  const sq = f64x2.sqrt(d);
  v128.store(A + <usize>k * r2 + (<usize>k << 4), sq);
  const r = f64x2.div(f64x2.splat(1), sq);
  v128.store(inv + (<usize>k << 4), r);
  const yk = f64x2.mul(v128.load(x + (<usize>k << 4)), r);
  v128.store(x + (<usize>k << 4), yk);
  const nyk = f64x2.neg(yk);
  for (let i = k + 1; i < n; i++) {
    const o = A + <usize>i * r2 + (<usize>k << 4);
    const lik = f64x2.mul(v128.load(o), r);
    v128.store(o, lik);
    v128.store(col + (<usize>i << 4), lik);
    const xo = x + (<usize>i << 4);
    v128.store(xo, f64x2.add(v128.load(xo), f64x2.mul(nyk, lik)));
  }
}

/** The smallest pivots of the last successful pair_first (lanes 0, 1) or quad_first (lanes 0–3). */
let piv0: f64 = 0, piv1: f64 = 0, piv2: f64 = 0, piv3: f64 = 0;

/** The smallest pivot of lane l (0–3) of the last successful pair_first or quad_first. */
export function lane_piv(l: i32): f64 {
  return l == 0 ? piv0 : l == 1 ? piv1 : l == 2 ? piv2 : piv3;
}

/**
 * SIMD build only: the first active-set step of two problems a and b at once, one problem per
 * f64x2 lane. The first step has every variable free (I = all, an identity gather), so both
 * problems run the same operations: the n×n Q of each is interleaved into `w` (2n² + 8n f64),
 * factored by small_chol's right-looking order with the forward solve of x = −p fused, then
 * back-substituted as small_back does. Every lane operation is the scalar operation of
 * small_chol/small_back (a + (−b)·c, x·r, √d, 1/√d: IEEE-exact per lane), so each lane holds
 * the bits the scalar path computes for its problem. Writes z (the unconstrained solution) and
 * returns 1 (the factors are scratch: a problem whose first step is its last refactors Q by
 * LDLᵀ in qp_box_f64, otherwise a later step writes the kept factor); returns
 * 0, writing nothing that the scalar path does not overwrite, when some pivot of either lane is
 * not > 0 (the caller then runs both problems through the scalar path).
 */
export function pair_first(n: i32, Qa: usize, Qb: usize, pa: usize, pb: usize, za: usize, zb: usize, w: usize): i32 {
  const rsz = <usize>n << 3;
  const r2 = <usize>n << 4;
  const A = w, x = w + <usize>n * r2, inv = x + r2, col = inv + r2;
  for (let i = 0; i < n; i++) {
    const qa = Qa + <usize>i * rsz, qb = Qb + <usize>i * rsz, ai = A + <usize>i * r2;
    // Two entries of each row per pass: (qa_j, qa_j+1), (qb_j, qb_j+1) → (qa_j, qb_j), (qa_j+1, qb_j+1).
    let j = 0;
    for (; j < i; j += 2) {
      const va = v128.load(at(qa, j)), vb = v128.load(at(qb, j));
      v128.store(ai + (<usize>j << 4), v128.shuffle<f64>(va, vb, 0, 2));
      v128.store(ai + (<usize>j << 4) + 16, v128.shuffle<f64>(va, vb, 1, 3));
    }
    if (j == i) v128.store(ai + (<usize>j << 4), f64x2.replace_lane(f64x2.splat(load<f64>(at(qa, j))), 1, load<f64>(at(qb, j))));
    v128.store(x + (<usize>i << 4), f64x2.neg(f64x2.replace_lane(f64x2.splat(load<f64>(at(pa, i))), 1, load<f64>(at(pb, i)))));
  }
  let minPiv = f64x2.splat(Infinity);
  // Columns in pairs k, k + 1 (one pass over the trailing block for both; per entry the same
  // subtractions in the same order as one column at a time).
  for (let k = 0; k < n; k += 2) {
    const d = v128.load(A + <usize>k * r2 + (<usize>k << 4));
    if (!(f64x2.extract_lane(d, 0) > 0 && f64x2.extract_lane(d, 1) > 0)) return 0;
    minPiv = f64x2.min(minPiv, d);
    pair_column(A, x, inv, col, n, k, d);
    if (k + 1 == n) break;
    // Column k + 1 first receives column k's term, then is finished.
    const c1 = v128.load(col + (<usize>(k + 1) << 4));
    for (let i = k + 1; i < n; i++) {
      const o = A + <usize>i * r2 + (<usize>(k + 1) << 4);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(f64x2.neg(v128.load(col + (<usize>i << 4))), c1)));
    }
    const d1 = v128.load(A + <usize>(k + 1) * r2 + (<usize>(k + 1) << 4));
    if (!(f64x2.extract_lane(d1, 0) > 0 && f64x2.extract_lane(d1, 1) > 0)) return 0;
    minPiv = f64x2.min(minPiv, d1);
    const col2 = col + r2;
    pair_column(A, x, inv, col2, n, k + 1, d1);
    // Rows i and i + 1 together (each L_jk, L_j,k+1 loaded once for both rows); per entry the
    // same two subtractions in the same order as one row at a time.
    let i = k + 2;
    for (; i + 1 < n; i += 2) {
      const ai = A + <usize>i * r2, bi = ai + r2;
      const n0 = f64x2.neg(v128.load(col + (<usize>i << 4))), n1 = f64x2.neg(v128.load(col2 + (<usize>i << 4)));
      const m0 = f64x2.neg(v128.load(col + (<usize>(i + 1) << 4))), m1 = f64x2.neg(v128.load(col2 + (<usize>(i + 1) << 4)));
      for (let j = k + 2; j <= i; j++) {
        const jo = <usize>j << 4;
        const c0 = v128.load(col + jo), c1 = v128.load(col2 + jo);
        const o = ai + jo, ob = bi + jo;
        v128.store(o, f64x2.add(f64x2.add(v128.load(o), f64x2.mul(n0, c0)), f64x2.mul(n1, c1)));
        v128.store(ob, f64x2.add(f64x2.add(v128.load(ob), f64x2.mul(m0, c0)), f64x2.mul(m1, c1)));
      }
      const jo = <usize>(i + 1) << 4, ob = bi + jo;
      v128.store(ob, f64x2.add(f64x2.add(v128.load(ob), f64x2.mul(m0, v128.load(col + jo))), f64x2.mul(m1, v128.load(col2 + jo))));
    }
    if (i < n) {
      const ai = A + <usize>i * r2;
      const n0 = f64x2.neg(v128.load(col + (<usize>i << 4))), n1 = f64x2.neg(v128.load(col2 + (<usize>i << 4)));
      for (let j = k + 2; j <= i; j++) {
        const o = ai + (<usize>j << 4);
        const t = f64x2.add(v128.load(o), f64x2.mul(n0, v128.load(col + (<usize>j << 4))));
        v128.store(o, f64x2.add(t, f64x2.mul(n1, v128.load(col2 + (<usize>j << 4)))));
      }
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const xo = x + (<usize>k << 4);
    const xk = f64x2.mul(v128.load(xo), v128.load(inv + (<usize>k << 4)));
    v128.store(xo, xk);
    const nxk = f64x2.neg(xk);
    const ak = A + <usize>k * r2;
    for (let i = 0; i < k; i++) {
      const o = x + (<usize>i << 4);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(nxk, v128.load(ak + (<usize>i << 4)))));
    }
  }
  for (let i = 0; i < n; i++) {
    const v = v128.load(x + (<usize>i << 4));
    store<f64>(at(za, i), f64x2.extract_lane(v, 0));
    store<f64>(at(zb, i), f64x2.extract_lane(v, 1));
  }
  piv0 = f64x2.extract_lane(minPiv, 0);
  piv1 = f64x2.extract_lane(minPiv, 1);
  return 1;
}

/** f64x2 (a, b) from two scalars. */
// @ts-ignore: decorator
@inline function ilv(a: usize, b: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(load<f64>(a)), 1, load<f64>(b));
}

/**
 * pair_first for four problems: a, b in the first f64x2 half of each entry and c, d in the
 * second (32 bytes per entry), every operation issued for both halves (two independent chains,
 * so one's √/division latency hides behind the other's). `w` holds 4n² + 8n f64: the
 * interleaved matrix (rows of 4n f64), then x and the reciprocals (4n each). Per lane the
 * operations and their order are small_chol's and small_back's (right-looking, one column at a
 * time: every entry sees its subtractions with k ascending; back substitution by columns, k
 * descending), so each lane holds the bits of the scalar path. Writes the four unconstrained
 * solutions and returns 1 (pivots for lane_piv; the factors are scratch); returns 0
 * when some pivot of some lane is not > 0 (nothing written that the scalar path does not
 * overwrite; the caller tries pair_first, then the scalar path).
 */
export function quad_first(n: i32, Qa: usize, Qb: usize, Qc: usize, Qd: usize, pa: usize, pb: usize, pc: usize, pd: usize,
  za: usize, zb: usize, zc: usize, zd: usize, w: usize): i32 {
  const rsz = <usize>n << 3;
  const r4 = <usize>n << 5;
  const A = w, x = w + <usize>n * r4, inv = x + r4;
  for (let i = 0; i < n; i++) {
    const iu = <usize>i;
    const qa = Qa + iu * rsz, qb = Qb + iu * rsz, qc = Qc + iu * rsz, qd = Qd + iu * rsz, ai = A + iu * r4;
    // Two entries of each row per pass, as pair_first, for both halves.
    let j = 0;
    for (; j < i; j += 2) {
      const o = ai + (<usize>j << 5);
      const va = v128.load(at(qa, j)), vb = v128.load(at(qb, j)), vc = v128.load(at(qc, j)), vd = v128.load(at(qd, j));
      v128.store(o, v128.shuffle<f64>(va, vb, 0, 2));
      v128.store(o, v128.shuffle<f64>(vc, vd, 0, 2), 16);
      v128.store(o, v128.shuffle<f64>(va, vb, 1, 3), 32);
      v128.store(o, v128.shuffle<f64>(vc, vd, 1, 3), 48);
    }
    if (j == i) {
      const o = ai + (<usize>j << 5);
      v128.store(o, ilv(at(qa, j), at(qb, j)));
      v128.store(o, ilv(at(qc, j), at(qd, j)), 16);
    }
    v128.store(x + (iu << 5), f64x2.neg(ilv(at(pa, i), at(pb, i))));
    v128.store(x + (iu << 5), f64x2.neg(ilv(at(pc, i), at(pd, i))), 16);
  }
  const one = f64x2.splat(1);
  let mp0 = f64x2.splat(Infinity), mp1 = mp0;
  for (let k = 0; k < n; k++) {
    const ko = <usize>k << 5;
    const dk = A + <usize>k * r4 + ko;
    const d0 = v128.load(dk), d1 = v128.load(dk, 16);
    if (!(f64x2.extract_lane(d0, 0) > 0 && f64x2.extract_lane(d0, 1) > 0 && f64x2.extract_lane(d1, 0) > 0 && f64x2.extract_lane(d1, 1) > 0)) return 0;
    mp0 = f64x2.min(mp0, d0);
    mp1 = f64x2.min(mp1, d1);
    const sq0 = f64x2.sqrt(d0), sq1 = f64x2.sqrt(d1);
    v128.store(dk, sq0);
    v128.store(dk, sq1, 16);
    const r0 = f64x2.div(one, sq0), r1 = f64x2.div(one, sq1);
    v128.store(inv + ko, r0);
    v128.store(inv + ko, r1, 16);
    const y0 = f64x2.mul(v128.load(x + ko), r0), y1 = f64x2.mul(v128.load(x + ko, 16), r1);
    v128.store(x + ko, y0);
    v128.store(x + ko, y1, 16);
    // Column k: L_ik = A_ik·r_k, x_i −= y_k·L_ik.
    for (let i = k + 1; i < n; i++) {
      const o = A + <usize>i * r4 + ko, xo = x + (<usize>i << 5);
      const l0 = f64x2.mul(v128.load(o), r0), l1 = f64x2.mul(v128.load(o, 16), r1);
      v128.store(o, l0);
      v128.store(o, l1, 16);
      v128.store(xo, f64x2.sub(v128.load(xo), f64x2.mul(y0, l0)));
      v128.store(xo, f64x2.sub(v128.load(xo, 16), f64x2.mul(y1, l1)), 16);
    }
    // Trailing block: A_ij −= L_ik·L_jk for k < j ≤ i.
    for (let i = k + 1; i < n; i++) {
      const ai = A + <usize>i * r4;
      const l0 = v128.load(ai + ko), l1 = v128.load(ai + ko, 16);
      for (let j = k + 1; j <= i; j++) {
        const o = ai + (<usize>j << 5), c = A + <usize>j * r4 + ko;
        v128.store(o, f64x2.sub(v128.load(o), f64x2.mul(l0, v128.load(c))));
        v128.store(o, f64x2.sub(v128.load(o, 16), f64x2.mul(l1, v128.load(c, 16))), 16);
      }
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const xo = x + (<usize>k << 5), io = inv + (<usize>k << 5);
    const x0 = f64x2.mul(v128.load(xo), v128.load(io)), x1 = f64x2.mul(v128.load(xo, 16), v128.load(io, 16));
    v128.store(xo, x0);
    v128.store(xo, x1, 16);
    const ak = A + <usize>k * r4;
    for (let i = 0; i < k; i++) {
      const o = x + (<usize>i << 5), lo = ak + (<usize>i << 5);
      v128.store(o, f64x2.sub(v128.load(o), f64x2.mul(x0, v128.load(lo))));
      v128.store(o, f64x2.sub(v128.load(o, 16), f64x2.mul(x1, v128.load(lo, 16))), 16);
    }
  }
  for (let i = 0; i < n; i++) {
    const v0 = v128.load(x + (<usize>i << 5)), v1 = v128.load(x + (<usize>i << 5), 16);
    store<f64>(at(za, i), f64x2.extract_lane(v0, 0));
    store<f64>(at(zb, i), f64x2.extract_lane(v0, 1));
    store<f64>(at(zc, i), f64x2.extract_lane(v1, 0));
    store<f64>(at(zd, i), f64x2.extract_lane(v1, 1));
  }
  piv0 = f64x2.extract_lane(mp0, 0);
  piv1 = f64x2.extract_lane(mp0, 1);
  piv2 = f64x2.extract_lane(mp1, 0);
  piv3 = f64x2.extract_lane(mp1, 1);
  return 1;
}
