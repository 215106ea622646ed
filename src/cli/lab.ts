import type { ReportDoc } from '../report/types.js';

// Contract between the command line and every long-running experiment (race, lab *).
// An experiment is a function of options that returns JSON-able results and a report;
// the CLI owns argument parsing, progress bars, --out and file writing.

export interface ProgressEvent {
  /** What is running, e.g. "adam on rosenbrock". */
  label: string;
  done: number;
  total: number;
}

export interface LabOptions {
  /** Small budget: at most about 2 minutes on a 2-core machine. */
  quick: boolean;
  /** Base seed; every random choice derives from it. */
  seed: number;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Free-form extra options from the command line (--key value). */
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
   * The extra options this lab accepts. When given, the CLI rejects any other `--key`
   * and values of the wrong type (exit code 2); when omitted, every `--key value` is
   * passed through in `extra` unchecked. A lab signals a bad value it can only check
   * itself by throwing `MetaoptimError('INVALID_ARGUMENT', …)` before its first
   * `onProgress` call (later, it is an ordinary failure, exit code 1).
   */
  options?: LabOptionSpec[];
  run(opts: LabOptions): Promise<LabResult>;
}
