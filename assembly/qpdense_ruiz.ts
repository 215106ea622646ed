// Ruiz equilibration of the dense active-set kernel (assembly/qpdense.ts, qp_dense_f64): column
// factors D and row factors E, powers of two, from passes on the ∞-norms of the KKT matrix
// [Q Aᵀ Gᵀ; A 0 0; G 0 0] until every norm lies in [½, 2) (at most 24 passes), so the scaled
// problem is formed exactly. Reference: test/support/reference/qpdense.ts (bit for bit).
import { ld, rowSweep_f64, st } from './qpdense_ops';

/** 2^−⌈e/2⌉ for a norm x = m·2^e (1 for 0): the Ruiz factor 1/√x rounded to a power of two. */
function ruizFactor(x: f64): f64 {
  if (!(x > 0)) return 1;
  const e = <i32>((reinterpret<u64>(x) >> 52) & 0x7ff) - 1023;
  const k = -((e + 1) >> 1); // −⌈e/2⌉
  return reinterpret<f64>(<u64>(1023 + k) << 52);
}

/** 1 when x ∈ [½, 2) or x = 0. */
// @ts-ignore: decorator
@inline function balanced(x: f64): bool {
  return x == 0 || (x >= 0.5 && x < 2);
}

/**
 * Ruiz equilibration with power-of-two factors: copies Q, A, G into Qs, As, Gs scaled by
 * D (n, columns) and E (ne + ni, rows), both returned in `dc` / `er`. `cn`/`rn` are scratch.
 */
export function equilibrate(n: i32, ne: i32, ni: i32, Q: usize, A: usize, G: usize, Qs: usize, As: usize, Gs: usize,
  dc: usize, er: usize, cn: usize, rn: usize, cf: usize): void {
  const rsz = <usize>n << 3;
  const m = ne + ni;
  for (let j = 0; j < n; j++) st(dc, j, 1);
  for (let k = 0; k < m; k++) st(er, k, 1);
  // Copies and norms of the unscaled matrix in one sweep per row: Q is symmetric, so its column
  // norms are its row norms; the A and G rows add to the column norms.
  for (let i = 0; i < n; i++) {
    st(cn, i, rowSweep_f64(Qs + <usize>i * rsz, Q + <usize>i * rsz, n, false, 1, 0, false, cn));
  }
  for (let k = 0; k < m; k++) {
    const off = k < ne ? <usize>k * rsz : <usize>(k - ne) * rsz;
    const row = k < ne ? As + off : Gs + off, src = k < ne ? A + off : G + off;
    st(rn, k, rowSweep_f64(row, src, n, false, 1, 0, true, cn));
  }
  for (let pass = 0; pass < 24; pass++) {
    let ok = true;
    for (let j = 0; j < n; j++) if (!balanced(ld(cn, j))) ok = false;
    for (let k = 0; k < m; k++) if (!balanced(ld(rn, k))) ok = false;
    if (ok) break;
    // Factors into cf (columns), then scale and measure the new norms in the same pass.
    for (let j = 0; j < n; j++) {
      const f = ruizFactor(ld(cn, j));
      st(cf, j, f);
      st(dc, j, ld(dc, j) * f);
    }
    for (let i = 0; i < n; i++) st(cn, i, rowSweep_f64(Qs + <usize>i * rsz, 0, n, true, ld(cf, i), cf, false, cn));
    for (let k = 0; k < m; k++) {
      const row = k < ne ? As + <usize>k * rsz : Gs + <usize>(k - ne) * rsz;
      const f = ruizFactor(ld(rn, k));
      st(er, k, ld(er, k) * f);
      st(rn, k, rowSweep_f64(row, 0, n, true, f, cf, true, cn));
    }
  }
}
