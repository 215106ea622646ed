import { MetaoptimError, checkNumber, optionKeys } from '../core/errors.js';
import { Loop, type LoopOptions } from '../core/loop.js';
import type { QpContext } from './context.js';
import { type Field, type FieldName, type Prepared, prepare, type QpBatchProblem } from './prepare.js';
import { type QpBatchResult, type QpOptions, type QpSolverName, type QpStatus, qpOptions, solvePrepared } from './solve.js';

/**
 * `qp.solveBatchAsync`: the same problems and answers as `solveBatch`, for batches large enough
 * to block the event loop. The batch is validated and packed once, then solved in chunks of
 * `chunkSize` consecutive problems (one kernel call each), yielding to the event loop between
 * chunks (core/loop.ts contract).
 *
 * - Default chunk size: max(1, ⌊4·10⁵ / n³⌋) problems (about 10 ms of interior point per
 *   chunk), a pure function of n, so the chunking — and so the answer — never depends on timing.
 *   Within a chunk, as in `solveBatch`, the solver is picked for the chunk (bound-only problems the
 *   box path, positive definite Q the dense active set, with the interior point as fallback):
 *   `chunks[i].method` says which.
 *   With every chunk on one path the results are bit-identical to `solveBatch`.
 * - Contexts: by default each chunk's context is disposed after its results are copied out
 *   (memory stays bounded whatever the batch size; `chunks[i].context` is null). With
 *   `keepContexts: true` each chunk keeps its `QpContext` for `qp.backward(chunk.context,
 *   dz of problems start … start + count − 1)`; the caller disposes them.
 * - Abort: rejects with ABORTED `{ iteration, partial }`, iteration = problems solved, partial =
 *   a `QpBatchAsyncResult` of the first `iteration` problems (contexts disposed, null).
 * - Progress: `{ label: 'qp.solveBatchAsync', done: problems solved, total: count, elapsedMs }`.
 *
 * Errors: those of `solveBatch`; a per-problem error (e.g. QP_NON_FINITE) carries
 * `details.problem` as the index in the whole batch; UNKNOWN_OPTION; ABORTED.
 */
export interface QpBatchAsyncOptions extends QpOptions, LoopOptions {
  /** Problems per kernel call (default max(1, ⌊4·10⁵/n³⌋)). */
  chunkSize?: number;
  /** Keep each chunk's context for `qp.backward` (default false: disposed, `context` null). */
  keepContexts?: boolean;
}

export interface QpChunk {
  /** Index of the chunk's first problem in the batch, and its number of problems. */
  start: number;
  count: number;
  method: QpSolverName;
  /** The chunk's context with `keepContexts`, else null. */
  context: QpContext | null;
}

export interface QpBatchAsyncResult extends Omit<QpBatchResult, 'context' | 'method'> {
  chunks: QpChunk[];
}

const KEYS = optionKeys<QpBatchAsyncOptions>({ runtime: 1, tol: 1, maxIter: 1, boxMaxIter: 1, activeSetMaxIter: 1, kktTol: 1, method: 1, seed: 1, signal: 1, onProgress: 1, chunkSize: 1, keepContexts: 1 });

/** Problems start … start + count − 1 of a prepared batch (shared fields stay whole). */
function slicePrepared(P: Prepared, start: number, count: number): Prepared {
  const fields: Partial<Record<FieldName, Field>> = {};
  for (const [name, f] of Object.entries(P.fields) as [FieldName, Field][]) {
    const size = f.shared ? 0 : f.data.length / P.count;
    fields[name] = f.shared ? f : { data: f.data.subarray(start * size, (start + count) * size), shared: false };
  }
  return { ...P, count, fields };
}

/**
 * Solves a batch like `solveBatch`, in chunks, asynchronously and cancellably (see above).
 * Errors: those of `solveBatch`, and `ABORTED` with details `{ iteration: problems solved, partial }`.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as qp from 'metaoptim/qp';
 * await ready();
 * const p = Array.from({ length: 200 }, (_, k) => [Math.cos(k), Math.sin(k)]);
 * const r = await qp.solveBatchAsync({ Q: [[1, 0], [0, 1]], p, lb: [-0.5, -0.5], ub: [0.5, 0.5] }, { chunkSize: 64, signal: AbortSignal.timeout(10_000) });
 * console.log(r.chunks.length, r.z.length); // 4 400
 * ```
 */
export async function solveBatchAsync(problem: QpBatchProblem, opts: QpBatchAsyncOptions = {}): Promise<QpBatchAsyncResult> {
  const P = prepare(problem, true);
  const o = qpOptions(opts ?? {}, P.n, KEYS);
  const { count, n, ne } = P;
  const chunk = Math.floor(checkNumber('qp.solveBatchAsync', 'chunkSize', opts.chunkSize ?? Math.max(1, Math.floor(4e5 / n ** 3)), { min: 1 }));
  const rows = P.ni + (P.fields.lb ? n : 0) + (P.fields.ub ? n : 0);
  const out: QpBatchAsyncResult = {
    count, n, z: new Float64Array(count * n), lambda: new Float64Array(count * rows), nu: new Float64Array(count * ne),
    status: new Array<QpStatus>(count), iterations: new Int32Array(count),
    residuals: { stationarity: new Float64Array(count), primal: new Float64Array(count), complementarity: new Float64Array(count), dual: new Float64Array(count) },
    chunks: [],
  };
  let done = 0;
  const partial = (): QpBatchAsyncResult => {
    for (const c of out.chunks) c.context?.dispose();
    const r = out.residuals;
    return {
      count: done, n, z: out.z.slice(0, done * n), lambda: out.lambda.slice(0, done * rows), nu: out.nu.slice(0, done * ne),
      status: out.status.slice(0, done), iterations: out.iterations.slice(0, done),
      residuals: {
        stationarity: r.stationarity.slice(0, done), primal: r.primal.slice(0, done), complementarity: r.complementarity.slice(0, done), dual: r.dual.slice(0, done),
      },
      chunks: out.chunks.map((c) => ({ ...c, context: null })),
    };
  };
  const loop = new Loop('qp.solveBatchAsync', opts, { total: count });
  loop.check(0, partial);
  try {
    while (done < count) {
      const c = Math.min(chunk, count - done);
      let r: QpBatchResult;
      try {
        r = solvePrepared(slicePrepared(P, done, c), o);
      } catch (e) {
        if (e instanceof MetaoptimError && typeof e.details?.problem === 'number') {
          throw new MetaoptimError(e.code, `${e.message.replace(/^\[[A-Z_]+\] /, '')} (problem ${done + e.details.problem} of the batch)`, { ...e.details, problem: done + e.details.problem });
        }
        throw e;
      }
      out.z.set(r.z, done * n);
      out.lambda.set(r.lambda, done * rows);
      out.nu.set(r.nu, done * ne);
      for (let k = 0; k < c; k++) out.status[done + k] = r.status[k]!;
      out.iterations.set(r.iterations, done);
      out.residuals.stationarity.set(r.residuals.stationarity, done);
      out.residuals.primal.set(r.residuals.primal, done);
      out.residuals.complementarity.set(r.residuals.complementarity, done);
      out.residuals.dual.set(r.residuals.dual, done);
      if (!opts.keepContexts) r.context.dispose();
      out.chunks.push({ start: done, count: c, method: r.method, context: opts.keepContexts ? r.context : null });
      done += c;
      await loop.tick(done, partial);
    }
  } catch (e) {
    // On any failure the contexts kept so far are freed (an ABORTED partial has already done so).
    for (const c of out.chunks) c.context?.dispose();
    throw e;
  }
  loop.finish(count);
  return out;
}
