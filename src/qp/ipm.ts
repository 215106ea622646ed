// The interior-point path (assembly/qp.ts): Mehrotra predictor-corrector over the whole batch
// in one call, rows of G normalized, then the unscaled KKT check (qp_kkt_f64) before 'optimal'.
// Failures are classified with certificates: a phase-one active-set probe gives the Farkas
// multipliers of infeasible constraints; a diverging iterate that passes the recession test
// (Qd ≈ 0, Ad ≈ 0, Gd ≤ 0, pᵀd < 0) is returned as the direction of unboundedness.
import { MetaoptimError } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import type { Runtime } from '../runtime/runtime.js';
import { farkasCheck, infeasibleError, probeInfeasible, splitCertificate } from './certify.js';
import { QpContext } from './context.js';
import type { Field, Prepared } from './prepare.js';
import { augment, column, copyField, given, INFO, nonFinite, userLambda } from './rows.js';
import { ruizScales, type RuizScales, scaleField, unscaleBlocks } from './ruiz.js';
import type { Opts, QpBatchResult, QpStatus } from './types.js';

const BIT_IPM: Record<string, number> = { Q: 1, p: 2, A: 4, b: 8, G: 16, h: 32 };

export function solveIpm(P: Prepared, o: Opts): QpBatchResult {
  const { count, n, ne } = P;
  const aug = augment(P);
  const ni = aug.rows.user + aug.rows.lower.length + aug.rows.upper.length;
  const S = ruizScales(P.fields.Q!, P.fields.A, aug.G, n, ne, ni, count);
  const f: Partial<Record<string, Field>> = S ? {
    Q: scaleField(P.fields.Q!, n, n, S, S.col, S.col, count), p: scaleField(P.fields.p!, n, 1, S, S.col, undefined, count),
    ...(P.fields.A ? { A: scaleField(P.fields.A, ne, n, S, S.eq, S.col, count), b: scaleField(P.fields.b!, ne, 1, S, S.eq, undefined, count) } : {}),
    ...(aug.G ? { G: scaleField(aug.G, ni, n, S, S.ineq, S.col, count), h: scaleField(aug.h!, ni, 1, S, S.ineq, undefined, count) } : {}),
  } : { Q: P.fields.Q, p: P.fields.p, A: P.fields.A, b: P.fields.b, G: aug.G, h: aug.h };
  let shared = 0;
  for (const [name, bit] of Object.entries(BIT_IPM)) if (!f[name] || f[name]!.shared) shared |= bit;
  const k = o.runtime.kernels;
  const ctx = new QpContext({
    method: 'ipm', count, n, ne, ni, runtime: o.runtime, sharedMask: shared,
    map: { given: given(P), rows: aug.rows, ...(S ? { ruiz: S } : {}) },
    parts: [
      ['Q', f.Q!.data.length], ['p', f.p!.data.length], ['A', f.A?.data.length ?? 0], ['b', f.b?.data.length ?? 0],
      ['G', f.G?.data.length ?? 0], ['h', f.h?.data.length ?? 0],
      ['z', count * n], ['nu', count * ne], ['lam', count * ni], ['s', count * ni],
      ['L', count * n * n], ['W', count * (ne + ni) * n], ['S', count * (ne + ni) * (ne + ni)], ['D', count * ni],
      ['work', k.qp_ipm_work_len(n, ne, ni)], ['info', count * INFO],
    ],
  });
  try {
    for (const name of ['Q', 'p', 'A', 'b', 'G', 'h']) copyField(ctx, name, f[name]);
    k.qp_ipm_f64(count, n, ne, ni, shared, ctx.ptr('Q'), ctx.ptr('p'), ctx.ptr('A'), ctx.ptr('b'), ctx.ptr('G'), ctx.ptr('h'),
      ctx.ptr('z'), ctx.ptr('nu'), ctx.ptr('lam'), ctx.ptr('s'), ctx.ptr('L'), ctx.ptr('W'), ctx.ptr('S'), ctx.ptr('D'),
      ctx.ptr('work'), ctx.ptr('info'), o.tol, o.maxIter);
    const info = ctx.view('info', count * INFO).slice();
    const status: QpStatus[] = [];
    const scale = (fl: Field | undefined, t: number, len: number): number => {
      if (!fl || len === 0) return 1;
      let m = 0;
      const o0 = fl.shared ? 0 : t * len;
      for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(fl.data[o0 + i]!));
      return 1 + m;
    };
    for (let t = 0; t < count; t++) {
      const st = info[t * INFO]!;
      const where = count > 1 ? ` (problem ${t})` : '';
      if (st === 0) {
        status.push('optimal'); // confirmed by the unscaled KKT check below
        continue;
      }
      if (st === 2) {
        const piv = info[t * INFO + 5]!;
        const what = ni > 0 ? 'Q + GᵀG' : 'Q';
        throw new MetaoptimError('QP_NOT_PD',
          `qp: ${what} is not positive definite${where}: smallest Cholesky pivot ${piv}. Regularize, e.g. Q + εI with ε ≈ ${regHint(P.fields.Q!, t, n)}`,
          { problem: t, pivot: piv, hint: 'add εI to Q' });
      }
      if (st === 5) throw nonFinite(t, count);
      if (st === 6) {
        certifyInfeasible(o.runtime, t, count, P, aug, ni);
        throw new MetaoptimError('QP_RANK_DEFICIENT', `qp: the rows of A are linearly dependent${where} (redundant or inconsistent equalities); remove dependent rows`, {
          problem: t, pivot: info[t * INFO + 5],
        });
      }
      // Not converged: accept a nearly solved problem, else classify from the last residuals.
      const dual = info[t * INFO + 2]! / scale(f.p, t, n);
      const primal = info[t * INFO + 3]! / Math.max(scale(f.h, t, ni), scale(f.b, t, ne));
      const mu = info[t * INFO + 4]!;
      if (Math.max(dual, primal, mu) <= Math.max(1e-6, o.tol)) {
        status.push('inaccurate');
        continue;
      }
      certifyInfeasible(o.runtime, t, count, P, aug, ni, { primal, dual, mu });
      const d = recession(P, aug.G, t, unscaledZ(ctx, S, t, n));
      if (d) {
        throw new MetaoptimError('QP_UNBOUNDED', `qp: the objective is unbounded below${where}: details.direction d has Qd ≈ 0, Ad ≈ 0, Gd ≤ 0 and pᵀd = ${d.slope.toExponential(3)} < 0`, {
          problem: t, direction: d.direction, slope: d.slope, primal, dual, mu,
        });
      }
      status.push('inaccurate');
    }
    const z = ctx.view('z', count * n).slice();
    const nu = ctx.view('nu', count * ne).slice();
    const lam = ctx.view('lam', count * ni).slice();
    if (S) {
      unscaleBlocks(z, n, 1, S, S.col, undefined, count);
      unscaleBlocks(nu, ne, 1, S, S.eq, undefined, count);
      unscaleBlocks(lam, ni, 1, S, S.ineq, undefined, count);
    }
    const lambda = userLambda(P, aug.rows, lam, ni);
    const res = kktCheck(o.runtime, P, aug.G, aug.h, z, nu, lam, ni);
    for (let t = 0; t < count; t++) {
      const worst = Math.max(res[4 * t]!, res[4 * t + 1]!, res[4 * t + 2]!, res[4 * t + 3]!);
      if (worst <= o.kktTol) continue;
      status[t] = 'inaccurate';
      if (!(res[4 * t + 1]! <= o.kktTol)) certifyInfeasible(o.runtime, t, count, P, aug, ni); // e.g. inconsistent equalities
    }
    const pick = (j: number): Float64Array => {
      const out = new Float64Array(count);
      for (let t = 0; t < count; t++) out[t] = res[4 * t + j]!;
      return out;
    };
    return {
      count, n, z, lambda, nu, status,
      iterations: column(new Int32Array(count), info, 1),
      residuals: { stationarity: pick(0), primal: pick(1), complementarity: pick(2), dual: pick(3) },
      method: 'ipm',
      context: ctx,
    };
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}

