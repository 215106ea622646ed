#!/usr/bin/env node
// The `metaoptim` command (package.json "bin"). See docs/cli.md.
// Exit codes: 0 success, 1 failure, 2 usage error (unknown command/option, bad value),
// 130 interrupted (Ctrl-C; nothing is written).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MetaoptimError } from '../core/errors.js';
import { raceLab } from '../race/lab.js';
import { renderReport } from '../report/html.js';
import { type ParsedArgs, UsageError, parseArgs } from './args.js';
import type { Lab } from '../labs/lab.js';
import { labs } from '../labs/registry.js';
import { ProgressDisplay } from './progress.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

const COMMON_OPTIONS = [
  ['--out DIR', 'output directory (default metaoptim-out/<command>, metaoptim-out/lab-<name>)'],
  ['--quick', 'small budget (well under 2 minutes on a 2-core machine)'],
  ['--seed N', 'base seed, integer in [0, 2^32−1] (default 0); same seed → same results.json'],
  ['--json', 'print the results JSON on stdout instead of the summary table'],
];

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function columns(rows: string[][], indent = '  '): string[] {
  const w = Math.max(...rows.map((r) => r[0]!.length));
  return rows.map((r) => `${indent}${r[0]!.padEnd(w)}  ${r[1]}`);
}

function mainHelp(): string {
  return [
    'metaoptim — optimization laboratory',
    '',
    'Usage: metaoptim <command> [options]',
    '',
    'Commands:',
    ...columns([
      ['race', raceLab.summary],
      ['lab <name>', 'run an experiment (`metaoptim lab` lists them)'],
      ['bench [args]', 'kernel benchmarks (needs a clone with dev dependencies)'],
      ['help [command]', 'this text, or help for a command'],
    ]),
    '',
    'Options:',
    ...columns([...COMMON_OPTIONS, ['--help, -h', 'help'], ['--version', 'print the version']]),
    '',
    'Writes results.json and report.html (self-contained, inline SVG) into --out.',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C; nothing written).',
  ].join('\n');
}

function labHelp(lab: Lab, usage: string): string {
  const own = (lab.options ?? []).map((o) => [`--${o.name}${o.type === 'boolean' ? '' : ` ${o.type === 'string' ? 'VALUE' : 'N'}`}`, o.help]);
  return [`Usage: metaoptim ${usage} [options]`, '', lab.summary, '', 'Options:', ...columns([...COMMON_OPTIONS, ...own])].join('\n');
}

function labList(): string {
  if (labs.length === 0) return 'No labs are installed in this build.';
  return ['Labs (metaoptim lab <name>):', ...columns(labs.map((l) => [l.name, l.summary]))].join('\n');
}

/** Checks `extra` against the lab's declared options (when it declares them). */
function checkExtra(lab: Lab, usage: string, extra: Record<string, string | boolean>): void {
  if (!lab.options) return;
  for (const [k, v] of Object.entries(extra)) {
    const spec = lab.options.find((o) => o.name === k);
    if (!spec) throw new UsageError(`unknown option --${k} for ${usage} (see metaoptim ${usage} --help)`);
    if (spec.type === 'boolean') {
      if (v !== true && v !== 'true' && v !== 'false') throw new UsageError(`--${k} takes no value`);
      continue;
    }
    if (v === true) throw new UsageError(`--${k} needs a value`);
    if (spec.type === 'number' && !Number.isFinite(Number(v))) throw new UsageError(`--${k} must be a number, got ${v}`);
    if (spec.type === 'integer' && !/^-?\d+$/.test(String(v))) throw new UsageError(`--${k} must be an integer, got ${v}`);
  }
}

