import { mean } from '../../core/stats.js';
import { barChart, lineChart, type LineSeries } from '../../report/charts.js';
import { formatNumber as fmt } from '../../report/format.js';
import type { ReportDoc, ReportSection } from '../../report/types.js';
import { type Kind, OPTIMIZERS, type OptName } from './config.js';
import { movingAverage } from './findings.js';
import type { DynamicsResults } from './types.js';

/**
 * The ReportDoc of `lab dynamics` (charts via report/charts.ts, numbers via report/format.ts)
 * and the stdout summary. A partial run (aborted) reports the sections whose numbers finished.
 */
const LABEL: Record<OptName, string> = { l2o: 'L2O (LSTM)', adam: 'Adam', sgdm: 'SGD momentum 0.9', lion: 'Lion', adamResidual: 'Adam-residual (learned())' };
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The report of one run (full or partial); `command` is the command line that reproduces it. */
export function buildReport(r: DynamicsResults, command: string): ReportDoc {
  const c = r.config;
  const sections: ReportSection[] = [];
  sections.push({
    title: 'Findings of Sobotka et al. (SPEC B.1.9) on digits 64-20-10',
    text: [
      `Command: ${command} (seed ${r.seed}, ${fmt(r.elapsedMs / 1000)} s${r.partial ? ', ABORTED: partial results' : ''}). Verdict rules are in src/labs/dynamics/findings.ts; the numbers behind each verdict are listed.`,
      `Budget: learning rates from {${c.lr.grid.join(', ')}} by the B.1.1 protocol (${c.lr.runs} runs × ${c.lr.steps} steps); LSTM meta-trained by truncated backprop (K = ${c.meta.unroll}, ${c.meta.epochs} epochs × ${c.meta.runsPerEpoch} runs of ${c.meta.innerSteps} steps, Adam meta-lr ${c.meta.metaLr}; the paper: 50 × 20 runs of 200 steps, lr 1e-3); ${c.test.runs} test runs of ${c.test.steps} steps per optimizer; tail index and covariance over the 10 minibatches of one digits epoch at step 1 and every ${c.test.checkpointEvery} steps.`,
    ],
    tables: [{ columns: ['#', 'finding', 'verdict', 'numbers'], rows: r.findings.items.map((f) => [f.id, f.claim, f.verdict, f.evidence.join(' | ')]) }],
  });
  for (const v of r.variants) {
    const o = v.optimizers;
    const charts: Record<string, unknown>[] = [];
    charts.push(lineChart(OPTIMIZERS.map((n) => ({ name: LABEL[n], x: range(o[n].loss.length), y: o[n].loss })), { title: `${v.variant}: training loss (minibatch, mean over runs)`, xTitle: 'step', yTitle: 'loss', logY: true }));
    for (const k of v.kinds) {
      const series: LineSeries[] = OPTIMIZERS.map((n) => {
        const w = o[n].symmetry.steps.filter((s) => s <= c.test.symmetryWindow).length;
        return { name: LABEL[n], x: o[n].symmetry.steps.slice(0, w), y: movingAverage(o[n].symmetry.update[k].slice(0, w), 10) };
      });
      const w = o.adam.symmetry.steps.filter((s) => s <= c.test.symmetryWindow).length;
      series.push({ name: 'gradient (Adam run)', x: o.adam.symmetry.steps.slice(0, w), y: movingAverage(o.adam.symmetry.gradient[k].slice(0, w), 10) });
      charts.push(lineChart(series, { title: `${v.variant}: |D_${k}| of the update (B.1.4; moving average over 10 checkpoints)`, xTitle: 'step', yTitle: `|D_${k}|`, logY: true, yFloor: 1e-12 }));
    }
    const ck = (f: (n: OptName) => LineSeries[]) => OPTIMIZERS.flatMap(f);
    charts.push(lineChart(ck((n) => [{ name: `${LABEL[n]} update`, x: o[n].checkpoints.steps, y: o[n].checkpoints.updAlpha }, ...(n === 'l2o' || n === 'adam' ? [{ name: `${LABEL[n]} gradient`, x: o[n].checkpoints.steps, y: o[n].checkpoints.gradAlpha }] : [])]),
      { title: `${v.variant}: tail index α̂ of the noise (block-sum, B.1.6)`, xTitle: 'step', yTitle: 'α̂' }));
    charts.push(lineChart(ck((n) => (n === 'lion' ? [] : [{ name: `${LABEL[n]} update`, x: o[n].checkpoints.steps, y: o[n].checkpoints.updHill }])), { title: `${v.variant}: Hill tail index of the update noise (k = √N; Lion left out: its ±η updates are lattice-valued, where Hill is meaningless)`, xTitle: 'step', yTitle: 'α̂ (Hill)' }));
    charts.push(lineChart(ck((n) => [{ name: LABEL[n], x: o[n].checkpoints.steps, y: o[n].checkpoints.updLambda }]), { title: `${v.variant}: λ_max of the update covariance across minibatches (B.1.7)`, xTitle: 'step', yTitle: 'λ_max', logY: true, yFloor: 1e-30 }));
    charts.push(lineChart(ck((n) => [{ name: LABEL[n], x: o[n].norms.steps, y: o[n].norms.update }]), { title: `${v.variant}: ‖Δθ‖ (B.1.8)`, xTitle: 'step', yTitle: '‖Δθ‖', logY: true, yFloor: 1e-30 }));
    charts.push(lineChart((['l2o', 'adam'] as const).flatMap((n) => Object.entries(o[n].norms.perTensor).map(([t, y]) => ({ name: `${LABEL[n]} ${t}`, x: o[n].norms.steps, y })))
      , { title: `${v.variant}: per-tensor ‖Δθ‖, L2O vs Adam (B.1.8)`, xTitle: 'step', yTitle: '‖Δθ_tensor‖', logY: true, yFloor: 1e-30 }));
    for (const h of [o.l2o.histograms[0], o.l2o.histograms[o.l2o.histograms.length - 1]]) {
      if (!h) continue;
      const centers = h.edges.slice(0, -1).map((e, i) => Math.sqrt(e * h.edges[i + 1]!));
      const hs = OPTIMIZERS.map((n) => ({ name: LABEL[n], x: centers, y: o[n].histograms.find((q) => q.step === h.step)?.update ?? [] }))
        .filter((s) => s.y.length === centers.length);
      charts.push(lineChart(hs, { title: `${v.variant}: histogram of |Δθ| at step ${h.step} (counts, log; B.1.8)`, xTitle: '|Δθ|', yTitle: 'count', logX: true, logY: true }));
    }
    const kindCols = v.kinds.map((k) => `|D_${k}| (steps ≤ ${c.test.symmetryWindow})`);
    sections.push({
      title: `Variant ${v.variant} (P = ${v.parameters})`,
      text: [`LSTM meta-training: ${fmt(v.meta.elapsedMs / 1000)} s; meta-test loss by epoch ${v.meta.history.map((h) => fmt(h.metaTestLoss)).join(', ')}; kept epoch ${v.meta.bestEpoch}.`],
      tables: [{
        columns: ['optimizer', 'lr (B.1.1)', 'mean loss ± sd over runs', 'final loss', ...kindCols, 'update α̂', 'gradient α̂', 'update λ_max', 'failed runs'],
        rows: OPTIMIZERS.map((n) => [LABEL[n], o[n].lr ?? 'learned', `${fmt(o[n].meanLoss)} ± ${fmt(o[n].meanLossSd)}`, fmt(o[n].finalLoss), ...v.kinds.map((k: Kind) => fmt(o[n].earlySymmetry[k])),
          fmt(mean(o[n].checkpoints.updAlpha)), fmt(mean(o[n].checkpoints.gradAlpha)), fmt(mean(o[n].checkpoints.updLambda)), o[n].failedRuns]),
      }, {
        caption: 'B.1.1 learning-rate search: summed training loss per candidate',
        columns: ['optimizer', ...c.lr.grid.map(String)],
        rows: (['adam', 'sgdm', 'lion'] as const).map((n) => [LABEL[n], ...v.lrSearch[n].scores.map((x) => fmt(x))]),
      }],
      charts,
    });
  }
  if (r.interp.settings.length) sections.push({
    title: `Lion–SGD interpolation (B.1.11) on ${r.interp.variant}`,
    text: [`Δθ = λ_L·Δθ_Lion + (1−λ_L)·Δθ_SGD (lionSgdInterp, SGD momentum 0.9, Lion β 0.9/0.99); ${c.interp.seeds} runs × ${c.interp.steps} steps per λ_L, with the SPEC's rates (SGD 0.5, Lion 0.005) and with the variant's B.1.1 picks. |D_T| is the mean over the first ${c.test.symmetryWindow} steps.`],
    tables: r.interp.settings.map((st) => ({ caption: `${st.name}: SGD lr ${st.sgdLr}, Lion lr ${st.lionLr}`, columns: ['λ_L', 'mean loss', 'final loss', '|D_T|', 'failed runs'], rows: st.rows.map((x) => [x.lambda, fmt(x.meanLoss), fmt(x.finalLoss), fmt(x.translation), x.failedRuns]) })),
    charts: [
      lineChart(r.interp.settings.map((st) => ({ name: st.name, x: st.rows.map((x) => x.lambda), y: st.rows.map((x) => x.meanLoss) })), { title: 'mean training loss vs λ_L', xTitle: 'λ_L', yTitle: 'mean loss' }),
      lineChart(r.interp.settings.map((st) => ({ name: st.name, x: st.rows.map((x) => x.lambda), y: st.rows.map((x) => x.translation) })), { title: '|D_T| of the update vs λ_L', xTitle: 'λ_L', yTitle: '|D_T|', logY: true, yFloor: 1e-12 }),
    ],
  });
  if (r.reg.rows.length) sections.push({
    title: `Symmetry-regularized meta-training (B.1.5) on ${r.reg.variant} (${r.reg.kind})`,
    text: [`Meta-loss log Σ L_t + Σ_t β·|D_${r.reg.kind}| with the same meta-training budget for every β; ${c.test.runs} test runs of ${c.test.steps} steps each.`],
    tables: [{ columns: ['β', 'mean loss', 'final loss', `|D_${r.reg.kind}|`, '|D_T|', 'meta-training s', 'failed runs'], rows: r.reg.rows.map((x) => [x.beta, fmt(x.meanLoss), fmt(x.finalLoss), fmt(x.deviation), fmt(x.translation), fmt(x.elapsedMs / 1000), x.failedRuns]) }],
    charts: [barChart(r.reg.rows.map((x) => `β=${x.beta}`), r.reg.rows.map((x) => x.meanLoss), { title: 'mean training loss of the regularized L2O', yTitle: 'mean loss' })],
  });
  return { title: 'lab dynamics — training dynamics of learned optimizers (Sobotka et al., SPEC B.1)', subtitle: `digits 64-20-10 variants: ${r.variants.map((v) => v.variant).join(', ')}`, sections };
}

/** The lines printed at the end of `lab dynamics`. */
export function summaryLines(r: DynamicsResults): string[] {
  const lines = [`lab dynamics: ${fmt(r.elapsedMs / 1000)} s${r.partial ? ' (aborted: partial results)' : ''}`];
  for (const v of r.variants) lines.push(`  ${v.variant}: mean loss ` + OPTIMIZERS.map((n) => `${n} ${fmt(v.optimizers[n].meanLoss)}`).join(', '));
  for (const f of r.findings.items) lines.push(`  finding ${f.id}: ${f.verdict}`);
  return lines;
}
