import { lineChart } from '../../report/charts.js';
import { formatNumber, textTable } from '../../report/format.js';
import type { ReportDoc, ReportSection } from '../../report/types.js';
import type { ResultsHeader } from '../protocol.js';
import { contestants, raceLrGrid } from './contestants.js';
import type { RaceTaskResult } from './run.js';

/** results.json of the race: the one results header, then the grid, the protocol text and one entry per task. */
export interface RaceResults extends ResultsHeader {
  lab: 'race';
  lrGrid: number[];
  protocol: string[];
  tasks: RaceTaskResult[];
}

/** Curves are drawn on a log axis; a loss below this (e.g. exactly 0) is drawn at it. */
export const Y_FLOOR = 1e-20;

/** The protocol as written at the top of the report and in results.json. */
export function protocolText(quick: boolean): string[] {
  const grid = raceLrGrid(quick);
  return [
    `Learning-rate grid (${grid.length} values, log-spaced, lrGrid({ min: 1e-5, max: 1, perDecade: ${quick ? 1 : 2} })): ${grid.map((g) => formatNumber(g)).join(', ')}.`,
    'Tuning (tuneLr, score finalLoss): for every (optimizer, task) pair, one short run per grid value of a quarter of the final budget, from a different start (task.init(seed + 1); Rosenbrock always starts at (−1.2, 1)); the rate with the lowest loss at the end of its tuning run is kept (ties: the smaller rate; diverged runs are out).',
    'Final run (runFixed): the chosen rate, the full step budget, from task.init(seed). The loss before every step is recorded; Eve gets that loss with the gradient. All other hyper-parameters are the library defaults (table below).',
    'A run diverges (the one divergence rule of the protocol toolkit) when its loss or gradient becomes non-finite or the loss exceeds 1e8·(|L₀| + 1); its final loss is then reported as —.',
    'Steps to threshold: the first step whose loss is at or below the task threshold. Wall time (elapsedMs) is the final run only, on this machine, and is not reproducible; everything else is deterministic given --seed.',
  ];
}

export function summaryLines(r: RaceResults): string[] {
  const grid = r.lrGrid;
  const head = `race (${r.quick ? 'quick' : 'full'}, seed ${r.seed}, ${r.build} kernels): lr tuned on ${grid.length}-point log grid ${formatNumber(grid[0]!)}…${formatNumber(grid[grid.length - 1]!)}`;
  const out = [r.partial ? `${head} — PARTIAL (interrupted)` : head];
  for (const t of r.tasks) {
    out.push('', `${t.name}: ${t.size} params, ${t.steps} steps, initial loss ${formatNumber(t.initialLoss)}, threshold ${formatNumber(t.threshold)}`);
    out.push(
      ...textTable(
        ['optimizer', 'lr', 'final loss', 'best loss', `steps≤${formatNumber(t.threshold)}`, 'ms'],
        t.runs.map((u) => [u.optimizer, u.lr, u.diverged ? 'diverged' : u.finalLoss, u.bestLoss, u.stepsToThreshold, Math.round(u.elapsedMs)]),
        '  ',
      ),
    );
  }
  return out;
}

/** The race's report: per task, the results table, the tuning table and the loss curves (for report/html.ts). */
export function raceReport(r: RaceResults): ReportDoc {
  const sections: ReportSection[] = [
    {
      title: 'Protocol',
      text: r.protocol,
      tables: [{ columns: ['optimizer', 'configuration (besides lr)'], rows: contestants.map((c) => [c.name, c.config]), caption: 'Contestants' }],
    },
  ];
  for (const t of r.tasks) {
    const thr = formatNumber(t.threshold);
    sections.push({
      title: `${t.name} — ${t.description}`,
      text: [
        `${t.size} parameters; final runs of ${t.steps} steps, tuning runs of ${t.tuneSteps} steps; initial loss ${formatNumber(t.initialLoss, 4)}; threshold ${thr}.`,
        `Loss curves on a log axis; losses below ${formatNumber(Y_FLOOR)} (including exact zeros) are drawn at ${formatNumber(Y_FLOOR)}.`,
      ],
      tables: [
        {
          caption: 'Final runs',
          columns: ['optimizer', 'lr', 'final loss', 'best loss', `steps to ≤ ${thr}`, 'diverged at', 'wall ms'],
          rows: t.runs.map((u) => [u.optimizer, u.lr, u.finalLoss, u.bestLoss, u.stepsToThreshold, u.divergedAt, u.elapsedMs]),
        },
        {
          caption: `Tuning: loss after ${t.tuneSteps} steps for each learning rate (— = diverged)`,
          columns: ['optimizer', 'chosen lr', ...r.lrGrid.map((g) => `lr ${formatNumber(g)}`)],
          rows: t.runs.map((u) => [u.optimizer, u.lr, ...u.tuning.map((p) => p.loss)]),
        },
      ],
      charts: [
        lineChart(
          t.runs.map((u) => ({ name: u.optimizer, x: u.curve.step, y: u.curve.loss })),
          { title: `${t.name}: loss per step (tuned lr)`, xTitle: 'step', yTitle: 'loss', logY: true, yFloor: Y_FLOOR, width: 760, height: 360 },
        ),
      ],
    });
  }
  const mode = `${r.quick ? 'quick' : 'full'} mode, seed ${r.seed}, ${r.build} kernels`;
  return {
    title: r.partial ? 'metaoptim race (partial: interrupted)' : 'metaoptim race',
    subtitle: `${mode}: ${contestants.length} optimizers × ${r.tasks.length} tasks, learning rates tuned per pair`,
    sections,
  };
}
