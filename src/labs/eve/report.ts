import { mean, meanSd } from '../../core/stats.js';
import { dotChart, heatmapChart, lineChart, robustDomain } from '../../report/charts.js';
import { formatNumber } from '../../report/format.js';
import type { ReportDoc, ReportSection } from '../../report/types.js';
import { BUDGETS, type Budget, type BudgetResult, type ResultsHeader, rankAcrossTasks } from '../protocol.js';
import type { Finding } from './findings.js';
import type { CoefficientTrace, EveTaskResult, HeatmapResult } from './run.js';

/** results.json of `lab eve`. */
export interface EveResults extends ResultsHeader {
  lab: 'eve';
  settings: { reportSeeds: number[]; tuneSeeds: number[]; heatmapSeeds: number[]; tasks: string[] };
  contestants: { name: string; config: string; defaultLr: number | null; extra: { name: string; values: readonly number[]; default: number } | null }[];
  tasks: EveTaskResult[];
  heatmaps: HeatmapResult[];
  traces: CoefficientTrace[];
  findings: Finding[];
}

const BUDGET_NAME: Record<Budget, string> = { oneShot: 'one-shot', small: 'small', large: 'large' };
/** Optimizers drawn in the LR-sensitivity and learning-curve figures (the table has them all). */
export const FIGURE_SET = ['sgd', 'momentum', 'adam', 'adam-cosine', 'eve', 'eve-thresholds', 'lion', 'lion+feedback'];

const finals = (b: BudgetResult | undefined) => b?.runs.map((r) => r.finalLoss) ?? [];
const ms = (v: number[]) => {
  const ok = v.filter(Number.isFinite);
  if (ok.length === 0) return v.length ? 'diverged' : '—';
  const s = meanSd(ok);
  return `${formatNumber(s.mean)} ± ${formatNumber(s.sd, 2)}${ok.length < v.length ? ` (${v.length - ok.length} div.)` : ''}`;
};
const meanFinal = (b: BudgetResult | undefined) => {
  const v = finals(b);
  return v.length && v.every(Number.isFinite) ? mean(v) : Infinity;
};

/** Win counts and mean ranks per budget (mean final training loss per task). */
export function rankTable(r: EveResults, budget: Budget) {
  const names = r.contestants.map((c) => c.name);
  const score = r.tasks.map((t) => names.map((n) => meanFinal(t.contestants.find((c) => c.name === n)?.budgets.find((b) => b.budget === budget))));
  return { names, ...rankAcrossTasks(names, score) };
}

function taskTable(t: EveTaskResult) {
  const metric = t.testMetric === 'accuracy' ? 'test accuracy' : 'test loss';
  return {
    caption: `${t.name}: final training loss (mean ± sd over seeds) per budget; the other columns are the small budget's`,
    columns: ['optimizer', 'one-shot', 'small', 'large', 'lr (small)', `${metric} (small)`, 'mean loss over the run (small)', `steps to ≤ ${formatNumber(t.target)} (small; hits)`],
    rows: t.contestants.map((c) => {
      const b = (k: Budget) => c.budgets.find((x) => x.budget === k);
      const s = b('small');
      const test = s?.runs.map((x) => (t.testMetric === 'accuracy' ? (x.testAccuracy ?? NaN) : (x.testLoss ?? NaN))) ?? [];
      const hits = s?.runs.map((x) => x.stepsToTarget).filter((x): x is number => x !== null) ?? [];
      return [c.name, ms(finals(b('oneShot'))), ms(finals(s)), ms(finals(b('large'))), s?.lr ?? null, ms(test), ms(s?.runs.map((x) => x.auc) ?? []), hits.length ? `${formatNumber(Math.round(mean(hits)))} (${hits.length}/${s!.runs.length})` : `— (0/${s?.runs.length ?? 0})`];
    }),
  };
}

/** How often the small budget chose the largest or smallest rate of its grid (the grid may be too narrow there). */
export function edgeNote(r: EveResults): string {
  let top = 0, bottom = 0, n = 0;
  for (const t of r.tasks) {
    for (const c of t.contestants) {
      const s = c.budgets.find((b) => b.budget === 'small');
      const col = s?.tuning[0];
      if (!col || s!.lr === null) continue;
      n++;
      if (s!.lr === col.lrs.at(-1)) top++;
      if (s!.lr === col.lrs[0]) bottom++;
    }
  }
  return `Caveat: the small budget chose the largest rate of its 7-point grid in ${top} of ${n} (task, optimizer) pairs and the smallest in ${bottom}; there the grid (three half-decades either side of the library default) limits the tuned result, as it would for a user following the protocol.`;
}

