import { decodeJson, encodeJson } from '../../core/codec.js';
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../../core/errors.js';
import { norm } from '../../core/linalg.js';
import { Loop, type LoopOptions } from '../../core/loop.js';
import { adam } from '../../optim/adam.js';
import type { OptState } from '../../optim/state.js';
import type { Optimizer } from '../../optim/types.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import type { EstimatorName } from './estimator.js';
import { type MetaHistoryEntry, type SavedMetaTraining, checkSavedMetaTraining } from './checkpoint.js';
import { type Particle, type ParticleJob, type ParticleResult, gradientEstimator, runParticle, startParticle } from './particle.js';
import { type UnrollSetup, WorkerPool } from './pool.js';
import type { TruncatedUnroll } from './unroll.js';

export interface EsMetaTrainOptions extends LoopOptions {
  estimator: EstimatorName;
  /** Initial meta-parameters (required unless resuming; ignored when resuming). */
  theta?: Float32Array;
  /** Total meta-iterations (including those already done in a resumed checkpoint). */
  iterations: number;
  /** Antithetic particles per iteration (default 8). */
  particles?: number;
  /** Perturbation standard deviation σ (default 0.01). */
  sigma?: number;
  /** Truncation length K in inner steps (default 10). */
  truncation?: number;
  /**
   * Random initial offsets: each particle's first run is advanced by U{0…S} steps with the
   * initial θ before training (default 0 = all particles start at step 0).
   */
  staggerSteps?: number;
  /** The inner problem, in-process. */
  unroll?: TruncatedUnroll<unknown>;
  /** The inner problem as a module factory: required for workers (also used in-process if `unroll` is absent). */
  setup?: UnrollSetup;
  /** Workers to use (default 0: in-process). */
  workers?: number;
  /** Meta-optimizer (default adam({ lr: 3e-4 })), stepped on the runtime `runtime`. */
  metaOptimizer?: Optimizer;
  runtime?: Runtime;
  /** Call `onCheckpoint` every this many iterations (default: never; the final one is returned). */
  checkpointEvery?: number;
  onCheckpoint?: (bytes: Uint8Array, iteration: number) => void | Promise<void>;
  /** Checkpoint bytes to continue from. */
  resume?: Uint8Array;
}

export const ES_META_TRAIN_KEYS = optionKeys<EsMetaTrainOptions>({
  seed: 1, signal: 1, onProgress: 1, estimator: 1, theta: 1, iterations: 1, particles: 1, sigma: 1, truncation: 1, staggerSteps: 1, unroll: 1, setup: 1,
  workers: 1, metaOptimizer: 1, runtime: 1, checkpointEvery: 1, onCheckpoint: 1, resume: 1,
});

export type { MetaHistoryEntry } from './checkpoint.js';

export interface EsMetaTrainResult {
  theta: Float32Array;
  history: MetaHistoryEntry[];
  checkpoint: Uint8Array;
  elapsedMs: number;
}

type Saved = SavedMetaTraining;

