/**
 * Differentiable dense quadratic programs (SPEC B.4), solved in WebAssembly (f64):
 *   minimize ½zᵀQz + pᵀz  subject to  Az = b,  Gz ≤ h,  lb ≤ z ≤ ub.
 *
 * - `solve(problem, options)` / `solveBatch(problems, options)`: bounds only (lb/ub, or a G, h
 *   whose rows are ±unit vectors) take a primal-dual active-set fast path; everything else a
 *   Mehrotra predictor-corrector interior point; no inequalities a direct KKT solve.
 * - `await solveBatchAsync(problems, { chunkSize, keepContexts, signal, onProgress })`: the same
 *   answers for large batches, solved in chunks with a yield between them; cancellable (ABORTED
 *   details `{ iteration, partial }`, partial = the problems solved so far).
 * - `backward(result.context, dz)`: gradients of ℓ(z*) w.r.t. Q (symmetrized), p, A, b, G, h,
 *   lb, ub through the KKT adjoint. Shared batch inputs get the SUM of per-problem gradients.
 * - Contexts own WebAssembly memory: call `result.context.dispose()` when done.
 *
 * Error codes (MetaoptimError.code):
 * - `QP_SHAPE`          inputs missing, of the wrong length, or inconsistent across a batch
 * - `QP_NON_FINITE`     NaN/±∞ in an input (±∞ allowed in lb/ub), in dz, or an overflowing iterate
 * - `QP_NOT_PD`         Q (or Q + GᵀG) is not positive definite; details carry the smallest pivot
 * - `QP_INFEASIBLE`     lb > ub, or the interior point finds no feasible point
 * - `QP_UNBOUNDED`      the interior point sees a feasible primal with a diverging dual residual
 * - `QP_RANK_DEFICIENT` the rows of A are linearly dependent
 * - `UNKNOWN_OPTION`    an options object has a key the solver does not take
 * - `ABORTED`           `solveBatchAsync`'s signal fired
 * - `DISPOSED`          backward on a disposed context
 */
export { backward, type QpGradients } from './backward.js';
export { QpContext, type QpMethod } from './context.js';
export type { MatrixInput, PackedBatch, VectorInput } from './input.js';
export type { BatchField, QpBatchProblem, QpProblem } from './prepare.js';
export { QP_OPTION_KEYS, type QpBatchResult, type QpOptions, type QpResiduals, type QpResult, type QpStatus, solve, solveBatch } from './solve.js';
export { type QpBatchAsyncOptions, type QpBatchAsyncResult, type QpChunk, solveBatchAsync } from './batch-async.js';