/** The lab's report (see lab.ts for the protocol). */
export function eveReport(r: EveResults): ReportDoc {
  const sections: ReportSection[] = [];
  sections.push({
    title: 'Findings: the Eve paper’s claims on this suite',
    text: ['Verdict rule: "reproduced" when the claim holds on ≥ 75 % of the tasks it concerns, "partly" on ≥ 40 % (or when Eve wins more tasks than it loses), otherwise "not reproduced". Comparisons use the mean final training loss over the reported seeds.'],
    tables: [{ columns: ['claim', 'verdict', 'evidence'], rows: r.findings.map((f) => [f.claim, f.verdict, f.evidence]) }],
  });
  sections.push({
    title: 'Protocol',
    text: [
      `Three budgets per optimizer (Schmidt et al. 2021): one-shot = library defaults; small = the lr tuned on the 7-point half-decade grid centred on the default lr; large = lr × one extra hyper-parameter. Tuning score: final training loss summed over tuning seeds ${r.settings.tuneSeeds.join(', ')}; reported seeds ${r.settings.reportSeeds.join(', ')} (disjoint). Seed s starts at task.init(s) and uses minibatches s·T … s·T + T − 1.`,
      edgeNote(r),
      'Metrics: final training loss (evaluate on the whole training split), the test metric, the mean minibatch loss over the run (area under the training-loss curve divided by the steps) and the first step whose minibatch loss reaches the task’s target. A run diverges under the protocol’s one rule (non-finite, or above 1e8·(|L₀| + 1)).',
    ],
    tables: [
      { caption: 'Contestants', columns: ['optimizer', 'configuration', 'default lr', 'extra hyper-parameter (large budget)'], rows: r.contestants.map((c) => [c.name, c.config, c.defaultLr, c.extra ? `${c.extra.name} ∈ {${c.extra.values.join(', ')}}` : '—']) },
      { caption: 'Tasks', columns: ['task', 'description', 'parameters', 'steps', 'batch', 'target loss'], rows: r.tasks.map((t) => [t.name, t.description, t.size, t.steps, t.batch === null ? 'full' : t.batch, t.target]) },
    ],
  });
  const rt = BUDGETS.map((b) => [b, rankTable(r, b)] as const);
  sections.push({
    title: 'Across tasks: wins and ranks',
    text: ['A win is the lowest mean final training loss on a task (ties share it); ranks are 1 = best, ties get the mean rank. The chart shows each optimizer’s rank on every task (small budget): a rank plot in place of a performance profile, because losses of exactly 0 make ratio-based profiles undefined.'],
    tables: [{ columns: ['optimizer', ...rt.flatMap(([b]) => [`wins, ${BUDGET_NAME[b]}`, `mean rank, ${BUDGET_NAME[b]}`])], rows: rt[0]![1].names.map((n, j) => [n, ...rt.flatMap(([, x]) => [x.wins[j]!, Number(x.meanRank[j]!.toFixed(2))])]) }],
    charts: [dotChart(rt[1]![1].names.map((n, j) => ({ category: n, values: rt[1]![1].ranks.map((row) => row[j]!) })), { title: 'Rank per task (small budget; 1 = best)', xTitle: 'rank on a task (1 = lowest final training loss)', width: 520, height: 360 })],
  });
  sections.push({ title: 'Per task: final training loss by budget', tables: r.tasks.map(taskTable) });
  const figTasks = r.tasks.filter((t) => t.group === 'mlp' || t.group === 'logistic');
  sections.push({
    title: 'Learning-rate sensitivity (MLP and logistic tasks)',
    text: ['Final training loss (summed over the tuning seeds) at each learning rate of the small budget’s grid. A flat, low curve is an insensitive optimizer; a missing point diverged.'],
    charts: figTasks.map((t) => {
      const series = t.contestants.filter((c) => FIGURE_SET.includes(c.name)).map((c) => {
        const col = c.budgets.find((b) => b.budget === 'small')?.tuning[0];
        return { name: c.name, x: col?.lrs ?? [], y: col?.scores ?? [] };
      });
      return lineChart(series, { title: `${t.name}: final training loss against the learning rate`, xTitle: 'learning rate', yTitle: 'final training loss', logX: true, logY: true, yDomain: robustDomain(series, true), width: 560, height: 280 });
    }),
  });
  sections.push({
    title: 'Learning curves at each optimizer’s tuned learning rate',
    text: ['Mean minibatch training loss over the reported seeds (small budget), in buckets; log axis. The y range is cut at the larger of the common start and 100 × the median curve value (robustDomain), so that one diverging optimizer does not flatten the others.'],
    charts: figTasks.map((t) => {
      const series = t.contestants.filter((c) => FIGURE_SET.includes(c.name) && c.curves.small).map((c) => {
        const y = c.curves.small!;
        const stride = Math.max(1, Math.ceil(t.steps / y.length));
        return { name: c.name, x: y.map((_, i) => i * stride), y };
      });
      return lineChart(series, { title: `${t.name}: training loss per step`, xTitle: 'step', yTitle: 'training loss (minibatch, mean over seeds)', logY: true, yFloor: 1e-12, yDomain: robustDomain(series, true), width: 560, height: 280 });
    }),
  });
  sections.push({
    title: 'Eve’s hyper-parameters: the β3 × c sweep',
    text: r.heatmaps.map((h) => `${h.task}: Eve (clip) at lr ${formatNumber(h.lr)} (its small-budget choice), ${h.steps} steps, mean final training loss over seeds ${r.settings.heatmapSeeds.join(', ')}; the paper’s default is β3 = 0.999, c = 10.`),
    charts: r.heatmaps.map((h) => heatmapChart(h.beta3.map(String), h.c.map(String), h.loss, { title: `${h.task}: final training loss`, xTitle: 'clip constant c', yTitle: 'β3 (decay of the coefficient’s average)', colorTitle: 'final training loss', logColor: true })),
  });
  const decayNames = ['adam-cosine', 'adam-exp', 'adam-inv', 'adam-invsqrt'];
  sections.push({
    title: 'Adam with learning-rate decays against Eve',
    text: ['Decay strength by the paper’s k′ protocol (final lr = α/k′); the large budget tunes lr × k′.'],
    tables: [{
      columns: ['task', 'eve one-shot', 'eve small', 'adam small', ...decayNames.map((n) => `${n} large (k′)`)],
      rows: r.tasks.map((t) => {
        const g = (n: string, b: Budget) => t.contestants.find((c) => c.name === n)?.budgets.find((x) => x.budget === b);
        return [t.name, ms(finals(g('eve', 'oneShot'))), ms(finals(g('eve', 'small'))), ms(finals(g('adam', 'small'))), ...decayNames.map((n) => { const b = g(n, 'large'); return b ? `${ms(finals(b))} (${formatNumber(b.extra)})` : '—'; })];
      }),
    }],
  });
  sections.push({
    title: 'Eve’s feedback coefficient over time',
    text: ['The coefficient d after every step (clip: d̃ ∈ [1/c, c], the step is α/d̃; thresholds: d ∈ [k, K] multiplies √v̂), at the small budget’s lr.'],
    charts: [...new Set(r.traces.map((x) => x.task))].map((task) => {
      const series = r.traces.filter((x) => x.task === task).map((x) => ({ name: `${x.optimizer} (lr ${formatNumber(x.lr)})`, x: x.step, y: x.d }));
      return lineChart(series, { title: `${task}: feedback coefficient d`, xTitle: 'step', yTitle: 'coefficient d', logY: true, width: 560, height: 260 });
    }),
  });
  const mode = `${r.quick ? 'quick' : 'full'} mode, seed ${r.seed}, ${r.build} kernels`;
  return { title: r.partial ? 'metaoptim lab eve (partial: interrupted)' : 'metaoptim lab eve', subtitle: `${mode}: ${r.contestants.length} optimizers × ${r.tasks.length} tasks × 3 budgets, ${r.settings.reportSeeds.length} reported seeds`, sections };
}

/** Summary lines for the terminal: the findings and the small budget's wins. */
export function eveSummary(r: EveResults): string[] {
  const out = [`lab eve (${r.quick ? 'quick' : 'full'}, seed ${r.seed}): ${r.tasks.length} tasks, ${r.contestants.length} optimizers, ${r.settings.reportSeeds.length} seeds${r.partial ? ' — PARTIAL' : ''}`];
  for (const f of r.findings) out.push(`  [${f.verdict}] ${f.claim}: ${f.evidence}`);
  const small = rankTable(r, 'small');
  const order = small.names.map((n, j) => [n, small.wins[j]!, small.meanRank[j]!] as const).sort((a, b) => a[2] - b[2]);
  out.push('  small budget, by mean rank: ' + order.map(([n, w, m]) => `${n} ${m.toFixed(1)} (${w} wins)`).join(', '));
  return out;
}
