import { MetaoptimError } from '../../core/errors.js';
import { isNode } from '../../runtime/load.js';
import type { EstimatorName } from './estimator.js';
import type { Particle, ParticleJob, ParticleResult, Stagger } from './particle.js';

/** Where workers get their unroll: a module URL and the name of an (async) factory export. */
export interface UnrollSetup {
  /** Module specifier importable from a worker (absolute file URL or package name). */
  module: string;
  /** Factory export, called with `args` (default `createUnroll`). */
  exportName?: string;
  /** Structured-cloneable argument for the factory. */
  args?: unknown;
}

/** One worker as the pool sees it: post a message, listen for replies and for its death. */
interface Port {
  post(m: unknown): void;
  /** Installs the permanent listeners: every message, and every way the worker can die. */
  listen(onMessage: (m: Reply) => void, onFatal: (message: string) => void): void;
  terminate(): Promise<unknown> | void;
}

type Reply = { ready?: boolean; error?: unknown; id?: number; results?: unknown[]; fatal?: string };

async function nodePorts(count: number, setup: UnrollSetup): Promise<Port[]> {
  const wt = 'node:worker_threads';
  const { Worker } = (await import(/* @vite-ignore */ wt)) as typeof import('node:worker_threads');
  const url = new URL('./worker.js', import.meta.url);
  return Array.from({ length: count }, () => {
    const w = new Worker(url, { workerData: { module: setup.module, exportName: setup.exportName ?? 'createUnroll', args: setup.args } });
    return {
      post: (m) => w.postMessage(m),
      listen: (onMessage, onFatal) => {
        w.on('message', onMessage);
        // An uncaught exception or unhandled rejection in the worker (at any time, also
        // between jobs), a message that cannot be deserialized, or the thread's exit.
        w.on('error', (e: Error) => onFatal(e?.message ?? String(e)));
        w.on('messageerror', (e: Error) => onFatal(`message could not be deserialized: ${e?.message ?? String(e)}`));
        w.on('exit', (code: number) => onFatal(`exited with code ${code}`));
      },
      terminate: () => w.terminate(),
    };
  });
}

function webPorts(count: number, setup: UnrollSetup): Port[] {
  return Array.from({ length: count }, () => {
    const w = new Worker(new URL('./worker-web.js', import.meta.url), { type: 'module' });
    const port: Port = {
      post: (m) => w.postMessage(m),
      listen: (onMessage, onFatal) => {
        w.addEventListener('message', (e: MessageEvent) => onMessage(e.data as Reply));
        w.addEventListener('error', (e: ErrorEvent) => {
          e.preventDefault?.();
          onFatal(e.message || 'Web Worker error');
        });
        w.addEventListener('messageerror', () => onFatal('message could not be deserialized'));
      },
      terminate: () => w.terminate(),
    };
    port.post({ init: { module: setup.module, exportName: setup.exportName ?? 'createUnroll', args: setup.args } });
    return port;
  });
}

/**
 * A fixed set of workers, each with its own WebAssembly runtime (made by the setup factory):
 * Node `worker_threads` in Node, module Web Workers in browsers. `run` splits the jobs into
 * contiguous chunks, one per worker, and returns the results ordered by job index.
 *
 * Failure contract: the pool listens to every worker for its whole life. A worker that throws
 * (synchronously or asynchronously, during a job or between jobs), reports an unhandled
 * rejection, or exits, fails the pool: every pending and later `ready`/`run`/`start` rejects
 * with `WORKER_FAILED` (details `{ worker, message }`, the worker's own message), and every
 * worker is terminated. Nothing is left pending and the host process never sees the error as
 * uncaught. `close()` terminates every worker (idempotent); exits after it are not failures.
 * Errors: `WORKER_FAILED`, `INVALID_ARGUMENT` (this environment has no workers), and the
 * coded errors a job raised inside a worker (with their code).
 */
export class WorkerPool {
  /** Resolves when every worker has built its unroll; rejects with WORKER_FAILED. */
  readonly ready: Promise<void>;
  private readonly ports: Port[];
  private readonly pending = new Map<number, { resolve: (v: unknown[]) => void; reject: (e: Error) => void }>();
  private readonly failed: Promise<never>;
  private fail!: (e: MetaoptimError) => void;
  private failure: MetaoptimError | undefined;
  private closing: Promise<void> | undefined;
  private nextId = 1;

