import type { EstimatorName } from './estimator.js';
import { type ParticleJob, type Stagger, runParticle, startParticle } from './particle.js';
import type { TruncatedUnroll } from './unroll.js';

// The message protocol between the pool and a particle worker (Node worker_threads or a
// browser Web Worker). Both worker entries answer requests with `answer`.
//   host → worker:  { id, theta, jobs }  |  { id, start: { estimator, seed, indices, stagger } }
//   worker → host:  { ready: true } | { ready: false, error }   (once, after the setup module ran)
//                   { id, results } | { id, error: { code, message } }   (one per request)
//                   { fatal: message }   (Web Workers: an unhandled rejection; Node reports it as 'error')

export type WorkerRequest =
  | { id: number; theta: Float32Array; jobs: ParticleJob[] }
  | { id: number; start: { estimator: EstimatorName; seed: number; indices: number[]; stagger?: Stagger } };

export type WorkerReply = { id: number; results?: unknown[]; error?: { code: string; message: string } };

export function answer(unroll: TruncatedUnroll<unknown> | undefined, what: string, msg: WorkerRequest): WorkerReply {
  try {
    if (!unroll) throw new Error(what);
    const results = 'start' in msg
      ? msg.start.indices.map((i) => ({ index: i, next: startParticle(unroll, msg.start.estimator, msg.start.seed, 0, i, msg.start.stagger) }))
      : msg.jobs.map((j) => runParticle(unroll, msg.theta, j));
    return { id: msg.id, results };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { id: msg.id, error: { code: e.code ?? 'WORKER_FAILED', message: e.message ?? String(err) } };
  }
}

export type UnrollFactory = (a: unknown) => TruncatedUnroll<unknown> | Promise<TruncatedUnroll<unknown>>;
