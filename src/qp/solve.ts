import { checkNumber, checkOptions, MetaoptimError, optionKeys } from '../core/errors.js';
import { defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { solveBox } from './box.js';
import { solveBoxDirect } from './box-direct.js';
import { solveDense } from './dense.js';
import { solveIpm } from './ipm.js';
import { prepare, type Prepared, type QpBatchProblem, type QpProblem } from './prepare.js';
import { singleShape, solveSingleDense } from './single.js';
import type { Opts, QpBatchResult, QpOptions, QpResult } from './types.js';

export type { Opts, QpBatchResult, QpOptions, QpResiduals, QpResult, QpSolverName, QpStatus } from './types.js';

/** The keys `QpOptions` may hold (anything else is UNKNOWN_OPTION). */
export const QP_OPTION_KEYS = optionKeys<QpOptions>({ runtime: 1, tol: 1, maxIter: 1, boxMaxIter: 1, activeSetMaxIter: 1, kktTol: 1, method: 1 });

/** Largest n for which `'auto'` tries the dense active set before the interior point. */
export const ACTIVE_SET_MAX_N = 128;

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
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as qp from 'metaoptim/qp';
 * await ready();
 * // min ½zᵀQz + pᵀz  s.t.  Gz ≤ h, Az = b
 * const r = qp.solve({ Q: [[2, 0.5], [0.5, 1]], p: [1, -1], G: [[1, 1]], h: [-1], A: [[1, -1]], b: [0.2] });
 * console.log(Array.from(r.z, (v) => v.toFixed(3)).join(' '), r.status); // -0.400 -0.600 optimal
 * r.context.dispose();
 * ```
 */
export function solve(problem: QpProblem, opts: QpOptions = {}): QpResult {
  const fast = solveSingle(problem, opts);
  if (fast) return fast;
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
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as qp from 'metaoptim/qp';
 * await ready();
 * const r = qp.solveBatch({ Q: [[1, 0], [0, 1]], p: [[1, 1], [-1, 2]], lb: [0, 0], ub: [1, 1] }); // shared Q and box
 * console.log(r.n, Array.from(r.z).join(' ')); // 2 0 0 1 0
 * r.context.dispose();
 * ```
 */
export function solveBatch(problem: QpBatchProblem, opts: QpOptions = {}): QpBatchResult {
  return solveImpl(problem, opts, true);
}

/**
 * The fast path of `solve` (single.ts): a plain problem without lb/ub under method 'auto' or
 * 'active-set' goes straight to the dense kernel. Undefined hands the call to the general path
 * (which re-validates everything and owns every error, so errors are the same either way).
 */
function solveSingle(problem: QpProblem, opts: QpOptions): QpResult | undefined {
  const s = singleShape(problem);
  if (!s || s.n > ACTIVE_SET_MAX_N) return undefined;
  let o: Opts;
  try {
    o = qpOptions(opts ?? {}, s.n);
  } catch {
    return undefined;
  }
  if (o.method !== 'auto' && o.method !== 'active-set') return undefined;
  if (o.runtime.disposed) return undefined;
  return solveSingleDense(problem as unknown as Record<string, unknown>, s, o);
}

function solveImpl(problem: QpBatchProblem, opts: QpOptions, batch: boolean): QpBatchResult {
  // Bounds-only problems: the inputs straight into WebAssembly memory (box-direct.ts); anything
  // unusual comes back undefined and takes the general path below, which owns every error.
  const direct = solveBoxDirect(problem, batch, (n) => {
    try {
      return qpOptions(opts ?? {}, n);
    } catch {
      return undefined;
    }
  });
  if (direct) return direct;
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
