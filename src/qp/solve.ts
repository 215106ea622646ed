import { checkNumber, checkOptions, MetaoptimError, optionKeys } from '../core/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { solveBox } from './box.js';
import type { QpContext } from './context.js';
import { solveDense } from './dense.js';
import { solveIpm } from './ipm.js';
import { prepare, type Prepared, type QpBatchProblem, type QpProblem } from './prepare.js';

/** Solver of a QP: `'box'` (bounds only, primal-dual active set), `'active-set'` (dense Goldfarb–Idnani), `'ipm'` (interior point). */
export type QpSolverName = 'box' | 'active-set' | 'ipm';

export interface QpOptions {
  /** Runtime whose memory holds the context (default: the one made by `ready()`). */
  runtime?: Runtime;
  /** Interior-point tolerance on the scaled KKT residual and on μ = sᵀλ/ni (default 1e-12). */
  tol?: number;
  /** Interior-point iteration limit (default 50). */
  maxIter?: number;
  /** Active-set solves before the box path gives up and re-solves by interior point (default max(50, 2n)). */
  boxMaxIter?: number;
  /** Inequality additions and drops before the dense active set gives up (default 10·(n + rows), rows counting bounds). */
  activeSetMaxIter?: number;
  /**
   * Tolerance of the unscaled KKT check that every `'optimal'` result passes (default 1e-9):
   * relative stationarity, primal feasibility, complementarity and dual sign (see docs/qp.md).
   */
  kktTol?: number;
  /**
   * `'auto'` (default): bounds only → `'box'`; Q positive definite and n ≤ 128 → `'active-set'`;
   * otherwise `'ipm'`. A named solver is used as given (`'box'` only for bounds-only problems).
   */
  method?: 'auto' | QpSolverName;
}

/** The keys `QpOptions` may hold (anything else is UNKNOWN_OPTION). */
export const QP_OPTION_KEYS = optionKeys<QpOptions>({ runtime: 1, tol: 1, maxIter: 1, boxMaxIter: 1, activeSetMaxIter: 1, kktTol: 1, method: 1 });

/** Largest n for which `'auto'` tries the dense active set before the interior point. */
export const ACTIVE_SET_MAX_N = 128;

export type QpStatus = 'optimal' | 'inaccurate';

/**
 * Relative KKT residuals of the UNSCALED problem (docs/qp.md, "Tolerances"); `'optimal'`
 * means all four are ≤ `kktTol`. Box path: stationarity and primal are absolute and the
 * active set satisfies complementarity and the dual sign exactly.
 */
export interface QpResiduals {
  /** ‖Qz + p + Aᵀν + Gᵀλ‖∞ / (1 + max(‖Qz‖∞, ‖p‖∞, ‖Aᵀν‖∞, ‖Gᵀλ‖∞)). */
  stationarity: number;
  /** Largest row violation of Az = b or Gz ≤ h (bounds included), each row divided by its ∞-norm and by 1 + ‖z‖∞ + |b_k or h_k|/‖row‖∞. */
  primal: number;
  /** max_k λ_k·‖g_k‖∞·|slack_k/‖g_k‖∞| relative to the stationarity scale times 1 + ‖z‖∞. */
  complementarity: number;
  /** Largest negative multiplier, max_k max(0, −λ_k)·‖g_k‖∞, relative to the stationarity scale. */
  dual: number;
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
  /** The solver that produced the result. */
  method: QpSolverName;
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
  residuals: { stationarity: Float64Array; primal: Float64Array; complementarity: Float64Array; dual: Float64Array };
  method: QpSolverName;
  context: QpContext;
}

/** Validated solver options (internal). */
export interface Opts {
  runtime: Runtime;
  tol: number;
  maxIter: number;
  boxMaxIter: number;
  /** 0: the default 10·(n + rows), set by the active-set path. */
  activeSetMaxIter: number;
  kktTol: number;
  method: 'auto' | QpSolverName;
}

/** Checks `QpOptions` (UNKNOWN_OPTION, INVALID_HYPERPARAMETER, INVALID_ARGUMENT) and fills the defaults. */
export function qpOptions(o: QpOptions, n: number, valid: readonly string[] = QP_OPTION_KEYS): Opts {
  checkOptions('qp', o, valid);
  const method = o.method ?? 'auto';
  if (!['auto', 'box', 'active-set', 'ipm'].includes(method)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `qp: method must be 'auto', 'box', 'active-set' or 'ipm', got ${String(method)}`);
  }
  return {
    runtime: o.runtime ?? defaultRuntimeOrThrow(),
    tol: checkNumber('qp', 'tol', o.tol ?? 1e-12, { min: 0, minExclusive: true }),
    maxIter: Math.floor(checkNumber('qp', 'maxIter', o.maxIter ?? 50, { min: 1 })),
    boxMaxIter: Math.floor(checkNumber('qp', 'boxMaxIter', o.boxMaxIter ?? Math.max(50, 2 * n), { min: 1 })),
    activeSetMaxIter: o.activeSetMaxIter === undefined ? 0 : Math.floor(checkNumber('qp', 'activeSetMaxIter', o.activeSetMaxIter, { min: 1 })),
    kktTol: checkNumber('qp', 'kktTol', o.kktTol ?? 1e-9, { min: 0, minExclusive: true }),
    method,
  };
}

/**
 * Solves one QP. See `docs/qp.md`. Errors (MetaoptimError codes): QP_SHAPE, QP_NON_FINITE,
 * QP_NOT_PD, QP_INFEASIBLE (details.certificate), QP_UNBOUNDED (details.direction),
 * QP_RANK_DEFICIENT, UNKNOWN_OPTION.
 */
export function solve(problem: QpProblem, opts: QpOptions = {}): QpResult {
  const r = solveImpl(problem as QpBatchProblem, opts, false);
  return {
    z: r.z,
    lambda: r.lambda,
    nu: r.nu,
    status: r.status[0]!,
    iterations: r.iterations[0]!,
    residuals: {
      stationarity: r.residuals.stationarity[0]!,
      primal: r.residuals.primal[0]!,
      complementarity: r.residuals.complementarity[0]!,
      dual: r.residuals.dual[0]!,
    },
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

/** Solves a prepared batch with the solver `o.method` names or `'auto'` picks (see QpOptions.method). */
export function solvePrepared(P: Prepared, o: Opts): QpBatchResult {
  const boxable = !P.fields.A && ((!P.fields.G && (P.fields.lb || P.fields.ub)) || !!P.boundRows);
  if (o.method === 'box' && !boxable) {
    throw new MetaoptimError('INVALID_ARGUMENT', "qp: method 'box' needs a problem with bounds only (lb/ub, or G rows that are ±unit vectors) and no A");
  }
  if ((o.method === 'auto' && boxable) || o.method === 'box') {
    const r = solveBox(P, o);
    if (r) return r;
  }
  if (o.method === 'active-set' || (o.method === 'auto' && !boxable && P.n <= ACTIVE_SET_MAX_N)) {
    const r = solveDense(P, o);
    if (r) return r;
  }
  return solveIpm(P, o);
}
