import type { Activation } from '../../nn/layout.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { MlpTask } from '../../tasks/classification.js';
import { digitsMlpTask } from '../../tasks/digits.js';
import { leastSquaresFamily } from '../../tasks/least-squares.js';
import { quadraticFamily } from '../../tasks/quadratic.js';
import type { Task } from '../../tasks/types.js';
import { irisTask, wineTask } from '../../tasks/uci.js';

/**
 * The held-out suite of `lab learned`: 20 tasks built from the tasks/ generators, none of which
 * the Adam-residual meta-training distribution (src/l2o/adam-residual/tasks.ts) can draw:
 * - digits MLPs with widths it never samples (6, 12, 20, 24, 40, 48, 96), depth 4, and batch
 *   sizes it never samples (24, 48, 96, 200);
 * - the wine data set, left out of meta-training entirely (logistic regression and MLPs);
 * - iris MLPs (meta-training sees iris only as logistic regression);
 * - quadratics and least squares of sizes and conditioning it never samples.
 * `shapes` gives the tensor shapes for optimizers that use them (`adamResidualLOpt`'s `shapes`).
 */
export interface HeldOutTask {
  id: string;
  /** Builds the task (the caller disposes it). */
  make(runtime: Runtime): Promise<Task>;
}

type Mlp = { hidden: number[]; activation?: Activation; batchNorm?: boolean; batchSize: number };
const digits = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => digitsMlpTask({ ...o, runtime, streamSeed: 77 }) });
const wine = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => wineTask({ ...o, runtime, streamSeed: 78 }) });
const iris = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => irisTask({ ...o, runtime, streamSeed: 79 }) });

export const HELD_OUT_SUITE: readonly HeldOutTask[] = [
  digits('digits 24 relu b24', { hidden: [24], activation: 'relu', batchSize: 24 }),
  digits('digits 48 tanh b48', { hidden: [48], activation: 'tanh', batchSize: 48 }),
  digits('digits 96 leaky_relu b96', { hidden: [96], activation: 'leaky_relu', batchSize: 96 }),
  digits('digits 12-12 sigmoid b24', { hidden: [12, 12], activation: 'sigmoid', batchSize: 24 }),
  digits('digits 24-24-24 relu+BN b48', { hidden: [24, 24, 24], activation: 'relu', batchNorm: true, batchSize: 48 }),
  digits('digits 48-48 tanh b96', { hidden: [48, 48], activation: 'tanh', batchSize: 96 }),
  digits('digits 40 relu+BN b200', { hidden: [40], activation: 'relu', batchNorm: true, batchSize: 200 }),
  digits('digits 20-20-20-20 relu b48', { hidden: [20, 20, 20, 20], activation: 'relu', batchSize: 48 }),
  digits('digits 6 sigmoid b24', { hidden: [6], activation: 'sigmoid', batchSize: 24 }),
  digits('digits logreg b48', { hidden: [], batchSize: 48 }),
  wine('wine logreg b24', { hidden: [], batchSize: 24 }),
  wine('wine 24 relu b24', { hidden: [24], activation: 'relu', batchSize: 24 }),
  wine('wine 12-12 tanh b48', { hidden: [12, 12], activation: 'tanh', batchSize: 48 }),
  wine('wine 48 relu+BN b24', { hidden: [48], activation: 'relu', batchNorm: true, batchSize: 24 }),
  wine('wine 20 sigmoid b96', { hidden: [20], activation: 'sigmoid', batchSize: 96 }),
  iris('iris 24 tanh b24', { hidden: [24], activation: 'tanh', batchSize: 24 }),
  { id: 'quadratic n30 κ300', make: async () => { const f = quadraticFamily({ n: 30, condition: 300, seed: 11 }); return f.task(f.sample(5)); } },
  { id: 'quadratic n100 κ30', make: async () => { const f = quadraticFamily({ n: 100, condition: 30, seed: 12 }); return f.task(f.sample(6)); } },
  { id: 'least squares n15 m45', make: async () => { const f = leastSquaresFamily({ n: 15, m: 45, seed: 13 }); return f.task(f.sample(7)); } },
  { id: 'least squares n40 m80 varyA', make: async () => { const f = leastSquaresFamily({ n: 40, m: 80, seed: 14, varyA: 0.1 }); return f.task(f.sample(8)); } },
];

/** Tensor shapes of a task: its MLP's tensors, else one vector. */
export function taskShapes(task: Task): number[][] {
  const m = (task as Partial<MlpTask>).model;
  return m ? m.tensors.map((t) => [...t.shape]) : [[task.size]];
}
