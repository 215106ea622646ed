// worker_threads entry for meta-training particles: builds its own unroll (and with it its
// own WebAssembly runtime) from the setup module, then answers batches of particle jobs.
import { parentPort, workerData } from 'node:worker_threads';
import { type Estimator, type ParticleJob, runParticle, startParticle } from './particle.js';
import type { TruncatedUnroll } from './unroll.js';

const { module, exportName, args } = workerData as { module: string; exportName: string; args: unknown };
const mod = (await import(module)) as Record<string, (a: unknown) => TruncatedUnroll<unknown> | Promise<TruncatedUnroll<unknown>>>;
const factory = mod[exportName];
const unroll = factory ? await factory(args) : undefined;

type Msg = { id: number; theta: Float32Array; jobs: ParticleJob[] } | { id: number; start: { kind: Estimator; seed: number; indices: number[]; stagger?: { theta: Float32Array; steps: number } } };
parentPort!.on('message', (msg: Msg) => {
  try {
    if (!unroll) throw new Error(`setup module ${module} has no export ${exportName}`);
    const results = 'start' in msg
      ? msg.start.indices.map((i) => ({ index: i, next: startParticle(unroll, msg.start.kind, msg.start.seed, 0, i, msg.start.stagger) }))
      : msg.jobs.map((j) => runParticle(unroll, msg.theta, j));
    parentPort!.postMessage({ id: msg.id, results });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    parentPort!.postMessage({ id: msg.id, error: { code: e.code ?? 'WORKER_FAILED', message: e.message ?? String(err) } });
  }
});
parentPort!.postMessage({ ready: true });
