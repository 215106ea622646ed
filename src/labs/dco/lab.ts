// `npx metaoptim lab dco`: the DCO experiments (SPEC B.3.3, B.3.4), on the protocol toolkit of
// labs/protocol.ts (lr grids, seeds → mean ± sample sd / IQM, the results header).
// 1. One-step claim on least squares with shared A (labs/dco/least-squares.ts).
// 2. Varying A: one learned step against the best scalar step and the Newton step of A₀.
// 3. Quadratics with condition 100: DCOG, DCOM, DCOGD against tuned f64 GD, heavy ball, Adam
//    (labs/dco/quadratics.ts).
// 4. Logistic regression on iris and wine, first-order meta-gradients (labs/dco/logistic.ts).
// Cancellable: an abort rejects with ABORTED whose `details.partial` is a `LabResult` holding the
// parts (and, inside the running part, the rows) that finished, with `partial: true` in the header.
import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, abortedError, isAborted } from '../../core/loop.js';
import { ready } from '../../runtime/runtime.js';
import { formatNumber as fmt } from '../../report/format.js';
import type { ReportSection } from '../../report/types.js';
import type { Lab, LabOptions, LabResult } from '../lab.js';
import { type ResultsHeader, formatMeanSd, resultsHeader } from '../protocol.js';
import { type PartOptions } from './common.js';
import { type OneStepResult, type VariedARow, oneStepExperiment, variedAExperiment } from './least-squares.js';
import { type LogisticExperimentResult, logisticExperiment } from './logistic.js';
import { type QuadraticsResult, quadraticExperiment } from './quadratics.js';
import { logisticSection, oneStepSection, quadraticsSection, variedASection } from './report.js';

/** Version of the results.json format of this lab. */
export const DCO_RESULTS_VERSION = 2;

export interface DcoLabResults extends ResultsHeader {
  parameterization: 'full' | 'diagonal';
  oneStep?: OneStepResult;
  variedA?: VariedARow[];
  quadratics?: QuadraticsResult;
  logistic: LogisticExperimentResult[];
}

function summary(r: DcoLabResults): string[] {
  const lines: string[] = [];
  if (r.oneStep) {
    const best = r.oneStep.rows.filter((x) => x.tasks > r.oneStep!.n).map((x) => x.max);
    lines.push(`one-step claim (n = 10, m = 20): max fresh-task error ${best.length ? fmt(Math.max(...best)) : 'n/a'} for k > n tasks; ` +
      r.oneStep.rows.map((x) => `k=${x.tasks}: ${fmt(x.median)}`).join(', '));
  }
  if (r.variedA) lines.push('varying A: ' + r.variedA.map((x) => `σ=${x.sigma}: DCOG ${fmt(x.dcog)} (A₀ Newton ${fmt(x.newtonA0)}, scalar ${fmt(x.bestScalar)})`).join('; '));
  if (r.quadratics) lines.push(`quadratics κ=${r.quadratics.condition}, T=${r.quadratics.T}: ` + r.quadratics.rows.map((x) => `${x.name} ${formatMeanSd(x)}`).join('; '));
  for (const l of r.logistic) {
    lines.push(`${l.dataset} logistic regression, T=${l.steps}, train CE (test acc): ` + l.rows.map((x) => `${x.method} ${formatMeanSd(x.loss)} (${x.accuracy.toFixed(3)})`).join('; '));
  }
  lines.push(`${r.quick ? 'quick' : 'full'} mode, ${(r.elapsedMs / 1000).toFixed(1)} s${r.partial ? ' (partial: aborted)' : ''}`);
  return lines;
}

function labResult(r: DcoLabResults): LabResult {
  const sections: ReportSection[] = [];
  if (r.oneStep) sections.push(oneStepSection(r.oneStep));
  if (r.variedA) sections.push(variedASection(r.variedA));
  if (r.quadratics) sections.push(quadraticsSection(r.quadratics));
  for (const l of r.logistic) sections.push(logisticSection(l));
  return {
    results: r,
    report: { title: `DCO meta-learned optimizers${r.partial ? ' (partial: aborted)' : ''}`, subtitle: 'Gautam, Pfrommer & Sojoudi 2023 (reconstructed, SPEC B.3)', sections },
    summary: summary(r),
  };
}

export const dcoLab: Lab = {
  name: 'dco',
  summary: 'DCO meta-learned optimizers: the one-step claim on least squares, varying A, quadratics and iris/wine logistic regression vs tuned baselines',
  options: [{ name: 'parameterization', type: 'string', help: "P (and matrices) of the DCO rules on iris/wine: 'full' (default) or 'diagonal'" }],
  async run(opts: LabOptions): Promise<LabResult> {
    checkOptions('lab dco', opts, [...LOOP_OPTION_KEYS, 'quick', 'extra']);
    checkOptions('lab dco', opts.extra, ['parameterization']);
    const quick = opts.quick;
    const par = opts.extra?.parameterization ?? 'full';
    if (par !== 'full' && par !== 'diagonal') throw new MetaoptimError('INVALID_ARGUMENT', `lab dco: --parameterization must be 'full' or 'diagonal', got ${String(par)}`);
    const started = performance.now();
    const { build } = await ready();
    const r: DcoLabResults = {
      ...resultsHeader({ lab: 'dco', version: DCO_RESULTS_VERSION, seed: opts.seed, quick, build, elapsedMs: 0, partial: false }),
      parameterization: par,
      logistic: [],
    };
    const o: PartOptions = { seed: opts.seed, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
    let parts = 0;
    try {
      r.oneStep = await oneStepExperiment(o, quick ? [2, 5, 8, 10, 12, 15, 20] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 20, 30], quick ? 3000 : 5000);
      parts++;
      r.variedA = await variedAExperiment(o, quick ? [0, 0.1, 0.3] : [0, 0.05, 0.1, 0.2, 0.3, 0.5], quick ? 1500 : 4000);
      parts++;
      r.quadratics = await quadraticExperiment(o, quick ? 3 : 5, quick ? 300 : 1000);
      parts++;
      for (const dataset of ['iris', 'wine'] as const) {
        r.logistic.push(await logisticExperiment(dataset, {
          ...o, seeds: quick ? 5 : 10, steps: 20, iterations: quick ? 120 : 400, poolTasks: 64,
          tuneTasks: quick ? 8 : 16, testTasks: quick ? 12 : 32, metaBatch: 8, parameterization: par, metaLr: 0.002, metaLrDecay: 0.1,
        }));
        parts++;
      }
    } catch (e) {
      if (!isAborted(e)) throw e;
      const p = e.details.partial;
      // The part that was running contributes what it finished (its own ABORTED partial).
      if (p !== undefined) {
        if (parts === 0) r.oneStep = p as OneStepResult;
        else if (parts === 1) r.variedA = p as VariedARow[];
        else if (parts === 2) r.quadratics = p as QuadraticsResult;
        else r.logistic.push(p as LogisticExperimentResult);
      }
      r.partial = true;
      r.elapsedMs = performance.now() - started;
      throw abortedError('lab dco', parts, labResult(r));
    }
    r.elapsedMs = performance.now() - started;
    return labResult(r);
  },
};
