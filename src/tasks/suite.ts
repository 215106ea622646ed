import { MetaoptimError } from '../core/errors.js';
import { digitsLogisticTask, digitsMlpTask, digitsVariantTask } from './digits.js';
import { quadraticTask, rosenbrockTask } from './functions.js';
import { ackleyTask, rastriginTask } from './nonconvex.js';
import { bealeTask, deepNoisyQuadraticTask, digitsAutoencoderTask, teacherStudentTask } from './suite-tasks.js';
import type { Task } from './types.js';
import { irisTask, wineTask } from './uci.js';

/**
 * The benchmark suite (issue 13; in the spirit of DeepOBS, Schneider et al. 2019, and Schmidt,
 * Schneider & Hennig 2021, "Descending through a crowded valley"): 20 small tasks, listed by
 * name, each with a fixed budget (steps, minibatch size) and a target training loss.
 *
 * Every task is data-free (a seeded generator) or uses the shipped data (digits, iris, wine, with
 * their fixed splits). Runs are seeded: `task.init(seed)` draws the start (Rastrigin and Ackley:
 * uniform in their search box, so every seed starts elsewhere; Rosenbrock keeps the classic
 * (−1.2, 1)), and the protocol gives seed s the minibatches s·steps … s·steps + steps − 1.
 *
 * `target` is a training loss (the task's `evaluate('train')` or minibatch loss) that the tuned
 * Adam reaches within the budget on most seeds: "steps to target" counts the first step at which
 * the minibatch loss is ≤ target. The suite is extensible: `registerSuiteTasks` adds tasks (e.g.
 * a learned-optimizer evaluation's held-out tasks, marked `heldOut: true`); `suiteTasks()` lists
 * the built-in and registered tasks, `suiteTasks({ heldOut: true })` only the held-out ones.
 *
 * Errors: INVALID_ARGUMENT (unknown task name, duplicate or malformed registration).
 */
export interface SuiteTask {
  /** Unique lower-case name. */
  readonly name: string;
  /** One line for reports and `--help`. */
  readonly description: string;
  /** Kind of problem, for grouping in reports. */
  readonly group: 'test-function' | 'quadratic' | 'logistic' | 'mlp' | 'autoencoder' | 'regression' | 'multimodal';
  /** Fixed budget: optimizer steps, and minibatch size (null for deterministic full-batch tasks). */
  readonly budget: { readonly steps: number; readonly batch: number | null };
  /** Target training loss for "steps to target". */
  readonly target: number;
  /** True when `init(seed)` draws a random start per seed (multimodal functions, networks). */
  readonly randomStart: boolean;
  /** Reserved for learned-optimizer evaluation (never used for meta-training). */
  readonly heldOut: boolean;
  /** Name of the test metric ('test loss' or 'test accuracy'). */
  readonly testMetric: 'loss' | 'accuracy';
  /** Builds the task (may load the shipped data); the caller disposes it. */
  make(): Task | Promise<Task>;
}

type Entry = Omit<SuiteTask, 'heldOut' | 'randomStart' | 'testMetric'> & Partial<Pick<SuiteTask, 'heldOut' | 'randomStart' | 'testMetric'>>;

const entry = (e: Entry): SuiteTask => Object.freeze({ heldOut: false, randomStart: true, testMetric: 'loss', ...e });
const renamed = (t: Task, name: string): Task => ({ ...t, name });

