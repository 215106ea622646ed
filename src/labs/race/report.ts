import { dotChart, lineChart, robustDomain } from '../../report/charts.js';
import { formatNumber, textTable } from '../../report/format.js';
import type { ReportDoc, ReportSection } from '../../report/types.js';
import { type ResultsHeader, type SeedSummary, formatMeanSd, rankAcrossTasks } from '../protocol.js';
import { contestants, raceLrGrid } from './contestants.js';
import type { RaceTaskResult } from './run.js';

/** results.json of the race: the one results header, then the grid, seeds, the protocol text and one entry per task. */
export interface RaceResults extends ResultsHeader {
  lab: 'race';
  lrGrid: number[];
  /** Reported seeds per task. */
  seeds: number;
  protocol: string[];
  tasks: RaceTaskResult[];
}

/** Curves are drawn on a log axis; a loss below this (e.g. exactly 0) is drawn at it. */
export const Y_FLOOR = 1e-20;

/** The protocol as written at the top of the report and in results.json. */
export function protocolText(quick: boolean, seeds: number): string[] {
  const grid = raceLrGrid(quick);
  return [
    `Learning-rate grid (${grid.length} values, log-spaced, lrGrid({ min: 1e-5, max: 1, perDecade: ${quick ? 1 : 2} })): ${grid.map((g) => formatNumber(g)).join(', ')}.`,
    'Tuning (tuneLr, score = final training loss): for every (optimizer, task) pair, one run of the full budget per grid value on a tuning seed (seed + 1000) that is never reported; the rate with the lowest final loss is kept (ties: the smaller rate; diverged runs are out).',
    `Reported runs (runFixed): the chosen rate on ${seeds} seeds (seed … seed + ${seeds - 1}); seed s starts at task.init(s) — a random start per seed for Rastrigin and Ackley — and uses minibatches s·T … s·T + T − 1. Tables give mean ± sample sd over the seeds. Eve gets each minibatch loss with its gradient. All other hyper-parameters are the library defaults (table below).`,
    'Celo and Celo-Adam (the published θ) have no learning rate: no tuning runs; they get each minibatch loss, the run length as their horizon (numSteps) and the task’s tensor shapes.',
    'A run diverges (the one divergence rule of the protocol toolkit) when its loss or gradient becomes non-finite or the loss exceeds 1e8·(|L₀| + 1); diverged seeds are excluded from mean ± sd and counted.',
    'Steps to target: the first step whose minibatch loss is at or below the task’s target, averaged over the seeds that reached it. Wall time is not reproducible; everything else is deterministic given --seed.',
  ];
}

const cell = (s: SeedSummary) => (s.n === 0 ? 'diverged' : formatMeanSd(s));

/** Win counts and mean ranks of the mean final training loss across the race's tasks. */
export function raceRanks(r: RaceResults) {
  const names = contestants.map((c) => c.name);
  const score = r.tasks.map((t) => names.map((n) => {
    const u = t.runs.find((x) => x.optimizer === n);
    return u && u.finalLoss.diverged === 0 ? u.finalLoss.mean : Infinity;
  }));
  return { names, ...rankAcrossTasks(names, score) };
}

export function summaryLines(r: RaceResults): string[] {
  const grid = r.lrGrid;
  const head = `race (${r.quick ? 'quick' : 'full'}, seed ${r.seed}, ${r.seeds} seeds, ${r.build} kernels): lr tuned on ${grid.length}-point log grid ${formatNumber(grid[0]!)}…${formatNumber(grid[grid.length - 1]!)}`;
  const out = [r.partial ? `${head} — PARTIAL (interrupted)` : head];
  for (const t of r.tasks) {
    out.push('', `${t.name}: ${t.size} params, ${t.steps} steps, initial loss ${formatNumber(t.initialLoss)}, target ${formatNumber(t.threshold)}`);
    out.push(...textTable(
      ['optimizer', 'lr', 'final loss (mean ± sd)', `steps≤${formatNumber(t.threshold)} (hits)`],
      t.runs.map((u) => [u.optimizer, u.lr ?? 'untuned', cell(u.finalLoss), u.stepsToTarget.mean === null ? `— (0/${u.stepsToTarget.n})` : `${Math.round(u.stepsToTarget.mean)} (${u.stepsToTarget.hits}/${u.stepsToTarget.n})`]),
      '  ',
    ));
  }
  return out;
}