async function runLab(lab: Lab, usage: string, outDefault: string, a: ParsedArgs, io: CliIo): Promise<number> {
  checkExtra(lab, usage, a.extra);
  const out = resolve(a.out ?? outDefault);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr.write('\nmetaoptim: interrupted, stopping (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = new ProgressDisplay(io.stderr);
  const started = performance.now();
  let working = false;
  const onProgress: typeof progress.update = (e) => {
    working = true;
    progress.update(e);
  };
  try {
    let result;
    try {
      result = await lab.run({ quick: a.quick, seed: a.seed, onProgress, signal: controller.signal, extra: a.extra });
    } finally {
      progress.finish();
    }
    if (controller.signal.aborted) throw new MetaoptimError('ABORTED', `${usage}: aborted`);
    io.stderr.write(`metaoptim: ${usage} finished in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    await mkdir(out, { recursive: true });
    const resultsPath = resolve(out, 'results.json');
    const reportPath = resolve(out, 'report.html');
    await writeFile(resultsPath, JSON.stringify(result.results, null, 2) + '\n');
    await writeFile(reportPath, await renderReport(result.report));
    if (a.json) {
      io.stdout(JSON.stringify(result.results));
      io.stderr.write(`results: ${resultsPath}\nreport:  ${reportPath}\n`);
    } else {
      for (const line of result.summary) io.stdout(line);
      io.stdout('');
      io.stdout(`results: ${resultsPath}`);
      io.stdout(`report:  ${reportPath}`);
    }
    return 0;
  } catch (e) {
    if (controller.signal.aborted) {
      io.stderr.write('metaoptim: interrupted; partial results were not written\n');
      return 130;
    }
    // a bad option value, rejected before any work was reported, is a usage error (exit 2)
    if (!working && e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT') throw new UsageError(e.message.replace(/^\[INVALID_ARGUMENT\] /, ''));
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function runBenchCommand(rest: string[], io: CliIo): Promise<number> {
  const url = new URL('../../bench/main.js', import.meta.url);
  let mod: { runBench?: (argv: string[], print: (line: string) => void) => unknown };
  try {
    mod = (await import(url.href)) as typeof mod;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    io.stderr.write(
      `metaoptim: benchmarks are not available in this installation${missing ? '' : ` (${(e as Error).message})`}.\n` +
        'They need a clone of the repository with its dev dependencies:\n  npm install && npm run bench\n',
    );
    return 1;
  }
  if (typeof mod.runBench !== 'function') {
    io.stderr.write(`metaoptim: ${fileURLToPath(url)} does not export runBench\n`);
    return 1;
  }
  const r = await mod.runBench(rest, io.stdout);
  return typeof r === 'number' ? r : 0;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const a = parseArgs(argv);
    if (a.version) {
      io.stdout(await version());
      return 0;
    }
    const cmd = a.command;
    if (cmd === undefined || cmd === 'help') {
      const topic = cmd === 'help' ? a.positionals[0] : undefined;
      if (topic === 'race') io.stdout(labHelp(raceLab, 'race'));
      else if (topic === 'lab') io.stdout(a.positionals[1] ? helpForLab(a.positionals[1]) : `Usage: metaoptim lab <name> [options]\n\n${labList()}`);
      else if (topic === undefined || topic === 'bench' || topic === 'help') io.stdout(mainHelp());
      else throw new UsageError(`unknown command ${topic}`);
      return 0;
    }
    if (cmd === 'race') {
      if (a.positionals.length > 0) throw new UsageError(`race takes no positional arguments, got ${a.positionals.join(' ')}`);
      if (a.help) {
        io.stdout(labHelp(raceLab, 'race'));
        return 0;
      }
      return await runLab(raceLab, 'race', 'metaoptim-out/race', a, io);
    }
    if (cmd === 'lab') {
      const name = a.positionals[0];
      if (name === undefined) {
        io.stdout(a.help ? `Usage: metaoptim lab <name> [options]\n\n${labList()}` : labList());
        return 0;
      }
      if (a.positionals.length > 1) throw new UsageError(`lab takes one name, got ${a.positionals.join(' ')}`);
      const lab = findLab(name);
      if (a.help) {
        io.stdout(labHelp(lab, `lab ${name}`));
        return 0;
      }
      return await runLab(lab, `lab ${name}`, `metaoptim-out/lab-${name}`, a, io);
    }
    if (cmd === 'bench') return await runBenchCommand(a.rest, io);
    throw new UsageError(`unknown command ${cmd}`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`metaoptim: ${e.message}\nRun 'metaoptim --help' for usage.\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr.write(`metaoptim: ${err.message}\n`);
    if (process.env.METAOPTIM_DEBUG && err.stack) io.stderr.write(err.stack + '\n');
    return 1;
  }
}

function findLab(name: string): Lab {
  const lab = labs.find((l) => l.name === name);
  if (!lab) {
    const known = labs.length ? labs.map((l) => l.name).join(', ') : 'none are installed in this build';
    throw new UsageError(`unknown lab "${name}" (labs: ${known})`);
  }
  return lab;
}

function helpForLab(name: string): string {
  return labHelp(findLab(name), `lab ${name}`);
}

// Run when executed as the bin (directly or through npm's symlink), not when imported.
const invoked = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (invoked === import.meta.url || (process.argv[1] && (await isSameFile(process.argv[1])))) {
  const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s + '\n'),
    stderr: process.stderr,
  });
  process.exitCode = code;
}

async function isSameFile(p: string): Promise<boolean> {
  try {
    const { realpath } = await import('node:fs/promises');
    return (await realpath(p)) === (await realpath(fileURLToPath(import.meta.url)));
  } catch {
    return false;
  }
}
