import { closestKey } from '../core/errors.js';
import type { Lab, LabOptionSpec } from '../labs/lab.js';
import { labs } from '../labs/registry.js';
import { type ParsedArgs, UsageError } from './args.js';

/**
 * The options of every command, their checks and their help text. The common options
 * (`--out`, `--quick`, `--seed`, `--json`, `--help`) are parsed by args.ts; a lab's own options
 * (`Lab.options`) arrive in `extra` and are checked here: an undeclared `--key` or a value of the
 * wrong form is a `UsageError` (exit 2) with one line naming the closest valid flag.
 */

export const COMMON_OPTIONS: [string, string][] = [
  ['--out DIR', 'output directory, created if missing and checked writable before the run (default metaoptim-out/<command>)'],
  ['--quick', 'small budget (well under 2 minutes on a 2-core machine)'],
  ['--seed N', 'base seed, integer in [0, 2^32−1] (default 0); same seed → same results.json'],
  ['--json', 'print the results JSON on stdout instead of the summary table'],
  ['--help, -h', 'this help'],
];
const COMMON_FLAGS = ['out', 'quick', 'seed', 'json', 'help'];

export function columns(rows: [string, string][], indent = '  '): string[] {
  if (rows.length === 0) return [];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map((r) => `${indent}${r[0].padEnd(w)}  ${r[1]}`);
}

function optionRows(specs: readonly LabOptionSpec[]): [string, string][] {
  return specs.map((o) => [`--${o.name}${o.type === 'boolean' ? '' : o.type === 'string' ? ' VALUE' : ' N'}`, o.help]);
}

/** `metaoptim race --help`, `metaoptim lab <name> --help`: usage, summary, every option. */
export function labHelp(lab: Lab, usage: string): string {
  const own = optionRows(lab.options);
  return [
    `Usage: metaoptim ${usage} [options]`,
    '',
    lab.summary,
    '',
    'Options:',
    ...columns([...COMMON_OPTIONS, ...own]),
    ...(own.length === 0 ? ['', `(${usage} has no options of its own)`] : []),
  ].join('\n');
}

/** The installed labs with their own options (for `metaoptim lab`, `help lab` and the global help). */
export function labList(withOptions: boolean): string[] {
  if (labs.length === 0) return ['No labs are installed in this build.'];
  const out: string[] = [];
  const w = Math.max(...labs.map((l) => l.name.length));
  for (const l of labs) {
    out.push(`  ${l.name.padEnd(w)}  ${l.summary}`);
    if (withOptions) out.push(...columns(optionRows(l.options), '      '));
  }
  return out;
}

/** A one-line "unknown option" message naming the closest valid flag (or listing them). */
export function unknownOption(key: string, valid: readonly string[], where: string): UsageError {
  const near = closestKey(key, valid);
  const hint = near !== undefined ? `did you mean --${near}?` : `valid: ${valid.map((v) => `--${v}`).join(', ')}`;
  return new UsageError(`unknown option --${key} for ${where}; ${hint}`);
}

/** Rejects every `extra` flag (commands without options of their own: `lab` listing, `help`). */
export function rejectExtra(a: ParsedArgs, where: string): void {
  const key = Object.keys(a.extra)[0];
  if (key !== undefined) throw unknownOption(key, COMMON_FLAGS, where);
}

/** Checks `a.extra` against the lab's declared options: names and value forms. */
export function checkLabArgs(lab: Lab, usage: string, a: ParsedArgs): void {
  const valid = [...COMMON_FLAGS, ...lab.options.map((o) => o.name)];
  for (const [k, v] of Object.entries(a.extra)) {
    const spec = lab.options.find((o) => o.name === k);
    if (!spec) throw unknownOption(k, valid, usage);
    if (spec.type === 'boolean') {
      if (v !== true && v !== 'true' && v !== 'false') throw new UsageError(`--${k} takes no value (or true/false), got ${v}`);
      continue;
    }
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${k} needs a value`);
    if (spec.type === 'number' && !Number.isFinite(Number(v))) throw new UsageError(`--${k} must be a number, got ${v}`);
    if (spec.type === 'integer' && !/^-?\d+$/.test(v)) throw new UsageError(`--${k} must be an integer, got ${v}`);
  }
}
