import type { Optimizer } from '../../optim/types.js';
import type { MlpTask } from '../../tasks/classification.js';

/**
 * The scoring run of pretraining (validation, imitation targets): `runOn` trains a task for T
 * steps and reports the mean minibatch training loss over the run, L_t at θ_t (before step t),
 * t = 0 … T−1; a run whose loss or gradient becomes non-finite counts L_0 for every remaining
 * step. The held-out comparison against tuned Adam is `lab learned` (src/labs/learned/).
 */

/** Tensor lengths of an MLP task: the `segments` option of the MLP optimizer. */
export function taskSegments(task: MlpTask): number[] {
  return task.model.tensors.map((t) => t.length);
}

export interface RunStats {
  /** Mean training minibatch loss over the run. */
  meanLoss: number;
  /** Mean training minibatch loss over the last 10 steps. */
  finalLoss: number;
  /** Test accuracy after the run. */
  testAccuracy: number;
  diverged: boolean;
}

/** Trains `task` from `task.init(initSeed)` for `steps` steps with `opt` (see the metric above). */
export function runOn(task: MlpTask, opt: Optimizer, steps: number, initSeed: number): RunStats {
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
    }
    const acc = diverged ? 0 : task.evaluate(st.params, 'test').accuracy ?? NaN;
    return { meanLoss: sum / steps, finalLoss: last / Math.min(10, steps), testAccuracy: acc, diverged };
  } finally {
    st.dispose();
  }
}
