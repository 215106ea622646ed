import { MetaoptimError } from '../../core/errors.js';
import { adam } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/types.js';
import type { DigitsMlpConfig, DigitsMlpFamily } from '../../tasks/digits.js';
import type { MlpTask } from '../../tasks/classification.js';
import { mlpLOpt } from '../mlp.js';
import { type RunStats, runOn, taskSegments } from './run.js';

/**
 * Held-out evaluation of a learned MLP optimizer against Adam with a tuned learning rate
 * (docs/l2o.md, "Pretrained optimizer").
 *
 * Held-out tasks: `heldOutDigitsConfigs(n)` takes `family.sample(1_000_000 + i)` (sampling seeds
 * never used by meta-training, which draws its task seeds below 2¹⁶ — see pretrain.ts) and
 * replaces the hidden width by 24, 48 or 96 (i mod 3): widths outside the family's
 * {16, 32, 64, 128}. Depth, activation, batch norm, batch size and stream seed are as sampled.
 * Task i starts from `task.init(i)`.
 *
 * Metric: the mean over the run of the training minibatch loss L_t at θ_t (before step t),
 * t = 0 … steps−1; a run whose loss or gradient becomes non-finite counts L_0 for every
 * remaining step. Adam is run for every learning rate of the grid; "tuned" is the single lr
 * with the lowest mean over the tasks (chosen on the evaluation tasks themselves, which favours
 * Adam), and "per-task oracle" takes the best lr for each task separately.
 */
export const HELD_OUT_BASE_SEED = 1_000_000;
export const HELD_OUT_WIDTHS = [24, 48, 96] as const;
export const ADAM_LR_GRID = [1e-3, 3e-3, 1e-2, 2e-2, 3e-2, 5e-2, 1e-1] as const;

/** The i-th held-out configuration (see the module comment). */
export function heldOutDigitsConfigs(family: DigitsMlpFamily, count: number): DigitsMlpConfig[] {
  return Array.from({ length: count }, (_, i) => {
    const c = family.sample(HELD_OUT_BASE_SEED + i);
    const w = HELD_OUT_WIDTHS[i % HELD_OUT_WIDTHS.length]!;
    return { ...c, hidden: c.hidden.map(() => w) };
  });
}

export interface EvaluationRow {
  name: string;
  /** Per task. */
  runs: RunStats[];
  mean: number;
  sd: number;
}

export interface LearnedEvaluation {
  configs: DigitsMlpConfig[];
  steps: number;
  learned: EvaluationRow;
  adam: EvaluationRow[];
  tunedAdam: EvaluationRow;
  /** Best Adam lr per task. */
  oracleAdam: EvaluationRow;
  /** Wins of the learned optimizer over tuned Adam, task by task (mean loss). */
  winsVsTuned: number;
}

function row(name: string, runs: RunStats[]): EvaluationRow {
  const xs = runs.map((r) => r.meanLoss);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { name, runs, mean, sd };
}

export interface EvaluateLearnedOptions {
  family: DigitsMlpFamily;
  theta: Float32Array;
  /** The optimizer's `normEps` (default 1e−5; the shipped θ records its own). */
  normEps?: number;
  /** Number of held-out tasks (default 10, at least 5 for the documented comparison). */
  tasks?: number;
  steps?: number;
  lrGrid?: readonly number[];
  onProgress?: (done: number, total: number) => void;
}

/** Learned optimizer (per-tensor segments) vs the Adam grid on the held-out tasks. */
export function evaluateLearned(o: EvaluateLearnedOptions): LearnedEvaluation {
  const n = o.tasks ?? 10, steps = o.steps ?? 200, grid = o.lrGrid ?? ADAM_LR_GRID;
  if (!Number.isInteger(n) || n < 1) throw new MetaoptimError('INVALID_ARGUMENT', 'evaluateLearned: tasks must be a positive integer');
  const configs = heldOutDigitsConfigs(o.family, n);
  const learned: RunStats[] = [];
  const perLr: RunStats[][] = grid.map(() => []);
  configs.forEach((c, i) => {
    const task = o.family.task(c);
    try {
      learned.push(runOn(task, mlpLOpt.optimizer(o.theta, { segments: taskSegments(task), normEps: o.normEps }), steps, i));
      grid.forEach((lr, j) => perLr[j]!.push(runOn(task, adam({ lr }), steps, i)));
    } finally {
      task.dispose();
    }
    o.onProgress?.(i + 1, n);
  });
  const adamRows = grid.map((lr, j) => row(`adam lr=${lr}`, perLr[j]!));
  const tuned = adamRows.reduce((a, b) => (b.mean < a.mean ? b : a));
  const oracle = row('adam per-task best lr', configs.map((_, i) => perLr.map((r) => r[i]!).reduce((a, b) => (b.meanLoss < a.meanLoss ? b : a))));
  const lrow = row('learned (mlp-lopt, pretrained)', learned);
  const wins = learned.filter((r, i) => r.meanLoss < tuned.runs[i]!.meanLoss).length;
  return { configs, steps, learned: lrow, adam: adamRows, tunedAdam: { ...tuned, name: `${tuned.name} (tuned)` }, oracleAdam: oracle, winsVsTuned: wins };
}

/** The evaluation as a Markdown table (mean ± sd over tasks of the mean training loss). */
export function evaluationTable(e: LearnedEvaluation): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    `Held-out digits-MLP tasks: ${e.configs.length}, ${e.steps} steps each.`,
    '',
    '| optimizer | mean training loss (mean ± sd over tasks) | final loss (last 10 steps) | test accuracy |',
    '|---|---|---|---|',
  ];
  const avg = (r: EvaluationRow, k: 'finalLoss' | 'testAccuracy') => r.runs.reduce((a, b) => a + b[k], 0) / r.runs.length;
  for (const r of [e.learned, e.tunedAdam, e.oracleAdam, ...e.adam]) {
    lines.push(`| ${r.name} | ${f(r.mean)} ± ${f(r.sd)} | ${f(avg(r, 'finalLoss'))} | ${(100 * avg(r, 'testAccuracy')).toFixed(1)} % |`);
  }
  lines.push('', `Learned beats tuned Adam on ${e.winsVsTuned} of ${e.configs.length} tasks.`, '', '| task | learned | tuned Adam |', '|---|---|---|');
  e.configs.forEach((c, i) => {
    lines.push(`| ${c.hidden.join('-')} ${c.activation}${c.batchNorm ? '+BN' : ''} b${c.batchSize} | ${f(e.learned.runs[i]!.meanLoss)} | ${f(e.tunedAdam.runs[i]!.meanLoss)} |`);
  });
  return lines.join('\n');
}
