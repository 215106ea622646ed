#!/usr/bin/env node
// The `metaoptim` command (package.json "bin"). See docs/cli.md.
// Exit codes: 0 success, 1 failure, 2 usage error (unknown command or flag, bad value, unusable
// --out), 130 interrupted (SIGINT/SIGTERM; results.json is written with partial: true).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Lab } from '../labs/lab.js';
import { labs } from '../labs/registry.js';
import { type ParsedArgs, UsageError, parseArgs } from './args.js';
import type { CliIo } from './io.js';
import { COMMON_OPTIONS, columns, labHelp, labList, rejectExtra } from './options.js';
import { type RunLabDeps, runLab } from './run-lab.js';
import { workerRunner } from './runner.js';

export type { CliIo } from './io.js';

/** `race` is an alias of `lab race` (with its own default --out). */
const RACE = 'race';

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The global help: commands, common options, and every lab with all its own options. */
function mainHelp(): string {
  return [
    'metaoptim — optimization laboratory',
    '',
    'Usage: metaoptim <command> [options]',
    '',
    'Commands:',
    ...columns([
      ['race', `${findLab(RACE).summary} (= lab race)`],
      ['lab <name>', 'run an experiment (`metaoptim lab` lists them)'],
      ['bench [args]', 'kernel benchmarks (needs a clone with dev dependencies)'],
      ['help [command]', 'this text, or help for a command'],
    ]),
    '',
    'Options of race and every lab:',
    ...columns([...COMMON_OPTIONS, ['--version', 'print the version']]),
    '',
    'Labs (metaoptim lab <name>) and their own options:',
    ...labList(true),
    '',
    'Writes results.json and report.html (self-contained; charts need the optional peers vega and vega-lite) into --out.',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C: results.json with partial: true).',
  ].join('\n');
}

function labsUsage(): string {
  return ['Usage: metaoptim lab <name> [options]', '', 'Labs and their own options (metaoptim lab <name> --help):', ...labList(true)].join('\n');
}

function findLab(name: string): Lab {
  const lab = labs.find((l) => l.name === name);
  if (!lab) {
    const known = labs.length ? labs.map((l) => l.name).join(', ') : 'none are installed in this build';
    throw new UsageError(`unknown lab "${name}" (labs: ${known})`);
  }
  return lab;
}

function help(a: ParsedArgs): string {
  const [topic, sub] = a.positionals;
  if (topic === undefined || topic === 'help' || topic === 'bench') return mainHelp();
  if (topic === RACE) return labHelp(findLab(RACE), RACE);
  if (topic === 'lab') return sub === undefined ? labsUsage() : labHelp(findLab(sub), `lab ${sub}`);
  throw new UsageError(`unknown command ${topic}`);
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

async function dispatch(a: ParsedArgs, io: CliIo, deps: RunLabDeps): Promise<number> {
  if (a.version) {
    rejectExtra(a, '--version');
    io.stdout(await version());
    return 0;
  }
  const cmd = a.command;
  if (cmd === undefined || cmd === 'help') {
    rejectExtra(a, 'help');
    io.stdout(cmd === undefined ? mainHelp() : help(a));
    return 0;
  }
  if (cmd === RACE) {
    if (a.positionals.length > 0) throw new UsageError(`race takes no positional arguments, got ${a.positionals.join(' ')}`);
    const lab = findLab(RACE);
    if (a.help) {
      io.stdout(labHelp(lab, RACE));
      return 0;
    }
    return runLab(lab, RACE, 'metaoptim-out/race', a, io, deps);
  }
  if (cmd === 'lab') {
    const name = a.positionals[0];
    if (name === undefined) {
      rejectExtra(a, 'lab');
      io.stdout(labsUsage());
      return 0;
    }
    if (a.positionals.length > 1) throw new UsageError(`lab takes one name, got ${a.positionals.join(' ')}`);
    const lab = findLab(name);
    if (a.help) {
      io.stdout(labHelp(lab, `lab ${name}`));
      return 0;
    }
    return runLab(lab, `lab ${name}`, `metaoptim-out/lab-${name}`, a, io, deps);
  }
  if (cmd === 'bench') return runBenchCommand(a.rest, io);
  throw new UsageError(`unknown command ${cmd}`);
}

/**
 * Runs the command line; returns the exit code. `deps.runner` executes labs: the bin runs
 * them in a worker thread (`workerRunner`, the default); tests pass `inlineRunner`.
 */
export async function main(argv: readonly string[], io: CliIo, deps: Partial<RunLabDeps> = {}): Promise<number> {
  const a = (() => {
    try {
      return parseArgs(argv);
    } catch (e) {
      return e as Error;
    }
  })();
  try {
    if (a instanceof Error) throw a;
    return await dispatch(a, io, { runner: workerRunner, ...deps });
  } catch (e) {
    if (e instanceof UsageError) {
      const lab = a instanceof Error ? undefined : a.command === RACE ? RACE : a.command === 'lab' ? a.positionals[0] : undefined;
      const cmd = lab === RACE ? ' race' : lab !== undefined && labs.some((l) => l.name === lab) ? ` lab ${lab}` : '';
      io.stderr.write(`metaoptim: ${e.message} (see 'metaoptim${cmd} --help')\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr.write(`metaoptim: ${err.message}\n`);
    if (process.env.METAOPTIM_DEBUG && err.stack) io.stderr.write(err.stack + '\n');
    return 1;
  }
}

/**
 * Runs the command line `argv` on the process's stdout/stderr and sets the exit code (exits at
 * once after an interruption, 130). Called by the package's launcher bin/metaoptim.js.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  const code = await main(argv, {
    stdout: (s) => process.stdout.write(s + '\n'),
    stderr: process.stderr,
  });
  // exit explicitly after an interruption: a lab that never yields may still hold its worker
  if (code === 130) process.exit(code);
  process.exitCode = code;
}

// Run when executed directly (`node dist/src/cli/main.js`), not when imported.
const invoked = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (invoked === import.meta.url || (process.argv[1] && (await isSameFile(process.argv[1])))) {
  await runCli(process.argv.slice(2));
}

async function isSameFile(p: string): Promise<boolean> {
  try {
    const { realpath } = await import('node:fs/promises');
    return (await realpath(p)) === (await realpath(fileURLToPath(import.meta.url)));
  } catch {
    return false;
  }
}
