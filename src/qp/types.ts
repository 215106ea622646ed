// The option and result types of the QP solvers (solve.ts dispatches; box.ts, dense.ts and
// ipm.ts produce QpBatchResult from validated Opts).
import type { Runtime } from '../runtime/runtime.js';
import type { QpContext } from './context.js';

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