/** The race's report: protocol, wins and ranks, then per task the results table, tuning table and mean curves. */
export function raceReport(r: RaceResults): ReportDoc {
  const ranks = raceRanks(r);
  const sections: ReportSection[] = [
    {
      title: 'Protocol',
      text: r.protocol,
      tables: [{ columns: ['optimizer', 'configuration (besides lr)'], rows: contestants.map((c) => [c.name, c.config]), caption: 'Contestants' }],
    },
    {
      title: 'Across tasks: wins and ranks',
      text: ['A win is the lowest mean final training loss on a task (ties share it); rank 1 = best, ties get the mean rank.'],
      tables: [{ columns: ['optimizer', 'wins', 'mean rank'], rows: ranks.names.map((n, j) => [n, ranks.wins[j]!, Number(ranks.meanRank[j]!.toFixed(2))]) }],
      charts: r.tasks.length > 1 ? [dotChart(ranks.names.map((n, j) => ({ category: n, values: ranks.ranks.map((row) => row[j]!) })), { title: 'Rank of each optimizer on each task', xTitle: 'rank on a task (1 = lowest final training loss)' })] : [],
    },
  ];
  for (const t of r.tasks) {
    const thr = formatNumber(t.threshold);
    const series = t.runs.map((u) => ({ name: u.optimizer, x: u.curve.step, y: u.curve.loss }));
    const metric = t.runs[0]?.test.metric === 'accuracy' ? 'test accuracy' : 'test loss';
    sections.push({
      title: `${t.name} — ${t.description}`,
      text: [
        `${t.size} parameters; ${t.steps} steps per run; mean initial loss ${formatNumber(t.initialLoss, 4)}; target ${thr}${t.randomStart ? '; a random start per seed' : ''}.`,
        `Mean training loss over the seeds on a log axis (losses below ${formatNumber(Y_FLOOR)} are drawn at it); the axis is cut at the larger of the common start and 100 × the median curve value (robustDomain), so that one outlier does not flatten the others.`,
      ],
      tables: [
        {
          caption: `Reported runs (${r.seeds} seeds): mean ± sd`,
          columns: ['optimizer', 'lr', 'final training loss', metric, 'mean loss over the run', `steps to ≤ ${thr} (hits)`, 'wall ms'],
          rows: t.runs.map((u) => [u.optimizer, u.lr ?? 'untuned', cell(u.finalLoss), cell(u.test), cell(u.auc), u.stepsToTarget.mean === null ? `— (0/${u.stepsToTarget.n})` : `${Math.round(u.stepsToTarget.mean)} (${u.stepsToTarget.hits}/${u.stepsToTarget.n})`, u.elapsedMs]),
        },
        {
          caption: `Tuning: final training loss on the tuning seed for each learning rate (— = diverged)`,
          columns: ['optimizer', 'chosen lr', ...r.lrGrid.map((g) => `lr ${formatNumber(g)}`)],
          rows: t.runs.map((u) => [u.optimizer, u.lr ?? 'untuned', ...(u.tuning.length ? u.tuning.map((p) => p.loss) : r.lrGrid.map(() => null))]),
        },
      ],
      charts: [
        lineChart(series, { title: `${t.name}: training loss per step (tuned lr, mean over seeds)`, xTitle: 'step', yTitle: 'training loss (mean over seeds)', logY: true, yFloor: Y_FLOOR, yDomain: robustDomain(series, true), width: 720, height: 340 }),
      ],
    });
  }
  const mode = `${r.quick ? 'quick' : 'full'} mode, seed ${r.seed}, ${r.seeds} seeds, ${r.build} kernels`;
  return {
    title: r.partial ? 'metaoptim race (partial: interrupted)' : 'metaoptim race',
    subtitle: `${mode}: ${contestants.length} optimizers × ${r.tasks.length} tasks, learning rates tuned per pair`,
    sections,
  };
}
