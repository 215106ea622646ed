import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ProgressEvent } from '../core/loop.js';
import { MetaoptimError } from '../core/errors.js';
import type { LabResult } from '../labs/lab.js';
import { labs } from '../labs/registry.js';

/**
 * Worker side of `workerRunner` (runner.ts): runs one registered lab and reports to the CLI
 * thread. Messages in: `{ type: 'abort' }` (aborts the lab's signal). Messages out: progress
 * events, then exactly one `result` or `error`.
 */

export interface WorkerRequest {
  kind: 'metaoptim-lab';
  name: string;
  quick: boolean;
  seed: number;
  extra: Record<string, string | boolean>;
}

export type WorkerReply =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'result'; result: LabResult }
  | { type: 'error'; error: { code?: string; message: string; details?: Record<string, unknown>; stack?: string } };

function post(m: WorkerReply): void {
  try {
    parentPort!.postMessage(m);
  } catch {
    // a value that cannot be cloned (a function, a class instance): send its JSON form
    parentPort!.postMessage(JSON.parse(JSON.stringify(m)) as WorkerReply);
  }
}

async function serve(req: WorkerRequest): Promise<void> {
  const controller = new AbortController();
  parentPort!.on('message', (m: { type?: string }) => {
    if (m?.type === 'abort') controller.abort();
  });
  try {
    const lab = labs.find((l) => l.name === req.name);
    if (!lab) throw new MetaoptimError('INVALID_ARGUMENT', `unknown lab "${req.name}"`);
    const result = await lab.run({
      quick: req.quick,
      seed: req.seed,
      extra: req.extra,
      signal: controller.signal,
      onProgress: (event) => post({ type: 'progress', event: { ...event } }),
    });
    post({ type: 'result', result });
  } catch (e) {
    const err = e as Partial<MetaoptimError> & Error;
    post({
      type: 'error',
      error: {
        message: String(err?.message ?? e),
        ...(err instanceof MetaoptimError ? { code: err.code, ...(err.details ? { details: { ...err.details } } : {}) } : {}),
        ...(err?.stack ? { stack: err.stack } : {}),
      },
    });
  }
}

const req = workerData as WorkerRequest | undefined;
if (!isMainThread && parentPort && req?.kind === 'metaoptim-lab') void serve(req);
