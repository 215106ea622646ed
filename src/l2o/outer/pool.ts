import { MetaoptimError } from '../../errors.js';
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

/**
 * A fixed set of Node `worker_threads`, each with its own WebAssembly runtime (made by the
 * setup factory). `run` splits the jobs into contiguous chunks, one per worker, and returns
 * the results ordered by job index. Errors: `WORKER_FAILED` (a worker threw or exited).
 */
export class WorkerPool {
  private readonly workers: import('node:worker_threads').Worker[];
  private nextId = 1;

  private constructor(workers: import('node:worker_threads').Worker[]) {
    this.workers = workers;
  }

  static async create(count: number, setup: UnrollSetup): Promise<WorkerPool> {
    const wt = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ wt)) as typeof import('node:worker_threads');
    const url = new URL('./worker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: { module: setup.module, exportName: setup.exportName ?? 'createUnroll', args: setup.args } }));
    const pool = new WorkerPool(workers);
    try {
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
        const onMsg = (m: { ready?: boolean }) => { if (m.ready) { w.off('message', onMsg); w.off('error', reject); resolve(); } };
        w.on('message', onMsg);
        w.once('error', (e) => reject(new MetaoptimError('WORKER_FAILED', `worker failed to start: ${e.message}`)));
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

  private ask<T>(w: import('node:worker_threads').Worker, body: object): Promise<T[]> {
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      const onMsg = (m: { id: number; results?: T[]; error?: { code: string; message: string } }) => {
        if (m.id !== id) return;
        w.off('message', onMsg);
        w.off('error', onErr);
        if (m.error) reject(new MetaoptimError(m.error.code, `worker: ${m.error.message}`));
        else resolve(m.results!);
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        reject(new MetaoptimError('WORKER_FAILED', `worker crashed: ${e.message}`));
      };
      w.on('message', onMsg);
      w.once('error', onErr);
      w.postMessage({ id, ...body });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
