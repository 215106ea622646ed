import { quadraticTask, rosenbrockTask } from '../../tasks/functions.js';
import { rastriginTask } from '../../tasks/nonconvex.js';
import { digitsMlpTask } from '../../tasks/digits.js';
import type { Task } from '../../tasks/types.js';

/**
 * The race task registry: `npx metaoptim race --task <name>` looks names up here. A new
 * task is one entry (e.g. `'digits-mlp': { … make: (seed) => digitsMlpTask(seed) … }`).
 * Entries with `default: true` run when no `--task` is given.
 */
export interface RaceTaskEntry {
  /** One line for `race --help` and the report. */
  description: string;
  /** Builds the task; `seed` fixes any random structure (rotation, data split). */
  make(seed: number): Task | Promise<Task>;
  /** Steps of the final run (the tuning runs take a quarter of it). */
  steps: { quick: number; full: number };
  /** Loss level for the "steps to threshold" column. */
  threshold: number;
  /**
   * Plot bucket means of the per-step (minibatch) loss instead of the loss at sampled
   * steps: for stochastic tasks whose per-step loss is noisy.
   */
  smooth?: boolean;
  /** Run when no --task is given. */
  default?: boolean;
}

export const raceTasks: Record<string, RaceTaskEntry> = {
  rosenbrock: {
    description: 'Rosenbrock 2-D from (−1.2, 1); minimum 0 at (1, 1)',
    make: () => rosenbrockTask(),
    steps: { quick: 2000, full: 20000 },
    threshold: 1e-6,
    default: true,
  },
  quadratic: {
    description: 'rotated quadratic, n = 50, condition 1e4 (seeded rotation and minimizer)',
    make: (seed) => quadraticTask({ n: 50, condition: 1e4, seed }),
    steps: { quick: 1000, full: 10000 },
    threshold: 1e-6,
    default: true,
  },
  rastrigin: {
    description: 'Rastrigin n = 10 from a seeded uniform start in [−5.12, 5.12]^10; minimum 0 at 0',
    make: () => rastriginTask({ n: 10 }),
    steps: { quick: 1000, full: 5000 },
    threshold: 10,
    default: true,
  },
  'digits-mlp': {
    description: 'MLP 64-20-10 (ReLU) on 8×8 digits, softmax cross-entropy, batch 128; split 1,400 train / 397 test (seed 0)',
    make: (seed) => digitsMlpTask({ streamSeed: seed }),
    steps: { quick: 300, full: 2000 },
    threshold: 0.1,
    smooth: true,
  },
};
