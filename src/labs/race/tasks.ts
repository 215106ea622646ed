import { type SuiteTask, suiteTasks } from '../../tasks/suite.js';
import type { Task } from '../../tasks/types.js';

/**
 * The race's tasks: the benchmark suite (tasks/suite.ts), by name. `npx metaoptim race --task
 * <name>` looks names up here; entries with `default: true` run when no `--task` is given
 * (Rosenbrock, the κ = 1e4 quadratic, Rastrigin and Ackley from a random start per seed, and
 * digits logistic regression). Budgets: the suite's steps (full) and a quarter of them (quick).
 */
export interface RaceTaskEntry {
  /** One line for `race --help` and the report. */
  description: string;
  /** Builds the task (the suite's `make`). */
  make(): Task | Promise<Task>;
  /** Steps of every run. */
  steps: { quick: number; full: number };
  /** The suite's target loss, for the "steps to target" column. */
  threshold: number;
  /** Plot bucket means of the minibatch loss (stochastic tasks). */
  smooth: boolean;
  /** Whether `init(seed)` draws a random start per seed (multimodal functions, networks). */
  randomStart: boolean;
  /** Run when no --task is given. */
  default: boolean;
}

/** The tasks `race` runs without --task. */
export const RACE_DEFAULT_TASKS = ['rosenbrock', 'quadratic-50-1e4', 'rastrigin-10', 'ackley-10', 'logreg-digits'];

const fromSuite = (s: SuiteTask): RaceTaskEntry => ({
  description: s.description,
  make: () => s.make(),
  steps: { quick: Math.max(1, Math.ceil(s.budget.steps / 4)), full: s.budget.steps },
  threshold: s.target,
  smooth: s.budget.batch !== null,
  randomStart: s.randomStart,
  default: RACE_DEFAULT_TASKS.includes(s.name),
});

/** The registry (built from the suite when this module loads). */
export const raceTasks: Record<string, RaceTaskEntry> = Object.fromEntries(suiteTasks({ heldOut: false }).map((s) => [s.name, fromSuite(s)]));
