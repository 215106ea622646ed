import type { Optimizer } from '../../optim/types.js';
import { pickContestants } from '../contestants.js';
import { type ContestantTask, lrGrid } from '../protocol.js';

/**
 * An optimizer in the race: everything fixed at its library default except the learning rate.
 * `tuned: false` (the published learned optimizers) has no learning rate: no tuning, `lr` is
 * ignored and the reported runs are its one configuration. `task` gives the task's shapes and
 * horizon (Celo needs them); `prepare` runs once before the first `make`.
 */
export interface Contestant {
  name: string;
  /** The configuration, as shown in the report. */
  config: string;
  tuned: boolean;
  prepare?(): Promise<void>;
  make(lr: number, task?: ContestantTask): Optimizer;
}

/** The race's optimizers: the suite contestants (labs/contestants.ts) with a learning rate, then Celo and Celo-Adam (untuned). */
export const RACE_CONTESTANTS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'eve', 'eve-thresholds', 'lion', 'lion+feedback', 'celo', 'celo-adam'];

export const contestants: readonly Contestant[] = pickContestants(RACE_CONTESTANTS).map((c) => ({
  name: c.name,
  config: c.config,
  tuned: c.defaultLr !== null,
  ...(c.prepare ? { prepare: () => c.prepare!() } : {}),
  make: (lr: number, task?: ContestantTask) => c.make(c.defaultLr === null ? { steps: task?.numSteps ?? 1, ...(task ? { task } : {}) } : { lr, steps: task?.numSteps ?? 1, ...(task ? { task } : {}) }),
}));

/**
 * The race's learning-rate grid, from the protocol toolkit's `lrGrid`: 10^(k/2) for
 * k = −10…0 (1e-5 … 1 in half decades, 11 values, `lrGrid({ min: 1e-5, max: 1, perDecade: 2 })`);
 * `quick` keeps the decades (1e-5 … 1, 6 values, `perDecade: 1`). Wider than the toolkit's
 * 7-point default because the race's tasks span five orders of magnitude of good rates.
 */
export function raceLrGrid(quick: boolean): number[] {
  return lrGrid({ min: 1e-5, max: 1, perDecade: quick ? 1 : 2 });
}
