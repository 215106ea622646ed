import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { type AugmentedRows, type GradientMap, QpContext } from './context.js';
import { type Field, type FieldName, type Prepared, prepare, type QpBatchProblem, type QpProblem } from './prepare.js';

export interface QpOptions {
  /** Runtime whose memory holds the context (default: the one made by `ready()`). */
  runtime?: Runtime;
  /** Interior-point tolerance on the scaled KKT residual and on μ = sᵀλ/ni (default 1e-12). */
  tol?: number;
  /** Interior-point iteration limit (default 50). */
  maxIter?: number;
  /** Active-set solves before the box path gives up and re-solves by interior point (default max(50, 2n)). */
  boxMaxIter?: number;
  /** `'auto'` (default): box problems take the active-set path, the rest the interior point; `'ipm'` forces the interior point. */
  method?: 'auto' | 'ipm';
}

export type QpStatus = 'optimal' | 'inaccurate';

export interface QpResiduals {
  /** ‖Qz + p + Aᵀν + Gᵀλ‖∞ */
  stationarity: number;
  /** Largest violation of Az = b or Gz ≤ h (bounds included). */
  primal: number;
  /** Mean complementarity sᵀλ/ni (0 on the active-set path, where it holds exactly). */
  complementarity: number;
}

export interface QpResult {
  z: Float64Array;
  /** Inequality multipliers: the rows of G, then n for lb (if given), then n for ub (if given). */
  lambda: Float64Array;
  /** Equality multipliers (rows of A). */
  nu: Float64Array;
  status: QpStatus;
  iterations: number;
  residuals: QpResiduals;
  /** 'box' (active set) or 'ipm' (interior point / direct KKT solve). */
  method: 'box' | 'ipm';
  /** Owns WebAssembly memory: pass to `qp.backward`, then call `context.dispose()`. */
  context: QpContext;
}

export interface QpBatchResult {
  count: number;
  n: number;
  /** count × n, problem k at [k·n, (k+1)·n). */
  z: Float64Array;
  /** count × (rows of lambda), laid out as in `QpResult.lambda`. */
  lambda: Float64Array;
  /** count × ne. */
  nu: Float64Array;
  status: QpStatus[];
  iterations: Int32Array;
  residuals: { stationarity: Float64Array; primal: Float64Array; complementarity: Float64Array };
  method: 'box' | 'ipm';
  context: QpContext;
}

const BIT_IPM: Record<string, number> = { Q: 1, p: 2, A: 4, b: 8, G: 16, h: 32 };
const INFO = 8;

/** The keys `QpOptions` may hold (anything else is UNKNOWN_OPTION). */
export const QP_OPTION_KEYS = optionKeys<QpOptions>({ runtime: 1, tol: 1, maxIter: 1, boxMaxIter: 1, method: 1 });

/** Validated solver options (internal). */
export interface Opts {
  runtime: Runtime;
  tol: number;
  maxIter: number;
  boxMaxIter: number;
  method: 'auto' | 'ipm';
}

/** Checks `QpOptions` (UNKNOWN_OPTION, INVALID_HYPERPARAMETER, INVALID_ARGUMENT) and fills the defaults. */
export function qpOptions(o: QpOptions, n: number, valid: readonly string[] = QP_OPTION_KEYS): Opts {
  checkOptions('qp', o, valid);
  if (o.method !== undefined && o.method !== 'auto' && o.method !== 'ipm') {
    throw new MetaoptimError('INVALID_ARGUMENT', `qp: method must be 'auto' or 'ipm', got ${String(o.method)}`);
  }
  return {
    runtime: o.runtime ?? defaultRuntimeOrThrow(),
    tol: checkNumber('qp', 'tol', o.tol ?? 1e-12, { min: 0, minExclusive: true }),
    maxIter: Math.floor(checkNumber('qp', 'maxIter', o.maxIter ?? 50, { min: 1 })),
    boxMaxIter: Math.floor(checkNumber('qp', 'boxMaxIter', o.boxMaxIter ?? Math.max(50, 2 * n), { min: 1 })),
    method: o.method === 'ipm' ? 'ipm' : 'auto',
  };
}

/**
 * Solves one QP. See `docs/qp.md`. Errors (MetaoptimError codes): QP_SHAPE, QP_NON_FINITE,
 * QP_NOT_PD, QP_INFEASIBLE, QP_UNBOUNDED, QP_RANK_DEFICIENT.
 */
