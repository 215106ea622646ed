/** @module metaoptim/qp */
/**
 * Differentiable dense quadratic programs (SPEC B.4), solved in WebAssembly (f64):
 *   minimize ½zᵀQz + pᵀz  subject to  Az = b,  Gz ≤ h,  lb ≤ z ≤ ub.
 *
 * - `solve(problem, options)` / `solveBatch(problems, options)`: `method: 'auto'` (default)
 *   takes the box active set for bounds-only problems, the dense Goldfarb–Idnani active set
 *   (Ruiz-equilibrated) for positive definite Q with n ≤ 128, else the Mehrotra interior point;
 *   `'box'`, `'active-set'`, `'ipm'` name a solver. Every `'optimal'` passed the unscaled KKT
 *   check at `kktTol` (default 1e-9; docs/qp.md, "Tolerances"); otherwise `'inaccurate'`.
 * - `await solveBatchAsync(problems, { chunkSize, keepContexts, signal, onProgress })`: the same
 *   answers for large batches, solved in chunks with a yield between them; cancellable (ABORTED
 *   details `{ iteration, partial }`, partial = the problems solved so far).
 * - `backward(result.context, dz)`: gradients of ℓ(z*) w.r.t. Q (symmetrized), p, A, b, G, h,
 *   lb, ub through the KKT adjoint on the confirmed active set. Shared batch inputs get the SUM.
 * - Contexts own WebAssembly memory: call `result.context.dispose()` when done.
 *
 * Error codes (MetaoptimError.code):
 * - `QP_SHAPE`          inputs missing, of the wrong length, or inconsistent across a batch
 * - `QP_NON_FINITE`     NaN/±∞ in an input (±∞ allowed in lb/ub), in dz, or an overflowing iterate
 * - `QP_NOT_PD`         Q (or Q + GᵀG for the interior point) is not positive definite; details carry the smallest pivot
 * - `QP_INFEASIBLE`     no feasible point (lb > ub, inconsistent equalities, …); details.certificate: Farkas multipliers
 * - `QP_UNBOUNDED`      unbounded below (semidefinite Q); details.direction d with pᵀd < 0
 * - `QP_RANK_DEFICIENT` the rows of A are linearly dependent (consistent)
 * - `UNKNOWN_OPTION`    an option key that does not exist
 * - `ABORTED`           `solveBatchAsync`'s signal fired
 * - `DISPOSED`          backward on a disposed context
 */
export { backward, type QpGradients } from './backward.js';
export { QpContext, type QpMethod } from './context.js';
export type { MatrixInput, PackedBatch, VectorInput } from './input.js';
export type { BatchField, QpBatchProblem, QpProblem } from './prepare.js';
export type { FarkasCertificate } from './certify.js';
export {
  ACTIVE_SET_MAX_N, QP_OPTION_KEYS, type QpBatchResult, type QpOptions, type QpResiduals, type QpResult, type QpSolverName, type QpStatus, solve, solveBatch,
} from './solve.js';
export { type QpBatchAsyncOptions, type QpBatchAsyncResult, type QpChunk, solveBatchAsync } from './batch-async.js';
