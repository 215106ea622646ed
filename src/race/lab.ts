import type { Lab, LabOptions, LabResult } from '../labs/lab.js';
import { MetaoptimError } from '../core/errors.js';
import { ready } from '../runtime/runtime.js';
import { lineChart } from '../report/charts.js';
import { formatNumber, textTable } from '../report/format.js';
import type { ReportSection } from '../report/types.js';
import { contestants, lrGrid } from './contestants.js';
import { type RaceTaskResult, raceTask, raceWork } from './run.js';
import { type RaceTaskEntry, raceTasks } from './tasks.js';

/**
 * `npx metaoptim race`: every optimizer on every selected task, learning rates tuned
 * per (optimizer, task) on a log grid (see run.ts for the protocol). Options (`extra`):
 * `task` (comma-separated registry names; default: the entries marked `default`) and
 * `steps` (override of the final-run budget; tuning runs take a quarter).
 *
 * Error codes: `INVALID_ARGUMENT` (unknown task, bad --steps), `ABORTED`.
 */

export interface RaceResults {
  command: 'race';
  version: 1;
  seed: number;
  quick: boolean;
  /** The kernel build the optimizers ran on ('simd' or 'scalar'). */
  build: string;
  lrGrid: number[];
  protocol: string[];
  tasks: RaceTaskResult[];
}

/** Curves are drawn on a log axis; a loss below this (e.g. exactly 0) is drawn at it. */
const Y_FLOOR = 1e-20;

function selectTasks(extra: LabOptions['extra']): [string, RaceTaskEntry][] {
  const known = Object.keys(raceTasks);
  const want = extra?.task;
  if (want === undefined) return known.filter((k) => raceTasks[k]!.default).map((k) => [k, raceTasks[k]!]);
  if (typeof want !== 'string' || want === '') throw new MetaoptimError('INVALID_ARGUMENT', `race: --task needs a name (known: ${known.join(', ')})`);
  const names = want.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!Object.hasOwn(raceTasks, n)) throw new MetaoptimError('INVALID_ARGUMENT', `race: unknown task "${n}" (known: ${known.join(', ')})`);
  }
  return [...new Set(names)].map((n) => [n, raceTasks[n]!]);
}

function stepsOverride(extra: LabOptions['extra']): number | undefined {
  const s = extra?.steps;
  if (s === undefined) return undefined;
  const v = Number(s);
  if (typeof s !== 'string' || !Number.isInteger(v) || v < 1 || v > 1e7) {
    throw new MetaoptimError('INVALID_ARGUMENT', `race: --steps must be an integer in [1, 1e7], got ${String(s)}`);
  }
  return v;
}

function protocol(quick: boolean): string[] {
  const grid = lrGrid(quick);
  return [
    `Learning-rate grid (${grid.length} values, log-spaced): ${grid.map((g) => formatNumber(g)).join(', ')}.`,
    'Tuning: for every (optimizer, task) pair, one short run per grid value of a quarter of the final budget, from a different start (task.init(seed + 1); Rosenbrock always starts at (−1.2, 1)); the rate with the lowest loss at the end of its tuning run is kept (ties: the smaller rate; diverged runs are out).',
    'Final run: the chosen rate, the full step budget, from task.init(seed). The loss before every step is recorded; Eve gets that loss with the gradient. All other hyper-parameters are the library defaults (table below).',
    'A run diverges when its loss or gradient becomes non-finite or the loss exceeds 1e8·(|f₀| + 1); its final loss is then reported as —.',
    'Steps to threshold: the first step whose loss is at or below the task threshold. Wall time is the final run only, on this machine, and is not reproducible; everything else is deterministic given --seed.',
  ];
}

function summaryLines(r: RaceResults): string[] {
  const out = [`race (${r.quick ? 'quick' : 'full'}, seed ${r.seed}, ${r.build} kernels): lr tuned on ${r.lrGrid.length}-point log grid ${formatNumber(r.lrGrid[0]!)}…${formatNumber(r.lrGrid[r.lrGrid.length - 1]!)}`];
  for (const t of r.tasks) {
    out.push('', `${t.name}: ${t.size} params, ${t.steps} steps, initial loss ${formatNumber(t.initialLoss)}, threshold ${formatNumber(t.threshold)}`);
    out.push(
      ...textTable(
        ['optimizer', 'lr', 'final loss', 'best loss', `steps≤${formatNumber(t.threshold)}`, 'ms'],
        t.runs.map((u) => [u.optimizer, u.lr, u.diverged ? 'diverged' : u.finalLoss, u.bestLoss, u.stepsToThreshold, Math.round(u.wallMs)]),
        '  ',
      ),
    );
  }
  return out;
}

function reportSections(r: RaceResults): ReportSection[] {
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
          rows: t.runs.map((u) => [u.optimizer, u.lr, u.finalLoss, u.bestLoss, u.stepsToThreshold, u.divergedAt, u.wallMs]),
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
  return sections;
}

export const raceLab: Lab = {
  name: 'race',
  summary: 'every optimizer on standard test functions, learning rates tuned on a log grid',
  options: [
    { name: 'task', type: 'string', help: `comma-separated tasks (default: ${Object.keys(raceTasks).filter((k) => raceTasks[k]!.default).join(',')}; known: ${Object.keys(raceTasks).join(', ')})` },
    { name: 'steps', type: 'integer', help: 'final-run steps per task (overrides the budget; tuning runs take a quarter)' },
  ],
  async run(opts: LabOptions): Promise<LabResult> {
    const selected = selectTasks(opts.extra);
    const override = stepsOverride(opts.extra);
    const seed = opts.seed >>> 0;
    const tasks: RaceTaskResult[] = [];
    const started = performance.now();
    for (const [name, entry] of selected) {
      const steps = override ?? entry.steps[opts.quick ? 'quick' : 'full'];
      const total = raceWork(steps, opts.quick);
      let done = 0;
      opts.onProgress?.({ label: name, done, total, elapsedMs: performance.now() - started });
      const result = await raceTask(name, entry, steps, {
        seed,
        quick: opts.quick,
        signal: opts.signal,
        tick(n) {
          done += n;
          opts.onProgress?.({ label: name, done, total, elapsedMs: performance.now() - started });
        },
      });
      tasks.push(result);
    }
    const build = (await ready()).build;
    const results: RaceResults = { command: 'race', version: 1, seed, quick: opts.quick, build, lrGrid: lrGrid(opts.quick), protocol: protocol(opts.quick), tasks };
    return {
      results,
      summary: summaryLines(results),
      report: {
        title: 'metaoptim race',
        subtitle: `${opts.quick ? 'quick' : 'full'} mode, seed ${seed}, ${build} kernels: ${contestants.length} optimizers × ${tasks.length} tasks, learning rates tuned per pair`,
        sections: reportSections(results),
      },
    };
  },
};
