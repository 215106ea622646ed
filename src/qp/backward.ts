import { MetaoptimError } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import { QpContext } from './context.js';
import { checkFinite } from './input.js';
import { unscaleBlocks } from './ruiz.js';

/**
 * Gradients of a scalar loss ℓ(z*) with respect to the inputs that were given. Matrices are
 * row-major Float64Arrays. For a batch, an input given per problem gets count × size entries
 * (problem k at [k·size, (k+1)·size)); an input shared by the batch gets ONE gradient, the
 * SUM over problems (the true gradient of Σ_k ℓ_k; qpth averages instead). `Q` is symmetrized:
 * ½(d_z zᵀ + z d_zᵀ).
 */
export interface QpGradients {
  Q: Float64Array;
  p: Float64Array;
  A?: Float64Array;
  b?: Float64Array;
  G?: Float64Array;
  h?: Float64Array;
  lb?: Float64Array;
  ub?: Float64Array;
}

/**
 * Backward pass through the KKT conditions (SPEC B.4.2): `dz` = ∂ℓ/∂z* (n numbers, or count × n
 * for a batch: packed or a list of vectors). Box path: active-set form (c), exact under strict
 * complementarity. Dense active set: form (c) on the confirmed final active set, from the kept
 * factors J, R (one O(n²) pass per problem; shared inputs summed in WebAssembly). Interior-point path: active-set form (c) with 𝒜 = {λ > s}, falling back to
 * the symmetric form (b) (D = λ/s clamped at 1e-8) when the active rows are linearly dependent;
 * exact without inequalities. On 'inaccurate' results the same formulas run at the returned
 * iterate (no accuracy promise). The context stays valid for further backward calls.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as qp from 'metaoptim/qp';
 * await ready();
 * const r = qp.solve({ Q: [[2, 0.5], [0.5, 1]], p: [1, -1], G: [[1, 1]], h: [-1], A: [[1, -1]], b: [0.2] });
 * const g = qp.backward(r.context, [1, 0]); // ∂z₀/∂(Q, p, A, b, G, h)
 * console.log(g.p.length, g.Q.length); // 2 4
 * r.context.dispose();
 * ```
 */
