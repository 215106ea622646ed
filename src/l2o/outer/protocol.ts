import { type Estimator, type ParticleJob, runParticle, startParticle } from './particle.js';
import type { TruncatedUnroll } from './unroll.js';

// The message protocol between the pool and a particle worker (Node worker_threads or a
// browser Web Worker). Both worker entries answer messages with `answer`.

export type WorkerRequest =
  | { id: number; theta: Float32Array; jobs: ParticleJob[] }
  | { id: number; start: { kind: Estimator; seed: number; indices: number[]; stagger?: { theta: Float32Array; steps: number } } };

export type WorkerReply = { id: number; results?: unknown[]; error?: { code: string; message: string } };

export function answer(unroll: TruncatedUnroll<unknown> | undefined, what: string, msg: WorkerRequest): WorkerReply {
  try {
    if (!unroll) throw new Error(what);
    const results = 'start' in msg
      ? msg.start.indices.map((i) => ({ index: i, next: startParticle(unroll, msg.start.kind, msg.start.seed, 0, i, msg.start.stagger) }))
      : msg.jobs.map((j) => runParticle(unroll, msg.theta, j));
    return { id: msg.id, results };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { id: msg.id, error: { code: e.code ?? 'WORKER_FAILED', message: e.message ?? String(err) } };
  }
}

export type UnrollFactory = (a: unknown) => TruncatedUnroll<unknown> | Promise<TruncatedUnroll<unknown>>;
