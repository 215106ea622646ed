// Ruiz equilibration for the interior-point path (issue 14 item 2): symmetric scaling of the
// KKT matrix [Q Aᵀ Gᵀ; A 0 0; G 0 0] by S = diag(D, E, F), so that the interior point sees
//   Q̃ = DQD, p̃ = Dp, Ã = EAD, b̃ = Eb, G̃ = FGD, h̃ = Fh,
// and the answer maps back exactly: z = Dz̃, ν = Eν̃, λ = Fλ̃ (the objective is not scaled).
import type { Field } from './prepare.js';

/** Ruiz iterations (each halves the log-imbalance of every row and column norm). */
export const RUIZ_ITERATIONS = 12;

/**
 * Scale factors of one equilibration: `col` (D, n per copy), `eq` (E, ne per copy), `ineq`
 * (F, ni per copy). `copies` is 1 when Q, A and G are shared by the batch (one set of scales),
 * else `count` (problem t's scales at t·n, t·ne, t·ni). Every factor is a power of two, so
 * scaling and unscaling are exact in floating point (barring over- or underflow).
 */
export interface RuizScales {
  copies: number;
  col: Float64Array;
  eq: Float64Array;
  ineq: Float64Array;
}

/** 2^round(log₂ x) for finite x > 0, else 1. */
function pow2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const e = Math.round(Math.log2(x));
  return 2 ** Math.max(-1000, Math.min(1000, e));
}

/**
 * Computes Ruiz scales: first every row of A and G is divided by its ∞-norm (so rows scaled by
 * 1e200 cost nothing and nothing overflows: only max |·| is taken, never a sum of squares), then
 * RUIZ_ITERATIONS rounds of D_j ← D_j/√(max column |·| of [Q; A; G] scaled), E_k, F_k ← ·/√(max
 * row |·|), with zero rows and columns kept at 1; finally every factor is rounded to a power of
 * two. Scales depend on Q, A and G only (not on p, b, h), so a problem gets the same scales
 * alone or inside a batch: batch results stay equal to one-by-one solves. Returns undefined when
 * every factor is 1.
 */
export function ruizScales(Q: Field, A: Field | undefined, G: Field | undefined, n: number, ne: number, ni: number, count: number): RuizScales | undefined {
  const copies = Q.shared && (!A || A.shared) && (!G || G.shared) ? 1 : count;
  const col = new Float64Array(copies * n).fill(1), eq = new Float64Array(copies * ne).fill(1), ineq = new Float64Array(copies * ni).fill(1);
  const cn = new Float64Array(n), rn = new Float64Array(ne + ni);
  for (let t = 0; t < copies; t++) {
    const q = Q.data.subarray(Q.shared ? 0 : t * n * n), a = A ? A.data.subarray(A.shared ? 0 : t * ne * n) : undefined;
    const g = G ? G.data.subarray(G.shared ? 0 : t * ni * n) : undefined;
    const d = col.subarray(t * n, (t + 1) * n), e = eq.subarray(t * ne, (t + 1) * ne), f = ineq.subarray(t * ni, (t + 1) * ni);
    // Rows to unit ∞-norm first (the pre-pass), then the Ruiz rounds.
    for (let k = 0; k < ne; k++) e[k] = 1 / rowMax(a!, k, n);
    for (let k = 0; k < ni; k++) f[k] = 1 / rowMax(g!, k, n);
    for (let it = 0; it < RUIZ_ITERATIONS; it++) {
      cn.fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cn[j] = Math.max(cn[j]!, Math.abs(q[i * n + j]!) * d[i]! * d[j]!);
      for (let k = 0; k < ne + ni; k++) {
        const m = k < ne ? a! : g!, r = k < ne ? e : f, kk = k < ne ? k : k - ne;
        let mx = 0;
        for (let j = 0; j < n; j++) {
          const x = Math.abs(m[kk * n + j]!) * r[kk]! * d[j]!;
          mx = Math.max(mx, x);
          cn[j] = Math.max(cn[j]!, x);
        }
        rn[k] = mx;
      }
      for (let j = 0; j < n; j++) if (cn[j]! > 0 && Number.isFinite(cn[j]!)) d[j] = d[j]! / Math.sqrt(cn[j]!);
      for (let k = 0; k < ne; k++) if (rn[k]! > 0 && Number.isFinite(rn[k]!)) e[k] = e[k]! / Math.sqrt(rn[k]!);
      for (let k = 0; k < ni; k++) if (rn[ne + k]! > 0 && Number.isFinite(rn[ne + k]!)) f[k] = f[k]! / Math.sqrt(rn[ne + k]!);
    }
  }
  let trivial = true;
  for (const s of [col, eq, ineq]) {
    for (let i = 0; i < s.length; i++) {
      s[i] = pow2(s[i]!);
      if (s[i] !== 1) trivial = false;
    }
  }
  return trivial ? undefined : { copies, col, eq, ineq };
}

/** max_j |m_kj| (1 for a zero or non-finite row). */
function rowMax(m: Float64Array, k: number, n: number): number {
  let mx = 0;
  for (let j = 0; j < n; j++) mx = Math.max(mx, Math.abs(m[k * n + j]!));
  return mx > 0 && Number.isFinite(mx) ? mx : 1;
}

/**
 * The field scaled entrywise, x̃_kj = r_k·x_kj·c_j (rows × cols per copy; `r` or `c` undefined:
 * no factor on that side; r, c with `S.copies` copies). Per-problem scales make the result per
 * problem even when the field was shared.
 */
export function scaleField(x: Field, rows: number, cols: number, S: RuizScales, r: Float64Array | undefined, c: Float64Array | undefined, count: number): Field {
  const copies = x.shared && S.copies === 1 ? 1 : count;
  const size = rows * cols;
  const out = new Float64Array(copies * size);
  for (let t = 0; t < copies; t++) {
    const src = x.shared ? 0 : t * size, s = S.copies === 1 ? 0 : t;
    for (let k = 0; k < rows; k++) {
      const rk = r ? r[s * rows + k]! : 1;
      for (let j = 0; j < cols; j++) out[t * size + k * cols + j] = rk * x.data[src + k * cols + j]! * (c ? c[s * cols + j]! : 1);
    }
  }
  return { data: out, shared: copies === 1 };
}

/**
 * In place, for `count` per-problem blocks of rows × cols: x_kj ← r_k·x_kj·c_j with problem t's
 * scales (maps z̃ → z with r = D, ν̃ → ν with E, λ̃ → λ with F, and the kernel's gradients of the
 * scaled inputs back to the user's: dQ = D dQ̃ D, dp = D dp̃, dA = E dÃ D, db = E db̃,
 * dG = F dG̃ D, dh = F dh̃, since each scaled input is the user's times fixed factors).
 */
export function unscaleBlocks(x: Float64Array, rows: number, cols: number, S: RuizScales, r: Float64Array | undefined, c: Float64Array | undefined, count: number): void {
  const size = rows * cols;
  for (let t = 0; t < count; t++) {
    const s = S.copies === 1 ? 0 : t;
    for (let k = 0; k < rows; k++) {
      const rk = r ? r[s * rows + k]! : 1;
      for (let j = 0; j < cols; j++) x[t * size + k * cols + j] = rk * x[t * size + k * cols + j]! * (c ? c[s * cols + j]! : 1);
    }
  }
}
