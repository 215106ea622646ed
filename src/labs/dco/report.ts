// The report of `lab dco`: one section per part that has results (a partial run shows the parts
// and rows that finished), built with the shared chart and number helpers of report/.
import { dotChart, lineChart } from '../../report/charts.js';
import { formatNumber as fmt } from '../../report/format.js';
import type { ReportSection } from '../../report/types.js';
import { BETA_GRID } from './baselines.js';
import type { OneStepResult, VariedARow } from './least-squares.js';
import { LOGISTIC_LR_GRID, type LogisticExperimentResult } from './logistic.js';
import type { QuadraticsResult } from './quadratics.js';
import { formatMeanSd } from '../protocol.js';

/** Errors below this are drawn at it on the log axes (exact zeros happen at k ≥ n). */
const FLOOR = 1e-17;

export function oneStepSection(r: OneStepResult): ReportSection {
  return {
    title: `One-step claim (least squares, shared A, n = ${r.n}, m = ${r.m})`,
    text: [
      `DCOG with a full P = LLᵀ + 1e-6·I, started at gradient descent (P = I/0.3), was meta-trained with T = 1 on k tasks f(x) = ½‖Ax − b‖², b ~ N(0, I), x₀ = 0 (Adam on θ, full batch, ${r.iterations} iterations, learning rate 0.05 decaying to 5e-5). The error is ‖x₁ − x*‖/‖x*‖ after ONE learned step on 20 fresh tasks.`,
      'With fewer than n tasks the vectors Aᵀb_τ do not span Rⁿ and P is not determined on the rest; from about n tasks on, P⁻¹ → (AᵀA)⁻¹ and one step solves fresh tasks (the Newton step). At exactly k = n the meta-problem is still badly conditioned and the fixed budget may not reach it.',
      ...(r.learnedPvsAtA !== null ? [`Largest k: ‖P − AᵀA‖/‖AᵀA‖ = ${fmt(r.learnedPvsAtA)}.`] : []),
    ],
    tables: [{ columns: ['tasks k', 'median error', 'max error', 'final meta-loss'], rows: r.rows.map((x) => [x.tasks, fmt(x.median), fmt(x.max), fmt(x.finalMetaLoss)]) }],
    charts: [lineChart([
      { name: 'median over 20 fresh tasks', x: r.rows.map((x) => x.tasks), y: r.rows.map((x) => x.median) },
      { name: 'max over 20 fresh tasks', x: r.rows.map((x) => x.tasks), y: r.rows.map((x) => x.max) },
    ], { title: 'One-step relative error vs number of meta-training tasks (n = 10)', xTitle: 'meta-training tasks k', yTitle: 'relative error after one step', logY: true, yFloor: FLOOR, width: 420, height: 260 })],
  };
}

export function variedASection(rows: VariedARow[]): ReportSection {
  const sig = rows.map((x) => x.sigma);
  return {
    title: 'Varying A (A_τ = A₀ + σE, E_ij ~ N(0, 1/m))',
    text: ['DCOG (full P, T = 1) meta-trained on fresh tasks each iteration (16 per batch). Median one-step relative error on 30 fresh tasks, against the Newton step of the central A₀ and the best scalar step size (grid 10⁻³ … 10, ten points per decade).'],
    tables: [{ columns: ['σ', 'DCOG (learned)', 'Newton step of A₀', 'best scalar step', 'its α'], rows: rows.map((x) => [x.sigma, fmt(x.dcog), fmt(x.newtonA0), fmt(x.bestScalar), fmt(x.bestAlpha)]) }],
    charts: [lineChart([
      { name: 'DCOG (learned)', x: sig, y: rows.map((x) => x.dcog) },
      { name: 'Newton step of A₀', x: sig, y: rows.map((x) => x.newtonA0) },
      { name: 'best scalar step', x: sig, y: rows.map((x) => x.bestScalar) },
    ], { title: 'One-step error as A varies across tasks', xTitle: 'σ', yTitle: 'median relative error', logY: true, yFloor: FLOOR, width: 420, height: 240 })],
  };
}