/**
 * Meta-training with a truncated gradient estimator (SPEC B.2; learned_optimization
 * `outer_trainers`): per iteration every particle advances its inner run by one truncation of
 * K steps with θ ± ε, the meta-gradient is the mean of the particles' estimates (summed in
 * particle order), and the meta-optimizer (default Adam, lr 3e-4) takes one step on θ. The
 * estimator ('es' or 'pes', `GradientEstimator`) is named by `estimator`.
 *
 * Parallelism: with `workers` ≥ 1 the particles are split over worker_threads (Node) or Web
 * Workers, each with its own WebAssembly runtime built by the `setup` module; every particle's
 * randomness comes from (seed, iteration, particle index) only, so the result is the same for
 * any worker count (and in-process). Checkpoints hold θ, the meta-optimizer state, every
 * particle's inner state and the history; resuming gives the same bits as an uninterrupted run.
 *
 * Loop contract (core/loop.ts): yields between particles (in-process) and while waiting for the
 * workers; progress `{ label: '<estimator> meta-training', done: iteration, total: iterations,
 * metrics: { loss, gradNorm, restarts } }`; an abort rejects at once with ABORTED
 * `{ iteration, partial }` where `partial` is the checkpoint (bytes, `resume`-able) of the last
 * completed iteration, and terminates the workers.
 *
 * Errors: `UNKNOWN_OPTION`, `INVALID_ARGUMENT`, `INVALID_HYPERPARAMETER`, `LENGTH_MISMATCH`,
 * `ABORTED`, `BAD_CHECKPOINT`, `WORKER_FAILED` (a worker threw or exited; details `{ worker,
 * message, iteration, checkpoint }` with the checkpoint of the last completed iteration).
 * @example
 * ```ts
 * import { createRuntime, ready } from 'metaoptim';
 * import { esMetaTrain, loptUnroll, mlpLOpt } from 'metaoptim/l2o';
 * import { noisyQuadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const unroll = loptUnroll({ family: noisyQuadraticFamily({ dim: 8 }), lopt: mlpLOpt, runtime: await createRuntime(), innerSteps: 20 });
 * const r = await esMetaTrain({ estimator: 'pes', theta: mlpLOpt.init(0), iterations: 3, particles: 4, truncation: 5, seed: 1, unroll });
 * console.log(r.history.length, r.theta.length); // 3 1762
 * const opt = mlpLOpt.optimizer(r.theta); // use it like any optimizer
 * ```
 */
