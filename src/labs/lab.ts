import { MetaoptimError } from '../core/errors.js';
import type { LoopOptions } from '../core/loop.js';
import type { ReportDoc } from '../report/types.js';

// Contract between the command line and every experiment (race, lab *). A lab is a function
// of options that returns JSON-able results and a report; the CLI owns argument parsing,
// progress bars, --out, Ctrl-C and file writing. A lab follows the loop contract of
// core/loop.ts: on abort it rejects with ABORTED whose `details.partial` is a `LabResult`
// built from what finished (its results carry `partial: true` in their header).
// The CLI runs each lab in a worker thread (cli/runner.ts), so results, report, progress
// events and error details must be plain, structured-cloneable data.

export interface LabOptions extends LoopOptions {
  /** Small budget: at most about 2 minutes on a 2-core machine. */
  quick: boolean;
  /** Base seed; every random choice derives from it. */
  seed: number;
  /** The lab's own options from the command line (--key value), checked against `Lab.options`. */
  extra?: Record<string, string | boolean>;
}

export interface LabResult {
  /** Written as results.json. */
  results: unknown;
  /** Rendered to report.html. */
  report: ReportDoc;
  /** Lines printed to stdout at the end (a summary table). */
  summary: string[];
}

/** A `--key value` option a lab accepts (it arrives as a string in `LabOptions.extra`). */
export interface LabOptionSpec {
  /** Option name without the dashes, e.g. `task` for `--task`. */
  name: string;
  /** What the value must look like; the CLI rejects other values with exit code 2. */
  type: 'string' | 'number' | 'integer' | 'boolean';
  /** One line for `--help`. */
  help: string;
}

export interface Lab {
  /** Sub-command name: `npx metaoptim lab <name>` (or `race`). */
  name: string;
  summary: string;
  /**
   * Every extra option this lab accepts (empty when none). The CLI rejects any other `--key`
   * and values of the wrong type (exit code 2), and lists them in `--help`. A lab signals a
   * bad value it can only check itself by throwing `MetaoptimError('INVALID_ARGUMENT', …)`
   * before its first `onProgress` call (later, it is an ordinary failure, exit code 1).
   */
  options: LabOptionSpec[];
  run(opts: LabOptions): Promise<LabResult>;
}

/**
 * Checks `opts.extra` against `lab.options` for a lab called without the CLI (the CLI does the
 * same): every key must be declared. Errors: INVALID_ARGUMENT naming the key.
 */
export function checkLabExtra(lab: Lab, opts: LabOptions): void {
  for (const k of Object.keys(opts.extra ?? {})) {
    if (!lab.options.some((s) => s.name === k)) throw new MetaoptimError('INVALID_ARGUMENT', `lab ${lab.name}: unknown option --${k}`);
  }
}

/** The integer option `--name` (≥ `min`, default 1) from `opts.extra`, or `dflt` when absent. Errors: INVALID_ARGUMENT. */
export function labInteger(lab: Lab, opts: LabOptions, name: string, dflt: number, min = 1): number {
  const v = opts.extra?.[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new MetaoptimError('INVALID_ARGUMENT', `lab ${lab.name}: --${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return n;
}
