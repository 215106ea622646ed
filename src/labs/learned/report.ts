import { mean } from '../../core/stats.js';
import { barChart } from '../../report/charts.js';
import { formatNumber } from '../../report/format.js';
import type { ReportDoc } from '../../report/types.js';
import { formatMeanSd } from '../protocol.js';
import type { ContestResult } from './contest.js';
import type { LearnedEvaluation, TaskEvaluation } from './evaluate.js';
import { describeConfig } from './held-out.js';

/** Tables of `lab learned`: Markdown (docs, the script), a ReportDoc and the summary lines. */

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const pct = (xs: number[]) => `${(100 * mean(xs)).toFixed(1)} %`;

function rows(e: LearnedEvaluation): string[][] {
  const t = e.tasks;
  const row = (name: string, pick: (x: TaskEvaluation) => TaskEvaluation['learned'], s: LearnedEvaluation['summary']['learned']) =>
    [name, formatMeanSd(s), f3(mean(t.map((x) => pick(x).finalLoss))), pct(t.map((x) => pick(x).testAccuracy))];
  return [row('learned (mlp-lopt, pretrained)', (x) => x.learned, e.summary.learned), row('Adam, lr tuned per task', (x) => x.adam, e.summary.adam)];
}

/** The evaluation as Markdown: the summary table, then learned vs tuned Adam per task. */
export function evaluationTable(e: LearnedEvaluation): string {
  const lines = [
    `Held-out digits-MLP tasks: ${e.tasks.length}, ${e.steps} steps each; Adam's lr tuned per task over {${e.grid.join(', ')}} (${e.tuneRuns} runs × ${e.steps} steps, summed loss).`,
    '',
    '| optimizer | mean training loss (mean ± sd over tasks) | final loss (last 10 steps) | test accuracy |',
    '|---|---|---|---|',
    ...rows(e).map((r) => `| ${r.join(' | ')} |`),
    '',
    `Learned beats tuned Adam on ${e.winsVsTuned} of ${e.tasks.length} tasks.`,
    '',
    '| task | learned | tuned Adam | Adam lr |',
    '|---|---|---|---|',
    ...e.tasks.map((t) => `| ${describeConfig(t.config)} | ${f3(t.learned.meanLoss)} | ${f3(t.adam.meanLoss)} | ${formatNumber(t.adam.lr)} |`),
  ];
  return lines.join('\n');
}

/** The report.html of `lab learned`. */
export function buildReport(e: LearnedEvaluation, command: string, partial: boolean): ReportDoc {
  return {
    title: 'lab learned — the pretrained learned optimizer vs per-task tuned Adam on held-out digits MLPs',
    subtitle: `${e.tasks.length} held-out tasks × ${e.steps} steps${partial ? ' (ABORTED: partial results)' : ''}`,
    sections: [
      {
        title: 'Summary',
        text: [`Command: ${command}. Protocol: src/labs/learned/evaluate.ts (runFixed, tuneLr, summarizeSeeds of labs/protocol.ts).`, `Learned beats tuned Adam on ${e.winsVsTuned} of ${e.tasks.length} tasks.`],
        tables: [{ columns: ['optimizer', 'mean training loss (mean ± sd over tasks)', 'final loss (last 10 steps)', 'test accuracy'], rows: rows(e) }],
      },
      {
        title: 'Per task',
        tables: [{
          columns: ['task', 'learned', 'tuned Adam', 'Adam lr', ...e.grid.map((lr) => `score lr ${formatNumber(lr)}`)],
          rows: e.tasks.map((t) => [describeConfig(t.config), f3(t.learned.meanLoss), f3(t.adam.meanLoss), formatNumber(t.adam.lr), ...t.adam.scores.map((s) => formatNumber(s))]),
        }],
        charts: [barChart(e.tasks.map((t, i) => `${i}: ${describeConfig(t.config)}`), e.tasks.map((t) => t.learned.meanLoss / t.adam.meanLoss), { title: 'mean loss, learned / tuned Adam (below 1: learned wins)', yTitle: 'ratio' })],
      },
    ],
  };
}

/** The lines printed at the end of `lab learned`. */
export function summaryLines(e: LearnedEvaluation, elapsedMs: number, partial: boolean): string[] {
  return [
    `lab learned: ${(elapsedMs / 1000).toFixed(1)} s${partial ? ' (aborted: partial results)' : ''}, ${e.tasks.length} tasks × ${e.steps} steps`,
    `  learned ${formatMeanSd(e.summary.learned)}, tuned Adam ${formatMeanSd(e.summary.adam)} (mean training loss); learned wins on ${e.winsVsTuned} of ${e.tasks.length}`,
  ];
}