export async function esMetaTrain(o: EsMetaTrainOptions): Promise<EsMetaTrainResult> {
  const name = 'esMetaTrain';
  checkOptions(name, o, ES_META_TRAIN_KEYS);
  gradientEstimator(o.estimator);
  const particles = checkInt(name, 'particles', o.particles ?? 8, 1);
  const iterations = checkInt(name, 'iterations', o.iterations, 0);
  const K = checkInt(name, 'truncation', o.truncation ?? 10, 1);
  const workers = checkInt(name, 'workers', o.workers ?? 0, 0);
  const sigma = checkNumber(name, 'sigma', o.sigma ?? 0.01, { min: 0, minExclusive: true });
  const seed = checkNumber(name, 'seed', o.seed ?? 0);
  const staggerSteps = checkInt(name, 'staggerSteps', o.staggerSteps ?? 0, 0);
  if (workers > 0 && !o.setup) throw new MetaoptimError('INVALID_ARGUMENT', `${name}: workers need a setup module (options.setup)`);
  const rt = o.runtime ?? defaultRuntimeOrThrow();
  const metaOpt = o.metaOptimizer ?? adam({ lr: 3e-4 });
  const loop = new Loop(name, o, { label: `${o.estimator} meta-training`, total: iterations });

  let pool: WorkerPool | undefined;
  let local = o.unroll;
  let metaState: OptState | undefined;
  let snapshot: (() => Uint8Array) | undefined;
  let iteration = 0;
  const stop = () => void pool?.close();
  try {
    if (workers > 0) {
      pool = await WorkerPool.create(workers, o.setup!);
      await loop.race(pool.ready, 0, undefined, stop);
    } else if (!local) {
      if (!o.setup) throw new MetaoptimError('INVALID_ARGUMENT', `${name}: give an unroll or a setup module`);
      const mod = (await import(/* @vite-ignore */ o.setup.module)) as Record<string, (a: unknown) => TruncatedUnroll<unknown> | Promise<TruncatedUnroll<unknown>>>;
      const f = mod[o.setup.exportName ?? 'createUnroll'];
      if (!f) throw new MetaoptimError('INVALID_ARGUMENT', `${name}: ${o.setup.module} has no export ${o.setup.exportName ?? 'createUnroll'}`);
      local = await f(o.setup.args);
    }
    const raw = o.resume ? decodeJson(o.resume, 'meta-training checkpoint') : undefined;
    const rawSize = (raw as { config?: { thetaSize?: unknown } } | undefined)?.config?.thetaSize;
    const thetaSize = local ? local.thetaSize : raw ? (typeof rawSize === 'number' ? rawSize : -1) : o.theta?.length ?? -1;
    const config = { estimator: o.estimator, particles, sigma, truncation: K, seed, thetaSize, staggerSteps };
    const saved = raw === undefined ? undefined : checkSavedMetaTraining(name, raw, config, iterations);

    let ps: Particle[];
    let history: MetaHistoryEntry[] = [];
    if (saved) {
      try {
        metaState = metaOpt.restore(saved.meta, { runtime: rt });
      } catch (err) {
        if (!(err instanceof MetaoptimError && err.code === 'BAD_CHECKPOINT')) throw err;
        const d = err.details as { field?: string; reason?: string } | undefined;
        throw new MetaoptimError('BAD_CHECKPOINT', `${name}: meta-training checkpoint: meta: ${err.message.replace(/^\[BAD_CHECKPOINT\] /, '')}`, { ...d, field: `meta.${d?.field ?? ''}`, reason: d?.reason ?? err.message });
      }
      if (metaState.size !== thetaSize) {
        throw new MetaoptimError('BAD_CHECKPOINT', `${name}: meta-training checkpoint: meta: the meta-optimizer state has ${metaState.size} parameters, θ has ${thetaSize}`, { field: 'meta', reason: 'wrong size' });
      }
      iteration = saved.iteration;
      ps = saved.particles;
      history = saved.history;
    } else {
      if (!(o.theta instanceof Float32Array) || o.theta.length !== thetaSize) {
        throw new MetaoptimError('LENGTH_MISMATCH', `${name}: θ must be a Float32Array of ${thetaSize}`);
      }
      metaState = metaOpt.init(o.theta, { runtime: rt });
      const stagger = staggerSteps > 0 ? { theta: o.theta, steps: staggerSteps } : undefined;
      if (local) {
        ps = [];
        for (let i = 0; i < particles; i++) {
          ps.push(startParticle(local, o.estimator, seed, 0, i, stagger));
          await loop.tick(0);
        }
      } else ps = await loop.race(pool!.start(o.estimator, seed, particles, stagger), 0, undefined, stop);
    }
    const meta = metaState;
    const snap = (): Uint8Array =>
      encodeJson({ format: 'metaoptim-metatrain', version: 1, config, iteration, meta: meta.save(), particles: ps, history } satisfies Saved);
    snapshot = snap;
    loop.progress(iteration);

    while (iteration < iterations) {
      const theta = meta.params.slice();
      const jobs: ParticleJob[] = ps.map((particle, index) => ({ index, estimator: o.estimator, particle, seed, iteration, sigma, K }));
      let results: ParticleResult[];
      if (pool) results = await loop.race(pool.run(theta, jobs), iteration, snap, stop);
      else {
        results = [];
        for (const j of jobs) {
          results.push(runParticle(local!, theta, j));
          await loop.tick(iteration, snap);
        }
      }
      const g = new Float64Array(theta.length);
      let loss = 0, restarts = 0;
      for (const r of results) {
        for (let i = 0; i < g.length; i++) g[i]! += r.grad[i]!;
        loss += r.loss;
        if (r.restarted) restarts++;
      }
      for (let i = 0; i < g.length; i++) g[i]! /= particles;
      metaOpt.step(meta, g);
      ps = results.map((r) => r.next);
      iteration++;
      const entry = { iteration, loss: loss / particles, gradNorm: norm(g), restarts };
      history.push(entry);
      await loop.tick(iteration, snap, () => ({ loss: entry.loss, gradNorm: entry.gradNorm, restarts }));
      if (o.checkpointEvery && o.onCheckpoint && iteration % o.checkpointEvery === 0) await o.onCheckpoint(snap(), iteration);
    }
    const last = history[history.length - 1];
    loop.finish(iteration, last && { loss: last.loss, gradNorm: last.gradNorm, restarts: last.restarts });
    return { theta: meta.params.slice(), history, checkpoint: snap(), elapsedMs: loop.elapsedMs };
  } catch (err) {
    if (err instanceof MetaoptimError && err.code === 'WORKER_FAILED') {
      const checkpoint = snapshot?.();
      throw new MetaoptimError('WORKER_FAILED', `${name}: ${err.message.replace(/^\[WORKER_FAILED\] /, '')} (at iteration ${iteration})`, { ...err.details, iteration, checkpoint });
    }
    throw err;
  } finally {
    metaState?.dispose();
    await pool?.close();
  }
}

/** Throws INVALID_ARGUMENT unless `v` is an integer ≥ min. */
export function checkInt(owner: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: ${what} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}
