import type { MlpTask } from '../../tasks/classification.js';
import type { Optimizer } from '../../optim/types.js';

/**
 * The fixed-length training run the pretraining recipe scores with (imitation lr choice,
 * validation of θ) and the held-out evaluation reports (`runOn`).
 *
 * Metric: the mean over the run of the training minibatch loss L_t at θ_t (before step t),
 * t = 0 … steps−1, and the mean over the last 10 steps; a run whose loss or gradient becomes
 * non-finite counts L_0 for every remaining step (L_0 = ln 10 when L_0 itself is not finite)
 * and scores test accuracy 0. The task starts from `task.init(initSeed)`; step t uses minibatch t.
 */
export interface RunStats {
  /** Mean training minibatch loss over the run. */
  meanLoss: number;
  /** Mean training minibatch loss over the last 10 steps. */
  finalLoss: number;
  /** Test accuracy after the run. */
  testAccuracy: number;
  diverged: boolean;
}

/** Tensor lengths of an MLP task: the `segments` option of the MLP optimizer. */
export function taskSegments(task: MlpTask): number[] {
  return task.model.tensors.map((t) => t.length);
}

/** The run as a generator that yields after every step (see the module comment). */
export function* runSteps(task: MlpTask, opt: Optimizer, steps: number, initSeed: number): Generator<void, RunStats> {
  const st = opt.init(task.init(initSeed), { runtime: task.runtime });
  try {
    let sum = 0, last = 0, l0 = NaN, diverged = false;
    for (let t = 0; t < steps; t++) {
      const l = diverged ? l0 : task.loss(st.params, t, st.grads);
      if (t === 0) l0 = Number.isFinite(l) ? l : Math.log(10);
      let v = l;
      if (!diverged && (!Number.isFinite(l) || st.grads.some((g) => !Number.isFinite(g)))) {
        diverged = true;
        v = l0;
      }
      sum += v;
      if (t >= steps - 10) last += v;
      if (!diverged) opt.step(st, undefined, { loss: l });
      yield;
    }
    const acc = diverged ? 0 : task.evaluate(st.params, 'test').accuracy ?? NaN;
    return { meanLoss: sum / steps, finalLoss: last / Math.min(10, steps), testAccuracy: acc, diverged };
  } finally {
    st.dispose();
  }
}

/** Trains `task` from `task.init(initSeed)` for `steps` steps with `opt` (see the module comment). */
export function runOn(task: MlpTask, opt: Optimizer, steps: number, initSeed: number): RunStats {
  return drainSync(runSteps(task, opt, steps, initSeed));
}

/** Runs a step generator to its result. */
export function drainSync<T>(gen: Generator<void, T>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs a step generator to its result, awaiting `pulse()` after every step (e.g. a `Loop.tick`,
 * which yields to the event loop and throws ABORTED); the generator is closed (its `finally`
 * runs) when `pulse` throws.
 */
export async function drain<T>(gen: Generator<void, T>, pulse: () => Promise<void>): Promise<T> {
  try {
    for (;;) {
      const r = gen.next();
      if (r.done) return r.value;
      await pulse();
    }
  } finally {
    gen.return(undefined as never);
  }
}