export function solve(problem: QpProblem, opts: QpOptions = {}): QpResult {
  const r = solveImpl(problem as QpBatchProblem, opts, false);
  return {
    z: r.z,
    lambda: r.lambda,
    nu: r.nu,
    status: r.status[0]!,
    iterations: r.iterations[0]!,
    residuals: { stationarity: r.residuals.stationarity[0]!, primal: r.residuals.primal[0]!, complementarity: r.residuals.complementarity[0]! },
    method: r.method,
    context: r.context,
  };
}

/**
 * Solves many QPs of one shape in one kernel call. Each input is shared (one value for all)
 * or per-problem (a list of values, or `{ batch }` packed row-major). Gradients of shared
 * inputs from `qp.backward` are SUMMED over the batch (the true gradient of a summed loss;
 * qpth averages instead).
 */
export function solveBatch(problem: QpBatchProblem, opts: QpOptions = {}): QpBatchResult {
  return solveImpl(problem, opts, true);
}

function solveImpl(problem: QpBatchProblem, opts: QpOptions, batch: boolean): QpBatchResult {
  const P = prepare(problem, batch);
  return solvePrepared(P, qpOptions(opts ?? {}, P.n));
}

/** Solves a prepared batch: the box path when it applies and succeeds, else the interior point. */
export function solvePrepared(P: Prepared, o: Opts): QpBatchResult {
  const boxable = o.method === 'auto' && !P.fields.A && ((!P.fields.G && (P.fields.lb || P.fields.ub)) || P.boundRows);
  if (boxable) {
    const r = solveBox(P, o);
    if (r) return r;
  }
  return solveIpm(P, o);
}

function lambdaRows(P: Prepared): number {
  return P.ni + (P.fields.lb ? P.n : 0) + (P.fields.ub ? P.n : 0);
}

function copyField(ctx: QpContext, part: string, f: Field | undefined): void {
  if (f) ctx.view(part, f.data.length).set(f.data);
}

function given(P: Prepared): GradientMap['given'] {
  const g: GradientMap['given'] = {};
  for (const [k, f] of Object.entries(P.fields) as [FieldName, Field][]) g[k] = f.shared;
  return g;
}

/** Box bounds as packed lb/ub (from lb/ub, or from bound rows of G, h). */
function boxBounds(P: Prepared): { lb: Field; ub: Field } {
  const n = P.n;
  if (!P.boundRows) {
    return {
      lb: P.fields.lb ?? { data: new Float64Array(n).fill(-Infinity), shared: true },
      ub: P.fields.ub ?? { data: new Float64Array(n).fill(Infinity), shared: true },
    };
  }
  const h = P.fields.h!;
  const copies = h.shared ? 1 : P.count;
  const lb = new Float64Array(copies * n).fill(-Infinity), ub = new Float64Array(copies * n).fill(Infinity);
  for (let k = 0; k < copies; k++) {
    P.boundRows.forEach((row, r) => {
      const v = h.data[k * P.ni + r]!;
      if (row.sign === 1) ub[k * n + row.variable] = v;
      else lb[k * n + row.variable] = -v;
    });
    for (let j = 0; j < n; j++) {
      if (lb[k * n + j]! > ub[k * n + j]!) {
        throw new MetaoptimError('QP_INFEASIBLE', `qp: the rows of G, h bounding variable ${j} cross (lower ${lb[k * n + j]} > upper ${ub[k * n + j]})`, { problem: k, variable: j });
      }
    }
  }
  return { lb: { data: lb, shared: h.shared }, ub: { data: ub, shared: h.shared } };
}