/** The 20 built-in tasks, in report order. */
export const BENCHMARK_SUITE: readonly SuiteTask[] = Object.freeze([
  entry({ name: 'rosenbrock', group: 'test-function', description: 'Rosenbrock 2-D from (−1.2, 1); minimum 0 at (1, 1)', budget: { steps: 2000, batch: null }, target: 1e-2, randomStart: false, make: () => rosenbrockTask() }),
  entry({ name: 'beale', group: 'test-function', description: 'Beale 2-D from (1, 1) ± 0.5 per seed; minimum 0 at (3, 0.5)', budget: { steps: 1000, batch: null }, target: 1e-3, make: () => bealeTask() }),
  entry({ name: 'noisy-quadratic-deep', group: 'quadratic', description: 'noisy quadratic, n = 100, quadratic_deep spectrum (90 × U(0,1), 10 × U(30,60)), rotated; start 10·1 + N(0, I)', budget: { steps: 1000, batch: 16 }, target: 100, make: () => deepNoisyQuadraticTask({ batchSize: 16 }) }),
  entry({ name: 'quadratic-10-1e2', group: 'quadratic', description: 'rotated quadratic, n = 10, condition 1e2', budget: { steps: 500, batch: null }, target: 1e-3, make: () => renamed(quadraticTask({ n: 10, condition: 1e2, seed: 1 }), 'quadratic-10-1e2') }),
  entry({ name: 'quadratic-50-1e3', group: 'quadratic', description: 'rotated quadratic, n = 50, condition 1e3', budget: { steps: 1000, batch: null }, target: 1e-2, make: () => renamed(quadraticTask({ n: 50, condition: 1e3, seed: 2 }), 'quadratic-50-1e3') }),
  entry({ name: 'quadratic-50-1e4', group: 'quadratic', description: 'rotated quadratic, n = 50, condition 1e4', budget: { steps: 1000, batch: null }, target: 1e-1, make: () => renamed(quadraticTask({ n: 50, condition: 1e4, seed: 3 }), 'quadratic-50-1e4') }),
  entry({ name: 'logreg-digits', group: 'logistic', testMetric: 'accuracy', description: 'logistic regression 64 → 10 on digits (1,400 / 397), batch 128', budget: { steps: 500, batch: 128 }, target: 0.1, make: () => digitsLogisticTask({ name: 'logreg-digits' }) }),
  entry({ name: 'logreg-iris', group: 'logistic', testMetric: 'accuracy', description: 'logistic regression 4 → 3 on iris (120 / 30, standardized), batch 32', budget: { steps: 300, batch: 32 }, target: 0.15, make: () => irisTask({ name: 'logreg-iris', batchSize: 32 }) }),
  entry({ name: 'logreg-wine', group: 'logistic', testMetric: 'accuracy', description: 'logistic regression 13 → 3 on wine (142 / 36, standardized), batch 32', budget: { steps: 300, batch: 32 }, target: 0.05, make: () => wineTask({ name: 'logreg-wine', batchSize: 32 }) }),
  entry({ name: 'digits-mlp-sigmoid', group: 'mlp', testMetric: 'accuracy', description: 'MLP 64-20-10 sigmoid on digits, batch 128', budget: { steps: 1000, batch: 128 }, target: 0.05, make: () => digitsVariantTask('sigmoid', { name: 'digits-mlp-sigmoid' }) }),
  entry({ name: 'digits-mlp-relu', group: 'mlp', testMetric: 'accuracy', description: 'MLP 64-20-10 ReLU on digits, batch 128', budget: { steps: 1000, batch: 128 }, target: 0.02, make: () => digitsVariantTask('relu', { name: 'digits-mlp-relu' }) }),
  entry({ name: 'digits-mlp-leaky-relu', group: 'mlp', testMetric: 'accuracy', description: 'MLP 64-20-10 LeakyReLU (0.01) on digits, batch 128', budget: { steps: 1000, batch: 128 }, target: 0.02, make: () => digitsVariantTask('leaky_relu', { name: 'digits-mlp-leaky-relu' }) }),
  entry({ name: 'digits-mlp-bn', group: 'mlp', testMetric: 'accuracy', description: 'MLP 64-20-10 ReLU with batch norm on digits, batch 128', budget: { steps: 1000, batch: 128 }, target: 0.02, make: () => digitsVariantTask('relu_bn', { name: 'digits-mlp-bn' }) }),
  entry({ name: 'digits-mlp-deep', group: 'mlp', testMetric: 'accuracy', description: 'MLP 64-32-32-32-10 ReLU (3 hidden layers) on digits, batch 128', budget: { steps: 1000, batch: 128 }, target: 0.02, make: () => digitsMlpTask({ hidden: [32, 32, 32], activation: 'relu', name: 'digits-mlp-deep' }) }),
  entry({ name: 'digits-autoencoder', group: 'autoencoder', description: 'autoencoder 64-16-64 sigmoid on digits, MSE, batch 64', budget: { steps: 1000, batch: 64 }, target: 0.015, make: () => digitsAutoencoderTask({ batchSize: 64 }) }),
  entry({ name: 'iris-mlp', group: 'mlp', testMetric: 'accuracy', description: 'MLP 4-16-3 ReLU on iris, batch 32', budget: { steps: 300, batch: 32 }, target: 0.1, make: () => irisTask({ name: 'iris-mlp', hidden: [16], activation: 'relu', batchSize: 32 }) }),
  entry({ name: 'wine-mlp', group: 'mlp', testMetric: 'accuracy', description: 'MLP 13-16-3 ReLU on wine, batch 32', budget: { steps: 300, batch: 32 }, target: 0.01, make: () => wineTask({ name: 'wine-mlp', hidden: [16], activation: 'relu', batchSize: 32 }) }),
  entry({ name: 'teacher-student', group: 'regression', description: 'teacher–student regression, 8-16-1 tanh student and teacher, noise 0.05, batch 32', budget: { steps: 1000, batch: 32 }, target: 0.005, make: () => teacherStudentTask({ batchSize: 32 }) }),
  entry({ name: 'rastrigin-10', group: 'multimodal', description: 'Rastrigin n = 10 from a uniform start in [−5.12, 5.12]¹⁰ per seed; minimum 0 at 0', budget: { steps: 1000, batch: null }, target: 30, make: () => rastriginTask({ n: 10 }) }),
  entry({ name: 'ackley-10', group: 'multimodal', description: 'Ackley n = 10 from a uniform start in [−32.768, 32.768]¹⁰ per seed; minimum 0 at 0', budget: { steps: 1000, batch: null }, target: 15, make: () => ackleyTask({ n: 10 }) }),
]);