/** z of problem t mapped back to the user's variables (z = Dz̃ under Ruiz scaling). */
function unscaledZ(ctx: QpContext, S: RuizScales | undefined, t: number, n: number): Float64Array {
  const z = ctx.view('z', (t + 1) * n).slice(t * n, (t + 1) * n);
  if (S) {
    const o = S.copies === 1 ? 0 : t * n;
    for (let j = 0; j < n; j++) z[j] = S.col[o + j]! * z[j]!;
  }
  return z;
}

function regHint(Q: Field, t: number, n: number): string {
  const o = Q.shared ? 0 : t * n * n;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(Q.data[o + i * n + i]!));
  return (Math.max(m, 1) * 1e-8).toExponential(1);
}

/** Unscaled KKT residuals (qp_kkt_f64, 4 per problem) of the user's problem at z, ν, λ (all unscaled). */
function kktCheck(rt: Runtime, P: Prepared, G: Field | undefined, h: Field | undefined, z: Float64Array, nu: Float64Array, lam: Float64Array, ni: number): Float64Array {
  const { count, n, ne } = P;
  const F = P.fields;
  const parts = [F.Q!.data, F.p!.data, F.A?.data, F.b?.data, G?.data, h?.data, z, nu, lam];
  const len = parts.map((x) => (x ? x.length + (x.length & 1) : 0));
  const outLen = 4 * count, workLen = 3 * n;
  const tmp = new Region(rt.arena, Float64Array, len.reduce((a, b) => a + b, 0) + outLen + workLen + 2);
  try {
    const v = tmp.view;
    const at: number[] = [];
    let o = 0;
    parts.forEach((x, i) => {
      at.push(o);
      if (x) v.set(x, o);
      o += len[i]!;
    });
    const ptr = (e: number): number => tmp.ptr + e * 8;
    const sh = (x: Field | undefined, bit: number): number => (!x || x.shared ? bit : 0);
    const shared = sh(F.Q, 1) | sh(F.p, 2) | sh(F.A, 4) | sh(F.b, 8) | sh(G, 16) | sh(h, 32);
    rt.kernels.qp_kkt_f64(count, n, ne, ni, shared, ptr(at[0]!), ptr(at[1]!), ptr(at[2]!), ptr(at[3]!), ptr(at[4]!), ptr(at[5]!),
      ptr(at[6]!), ptr(at[7]!), ptr(at[8]!), ptr(o + outLen), ptr(o));
    return tmp.view.slice(o, o + outLen);
  } finally {
    tmp.release();
  }
}

