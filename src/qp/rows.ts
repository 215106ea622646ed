// Pieces shared by the QP solver paths (src/qp/solve.ts, dense.ts) and the backward pass:
// bound rows appended to G, the user-facing multiplier layout, info columns, row unscaling.
import { MetaoptimError } from '../core/errors.js';
import type { AugmentedRows, GradientMap, QpContext } from './context.js';
import type { Field, FieldName, Prepared } from './prepare.js';

/** f64 entries of per-problem `info` written by every QP kernel. */
export const INFO = 8;

export function lambdaRows(P: Prepared): number {
  return P.ni + (P.fields.lb ? P.n : 0) + (P.fields.ub ? P.n : 0);
}

/**
 * The user-facing multipliers (rows of G, then n for lb, then n for ub when given; 0 for an
 * infinite bound) from the kernel's λ over the augmented rows (count × ni).
 */
export function userLambda(P: Prepared, rows: AugmentedRows, lam: Float64Array, ni: number): Float64Array {
  const { count, n } = P;
  const width = lambdaRows(P);
  if (width === ni && rows.lower.length === 0 && rows.upper.length === 0) return lam.slice(0, count * ni);
  const lambda = new Float64Array(count * width);
  for (let t = 0; t < count; t++) {
    const base = t * width;
    for (let r = 0; r < rows.user; r++) lambda[base + r] = lam[t * ni + r]!;
    let r = rows.user;
    if (P.fields.lb) for (const j of rows.lower) lambda[base + P.ni + j] = lam[t * ni + r++]!;
    const ubBase = base + P.ni + (P.fields.lb ? n : 0);
    if (P.fields.ub) for (const j of rows.upper) lambda[ubBase + j] = lam[t * ni + r++]!;
  }
  return lambda;
}

export function copyField(ctx: QpContext, part: string, f: Field | undefined): void {
  if (f) ctx.view(part, f.data.length).set(f.data);
}

export function given(P: Prepared): GradientMap['given'] {
  const g: GradientMap['given'] = {};
  for (const [k, f] of Object.entries(P.fields) as [FieldName, Field][]) g[k] = f.shared;
  return g;
}

/** out[t] = info[t·8 + field] (plain loop: `TypedArray.from` with a callback is slow). */
export function column<T extends Float64Array | Int32Array>(out: T, info: Float64Array, field: number): T {
  for (let t = 0; t < out.length; t++) out[t] = info[t * INFO + field]!;
  return out;
}

export function nonFinite(t: number, count: number): MetaoptimError {
  return new MetaoptimError('QP_NON_FINITE', `qp: the solver produced a non-finite iterate${count > 1 ? ` in problem ${t}` : ''} (overflow: check the scaling of the inputs)`, { problem: t });
}

/** Appends finite bounds as rows of G: −z_j ≤ −lb_j, then z_j ≤ ub_j. */
export function augment(P: Prepared): { G?: Field; h?: Field; rows: AugmentedRows } {
  const { n, ni, count } = P;
  const lb = P.fields.lb, ub = P.fields.ub;
  const rows: AugmentedRows = { user: ni, lower: [], upper: [] };
  const pattern = (f: Field | undefined, list: number[], name: string): void => {
    if (!f) return;
    const copies = f.data.length / n;
    for (let j = 0; j < n; j++) {
      const fin = Number.isFinite(f.data[j]);
      for (let k = 1; k < copies; k++) {
        if (Number.isFinite(f.data[k * n + j]) !== fin) {
          throw new MetaoptimError('QP_SHAPE', `qp: ${name}[${j}] is infinite in some problems of the batch and finite in others`, { input: name, variable: j });
        }
      }
      if (fin) list.push(j);
    }
  };
  pattern(lb, rows.lower, 'lb');
  pattern(ub, rows.upper, 'ub');
  const extra = rows.lower.length + rows.upper.length;
  if (extra === 0) return { G: P.fields.G, h: P.fields.h, rows };
  const m = ni + extra;
  const G0 = P.fields.G, h0 = P.fields.h;
  const gCopies = G0 && !G0.shared ? count : 1;
  const G = new Float64Array(gCopies * m * n);
  for (let k = 0; k < gCopies; k++) {
    if (G0) G.set(G0.data.subarray(k * ni * n, (k + 1) * ni * n), k * m * n);
    let r = ni;
    for (const j of rows.lower) G[k * m * n + (r++) * n + j] = -1;
    for (const j of rows.upper) G[k * m * n + (r++) * n + j] = 1;
  }
  const hShared = (!h0 || h0.shared) && (!lb || lb.shared) && (!ub || ub.shared);
  const hCopies = hShared ? 1 : count;
  const h = new Float64Array(hCopies * m);
  for (let k = 0; k < hCopies; k++) {
    const pick = (f: Field, j: number): number => f.data[(f.shared ? 0 : k) * n + j]!;
    if (h0) for (let r = 0; r < ni; r++) h[k * m + r] = h0.data[(h0.shared ? 0 : k) * ni + r]!;
    let r = ni;
    for (const j of rows.lower) h[k * m + r++] = -pick(lb!, j);
    for (const j of rows.upper) h[k * m + r++] = pick(ub!, j);
  }
  return { G: { data: G, shared: gCopies === 1 }, h: { data: h, shared: hShared }, rows };
}
