import { Worker } from 'node:worker_threads';
import { MetaoptimError } from '../core/errors.js';
import type { Lab, LabOptions, LabResult } from '../labs/lab.js';
import type { WorkerReply, WorkerRequest } from './lab-worker.js';

/**
 * How the CLI executes a lab. Both runners honour `opts.signal` (the lab rejects with ABORTED,
 * `details.partial` a `LabResult`) and forward `opts.onProgress`.
 * - `inlineRunner`: `lab.run(opts)` on the CLI's own thread (tests, embedding).
 * - `workerRunner` (the `metaoptim` bin): the lab runs in a `worker_threads` Worker
 *   (lab-worker.ts) that looks it up by name in the registry; the CLI thread only parses,
 *   draws progress, handles signals and writes files, so it answers Ctrl-C even while a lab
 *   computes without yielding. Progress, the result and errors (code, message, details with
 *   the partial result) cross as structured clones (JSON when a value cannot be cloned).
 *   A worker that throws outside the lab or exits rejects with `WORKER_FAILED`.
 */
export type LabRunner = (lab: Lab, opts: LabOptions) => Promise<LabResult>;

export const inlineRunner: LabRunner = (lab, opts) => lab.run(opts);

/** Rebuilds the error a worker reported (a `MetaoptimError` keeps its code and details). */
export function reviveError(e: Extract<WorkerReply, { type: 'error' }>['error']): Error {
  if (e.code === undefined) {
    const err = new Error(e.message);
    if (e.stack) err.stack = e.stack;
    return err;
  }
  const err = new MetaoptimError(e.code, e.message.replace(`[${e.code}] `, ''), e.details);
  if (e.stack) err.stack = e.stack;
  return err;
}

export const workerRunner: LabRunner = (lab, opts) =>
  new Promise<LabResult>((resolve, reject) => {
    const request: WorkerRequest = { kind: 'metaoptim-lab', name: lab.name, quick: opts.quick, seed: opts.seed, extra: opts.extra ?? {} };
    const worker = new Worker(new URL('./lab-worker.js', import.meta.url), { workerData: request });
    let settled = false;
    const signal = opts.signal;
    const onAbort = () => worker.postMessage({ type: 'abort' });
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') {
        if (!settled) opts.onProgress?.(m.event);
      } else if (m.type === 'result') settle(() => resolve(m.result));
      else settle(() => reject(reviveError(m.error)));
    });
    worker.on('error', (e) => settle(() => reject(new MetaoptimError('WORKER_FAILED', `lab ${lab.name}: the worker failed: ${e.message}`, { cause: e.message }))));
    worker.on('exit', (code) => settle(() => reject(new MetaoptimError('WORKER_FAILED', `lab ${lab.name}: the worker exited (code ${code}) without a result`, { exitCode: code }))));
  });
