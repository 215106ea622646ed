import { writeFile } from 'node:fs/promises';
import { MetaoptimError } from '../core/errors.js';
import { isAborted } from '../core/loop.js';
import type { Lab, LabResult } from '../labs/lab.js';
import { renderReport } from '../report/html.js';
import type { ReportDoc } from '../report/types.js';
import { CHARTS_HINT, type VegaLoader, loadChartRenderer } from '../report/vega.js';
import { ready } from '../runtime/runtime.js';
import { type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { checkLabArgs } from './options.js';
import { type MinimalInfo, type OutDir, discardOut, markPartial, minimalResults, prepareOut, reportPath, resultsJson, resultsPath, writeMinimalSync, writeRun } from './output.js';
import { ProgressDisplay } from './progress.js';
import type { LabRunner } from './runner.js';

/**
 * Runs one lab for the command line:
 * 1. checks its flags (`checkLabArgs`) and `--out` (`prepareOut`) before any work;
 * 2. runs it through `runner`, drawing its `ProgressEvent`s on stderr;
 * 3. on success writes results.json and report.html (charts only when vega and vega-lite are
 *    installed; otherwise one stderr line says how to get them) and prints the summary.
 *
 * Interruption (SIGINT or SIGTERM): the first signal aborts the lab's signal; the lab rejects
 * with ABORTED whose `details.partial` is a `LabResult`, which is written with `partial: true`
 * in its header (its report has tables only, to stay fast). When no partial arrives within
 * `graceMs` (800 ms, so the command ends within 1 s), a minimal results.json `{ lab, …, partial: true }` is written instead. Both
 * exit with 130. A second signal writes the minimal results (if nothing was written yet) and
 * exits 130 at once. A signal that arrives after the lab finished (while its report is written)
 * leaves the complete results (partial: false) and also exits 130.
 */
export interface RunLabDeps {
  runner: LabRunner;
  /** Loads vega and vega-lite (default: the real packages); tests simulate their absence. */
  vegaLoader?: VegaLoader;
  /** How long to wait for a partial result after the first signal (default 800 ms). */
  graceMs?: number;
  /** Exit for the second signal (default `process.exit`). */
  exit?: (code: number) => never;
  /** Where SIGINT and SIGTERM arrive (default `process`); tests pass an EventEmitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

type Outcome = { ok: true; result: LabResult } | { ok: false; error: unknown } | { timeout: true };

export async function runLab(lab: Lab, usage: string, outDefault: string, a: ParsedArgs, io: CliIo, deps: RunLabDeps): Promise<number> {
  checkLabArgs(lab, usage, a);
  const out = await prepareOut(a.out ?? outDefault);
  const controller = new AbortController();
  const started = performance.now();
  // the kernel build for a minimal results.json (the lab's worker probes the same one)
  let build = 'unknown';
  ready().then((i) => (build = i.build), () => undefined);
  const info = (): MinimalInfo => ({ lab: lab.name, seed: a.seed, quick: a.quick, build, elapsedMs: performance.now() - started });
  const progress = new ProgressDisplay(io.stderr);
  let written = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timeout!: () => void;
  const timedOut = new Promise<Outcome>((res) => (timeout = () => res({ timeout: true })));
  const onSignal = (sig: string) => {
    if (controller.signal.aborted) {
      if (!written) writeMinimalSync(out, info());
      io.stderr.write(`\nmetaoptim: ${sig} again, quitting\n`);
      (deps.exit ?? process.exit)(130);
      return;
    }
    progress.stop();
    io.stderr.write(`\nmetaoptim: ${sig === 'SIGINT' ? 'interrupted' : sig}, stopping (Ctrl-C again to quit at once)\n`);
    controller.abort();
    timer = setTimeout(timeout, deps.graceMs ?? 800);
  };
  const signals: Pick<NodeJS.EventEmitter, 'on' | 'off'> = deps.signals ?? process;
  for (const s of SIGNALS) signals.on(s, onSignal);
  let working = false;
  try {
    const run = deps.runner(lab, {
      quick: a.quick,
      seed: a.seed,
      extra: a.extra,
      signal: controller.signal,
      onProgress: (e) => {
        working = true;
        progress.update(e);
      },
    });
    const outcome = await Promise.race<Outcome>([run.then((result) => ({ ok: true as const, result }), (error: unknown) => ({ ok: false as const, error })), timedOut]);
    clearTimeout(timer);
    progress.finish();
    if (controller.signal.aborted) {
      await writeInterrupted(out, lab, outcome, info());
      written = true;
      io.stderr.write(`metaoptim: ${usage} interrupted; partial results: ${resultsPath(out)}\n`);
      return 130;
    }
    if (!('ok' in outcome) || !outcome.ok) {
      const e = 'error' in outcome ? outcome.error : undefined;
      await discardOut(out);
      // a bad option value, rejected before any work was reported, is a usage error (exit 2)
      if (!working && e instanceof MetaoptimError && (e.code === 'INVALID_ARGUMENT' || e.code === 'UNKNOWN_OPTION')) {
        throw new UsageError(e.message.replace(`[${e.code}] `, ''));
      }
      throw e;
    }
    const result = outcome.result;
    io.stderr.write(`metaoptim: ${usage} finished in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const charts = await loadChartRenderer(deps.vegaLoader);
    if (charts === null) io.stderr.write(`metaoptim: ${CHARTS_HINT}\n`);
    await writeRun(out, result, charts);
    written = true;
    if (controller.signal.aborted) {
      // The signal came after the lab had finished (while the report was written): the results
      // are complete (partial: false), but the command still reports the interruption.
      io.stderr.write(`metaoptim: ${usage} interrupted after it finished; complete results: ${resultsPath(out)}\n`);
      return 130;
    }
    if (a.json) {
      io.stdout(JSON.stringify(result.results));
      io.stderr.write(`results: ${resultsPath(out)}\nreport:  ${reportPath(out)}\n`);
    } else {
      for (const line of result.summary) io.stdout(line);
      io.stdout('');
      io.stdout(`results: ${resultsPath(out)}`);
      io.stdout(`report:  ${reportPath(out)}`);
    }
    return 0;
  } finally {
    clearTimeout(timer);
    for (const s of SIGNALS) signals.off(s, onSignal);
  }
}

/** The report of a run interrupted before the lab returned anything. */
function minimalReport(lab: string): ReportDoc {
  return {
    title: `metaoptim ${lab} (partial: interrupted)`,
    sections: [{ title: 'Interrupted', text: ['The run was interrupted and the lab returned no partial result in time; results.json holds only its header.'] }],
  };
}

async function writeInterrupted(out: OutDir, lab: Lab, outcome: Outcome, info: MinimalInfo): Promise<void> {
  let partial: LabResult | undefined;
  if ('ok' in outcome && outcome.ok) partial = outcome.result;
  else if ('error' in outcome && isAborted(outcome.error) && isLabResult(outcome.error.details.partial)) partial = outcome.error.details.partial;
  if (partial) {
    await writeFile(resultsPath(out), resultsJson(markPartial(partial.results, lab.name)));
    await writeFile(reportPath(out), await renderReport(tablesOnly(partial.report), { charts: null }));
  } else {
    await writeFile(resultsPath(out), resultsJson(minimalResults(info)));
    await writeFile(reportPath(out), await renderReport(minimalReport(lab.name), { charts: null }));
  }
}

/** A partial report: the tables, without charts (rendering them could outlast the 1 s budget). */
function tablesOnly(doc: ReportDoc): ReportDoc {
  const note = 'Interrupted: these are partial results (results.json has partial: true); charts are left out of partial reports.';
  return { ...doc, subtitle: doc.subtitle ? `${note} ${doc.subtitle}` : note, sections: doc.sections.map((s) => ({ ...s, charts: [] })) };
}

function isLabResult(x: unknown): x is LabResult {
  const r = x as LabResult | null;
  return !!r && typeof r === 'object' && 'results' in r && !!r.report && typeof r.report.title === 'string' && Array.isArray(r.report.sections);
}