/** Throws QP_INFEASIBLE with a Farkas certificate when the phase-one probe finds the constraints of problem t infeasible. */
function certifyInfeasible(rt: Runtime, t: number, count: number, P: Prepared, aug: ReturnType<typeof augment>, ni: number, extra: Record<string, unknown> = {}): void {
  const { n, ne } = P;
  const y = probeInfeasible(rt, t, n, ne, ni, aug.G, aug.h, P.fields.A, P.fields.b);
  if (!y) return;
  const check = farkasCheck(t, n, ne, ni, aug.G, aug.h, P.fields.A, P.fields.b, y.yG, y.yA);
  const g = { G: !!P.fields.G, A: !!P.fields.A, lb: !!P.fields.lb, ub: !!P.fields.ub };
  throw infeasibleError(t, count, splitCertificate(aug.rows, n, ne, g, y.yG, y.yA, check), extra);
}

/**
 * The direction of a diverging iterate, d = z/‖z‖∞, when it certifies unboundedness:
 * ‖Qd‖∞ ≤ 1e-6·‖Q‖max, |Ad| ≤ 1e-6·‖A‖max, Gd ≤ 1e-6·‖G‖max (bounds included) and pᵀd < 0.
 */
function recession(P: Prepared, G: Field | undefined, t: number, z: Float64Array): { direction: Float64Array; slope: number } | undefined {
  const { n, ne } = P;
  let zn = 0;
  for (const v of z) zn = Math.max(zn, Math.abs(v));
  if (!(zn > 0) || !Number.isFinite(zn)) return undefined;
  // The iterate's bounded part shrinks relative to its diverging part: try d = z/‖z‖∞, then d with
  // the components below 1e-3 zeroed; either is returned only if it passes the test below.
  const first = check(Float64Array.from(z, (v) => v / zn));
  return first ?? check(Float64Array.from(z, (v) => (Math.abs(v) > 1e-3 * zn ? v / zn : 0)));
  function check(d: Float64Array): { direction: Float64Array; slope: number } | undefined {
    const mat = (f: Field | undefined, rows: number, test: (r: number, scale: number) => boolean): boolean => {
      if (!f || rows === 0) return true;
      const o = f.shared ? 0 : t * rows * n;
      let scale = 0;
      for (let i = 0; i < rows * n; i++) scale = Math.max(scale, Math.abs(f.data[o + i]!));
      for (let k = 0; k < rows; k++) {
        let r = 0;
        for (let j = 0; j < n; j++) r += f.data[o + k * n + j]! * d[j]!;
        if (!test(r, scale)) return false;
      }
      return true;
    };
    const ok = mat(P.fields.Q, n, (r, s) => Math.abs(r) <= 1e-6 * s) && mat(P.fields.A, ne, (r, s) => Math.abs(r) <= 1e-6 * s)
      && mat(G, G ? G.data.length / n / (G.shared ? 1 : P.count) : 0, (r, s) => r <= 1e-6 * s);
    const p = P.fields.p!;
    let slope = 0;
    for (let j = 0; j < n; j++) slope += p.data[(p.shared ? 0 : t * n) + j]! * d[j]!;
    return ok && slope < 0 ? { direction: d, slope } : undefined;
  }
}
