import { MetaoptimError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { adam } from '../../optim/adam.js';
import { sgd } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/types.js';
import { multiStartProposer, perturbationProposer } from '../../restart/baselines.js';
import { runRestarts } from '../../restart/driver.js';
import type { RestartResult } from '../../restart/types.js';
import { openAICompatible } from '../../restart/openai.js';
import { surrogateProposer } from '../../restart/surrogate.js';
import type { Proposer } from '../../restart/types.js';
import { ackleyTask, rastriginTask } from '../../tasks/nonconvex.js';
import type { PromptTuningTask } from '../../tasks/prompt-tuning.js';
import type { Task } from '../../tasks/types.js';

// The protocol of `metaoptim lab restarts`: budgets, tasks, methods, and one run → one row.

/** Adam learning rate of the prompt-tuning runs. */
export const PROMPT_LR = 5e-2;
/** The prompt-tuning task of the lab: 8 tokens × 8 dims (64 parameters), frozen 128-32-10 ReLU network, digits moved 1 pixel right. */
export const PROMPT_TASK = { shift: 'translate', tokens: 8, dim: 8, hidden: [32] } as const;

/** The task families of the lab, as named by `--only`. */
export const RESTART_TASKS = ['rastrigin', 'rastrigin-shifted', 'ackley', 'ackley-shifted', 'prompt'] as const;
export type RestartTaskName = (typeof RESTART_TASKS)[number];

export interface Config {
  seeds: number;
  /** T: gradient-equivalent evaluations per run. */
  total: number;
  /** N, m, k, P of the restart methods. */
  rounds: number;
  stepsPerRound: number;
  candidates: number;
  polish: number;
  /** N·(k·(P+1)+1): evaluations charged to proposing. */
  charge: number;
  /** M = T − N·m − charge. */
  finalSteps: number;
}

/** Quick: 10 seeds, T = 600, N = 5, m = 40; full: 30 seeds, T = 1500, N = 8, m = 50; k = 4, P = 15. */
export function configFor(quick: boolean, seeds?: number): Config {
  const c = quick ? { seeds: 10, total: 600, rounds: 5, stepsPerRound: 40, candidates: 4, polish: 15 } : { seeds: 30, total: 1500, rounds: 8, stepsPerRound: 50, candidates: 4, polish: 15 };
  if (seeds !== undefined) {
    if (!Number.isInteger(seeds) || seeds < 1) throw new MetaoptimError('INVALID_ARGUMENT', `lab restarts: --seeds must be a positive integer, got ${seeds}`);
    c.seeds = seeds;
  }
  const charge = c.rounds * (c.candidates * (c.polish + 1) + 1);
  return { ...c, charge, finalSteps: c.total - c.rounds * c.stepsPerRound - charge };
}

export interface TaskSetup {
  family: RestartTaskName;
  task: Task;
  /** Optimizer description for the report. */
  opt: string;
  optimizer: () => Optimizer;
  /** σ of the perturbation baseline. */
  sigma: number;
}

/**
 * The seeded shift of the -shifted variants: the minimum moves to a point in [−2.5, 2.5]¹⁰
 * (from `new Rng(seed ^ 0x5eed)`) while the start box stays centred at 0, so no method profits
 * from aiming at the origin.
 */
export function shiftFor(seed: number): number[] {
  const rng = new Rng(seed ^ 0x5eed);
  return Array.from({ length: 10 }, () => 5 * rng.uniform() - 2.5);
}

/** The task setups of `families`: Rastrigin (SGD 2e-3), Ackley (SGD 5e-2), prompt tuning (Adam 5e-2). */
export function taskSetups(families: readonly RestartTaskName[], shift: number[], prompt: PromptTuningTask | undefined): TaskSetup[] {
  const sgdSetup = (family: RestartTaskName, task: Task, lr: number): TaskSetup => ({ family, task, opt: `SGD lr ${lr}`, optimizer: () => sgd({ lr }), sigma: 0.5 });
  const all: TaskSetup[] = [
    sgdSetup('rastrigin', rastriginTask({ n: 10 }), 2e-3),
    sgdSetup('rastrigin-shifted', rastriginTask({ n: 10, shift }), 2e-3),
    sgdSetup('ackley', ackleyTask({ n: 10, range: 5 }), 5e-2),
    sgdSetup('ackley-shifted', ackleyTask({ n: 10, range: 5, shift }), 5e-2),
  ];
  if (prompt) all.push({ family: 'prompt', task: prompt, opt: `Adam lr ${PROMPT_LR}`, optimizer: () => adam({ lr: PROMPT_LR }), sigma: 0.5 });
  return all.filter((s) => families.includes(s.family));
}

export interface MethodSpec {
  name: string;
  /** The proposer for perturbation scale σ; null = GD alone. */
  make: ((sigma: number) => Proposer) | null;
}

/** GD alone, the surrogate, multi-start, perturbation, the surrogate without its funnel, and GD + LLM when configured. */
export function methods(llm: { baseURL: string; model: string; apiKey?: string } | undefined): MethodSpec[] {
  const list: MethodSpec[] = [
    { name: 'GD', make: null },
    { name: 'GD + surrogate', make: () => surrogateProposer() },
    { name: 'GD + multi-start', make: () => multiStartProposer() },
    { name: 'GD + perturbation', make: (sigma) => perturbationProposer({ sigma }) },
    { name: 'GD + surrogate w/o funnel', make: () => surrogateProposer({ funnel: false }) },
  ];
  if (llm) {
    const { baseURL, model, apiKey } = llm;
    list.push({ name: `GD + LLM (${model})`, make: () => openAICompatible({ baseURL, model, ...(apiKey ? { apiKey } : {}), timeoutMs: 120_000, maxRetries: 3, temperature: 1 }) });
  }
  return list;
}

export interface RunRow {
  task: string;
  method: string;
  seed: number;
  finalLoss: number;
  /** Final accuracy on the train / test split, where the task has one (prompt tuning). */
  trainAccuracy?: number;
  testAccuracy?: number;
  bestLoss: number;
  restarts: number;
  gradientSteps: number;
  polishSteps: number;
  scoringEvaluations: number;
  proposerCalls: number;
  tokens: number;
  overheadMs: { serialize: number; proposer: number; parse: number; score: number };
  rejected: number;
}

/**
 * One run of `method` on `setup` from `seed` at the equal budget of `cfg`: GD alone does T
 * steps; a restart method N rounds of m steps with k candidates polished P steps each, pick
 * 'bestOrCurrent', then M final steps.
 */
export async function runOne(setup: TaskSetup, method: MethodSpec, seed: number, cfg: Config, signal: AbortSignal | undefined): Promise<{ row: RunRow; result: RestartResult }> {
  const common = { optimizer: setup.optimizer(), seed, ...(signal ? { signal } : {}) };
  const r = method.make
    ? await runRestarts(setup.task, {
        ...common,
        proposer: method.make(setup.sigma),
        rounds: cfg.rounds,
        stepsPerRound: cfg.stepsPerRound,
        finalSteps: cfg.finalSteps,
        candidates: cfg.candidates,
        maxCandidates: cfg.candidates,
        pick: 'bestOrCurrent',
        polishSteps: cfg.polish,
        onProposerError: 'record',
      })
    : await runRestarts(setup.task, { ...common, proposer: multiStartProposer(), rounds: 0, stepsPerRound: 0, finalSteps: cfg.total });
  const sum = (f: (x: RestartResult['rounds'][number]) => number) => r.rounds.reduce((a, x) => a + f(x), 0);
  const row: RunRow = {
    task: setup.task.name,
    method: method.name,
    seed,
    finalLoss: r.final.train.loss,
    ...(r.final.train.accuracy !== undefined ? { trainAccuracy: r.final.train.accuracy } : {}),
    ...(r.final.test.accuracy !== undefined ? { testAccuracy: r.final.test.accuracy } : {}),
    bestLoss: r.best.loss,
    restarts: r.counts.restarts,
    gradientSteps: r.counts.gradientSteps,
    polishSteps: r.counts.polishSteps,
    scoringEvaluations: r.counts.scoringEvaluations,
    proposerCalls: r.counts.proposerCalls,
    tokens: r.counts.tokens,
    overheadMs: {
      serialize: sum((x) => x.timing.serializeMs),
      proposer: sum((x) => x.timing.proposerMs),
      parse: sum((x) => x.timing.parseMs),
      score: sum((x) => x.timing.scoreMs),
    },
    rejected: sum((x) => (x.counts ? x.counts.groups - x.counts.accepted : 0)),
  };
  return { row, result: r };
}
