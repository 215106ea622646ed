// Certificates for QP_INFEASIBLE and QP_UNBOUNDED, in the user's terms.
//
// Infeasible (Farkas): y_G ≥ 0 on the rows of G, y_lb ≥ 0 / y_ub ≥ 0 on the finite bounds, y_A
// free on the rows of A, with
//   Gᵀy_G − y_lb + y_ub + Aᵀy_A = 0   and   hᵀy_G − lbᵀy_lb + ubᵀy_ub + bᵀy_A < 0,
// so no z satisfies the constraints (multiply them by y and add). `residual` is
// ‖Gᵀy_G − y_lb + y_ub + Aᵀy_A‖∞ relative to Σ|y_k|·‖row_k‖∞ and `gap` the (negative) right side.
//
// Unbounded: a direction d with Qd = 0, Ad = 0, Gd ≤ 0 (and d_j ≥ 0 / ≤ 0 at finite lb / ub)
// and pᵀd < 0: the objective decreases without bound along z + t·d.
import { MetaoptimError } from '../core/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { Region } from '../runtime/arena.js';
import type { AugmentedRows } from './context.js';
import type { Field } from './prepare.js';
import { INFO } from './rows.js';

export interface FarkasCertificate {
  G?: Float64Array;
  A?: Float64Array;
  lb?: Float64Array;
  ub?: Float64Array;
  /** ‖combination of the rows‖∞ / Σ|y_k|·‖row_k‖∞ (≈ 0). */
  residual: number;
  /** hᵀy_G − lbᵀy_lb + ubᵀy_ub + bᵀy_A (< 0). */
  gap: number;
}

/** Row k of problem t of a (shared or per-problem) matrix field with `rows` rows. */
function row(f: Field, t: number, rows: number, n: number, k: number): Float64Array {
  const o = (f.shared ? 0 : t * rows * n) + k * n;
  return f.data.subarray(o, o + n);
}

/** The residual and gap of y = (y over the augmented G rows, y over A rows) for problem t. */
export function farkasCheck(t: number, n: number, ne: number, ni: number, G: Field | undefined, h: Field | undefined,
  A: Field | undefined, b: Field | undefined, yG: Float64Array, yA: Float64Array): { residual: number; gap: number } {
  const comb = new Float64Array(n);
  let gap = 0, weight = 0;
  const add = (r: Float64Array, y: number, rhs: number): void => {
    if (y === 0) return;
    let c = 0;
    for (let j = 0; j < n; j++) {
      comb[j] = comb[j]! + y * r[j]!;
      c = Math.max(c, Math.abs(r[j]!));
    }
    weight += Math.abs(y) * c;
    gap += y * rhs;
  };
  for (let k = 0; k < ni; k++) add(row(G!, t, ni, n, k), yG[k]!, h!.data[(h!.shared ? 0 : t * ni) + k]!);
  for (let k = 0; k < ne; k++) add(row(A!, t, ne, n, k), yA[k]!, b!.data[(b!.shared ? 0 : t * ne) + k]!);
  let m = 0;
  for (const v of comb) m = Math.max(m, Math.abs(v));
  return { residual: weight > 0 ? m / weight : Infinity, gap };
}

/** Splits a certificate over the augmented rows into the user's fields. */
export function splitCertificate(rows: AugmentedRows, n: number, ne: number, given: { G: boolean; A: boolean; lb: boolean; ub: boolean },
  yG: Float64Array, yA: Float64Array, check: { residual: number; gap: number }): FarkasCertificate {
  const out: FarkasCertificate = { residual: check.residual, gap: check.gap };
  if (given.G) out.G = yG.slice(0, rows.user);
  if (given.A && ne > 0) out.A = yA.slice();
  if (given.lb) {
    out.lb = new Float64Array(n);
    rows.lower.forEach((j, i) => (out.lb![j] = yG[rows.user + i]!));
  }
  if (given.ub) {
    out.ub = new Float64Array(n);
    rows.upper.forEach((j, i) => (out.ub![j] = yG[rows.user + rows.lower.length + i]!));
  }
  return out;
}

export function infeasibleError(t: number, count: number, certificate: FarkasCertificate, extra: Record<string, unknown> = {}): MetaoptimError {
  const where = count > 1 ? ` (problem ${t})` : '';
  return new MetaoptimError('QP_INFEASIBLE',
    `qp: the constraints have no solution${where}; details.certificate holds Farkas multipliers y with Gᵀy_G + Aᵀy_A ≈ 0 (relative ${certificate.residual.toExponential(1)}) and hᵀy_G + bᵀy_A = ${certificate.gap.toExponential(3)} < 0`,
    { problem: t, certificate, ...extra });
}

/**
 * Phase-one probe with the dense active set on Q = I, p = 0 (same constraints) for problem t:
 * returns the Farkas multipliers (y over the augmented G rows, y over A rows) when the constraints
 * are infeasible, else undefined.
 */
export function probeInfeasible(rt: Runtime, t: number, n: number, ne: number, ni: number,
  G: Field | undefined, h: Field | undefined, A: Field | undefined, b: Field | undefined): { yG: Float64Array; yA: Float64Array } | undefined {
  const k = rt.kernels;
  const sizes = [n * n, n, ne * n, ne, ni * n, ni, n, ne, ni, n * n, n * n, n, n + ne + ni, INFO, k.qp_dense_work_len(n, ne, ni)];
  const off: number[] = [];
  let total = 0;
  for (const s of sizes) {
    off.push(total);
    total += s + (s & 1);
  }
  const reg = new Region(rt.arena, Float64Array, total);
  try {
    const v = reg.view;
    for (let i = 0; i < n; i++) v[off[0]! + i * n + i] = 1;
    if (ne > 0) {
      v.set(A!.data.subarray(A!.shared ? 0 : t * ne * n, (A!.shared ? 0 : t * ne * n) + ne * n), off[2]!);
      v.set(b!.data.subarray(b!.shared ? 0 : t * ne, (b!.shared ? 0 : t * ne) + ne), off[3]!);
    }
    if (ni > 0) {
      v.set(G!.data.subarray(G!.shared ? 0 : t * ni * n, (G!.shared ? 0 : t * ni * n) + ni * n), off[4]!);
      v.set(h!.data.subarray(h!.shared ? 0 : t * ni, (h!.shared ? 0 : t * ni) + ni), off[5]!);
    }
    const P = (i: number): number => reg.ptr + off[i]! * 8;
    k.qp_dense_f64(1, n, ne, ni, 63, P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7), P(8), P(9), P(10), P(11), P(12), P(14), P(13), 1e-9, 20 * (n + ne + ni));
    const view = reg.view;
    if (view[off[13]!] !== 4) return undefined;
    return { yG: view.slice(off[8]!, off[8]! + ni), yA: view.slice(off[7]!, off[7]! + ne) };
  } finally {
    reg.release();
  }
}