export function quadraticsSection(q: QuadraticsResult): ReportSection {
  return {
    title: `Quadratics (n = ${q.n}, condition ${q.condition}), loss after T = ${q.T} steps`,
    text: [
      `Per seed a family with its own random eigenbasis; GD, heavy ball and Adam (f64) tuned on 8 tasks by grid search on f(x_T) (lr 10^(−3 … 0.5) at 7 per decade, Adam ×0.1, heavy ball also over β ∈ {${BETA_GRID.join(', ')}}), DCO rules (diagonal P and matrices, started at GD with α = 0.015, DCOM at β = 0.5) meta-trained with a ${q.T}-step unroll (Adam with per-array relative step sizes, lr 0.1 → 2e-3) on the last-step loss normalized by f(x₀) (full meta-gradients through Hessian-vector products). Reported: f(x_T)/f(x₀) on 16 held-out tasks, mean ± sample sd over ${q.seedsDone} seeds. A run whose loss leaves 1e8·(|f(x₀)| + 1) or turns non-finite counts as diverged.`,
    ],
    tables: [{ columns: ['method', 'mean ± sd of f(x_T)/f(x₀)', 'IQM', 'seeds'], rows: q.rows.map((r) => [r.name, formatMeanSd(r), fmt(r.iqm), r.n]) }],
    charts: [dotChart(q.rows.map((r) => ({ category: r.name, values: r.perSeed })), { title: `f(x_T)/f(x₀) after ${q.T} steps (one point per seed)`, xTitle: 'f(x_T)/f(x₀)', logX: true })],
  };
}

export function logisticSection(r: LogisticExperimentResult): ReportSection {
  return {
    title: `Logistic regression on ${r.dataset} (${r.size} parameters), after T = ${r.steps} steps`,
    text: [
      `Family: multinomial logistic regression on the standardized ${r.dataset} split, per-feature scales log-uniform in [1/4, 4] drawn per seed (×exp(0.1·N) per task), minibatch stream and initialization per task, batch 32, ridge 1e-3. Per seed: a pool of training tasks and disjoint held-out tasks (unseen seeds).`,
      `Baselines (f64) tuned on training tasks by the full training-split cross-entropy after T steps: GD and Adam (β = 0.9, 0.999) over the learning rate 10^(−3 … 1.5) in quarter decades (${LOGISTIC_LR_GRID.length} values); heavy-ball momentum over the same grid × β ∈ {${BETA_GRID.join(', ')}}. A run that diverges (the one rule: loss above 1e8·(|f(x₀)| + 1) or non-finite) scores +∞.`,
      `DCOG (started at tuned GD), DCOM and DCOGD (started at tuned heavy ball), ${r.parameterization} P, meta-trained ${r.iterations} iterations on mini-batches of 8 training tasks with T-step unrolls, meta-loss Σ_t f_t(x_t), first-order meta-gradients (these tasks have no Hessian-vector products), Adam on θ (lr 0.002 → 2e-4, per-array relative steps).`,
      `Reported on held-out tasks: training-split cross-entropy and test accuracy at x_T (mean over tasks), then mean ± sample sd over ${r.seedsDone} seeds. Mean cross-entropy at x₀: ${fmt(r.meanInitialLoss)}. The last loss column is the DCO meta-objective (mean minibatch loss along the trajectory); the baselines were tuned for the first column, the DCO rules trained for the last, so each column favours one side.`,
    ],
    tables: [{
      columns: ['method', 'train cross-entropy after T', 'test accuracy', 'mean minibatch loss over steps 1…T', 'lr (β) per seed'],
      rows: r.rows.map((x) => [x.method, formatMeanSd(x.loss), `${x.accuracy.toFixed(3)} ± ${x.accuracySd.toFixed(3)}`, formatMeanSd(x.trajectory),
        x.hyper.map((h) => (h.beta !== undefined ? `${fmt(h.lr)} (${h.beta})` : fmt(h.lr))).join(', ')]),
    }],
    charts: [dotChart(r.rows.map((x) => ({ category: x.method, values: x.perSeedLoss })), { title: `${r.dataset}: training cross-entropy after ${r.steps} steps (one point per seed)`, xTitle: 'cross-entropy', logX: true })],
  };
}
