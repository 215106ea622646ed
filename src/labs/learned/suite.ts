import type { Activation } from '../../nn/layout.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import type { MlpTask } from '../../tasks/classification.js';
import { digitsMlpTask } from '../../tasks/digits.js';
import { leastSquaresFamily } from '../../tasks/least-squares.js';
import { quadraticFamily } from '../../tasks/quadratic.js';
import { type SuiteTask, registerSuiteTasks } from '../../tasks/suite.js';
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
 *
 * The tasks are part of the benchmark suite (tasks/suite.ts): this module registers each as a
 * held-out suite task (`suiteTasks({ heldOut: true })`, named `heldout-<id as a slug>`), so the
 * race and `lab eve` (which take `heldOut: false`) never see them, and `lab learned` runs exactly
 * the suite's held-out tasks (`HELD_OUT_SUITE` lists them with their suite entry). Their budget is
 * the contest's longest horizon, 2,000 steps; the contest measures speed against tuned Adam's
 * final loss, so their `target` (0, never reached) is unused.
 */
export interface HeldOutTask {
  id: string;
  /** The task's entry in the benchmark suite (held out), once registered. */
  suite?: SuiteTask;
  /** Builds the task (the caller disposes it). */
  make(runtime: Runtime): Promise<Task>;
}

type Mlp = { hidden: number[]; activation?: Activation; batchNorm?: boolean; batchSize: number };
const digits = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => digitsMlpTask({ ...o, runtime, streamSeed: 77 }) });
const wine = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => wineTask({ ...o, runtime, streamSeed: 78 }) });
const iris = (id: string, o: Mlp): HeldOutTask => ({ id, make: (runtime) => irisTask({ ...o, runtime, streamSeed: 79 }) });

const HELD_OUT_LIST: readonly HeldOutTask[] = [
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

const slug = (id: string): string => `heldout-${id.toLowerCase().normalize('NFKD').replace(/κ/g, 'k').replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '')}`;
const BATCH = /\bb(\d+)$/;

/** The held-out tasks, each registered once in the benchmark suite (see the module comment). */
export const HELD_OUT_SUITE: readonly HeldOutTask[] = (() => {
  const entries = registerSuiteTasks(HELD_OUT_LIST.map((h) => ({
    name: slug(h.id),
    description: `held-out task of lab learned: ${h.id}`,
    group: h.id.startsWith('quadratic') ? 'quadratic' : h.id.startsWith('least squares') ? 'regression' : h.id.includes('logreg') ? 'logistic' : 'mlp',
    budget: { steps: 2000, batch: BATCH.test(h.id) ? Number(BATCH.exec(h.id)![1]) : null },
    target: 0,
    heldOut: true,
    testMetric: h.id.startsWith('quadratic') || h.id.startsWith('least squares') ? 'loss' : 'accuracy',
    make: () => h.make(defaultRuntimeOrThrow()),
  } as const)));
  return Object.freeze(HELD_OUT_LIST.map((h, i) => Object.freeze({ ...h, suite: entries[i]! })));
})();

/** Tensor shapes of a task: its MLP's tensors, else one vector. */
export function taskShapes(task: Task): number[][] {
  const m = (task as Partial<MlpTask>).model;
  return m ? m.tensors.map((t) => [...t.shape]) : [[task.size]];
}
