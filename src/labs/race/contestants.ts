import type { Optimizer } from '../../optim/types.js';
import { pickContestants } from '../contestants.js';
import { lrGrid } from '../protocol.js';

/** An optimizer in the race: everything fixed at its library default except the learning rate. */
export interface Contestant {
  name: string;
  /** The configuration, as shown in the report. */
  config: string;
  make(lr: number): Optimizer;
}

/** The race's optimizers: the suite contestants (labs/contestants.ts) that have a learning rate. */
export const RACE_CONTESTANTS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'eve', 'eve-thresholds', 'lion', 'lion+feedback'];

export const contestants: readonly Contestant[] = pickContestants(RACE_CONTESTANTS).map((c) => ({
  name: c.name,
  config: c.config,
  make: (lr: number) => c.make({ lr, steps: 1 }),
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
