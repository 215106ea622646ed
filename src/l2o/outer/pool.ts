import { MetaoptimError } from '../../core/errors.js';
import { isNode } from '../../runtime/load.js';
import type { Estimator, Particle, ParticleJob, ParticleResult } from './particle.js';

/** Where workers get their unroll: a module URL and the name of an (async) factory export. */
export interface UnrollSetup {
  /** Module specifier importable from a worker (absolute file URL or package name). */
  module: string;
  /** Factory export, called with `args` (default `createUnroll`). */
  exportName?: string;
  /** Structured-cloneable argument for the factory. */
  args?: unknown;
}

/** The part of a worker both kinds share. */
interface Port {
  post(m: unknown): void;
  on(f: (m: any) => void): void;
  off(f: (m: any) => void): void;
  onError(f: (e: Error) => void): () => void;
  terminate(): Promise<unknown> | void;
}

async function nodePorts(count: number, setup: UnrollSetup): Promise<Port[]> {
  const wt = 'node:worker_threads';
  const { Worker } = (await import(/* @vite-ignore */ wt)) as typeof import('node:worker_threads');
  const url = new URL('./worker.js', import.meta.url);
  return Array.from({ length: count }, () => {
    const w = new Worker(url, { workerData: { module: setup.module, exportName: setup.exportName ?? 'createUnroll', args: setup.args } });
    return {
      post: (m) => w.postMessage(m),
      on: (f) => void w.on('message', f),
      off: (f) => void w.off('message', f),
      onError: (f) => {
        w.once('error', f);
        return () => void w.off('error', f);
      },
      terminate: () => w.terminate(),
    };
  });
}

function webPorts(count: number, setup: UnrollSetup): Port[] {
  return Array.from({ length: count }, () => {
    const w = new Worker(new URL('./worker-web.js', import.meta.url), { type: 'module' });
    const wrap = new Map<(m: any) => void, (e: MessageEvent) => void>();
    const port: Port = {
      post: (m) => w.postMessage(m),
      on: (f) => {
        const g = (e: MessageEvent) => f(e.data);
        wrap.set(f, g);
        w.addEventListener('message', g);
      },
      off: (f) => {
        const g = wrap.get(f);
        if (g) w.removeEventListener('message', g);
        wrap.delete(f);
      },
      onError: (f) => {
        const g = (e: ErrorEvent) => f(new Error(e.message || 'Web Worker error'));
        w.addEventListener('error', g, { once: true });
        return () => w.removeEventListener('error', g);
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
 * Errors: `WORKER_FAILED` (a worker threw, exited or cannot start), `INVALID_ARGUMENT` (this
 * environment has no workers).
 */
export class WorkerPool {
  private readonly workers: Port[];
  private nextId = 1;

  private constructor(workers: Port[]) {
    this.workers = workers;
  }

  static async create(count: number, setup: UnrollSetup): Promise<WorkerPool> {
    let ports: Port[];
    if (isNode) ports = await nodePorts(count, setup);
    else if (typeof Worker === 'function') ports = webPorts(count, setup);
    else throw new MetaoptimError('INVALID_ARGUMENT', 'this environment has neither worker_threads nor Web Workers; use workers: 0');
    const pool = new WorkerPool(ports);
    try {
      await Promise.all(ports.map((w) => new Promise<void>((resolve, reject) => {
        let stop = () => {};
        const onMsg = (m: { ready?: boolean; error?: string }) => {
          if (m.ready === undefined) return;
          w.off(onMsg);
          stop();
          if (m.ready) resolve();
          else reject(new MetaoptimError('WORKER_FAILED', `worker failed to start: ${m.error}`));
        };
        w.on(onMsg);
        stop = w.onError((e) => reject(new MetaoptimError('WORKER_FAILED', `worker failed to start: ${e.message}`)));
      })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs particle jobs; results ordered by job index. */
  async run(theta: Float32Array, jobs: ParticleJob[]): Promise<ParticleResult[]> {
    const per = Math.ceil(jobs.length / this.workers.length);
    const parts = await Promise.all(this.workers.map((w, k) => {
      const chunk = jobs.slice(k * per, (k + 1) * per);
      return chunk.length ? this.ask<ParticleResult>(w, { theta, jobs: chunk }) : Promise.resolve([]);
    }));
    return parts.flat().sort((a, b) => a.index - b.index);
  }

  /** Starts `count` particles (index order) inside the workers. */
  async start(kind: Estimator, seed: number, count: number, stagger?: { theta: Float32Array; steps: number }): Promise<Particle[]> {
    const idx = Array.from({ length: count }, (_, i) => i);
    const per = Math.ceil(count / this.workers.length);
    const parts = await Promise.all(this.workers.map((w, k) => {
      const chunk = idx.slice(k * per, (k + 1) * per);
      return chunk.length ? this.ask<{ index: number; next: Particle }>(w, { start: { kind, seed, indices: chunk, stagger } }) : Promise.resolve([]);
    }));
    return parts.flat().sort((a, b) => a.index - b.index).map((r) => r.next);
  }

  private ask<T>(w: Port, body: object): Promise<T[]> {
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      let stop = () => {};
      const onMsg = (m: { id: number; results?: T[]; error?: { code: string; message: string } }) => {
        if (m.id !== id) return;
        w.off(onMsg);
        stop();
        if (m.error) reject(new MetaoptimError(m.error.code, `worker: ${m.error.message}`));
        else resolve(m.results!);
      };
      w.on(onMsg);
      stop = w.onError((e) => {
        w.off(onMsg);
        reject(new MetaoptimError('WORKER_FAILED', `worker crashed: ${e.message}`));
      });
      w.post({ id, ...body });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