  private constructor(ports: Port[]) {
    this.ports = ports;
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => {});
    const readies = ports.map((port, k) => new Promise<void>((resolve) => {
      port.listen(
        (m) => {
          if (m.ready === true) resolve();
          else if (m.ready === false) this.onFatal(k, `failed to start: ${String(m.error)}`);
          else if (m.fatal !== undefined) this.onFatal(k, m.fatal);
          else if (m.id !== undefined) this.settle(k, m);
        },
        (message) => this.onFatal(k, message),
      );
    }));
    this.ready = Promise.race([Promise.all(readies).then(() => undefined), this.failed]);
    this.ready.catch(() => {});
  }

  /** Spawns `count` workers (does not wait for them: see `ready`). */
  static async create(count: number, setup: UnrollSetup): Promise<WorkerPool> {
    let ports: Port[];
    if (isNode) ports = await nodePorts(count, setup);
    else if (typeof Worker === 'function') ports = webPorts(count, setup);
    else throw new MetaoptimError('INVALID_ARGUMENT', 'this environment has neither worker_threads nor Web Workers; use workers: 0');
    return new WorkerPool(ports);
  }

  get size(): number {
    return this.ports.length;
  }

  /** Runs particle jobs; results ordered by job index. */
  async run(theta: Float32Array, jobs: ParticleJob[]): Promise<ParticleResult[]> {
    const per = Math.ceil(jobs.length / this.ports.length);
    const parts = await Promise.all(this.ports.map((w, k) => {
      const chunk = jobs.slice(k * per, (k + 1) * per);
      return chunk.length ? this.ask<ParticleResult>(w, { theta, jobs: chunk }) : Promise.resolve([]);
    }));
    return parts.flat().sort((a, b) => a.index - b.index);
  }

  /** Starts `count` particles (index order) inside the workers. */
  async start(estimator: EstimatorName, seed: number, count: number, stagger?: Stagger): Promise<Particle[]> {
    const idx = Array.from({ length: count }, (_, i) => i);
    const per = Math.ceil(count / this.ports.length);
    const parts = await Promise.all(this.ports.map((w, k) => {
      const chunk = idx.slice(k * per, (k + 1) * per);
      return chunk.length ? this.ask<{ index: number; next: Particle }>(w, { start: { estimator, seed, indices: chunk, stagger } }) : Promise.resolve([]);
    }));
    return parts.flat().sort((a, b) => a.index - b.index).map((r) => r.next);
  }

  /** Terminates every worker (idempotent); pending requests reject with WORKER_FAILED. */
  close(): Promise<void> {
    if (!this.closing) {
      if (this.pending.size) this.fail(this.failure ?? new MetaoptimError('WORKER_FAILED', 'worker pool closed with requests pending'));
      this.closing = Promise.all(this.ports.map((w) => w.terminate())).then(() => undefined, () => undefined);
    }
    return this.closing;
  }

  private ask<T>(w: Port, body: object): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new MetaoptimError('WORKER_FAILED', 'worker pool is closed'));
    const id = this.nextId++;
    const reply = new Promise<T[]>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown[]) => void, reject }));
    w.post({ id, ...body });
    return Promise.race([reply, this.failed]);
  }

  private settle(worker: number, m: Reply): void {
    const p = this.pending.get(m.id!);
    if (!p) return;
    this.pending.delete(m.id!);
    const e = m.error as { code?: string; message?: string } | undefined;
    if (e) p.reject(new MetaoptimError(e.code ?? 'WORKER_FAILED', `worker ${worker}: ${e.message}`, { worker, message: e.message }));
    else p.resolve(m.results ?? []);
  }

  private onFatal(worker: number, message: string): void {
    if (this.closing || this.failure) return;
    this.failure = new MetaoptimError('WORKER_FAILED', `worker ${worker} failed: ${message}`, { worker, message });
    this.fail(this.failure);
    void this.close();
  }
}
