import type { LabOptions, LabResult } from '../lab.js';
import type { ReportSection } from '../../report/types.js';
import type { BiasPoint } from './closed-form.js';
import type { EfficiencyRow, InnerRow, ProblemRuns } from './common.js';

// Report and summary lines of `metaoptim lab bilevel`.

const fmt = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(d));

/** A vega-lite line chart of `values` (inline data). */
export function lineChart(title: string, values: Record<string, unknown>[], x: string, y: string, opts: { logX?: boolean; logY?: boolean; color?: string; dash?: string } = {}): Record<string, unknown> {
  const enc: Record<string, unknown> = {
    x: { field: x, type: 'quantitative', scale: opts.logX ? { type: 'log' } : {} },
    y: { field: y, type: 'quantitative', scale: opts.logY ? { type: 'log' } : { zero: false } },
    color: { field: opts.color ?? 'method', type: 'nominal' },
  };
  if (opts.dash) enc.strokeDash = { field: opts.dash, type: 'nominal' };
  return { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title, width: 420, height: 240, data: { values }, mark: { type: 'line', point: false }, encoding: enc };
}

function measureOf(pr: ProblemRuns, t: { F?: number; metrics?: Record<string, number> }): number | undefined {
  return pr.measure === 'F' ? t.F : t.metrics?.testAccuracy;
}

/** The report of the lab (one section per problem, the bias sweep and the two goal tables). */
export function report(problems: ProblemRuns[], bias: BiasPoint[], eff: EfficiencyRow[], inner: InnerRow[], opts: LabOptions, elapsedMs: number, partial: boolean): LabResult['report'] {
  const sections: ReportSection[] = [];
  sections.push({
    title: 'Setup',
    text: [
      `Mode ${opts.quick ? 'quick' : 'full'}, seed ${opts.seed}, ${(elapsedMs / 1000).toFixed(1)} s${partial ? ' (ABORTED: partial results, only the parts that finished)' : ''}. Gradient evaluations count every ∇ₓ or ∇_y of f or g separately: PBGD-Free uses 2K + 1 per iteration, PBGD T_in + 5, F2SA 3·T_in + 3 (K = T_in = 1 here).`,
      'Wall time excludes the evaluations made for the records (F(x) by an inner solve on the representation task, test accuracy).',
    ],
  });
  for (const pr of problems) {
    const label = pr.measure === 'F' ? 'F(x)' : 'test accuracy';
    const vals = pr.runs.flatMap((r, ri) =>
      r.trace.filter((t) => measureOf(pr, t) !== undefined).map((t) => ({ method: pr.problem === 'toy' ? `${r.method} #${Math.floor(ri / 3)}` : r.method, gradEvals: t.gradEvals, elapsedMs: t.elapsedMs, value: measureOf(pr, t)! })));
    const rows = pr.runs.map((r) => [r.method, r.iterations, r.counts.total, Math.round(r.elapsedMs), fmt(pr.measure === 'F' ? r.final.F : r.final.metrics?.testAccuracy), r.x ? r.x.slice(0, 3).map((v) => v.toFixed(6)).join(', ') : '–', r.peakRssBytes ? (r.peakRssBytes / 2 ** 20).toFixed(0) : '–']);
    const text = [pr.description];
    if (pr.solution) text.push(`Bilevel solution x* = [${pr.solution.x.map((v) => v.toFixed(6)).join(', ')}], F(x*) = ${fmt(pr.solution.F, 6)}.`);
    if (pr.predicted) text.push(`Predicted fixed points (γ = 10): ${Object.entries(pr.predicted).map(([m, x]) => `${m} x = [${x.map((v) => v.toFixed(6)).join(', ')}]`).join('; ')}.`);
    if (pr.extra?.baselines) {
      const b = pr.extra.baselines as Record<string, number>;
      const rt = pr.extra.retrainedOnLearnedWeights as Record<string, number>;
      text.push(`Reference trainings (test accuracy): all corrupted rows weighted 1: ${fmt(b.corruptedOnly)}; clean rows only (oracle): ${fmt(b.cleanOnly)}; corrupted rows weighted ½ plus the validation loss (PBGD-Free's y when the weights cannot move): ${fmt(b.corruptedPlusValidation)}. Classifier retrained on each method's learned weights: ${Object.entries(rt).map(([m, v]) => `${m} ${fmt(v)}`).join(', ')}.`);
    }
    if (pr.extra?.localMinima) text.push(`Local minima of F on [0, 3]: ${(pr.extra.localMinima as { x: number; F: number }[]).map((m) => `x = ${m.x.toFixed(4)} (F = ${m.F.toFixed(4)})`).join(', ')}.`);
    sections.push({
      title: `Problem ${pr.problem}`,
      text,
      tables: [{ columns: ['method', 'iterations', 'grad evals', 'time ms', `final ${label}`, 'x (first 3)', 'peak rss MiB'], rows }],
      charts: [
        lineChart(`${pr.problem}: ${label} vs gradient evaluations`, vals, 'gradEvals', 'value', { logY: pr.measure === 'F' && vals.every((v) => v.value > 0) }),
        lineChart(`${pr.problem}: ${label} vs wall time (ms)`, vals, 'elapsedMs', 'value', { logY: pr.measure === 'F' && vals.every((v) => v.value > 0) }),
      ],
    });
  }
  if (bias.length) {
    const vals = bias.flatMap((b) => [
      { problem: b.problem, method: b.method, gamma: b.gamma, kind: 'measured', bias: Math.max(b.measured, 1e-9) },
      { problem: b.problem, method: b.method, gamma: b.gamma, kind: 'predicted', bias: Math.max(b.predicted, 1e-9) },
    ]);
    const probs = [...new Set(bias.map((b) => b.problem))];
    sections.push({
      title: 'Bias against γ on the non-flat problems',
      text: ['‖x_T − x*‖∞ after the run (measured) and for the predicted fixed point, per method. PBGD-Free drops the value-function term, so its bias does not vanish as γ grows; PBGD and F2SA approach x* like O(1/γ).'],
      tables: [{ columns: ['problem', 'γ', 'method', 'measured', 'predicted'], rows: bias.map((b) => [b.problem, b.gamma, b.method, fmt(b.measured, 6), fmt(b.predicted, 6)]) }],
      charts: probs.map((p) => lineChart(`${p}: ‖x − x*‖∞ vs γ`, vals.filter((v) => v.problem === p), 'gamma', 'bias', { logX: true, logY: true, dash: 'kind' })),
    });
  }
  if (eff.length) {
    sections.push({
      title: 'Goal: PBGD-Free within 1 % of the baselines with ≤ 1/3 of their gradient evaluations',
      text: ['Within 1 % = F ≤ F_b + 0.01·(F₀ − F_b) (1 % of the decrease the baseline achieved, meaningful also when F* = 0) and staying there; evaluations are counted to the first such record. rel. gap = |F_free − F_b|/|F_b| of the final values.'],
      tables: [{ columns: ['problem', 'baseline', 'F baseline', 'F PBGD-Free (final)', 'rel. gap', 'evals baseline to 1 %', 'evals PBGD-Free to 1 %', 'ratio', 'goal met'], rows: eff.map((e) => [e.problem, e.baseline, fmt(e.baselineF, 6), fmt(e.freeFinalF, 6), e.relGap === null ? '–' : `${(100 * e.relGap).toFixed(2)} %`, e.baselineEvals1pct, e.freeEvals1pct, fmt(e.ratio, 3), e.baselineFailed ? 'baseline failed' : e.goalMet ? 'yes' : 'no']) }],
    });
  }
  if (inner.length) {
    sections.push({
      title: 'Goal against baselines with longer inner loops (T_in = 1, 3, 10; PBGD-Free K = 1)',
      text: ['Same rule as the goal table; each row reruns the baseline with T_in inner steps (PBGD: T_in + 5, F2SA: 3·T_in + 3 evaluations per iteration).'],
      tables: [{ columns: ['problem', 'baseline', 'T_in', 'evals baseline to 1 %', 'evals PBGD-Free to 1 %', 'ratio', 'goal met'], rows: inner.map((e) => [e.problem, e.baseline, e.inner, e.baselineEvals1pct, e.freeEvals1pct, fmt(e.ratio, 3), e.baselineFailed ? 'baseline failed' : e.goalMet ? 'yes' : 'no']) }],
    });
  }
  return { title: 'Bilevel lab: PBGD-Free vs PBGD vs F2SA', subtitle: `metaoptim lab bilevel ${opts.quick ? '--quick ' : ''}--seed ${opts.seed}`, sections };
}