const registered: SuiteTask[] = [];

/**
 * Adds tasks to the suite (e.g. the held-out tasks of a learned-optimizer evaluation, with
 * `heldOut: true`). Names must be new. Returns the registered entries (frozen, defaults filled).
 * Errors: INVALID_ARGUMENT (duplicate name, bad budget or target).
 */
export function registerSuiteTasks(tasks: readonly Entry[]): SuiteTask[] {
  const out: SuiteTask[] = [];
  for (const t of tasks) {
    if (typeof t.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(t.name)) throw new MetaoptimError('INVALID_ARGUMENT', `registerSuiteTasks: bad task name ${String(t.name)}`);
    if (suiteTasks().some((s) => s.name === t.name) || out.some((s) => s.name === t.name)) throw new MetaoptimError('INVALID_ARGUMENT', `registerSuiteTasks: a task named ${t.name} exists`);
    if (!Number.isInteger(t.budget?.steps) || t.budget.steps < 1) throw new MetaoptimError('INVALID_ARGUMENT', `registerSuiteTasks: ${t.name}: budget.steps must be a positive integer`);
    if (typeof t.make !== 'function' || !Number.isFinite(t.target)) throw new MetaoptimError('INVALID_ARGUMENT', `registerSuiteTasks: ${t.name}: needs make() and a finite target`);
    out.push(entry(t));
  }
  registered.push(...out);
  return out;
}

/** The suite: built-in tasks then registered ones; `{ heldOut }` filters on the held-out mark. */
export function suiteTasks(o: { heldOut?: boolean } = {}): SuiteTask[] {
  const all = [...BENCHMARK_SUITE, ...registered];
  return o.heldOut === undefined ? all : all.filter((t) => t.heldOut === o.heldOut);
}

/** One suite task by name. Errors: INVALID_ARGUMENT naming the known tasks. */
export function suiteTask(name: string): SuiteTask {
  const t = suiteTasks().find((s) => s.name === name);
  if (!t) throw new MetaoptimError('INVALID_ARGUMENT', `unknown suite task "${name}" (known: ${suiteTasks().map((s) => s.name).join(', ')})`);
  return t;
}
