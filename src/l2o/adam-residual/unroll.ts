// Setup module of Adam-residual meta-training: every worker (and the in-process path) imports
// it, builds its own runtime and answers truncations on the task distribution of tasks.ts.
import { MetaoptimError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { type Runtime, createRuntime } from '../../runtime/runtime.js';
import type { TruncatedUnroll } from '../outer/unroll.js';
import { adamResidualLOpt } from './optimizer.js';
import { type MetaData, type MetaTask, loadMetaData, metaTask } from './tasks.js';

/** Arguments of `createUnroll` (structured-cloneable: they cross into the workers). */
export interface ArUnrollArgs {
  /** Inner run length, log-uniform in [min, max] per run (default 100…2000). */
  minSteps?: number;
  maxSteps?: number;
  /** Probability of the reparameterization augmentation per task (default 0.25). */
  augmentProb?: number;
  /** Nominal lr of the optimizer (default 1e-3; θ's schedule bias scales it). */
  lr?: number;
  /** Residual form of the optimizer (`adamResidualLOpt`'s `form`; default 'additive'). */
  form?: 'additive' | 'multiplicative';
  /**
   * Meta-train only a subspace: θ = base with θ[index_j] += scale_j·z_j (scale default 1); the
   * unroll's meta-parameters are then z (length index.length).
   */
  subspace?: { base: number[]; index: number[]; scale?: number[] };
}

/** θ of a subspace point z (see `ArUnrollArgs.subspace`). */
export function embedArSubspace(sub: { base: ArrayLike<number>; index: ArrayLike<number>; scale?: ArrayLike<number> }, z: ArrayLike<number>): Float32Array {
  const th = Float32Array.from(sub.base);
  for (let j = 0; j < sub.index.length; j++) th[sub.index[j]!] = th[sub.index[j]!]! + (sub.scale ? sub.scale[j]! * z[j]! : z[j]!);
  return th;
}

/** One inner run: task seed, steps done, run length, ln of its first loss, optimizer state bytes. */
export interface ArRunState {
  taskSeed: number;
  step: number;
  length: number;
  logLoss0: number;
  opt: Uint8Array;
}

const logOf = (l: number) => Math.log(Math.max(l, 1e-10));

/**
 * The meta-objective per truncation: mean over its steps of ln(L_t / L_0) (L_0 = the run's first
 * loss; the offset does not change antithetic differences, it makes the reported meta-loss
 * comparable across tasks). A run whose loss is not finite, or exceeds 1e3·(L_0 + 1), or whose
 * gradient is not finite, reports ln(1e3) + 2 ≈ 8.9 for the truncation and ends.
 */
export function arUnroll(runtime: Runtime, data: MetaData, args: ArUnrollArgs = {}): TruncatedUnroll<ArRunState> {
  const minS = args.minSteps ?? 100, maxS = args.maxSteps ?? 2000, aug = args.augmentProb ?? 0.25, lr = args.lr ?? 1e-3;
  const cache = new Map<number, MetaTask>();
  const taskFor = (seed: number): MetaTask => {
    let t = cache.get(seed);
    if (!t) {
      t = metaTask(seed, runtime, data, aug);
      cache.set(seed, t);
      if (cache.size > 24) {
        const [k, old] = cache.entries().next().value as [number, MetaTask];
        cache.delete(k);
        old.task.dispose?.();
      }
    }
    return t;
  };
  const lengthFor = (seed: number) => Math.round(Math.exp(Math.log(minS) + new Rng(seed, 0x6c656e).uniform() * Math.log(maxS / minS)));
  const optFor = (theta: Float32Array, t: MetaTask, length: number) => adamResidualLOpt.optimizer(theta, { shapes: t.shapes, horizon: length, lr, ...(args.form ? { form: args.form } : {}) });
  const blank = new Float32Array(adamResidualLOpt.thetaSize);
  return {
    thetaSize: adamResidualLOpt.thetaSize,
    start(seed: number): ArRunState {
      const t = taskFor(seed);
      const length = lengthFor(seed);
      const p0 = t.task.init(seed);
      const l0 = t.task.loss(p0, 0);
      const st = optFor(blank, t, length).init(p0, { runtime });
      try {
        return { taskSeed: seed, step: 0, length, logLoss0: logOf(l0), opt: st.save() };
      } finally {
        st.dispose();
      }
    },
    unroll(theta: Float32Array, state: ArRunState, steps: number) {
      if (theta.length !== blank.length) throw new MetaoptimError('LENGTH_MISMATCH', `unroll: θ has ${theta.length} entries, expected ${blank.length}`);
      const t = taskFor(state.taskSeed);
      const opt = optFor(theta, t, state.length);
      // The inner run continues under this θ by design: the saved state keeps its numbers, not its θ.
      const st = opt.restore(state.opt, { runtime, hyperparams: 'optimizer' });
      const cap = 1e3 * (Math.exp(state.logLoss0) + 1);
      try {
        const grad = new Float32Array(t.task.size);
        let sum = 0, taken = 0, step = state.step;
        while (taken < steps && step < state.length) {
          const loss = t.task.loss(st.params.slice(), step, grad);
          let bad = !(Math.abs(loss) <= cap);
          for (let i = 0; !bad && i < grad.length; i++) bad = !Number.isFinite(grad[i]!);
          if (bad) return { state: { ...state, step: state.length }, loss: Math.log(1e3) + 2, done: true };
          opt.step(st, grad, { loss });
          sum += logOf(loss) - state.logLoss0;
          taken++;
          step++;
        }
        return { state: { ...state, step, opt: st.save() }, loss: taken ? sum / taken : 0, done: step >= state.length };
      } finally {
        st.dispose();
      }
    },
  };
}

/** Worker factory (`UnrollSetup.exportName` default): its own runtime and data. */
export async function createUnroll(args: ArUnrollArgs = {}): Promise<TruncatedUnroll<ArRunState>> {
  const runtime = await createRuntime();
  const full = arUnroll(runtime, await loadMetaData(), args);
  const sub = args.subspace;
  if (!sub) return full;
  return { thetaSize: sub.index.length, start: (seed) => full.start(seed), unroll: (z, state, steps) => full.unroll(embedArSubspace(sub, z), state, steps) };
}
