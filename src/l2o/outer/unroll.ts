import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { OptState } from '../../optim/state.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Task, TaskFamily } from '../../tasks/types.js';
import type { LearnedOptimizer, LearnedOptimizerOptions } from '../types.js';

/**
 * The inner problem seen by the ES/PES estimators: a resumable, truncated run.
 * `start(seed)` begins a fresh inner run (new task, fresh parameters, fresh optimizer state);
 * `unroll(θ, state, K)` advances it by up to K steps with meta-parameters θ and returns the mean
 * loss over the steps taken, the new state (the input state is not modified) and whether the
 * run has reached its length. States must be structured-cloneable (they cross worker_threads
 * and go into checkpoints).
 */
export interface TruncatedUnroll<S = unknown> {
  readonly thetaSize: number;
  start(seed: number): S;
  unroll(theta: Float32Array, state: S, steps: number): { state: S; loss: number; done: boolean };
}

export interface LoptUnrollOptions<O extends LearnedOptimizerOptions> {
  family: TaskFamily;
  lopt: LearnedOptimizer<O>;
  loptOptions?: O;
  /** Per-task options instead (e.g. MLP-optimizer `segments` from the task's tensor layout). */
  loptOptionsFor?: (task: Task) => O;
  runtime: Runtime;
  /** Inner run length: a constant, or log-uniform in [min, max] per run (default 100). */
  innerSteps?: number | { min: number; max: number };
  /** Loss reported (and the run ended) when the inner loss or gradient is not finite or exceeds it (default 1e6). */
  lossCap?: number;
}

const UNROLL_KEYS = optionKeys<LoptUnrollOptions<LearnedOptimizerOptions>>({ family: 1, lopt: 1, loptOptions: 1, loptOptionsFor: 1, runtime: 1, innerSteps: 1, lossCap: 1 });

/** State of one inner run of `loptUnroll`. */
export interface LoptRunState {
  taskSeed: number;
  step: number;
  length: number;
  /** `OptState.save()` bytes of the learned optimizer's state (parameters included). */
  opt: Uint8Array;
}

/**
 * Inner runs of a learned optimizer on tasks from a family. Minibatch t of a run is batch index t
 * of the task's stream, so antithetic pairs see the same data. A run whose loss or gradient
 * becomes non-finite or exceeds `lossCap` reports `lossCap` for the truncation and ends (the
 * particle is then restarted by the trainer) — a design decision, documented in docs/l2o.md.
 * @example
 * ```ts
 * import { createRuntime, ready } from 'metaoptim';
 * import { loptUnroll, mlpLOpt } from 'metaoptim/l2o';
 * import { noisyQuadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const unroll = loptUnroll({ family: noisyQuadraticFamily({ dim: 8 }), lopt: mlpLOpt, runtime: await createRuntime(), innerSteps: 50 });
 * console.log(unroll.thetaSize); // 1762: what esMetaTrain({ unroll }) meta-trains
 * ```
 */
export function loptUnroll<O extends LearnedOptimizerOptions>(o: LoptUnrollOptions<O>): TruncatedUnroll<LoptRunState> {
  checkOptions('loptUnroll', o, UNROLL_KEYS);
  const cap = o.lossCap ?? 1e6;
  const tasks = new Map<number, Task>();
  const taskFor = (seed: number): Task => {
    let t = tasks.get(seed);
    if (!t) {
      t = o.family.task(o.family.sample(seed));
      tasks.set(seed, t);
      if (tasks.size > 64) {
        const [oldest, old] = tasks.entries().next().value as [number, Task];
        tasks.delete(oldest);
        old.dispose?.();
      }
    }
    return t;
  };
  const lengthFor = (seed: number): number => {
    const s = o.innerSteps ?? 100;
    if (typeof s === 'number') return s;
    const u = new Rng(seed, 0x6c656e).uniform();
    return Math.round(Math.exp(Math.log(s.min) + u * Math.log(s.max / s.min)));
  };
  const blank = new Float32Array(o.lopt.thetaSize);
  return {
    thetaSize: o.lopt.thetaSize,
    start(seed: number): LoptRunState {
      const task = taskFor(seed);
      const opt = o.lopt.optimizer(blank, o.loptOptionsFor ? o.loptOptionsFor(task) : o.loptOptions);
      const st = opt.init(task.init(seed), { runtime: o.runtime });
      try {
        return { taskSeed: seed, step: 0, length: lengthFor(seed), opt: st.save() };
      } finally {
        st.dispose();
      }
    },
    unroll(theta: Float32Array, state: LoptRunState, steps: number) {
      if (theta.length !== o.lopt.thetaSize) throw new MetaoptimError('LENGTH_MISMATCH', `unroll: θ has ${theta.length} entries, expected ${o.lopt.thetaSize}`);
      const task = taskFor(state.taskSeed);
      const opt = o.lopt.optimizer(theta, o.loptOptionsFor ? o.loptOptionsFor(task) : o.loptOptions);
      // The inner state was saved under the previous (or a perturbed) θ: carrying it over to this
      // θ is the point, so the θ-hash check is waived ('optimizer'). An inner run whose last
      // step overflowed holds non-finite values, which restore refuses: it failed, as the
      // next loss would have shown.
      let st: OptState;
      try {
        st = opt.restore(state.opt, { runtime: o.runtime, hyperparams: 'optimizer' });
      } catch (err) {
        const field = err instanceof MetaoptimError && err.code === 'BAD_CHECKPOINT' ? String(err.details?.field) : '';
        if (/^(arrays|scalars)\./.test(field)) return { state: { ...state, step: state.length }, loss: cap, done: true };
        throw err;
      }
      try {
        const grad = new Float32Array(task.size);
        let sum = 0, taken = 0, step = state.step, failed = false;
        while (taken < steps && step < state.length) {
          const loss = task.loss(st.params.slice(), step, grad);
          if (!(Math.abs(loss) <= cap) || grad.some((v) => !Number.isFinite(v))) {
            failed = true;
            break;
          }
          opt.step(st, grad);
          sum += loss;
          taken++;
          step++;
        }
        if (failed) return { state: { ...state, step: state.length }, loss: cap, done: true };
        return { state: { taskSeed: state.taskSeed, step, length: state.length, opt: st.save() }, loss: taken ? sum / taken : 0, done: step >= state.length };
      } finally {
        st.dispose();
      }
    },
  };
}