// ---- The held-out contest (contest.ts) ------------------------------------------------------

const g3 = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(3) : x.toExponential(2)) : String(x));

function contestRows(e: ContestResult): string[][] {
  return e.summary.map((s) => [
    s.name, `${s.wins}/${s.pairs}`, g3(s.meanLossRatio), g3(s.finalLossRatio), g3(s.maxFinalRatio),
    Number.isNaN(s.testAccuracy) ? '–' : `${(100 * s.testAccuracy).toFixed(1)} %`, g3(s.speedupIqm), String(s.divergences),
  ]);
}
const CONTEST_COLUMNS = ['optimizer', 'wins vs tuned Adam (mean loss)', 'mean-loss ratio (geo. mean)', 'final-loss ratio (geo. mean)', 'max final-loss ratio', 'test accuracy', 'speed-up IQM', 'divergences'];

/** The contest as Markdown: the summary table, then mean training loss per (task, horizon). */
export function contestTable(e: ContestResult): string {
  const names = e.summary.map((s) => s.name);
  return [
    `Held-out (task, horizon) pairs: ${e.pairs.length} (horizons ${e.horizons.join(', ')}), ${e.seeds} seeds each; baselines tuned per pair on 7-point half-decade grids (${e.tuneRuns} run per point, mean training loss); ratios are to ${e.reference} tuned per pair.`,
    '',
    `| ${CONTEST_COLUMNS.join(' | ')} |`,
    `|${CONTEST_COLUMNS.map(() => '---').join('|')}|`,
    ...contestRows(e).map((r) => `| ${r.join(' | ')} |`),
    '',
    `| task | T | ${names.join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
    ...e.pairs.map((p) => `| ${p.task} | ${p.steps} | ${names.map((n) => g3(mean(p.entries[n]!.runs.map((r) => r.meanLoss)))).join(' | ')} |`),
  ].join('\n');
}

/** The report.html of `lab learned`: summary table, per-pair table and the ratio plot. */
export function contestReport(e: ContestResult, command: string, partial: boolean): ReportDoc {
  const names = e.summary.map((s) => s.name);
  const learnedName = names.find((n) => n.startsWith('learned')) ?? names[names.length - 1]!;
  return {
    title: 'lab learned — the shipped learned optimizer vs tuned Adam, Adam+cosine, AdamW and Lion on held-out tasks',
    subtitle: `${e.pairs.length} (task, horizon) pairs × ${e.seeds} seeds${partial ? ' (ABORTED: partial results)' : ''}`,
    sections: [
      { title: 'Summary', text: [`Command: ${command}. Protocol: src/labs/learned/contest.ts (runFixed, tuneLr of labs/protocol.ts).`], tables: [{ columns: CONTEST_COLUMNS, rows: contestRows(e) }] },
      {
        title: 'Per task and horizon (mean training loss, mean over seeds)',
        tables: [{ columns: ['task', 'T', ...names], rows: e.pairs.map((p) => [p.task, String(p.steps), ...names.map((n) => g3(mean(p.entries[n]!.runs.map((r) => r.meanLoss))))]) }],
        charts: [barChart(e.pairs.map((p, i) => `${i}: ${p.task} T${p.steps}`), e.pairs.map((p) => mean(p.entries[learnedName]!.runs.map((r) => r.meanLoss)) / mean(p.entries[e.reference]!.runs.map((r) => r.meanLoss))), { title: `mean loss, ${learnedName} / tuned ${e.reference} (below 1: learned wins)`, yTitle: 'ratio' })],
      },
    ],
  };
}

/** The lines printed at the end of `lab learned`. */
export function contestSummaryLines(e: ContestResult, elapsedMs: number, partial: boolean): string[] {
  return [
    `lab learned: ${(elapsedMs / 1000).toFixed(1)} s${partial ? ' (aborted: partial results)' : ''}, ${e.pairs.length} (task, horizon) pairs × ${e.seeds} seeds`,
    ...e.summary.map((s) => `  ${s.name}: wins ${s.wins}/${s.pairs} vs tuned ${e.reference}, speed-up IQM ${g3(s.speedupIqm)}, max final-loss ratio ${g3(s.maxFinalRatio)}, divergences ${s.divergences}`),
  ];
}