/** The lines printed at the end of the run. */
export function summary(problems: ProblemRuns[], eff: EfficiencyRow[], bias: BiasPoint[], inner: InnerRow[]): string[] {
  const lines = ['problem                         method     evals     time ms   final'];
  for (const pr of problems) {
    for (const r of pr.runs) {
      const v = pr.measure === 'F' ? `F = ${fmt(r.final.F, 6)}` : `test acc = ${fmt(r.final.metrics?.testAccuracy)}`;
      lines.push(`${pr.problem.padEnd(32)}${r.method.padEnd(11)}${String(r.counts.total).padStart(7)}${Math.round(r.elapsedMs).toString().padStart(12)}   ${v}`);
    }
    if (pr.extra?.baselines) {
      const b = pr.extra.baselines as Record<string, number>;
      const rt = pr.extra.retrainedOnLearnedWeights as Record<string, number>;
      lines.push(`${''.padEnd(32)}retrained on learned weights: ${Object.entries(rt).map(([m, v]) => `${m} ${fmt(v)}`).join(', ')}`);
      lines.push(`${''.padEnd(32)}reference: corrupted-only ${fmt(b.corruptedOnly)}, clean-only ${fmt(b.cleanOnly)}, corrupted(½)+validation ${fmt(b.corruptedPlusValidation)}`);
    }
  }
  for (const e of eff) lines.push(`goal ${e.problem} vs ${e.baseline}: ratio ${fmt(e.ratio, 3)}, final F gap ${e.relGap === null ? '–' : (100 * e.relGap).toFixed(2) + ' %'}, met: ${e.baselineFailed ? 'baseline failed' : e.goalMet ? 'yes' : 'no'}`);
  for (const e of inner) lines.push(`goal ${e.problem} vs ${e.baseline} (T_in = ${e.inner}): ratio ${fmt(e.ratio, 3)}, met: ${e.baselineFailed ? 'baseline failed' : e.goalMet ? 'yes' : 'no'}`);
  const big = bias.filter((b) => b.gamma === Math.max(...bias.map((c) => c.gamma)));
  for (const b of big) lines.push(`bias at γ = ${b.gamma} on ${b.problem}: ${b.method} ${fmt(b.measured, 6)}`);
  return lines;
}