function solveBox(P: Prepared, o: Opts): QpBatchResult | undefined {
  const { count, n } = P;
  const { lb, ub } = boxBounds(P);
  const Q = P.fields.Q!, p = P.fields.p!;
  const shared = (Q.shared ? 1 : 0) | (p.shared ? 2 : 0) | (lb.shared ? 4 : 0) | (ub.shared ? 8 : 0);
  const ctx = new QpContext({
    method: 'box', count, n, ne: 0, ni: 0, runtime: o.runtime, sharedMask: shared,
    map: { given: given(P), ...(P.boundRows ? { boundRows: P.boundRows } : {}) },
    parts: [['Q', Q.data.length], ['p', p.data.length], ['lb', lb.data.length], ['ub', ub.data.length],
      ['z', count * n], ['mu', count * n], ['L', count * n * n], ['work', 2 * n + 2], ['info', count * INFO]],
    i32Length: 2 * count * n,
  });
  try {
    copyField(ctx, 'Q', Q);
    copyField(ctx, 'p', p);
    copyField(ctx, 'lb', lb);
    copyField(ctx, 'ub', ub);
    const k = o.runtime.kernels;
    k.qp_box_f64(count, n, shared, ctx.ptr('Q'), ctx.ptr('p'), ctx.ptr('lb'), ctx.ptr('ub'), ctx.ptr('z'), ctx.ptr('mu'),
      ctx.i32ptr(0), ctx.i32ptr(count * n), ctx.ptr('L'), ctx.ptr('work'), ctx.ptr('info'), o.boxMaxIter);
    const info = ctx.view('info', count * INFO).slice();
    for (let t = 0; t < count; t++) {
      const st = info[t * INFO]!;
      if (st === 5) throw nonFinite(t, count);
      if (st !== 0) {
        // Cycling, or Q_II not positive definite: the interior point decides (it accepts PSD Q with finite bounds).
        ctx.dispose();
        return undefined;
      }
    }
    const z = ctx.view('z', count * n).slice();
    const mu = ctx.view('mu', count * n).slice();
    const flags = ctx.i32view(0, count * n).slice();
    const rows = lambdaRows(P);
    const lambda = new Float64Array(count * rows);
    for (let t = 0; t < count; t++) {
      const base = t * rows;
      if (P.boundRows) {
        P.boundRows.forEach((row, r) => {
          const f = flags[t * n + row.variable]!, m = mu[t * n + row.variable]!;
          lambda[base + r] = row.sign === 1 ? (f === 2 ? m : 0) : f === 1 ? -m : 0;
        });
      } else {
        let c = base;
        if (P.fields.lb) for (let j = 0; j < n; j++, c++) lambda[c] = flags[t * n + j] === 1 ? -mu[t * n + j]! : 0;
        if (P.fields.ub) for (let j = 0; j < n; j++, c++) lambda[c] = flags[t * n + j] === 2 ? mu[t * n + j]! : 0;
      }
    }
    return {
      count, n, z, lambda, nu: new Float64Array(0),
      status: new Array<QpStatus>(count).fill('optimal'),
      iterations: column(new Int32Array(count), info, 1),
      residuals: {
        stationarity: column(new Float64Array(count), info, 2),
        primal: column(new Float64Array(count), info, 3),
        complementarity: new Float64Array(count),
      },
      method: 'box',
      context: ctx,
    };
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}

/** out[t] = info[t·8 + field] (plain loop: `TypedArray.from` with a callback is slow). */
function column<T extends Float64Array | Int32Array>(out: T, info: Float64Array, field: number): T {
  for (let t = 0; t < out.length; t++) out[t] = info[t * INFO + field]!;
  return out;
}

function nonFinite(t: number, count: number): MetaoptimError {
  return new MetaoptimError('QP_NON_FINITE', `qp: the solver produced a non-finite iterate${count > 1 ? ` in problem ${t}` : ''} (overflow: check the scaling of the inputs)`, { problem: t });
}

/** Appends finite bounds as rows of G: −z_j ≤ −lb_j, then z_j ≤ ub_j. */
function augment(P: Prepared): { G?: Field; h?: Field; rows: AugmentedRows } {
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

function solveIpm(P: Prepared, o: Opts): QpBatchResult {
  const { count, n, ne } = P;
  const aug = augment(P);
  const ni = aug.rows.user + aug.rows.lower.length + aug.rows.upper.length;
  const scaled = scaleRows(aug.G, aug.h, ni, n, count);
  const f: Partial<Record<string, Field>> = { Q: P.fields.Q, p: P.fields.p, A: P.fields.A, b: P.fields.b, G: scaled.G, h: scaled.h };
  let shared = 0;
  for (const [name, bit] of Object.entries(BIT_IPM)) if (!f[name] || f[name]!.shared) shared |= bit;
  const k = o.runtime.kernels;
  const ctx = new QpContext({
    method: 'ipm', count, n, ne, ni, runtime: o.runtime, sharedMask: shared,
    map: { given: given(P), rows: aug.rows, ...(scaled.scale ? { rowScale: scaled.scale } : {}) },
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
        status.push('optimal');
        continue;
      }
      if (st === 2) {
        const piv = info[t * INFO + 5]!;
        const what = ni > 0 ? 'Q + GᵀG' : 'Q';
        throw new MetaoptimError('QP_NOT_PD',
          `qp: ${what} is not positive definite${where}: smallest Cholesky pivot ${piv}. Regularize, e.g. Q + εI with ε ≈ ${regHint(f.Q!, t, n)}`,
          { problem: t, pivot: piv, hint: 'add εI to Q' });
      }
      if (st === 5) throw nonFinite(t, count);
      if (st === 6) {
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
      if (primal > 1e-6) {
        throw new MetaoptimError('QP_INFEASIBLE', `qp: no feasible point found${where}: primal residual ${primal.toExponential(2)} after ${info[t * INFO + 1]} iterations`, {
          problem: t, primal, dual, mu,
        });
      }
      throw new MetaoptimError('QP_UNBOUNDED', `qp: the objective appears unbounded below${where}: dual residual ${dual.toExponential(2)} with a feasible primal`, {
        problem: t, primal, dual, mu,
      });
    }
    const z = ctx.view('z', count * n).slice();
    const nu = ctx.view('nu', count * ne).slice();
    const lam = ctx.view('lam', count * ni).slice();
    if (scaled.scale) unscaleRows(lam, scaled.scale, count, ni, 1);
    const rows = lambdaRows(P);
    const lambda = new Float64Array(count * rows);
    for (let t = 0; t < count; t++) {
      const base = t * rows;
      for (let r = 0; r < aug.rows.user; r++) lambda[base + r] = lam[t * ni + r]!;
      let r = aug.rows.user;
      if (P.fields.lb) for (const j of aug.rows.lower) lambda[base + P.ni + j] = lam[t * ni + r++]!;
      const ubBase = base + P.ni + (P.fields.lb ? n : 0);
      if (P.fields.ub) for (const j of aug.rows.upper) lambda[ubBase + j] = lam[t * ni + r++]!;
    }
    return {
      count, n, z, lambda, nu, status,
      iterations: column(new Int32Array(count), info, 1),
      residuals: {
        stationarity: column(new Float64Array(count), info, 2),
        primal: column(new Float64Array(count), info, 3),
        complementarity: column(new Float64Array(count), info, 4),
      },
      method: 'ipm',
      context: ctx,
    };
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}

/**
 * Divides each row of G (and h) by its Euclidean norm (zero rows keep 1), so that the interior
 * point's slacks and stopping rule do not depend on how the user scaled the constraints. The
 * multipliers and the G, h gradients are scaled back (λ_k = λ'_k/c_k, dG_k = dG'_k/c_k,
 * dh_k = dh'_k/c_k). Returns the inputs unchanged when every row already has norm 1.
 */
function scaleRows(G: Field | undefined, h: Field | undefined, ni: number, n: number, count: number): { G?: Field; h?: Field; scale?: Float64Array } {
  if (!G || !h || ni === 0) return { G, h };
  const copies = G.shared ? 1 : count;
  const scale = new Float64Array(copies * ni);
  let trivial = true;
  for (let k = 0; k < copies * ni; k++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += G.data[k * n + j]! ** 2;
    const c = s > 0 ? Math.sqrt(s) : 1;
    scale[k] = c;
    if (c !== 1) trivial = false;
  }
  if (trivial) return { G, h };
  const Gs = G.data.slice();
  for (let k = 0; k < copies * ni; k++) for (let j = 0; j < n; j++) Gs[k * n + j] = Gs[k * n + j]! / scale[k]!;
  const hs = h.data.slice();
  const hCopies = h.shared ? 1 : count;
  for (let t = 0; t < hCopies; t++) for (let k = 0; k < ni; k++) hs[t * ni + k] = hs[t * ni + k]! / scale[(G.shared ? 0 : t) * ni + k]!;
  return { G: { data: Gs, shared: G.shared }, h: { data: hs, shared: h.shared }, scale };
}

/** x[t·ni·width + k·width + j] ← … / c_k for every problem t (c shared or per problem). */
export function unscaleRows(x: Float64Array, scale: Float64Array, count: number, ni: number, width: number): void {
  const perProblem = scale.length > ni;
  for (let t = 0; t < count; t++) {
    for (let k = 0; k < ni; k++) {
      const c = scale[(perProblem ? t : 0) * ni + k]!;
      if (c === 1) continue;
      const o = (t * ni + k) * width;
      for (let j = 0; j < width; j++) x[o + j] = x[o + j]! / c;
    }
  }
}

function regHint(Q: Field, t: number, n: number): string {
  const o = Q.shared ? 0 : t * n * n;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(Q.data[o + i * n + i]!));
  return (Math.max(m, 1) * 1e-8).toExponential(1);
}
