import { type LoopOptions, Loop } from '../../core/loop.js';
import { mean } from '../../core/stats.js';
import { eve } from '../../optim/eve.js';
import type { Optimizer } from '../../optim/types.js';
import type { SuiteTask } from '../../tasks/suite.js';
import type { Task } from '../../tasks/types.js';
import { type BudgetResult, type ProtocolContestant, runFixed, runThreeBudgets } from '../protocol.js';

/**
 * The runs of `lab eve`, on the protocol toolkit:
 * - `suiteRuns`: every contestant on every selected suite task under the three-budget protocol
 *   (`runThreeBudgets`), with the mean learning curve of each budget;
 * - `heatmap`: Eve (clip) at a fixed lr over β3 × c, mean final training loss over seeds;
 * - `coefficientTrace`: Eve's d̃ (clip) or d (thresholds) after every step of one run.
 * All follow the loop contract (progress, ABORTED within one run, partial results).
 */

/** One task's results: per contestant, its three budgets and mean curves. */
export interface EveTaskResult {
  name: string;
  description: string;
  group: string;
  steps: number;
  batch: number | null;
  target: number;
  testMetric: 'loss' | 'accuracy';
  size: number;
  initialLoss: number;
  contestants: { name: string; budgets: BudgetResult[]; curves: Record<string, number[]> }[];
}

/** Runs `contestants` on `entry` (see the module comment). `onUnit` is called after each contestant. */
export async function suiteRuns(
  entry: SuiteTask,
  contestants: readonly ProtocolContestant[],
  o: { steps: number; reportSeeds: number[]; tuneSeeds: number[]; curvePoints: number; signal?: AbortSignal; onUnit?: (partial: EveTaskResult) => void },
): Promise<EveTaskResult> {
  const task = await entry.make();
  try {
    const out: EveTaskResult = {
      name: entry.name,
      description: entry.description,
      group: entry.group,
      steps: o.steps,
      batch: entry.budget.batch,
      target: entry.target,
      testMetric: entry.testMetric,
      size: task.size,
      initialLoss: mean(o.reportSeeds.map((s) => task.evaluate(task.init(s), 'train').loss)),
      contestants: [],
    };
    for (const c of contestants) {
      const r = await runThreeBudgets(c, task, { steps: o.steps, target: entry.target, reportSeeds: o.reportSeeds, tuneSeeds: o.tuneSeeds, curvePoints: o.curvePoints, signal: o.signal });
      out.contestants.push({ name: c.name, ...r });
      o.onUnit?.(out);
    }
    return out;
  } finally {
    task.dispose?.();
  }
}

/** The β3 × c sweep of one task: `loss[i][j]` = mean final training loss at beta3[i], c[j]. */
export interface HeatmapResult {
  task: string;
  lr: number;
  steps: number;
  beta3: number[];
  c: number[];
  loss: number[][];
}

/** Eve (clip) at `lr` for every (β3, c), mean final training loss over `seeds` (+∞ if any diverged). */
export async function heatmap(entry: SuiteTask, lr: number, beta3: number[], c: number[], o: { steps: number; seeds: number[]; signal?: AbortSignal; onCell?: () => void }): Promise<HeatmapResult> {
  const task = await entry.make();
  try {
    const loss: number[][] = [];
    for (const b of beta3) {
      const row: number[] = [];
      for (const cc of c) {
        const vals: number[] = [];
        for (const s of o.seeds) {
          const r = await runFixed(eve({ lr, beta3: b, c: cc }), task, o.steps, { seed: s, batchOffset: s * o.steps, signal: o.signal });
          vals.push(r.finalLoss);
        }
        row.push(vals.every(Number.isFinite) ? mean(vals) : Infinity);
        o.onCell?.();
      }
      loss.push(row);
    }
    return { task: entry.name, lr, steps: o.steps, beta3, c, loss };
  } finally {
    task.dispose?.();
  }
}

/** Eve's feedback coefficient after every step of one run. */
export interface CoefficientTrace {
  task: string;
  optimizer: string;
  lr: number;
  /** Sampled steps and the coefficient d after each (≤ ~200 points). */
  step: number[];
  d: number[];
  /** The minibatch loss at the same steps. */
  loss: number[];
}

/** One run of `opt` (an Eve) on `task` from `task.init(seed)`, recording `state.scalars.d` each step. */
export async function coefficientTrace(task: Task, opt: Optimizer, name: string, lr: number, steps: number, seed: number, o: LoopOptions = {}): Promise<CoefficientTrace> {
  const loop = new Loop('coefficientTrace', o, { label: `d ${task.name}`, total: steps });
  const state = opt.init(task.init(seed));
  const stride = Math.max(1, Math.ceil(steps / 200));
  const out: CoefficientTrace = { task: task.name, optimizer: name, lr, step: [], d: [], loss: [] };
  try {
    for (let t = 0; t < steps; t++) {
      const loss = task.loss(state.params, seed * steps + t, state.grads);
      if (!Number.isFinite(loss)) break;
      opt.step(state, undefined, { loss });
      if (t % stride === 0 || t === steps - 1) {
        out.step.push(t + 1);
        out.d.push(state.scalars.d!);
        out.loss.push(loss);
      }
      await loop.tick(t + 1, () => out);
    }
  } finally {
    state.dispose();
  }
  loop.finish();
  return out;
}
