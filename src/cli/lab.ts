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

export interface Lab {
  /** Sub-command name: `npx metaoptim lab <name>` (or `race`). */
  name: string;
  summary: string;
  run(opts: LabOptions): Promise<LabResult>;
}