export function backward(ctx: QpContext, dz: ArrayLike<number> | ArrayLike<number>[]): QpGradients {
  if (!(ctx instanceof QpContext)) throw new MetaoptimError('INVALID_ARGUMENT', 'qp.backward: expected result.context from qp.solve');
  ctx.assertLive();
  const { count, n, ne, ni } = ctx;
  const v = new Float64Array(count * n);
  if (dz.length === count * n && (count === 1 || typeof dz[0] === 'number')) {
    for (let i = 0; i < v.length; i++) v[i] = (dz as ArrayLike<number>)[i]!;
  } else if (dz.length === count && count > 1) {
    for (let t = 0; t < count; t++) {
      const row = (dz as ArrayLike<number>[])[t]!;
      if (!row || row.length !== n) throw new MetaoptimError('QP_SHAPE', `qp.backward: dz[${t}] must have length ${n}`);
      for (let j = 0; j < n; j++) v[t * n + j] = row[j]!;
    }
  } else {
    throw new MetaoptimError('QP_SHAPE', `qp.backward: dz must have ${count * n} entries (count ${count} × n ${n}), got ${dz.length}`);
  }
  checkFinite('dz', v);
  const k = ctx.runtime.kernels;
  const arena = ctx.runtime.arena;
  const nn = n * n;
  if (ctx.method === 'box') {
    const tmp = new Region(arena, Float64Array, count * (nn + 4 * n) + n + 2);
    try {
      const o = { v: 0, dQ: count * n, dp: count * (n + nn), dlb: count * (2 * n + nn), dub: count * (3 * n + nn), work: count * (4 * n + nn) };
      tmp.view.set(v, o.v);
      const P = (e: number): number => tmp.ptr + e * 8;
      k.qp_box_backward_f64(count, n, ctx.sharedMask, ctx.ptr('Q'), ctx.ptr('z'), ctx.i32ptr(0), ctx.i32ptr(count * n), ctx.ptr('L'), ctx.ptr('info'),
        P(o.v), P(o.work), P(o.dQ), P(o.dp), P(o.dlb), P(o.dub));
      const view = tmp.view;
      const dQ = view.slice(o.dQ, o.dQ + count * nn), dp = view.slice(o.dp, o.dp + count * n);
      const dlb = view.slice(o.dlb, o.dlb + count * n), dub = view.slice(o.dub, o.dub + count * n);
      const g = ctx.map.given;
      const out: QpGradients = { Q: reduce(dQ, count, nn, g.Q!), p: reduce(dp, count, n, g.p!) };
      const rows = ctx.map.boundRows;
      if (rows) {
        // G, h described bounds: row r is sign·z_j ≤ h_r. dh_r = dub_j (upper) or −dlb_j (lower);
        // the adjoint multiplier is −dh_r, so dG_r = −dh_r·zᵀ + λ_r·d_zᵀ (SPEC B.4.2 with μ in place of D(λ)d_λ).
        const z = ctx.view('z', count * n).slice(), mu = ctx.view('mu', count * n).slice(), flags = ctx.i32view(0, count * n).slice();
        const m = rows.length;
        const dG = new Float64Array(count * m * n), dh = new Float64Array(count * m);
        for (let t = 0; t < count; t++) {
          rows.forEach((row, r) => {
            const j = t * n + row.variable;
            const d = row.sign === 1 ? dub[j]! : -dlb[j]!;
            const lam = row.sign === 1 ? (flags[j] === 2 ? mu[j]! : 0) : flags[j] === 1 ? -mu[j]! : 0;
            dh[t * m + r] = d;
            for (let c = 0; c < n; c++) dG[(t * m + r) * n + c] = -d * z[t * n + c]! + lam * dp[t * n + c]!;
          });
        }
        out.G = reduce(dG, count, m * n, g.G!);
        out.h = reduce(dh, count, m, g.h!);
      } else {
        if (g.lb !== undefined) out.lb = reduce(dlb, count, n, g.lb);
        if (g.ub !== undefined) out.ub = reduce(dub, count, n, g.ub);
      }
      return out;
    } finally {
      tmp.release();
    }
  }
  // The dense kernel sums the gradients of shared inputs itself (one block each); the
  // interior point writes one block per problem and shared inputs are summed here.
  const dense = ctx.method === 'active-set';
  const mask = ctx.sharedMask;
  const copies = (bit: number): number => (dense && (mask & bit) !== 0 ? 1 : count);
  const sizes = {
    v: count * n, dQ: copies(1) * nn, dp: copies(2) * n, dA: copies(4) * ne * n, db: copies(8) * ne, dG: copies(16) * ni * n, dh: copies(32) * ni,
  };
  const off: Record<string, number> = {};
  let total = 0;
  for (const [name, len] of Object.entries(sizes)) {
    off[name] = total;
    total += len + (len & 1);
  }
  const workLen = dense ? k.qp_dense_work_len(n, ne, ni) : k.qp_ipm_work_len(n, ne, ni);
  off.work = total;
  total += workLen;
  const tmp = new Region(arena, Float64Array, total);
  const S = ctx.map.ruiz;
  try {
    // Ruiz-scaled interior point (z = Dz̃): the kernel differentiates the scaled problem, so it gets ∂ℓ/∂z̃ = D·dz.
    if (S) unscaleBlocks(v, n, 1, S, S.col, undefined, count);
    tmp.view.set(v, off.v!);
    const P = (name: string): number => tmp.ptr + off[name]! * 8;
    if (dense) {
      k.qp_dense_backward_f64(count, n, ne, ni, mask, ctx.ptr('z'), ctx.ptr('nu'), ctx.ptr('lam'), ctx.ptr('J'), ctx.ptr('R'), ctx.ptr('act'),
        ctx.ptr('scl'), ctx.ptr('info'), P('v'), P('work'), P('dQ'), P('dp'), P('dA'), P('db'), P('dG'), P('dh'));
    } else {
      k.qp_ipm_backward_f64(count, n, ne, ni, mask, ctx.ptr('G'), ctx.ptr('z'), ctx.ptr('nu'), ctx.ptr('lam'),
        ctx.ptr('L'), ctx.ptr('W'), ctx.ptr('S'), ctx.ptr('D'), ctx.ptr('info'), P('v'), P('work'), P('dQ'), P('dp'), P('dA'), P('db'), P('dG'), P('dh'));
    }
    const view = tmp.view;
    const get = (name: keyof typeof sizes): Float64Array => view.slice(off[name]!, off[name]! + sizes[name]);
    const sum = (x: Float64Array, bit: number, size: number, shared: boolean): Float64Array => (copies(bit) === 1 ? x : reduce(x, count, size, shared));
    const g = ctx.map.given;
    // Gradients of the scaled inputs back to the user's (per problem, before shared ones are summed).
    const un = (x: Float64Array, rows: number, cols: number, r: 'col' | 'eq' | 'ineq', c: boolean): Float64Array => {
      if (S) unscaleBlocks(x, rows, cols, S, S[r], c ? S.col : undefined, count);
      return x;
    };
    const out: QpGradients = { Q: sum(un(get('dQ'), n, n, 'col', true), 1, nn, g.Q!), p: sum(un(get('dp'), n, 1, 'col', false), 2, n, g.p!) };
    if (g.A !== undefined) {
      out.A = sum(un(get('dA'), ne, n, 'eq', true), 4, ne * n, g.A);
      out.b = sum(un(get('db'), ne, 1, 'eq', false), 8, ne, g.b!);
    }
    const rows = ctx.map.rows!;
    const dG = un(get('dG'), ni, n, 'ineq', true), dh = un(get('dh'), ni, 1, 'ineq', false);
    const gc = copies(16), hc = copies(32);
    if (g.G !== undefined) {
      const mu = rows.user;
      const userG = new Float64Array(gc * mu * n), userH = new Float64Array(hc * mu);
      for (let t = 0; t < gc; t++) userG.set(dG.subarray(t * ni * n, (t * ni + mu) * n), t * mu * n);
      for (let t = 0; t < hc; t++) userH.set(dh.subarray(t * ni, t * ni + mu), t * mu);
      out.G = gc === 1 && count > 1 && dense ? userG : reduce(userG, count, mu * n, g.G);
      out.h = hc === 1 && count > 1 && dense ? userH : reduce(userH, count, mu, g.h!);
    }
    // Appended bound rows: −z_j ≤ −lb_j gives dlb_j = −dh; z_j ≤ ub_j gives dub_j = dh.
    if (g.lb !== undefined) {
      const d = new Float64Array(hc * n);
      for (let t = 0; t < hc; t++) rows.lower.forEach((j, i) => (d[t * n + j] = -dh[t * ni + rows.user + i]!));
      out.lb = hc === 1 ? d : reduce(d, count, n, g.lb);
    }
    if (g.ub !== undefined) {
      const d = new Float64Array(hc * n);
      const base = rows.user + rows.lower.length;
      for (let t = 0; t < hc; t++) rows.upper.forEach((j, i) => (d[t * n + j] = dh[t * ni + base + i]!));
      out.ub = hc === 1 ? d : reduce(d, count, n, g.ub);
    }
    return out;
  } finally {
    tmp.release();
  }
}

/** Sums the per-problem gradients of a shared input; returns per-problem ones unchanged. */
function reduce(x: Float64Array, count: number, size: number, shared: boolean): Float64Array {
  if (!shared || count === 1) return x;
  const s = new Float64Array(size);
  for (let t = 0; t < count; t++) for (let i = 0; i < size; i++) s[i] = s[i]! + x[t * size + i]!;
  return s;
}
