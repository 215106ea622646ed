/**
 * The command line's own argument parser (no dependency). Grammar:
 *   metaoptim [--help|-h] [--version] <command> [positionals…] [options…]
 * Options may come before or after the command: `--key value`, `--key=value`, or a bare
 * `--flag`; `--` ends option parsing. For `bench`, everything after the command is passed
 * through untouched. Common options: --out DIR, --quick, --seed N (integer in [0, 2³²−1]),
 * --json. Any other `--key [value]` lands in `extra` (a value unless the next token is
 * another option or missing, then `true`); the command decides whether it is allowed.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  command?: string;
  positionals: string[];
  /** Raw arguments after `bench`. */
  rest: string[];
  out?: string;
  quick: boolean;
  seed: number;
  json: boolean;
  help: boolean;
  version: boolean;
  extra: Record<string, string | boolean>;
}

const FLAGS = new Set(['quick', 'json', 'help', 'version']);
const VALUED = new Set(['out', 'seed']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const a: ParsedArgs = { positionals: [], rest: [], quick: false, seed: 0, json: false, help: false, version: false, extra: {} };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') {
      for (const p of argv.slice(i + 1)) positional(a, p);
      break;
    }
    if (tok === '-h') {
      a.help = true;
      continue;
    }
    if (!tok.startsWith('--')) {
      if (tok.startsWith('-') && tok !== '-') throw new UsageError(`unknown option ${tok}`);
      positional(a, tok);
      if (a.command === 'bench' && a.positionals.length === 0) {
        a.rest = argv.slice(i + 1);
        break;
      }
      continue;
    }
    const eq = tok.indexOf('=');
    const key = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
    if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(key)) throw new UsageError(`malformed option ${tok}`);
    let value: string | undefined = eq >= 0 ? tok.slice(eq + 1) : undefined;
    if (FLAGS.has(key)) {
      if (value !== undefined) throw new UsageError(`--${key} takes no value`);
      (a as unknown as Record<string, boolean>)[key] = true;
      continue;
    }
    if (value === undefined && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (VALUED.has(key)) {
      if (value === undefined || value === '') throw new UsageError(`--${key} needs a value`);
      if (key === 'out') a.out = value;
      else {
        if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`--seed must be an integer in [0, 4294967295], got ${value}`);
        a.seed = Number(value);
      }
      continue;
    }
    if (Object.hasOwn(a.extra, key)) throw new UsageError(`--${key} given twice`);
    a.extra[key] = value ?? true;
  }
  return a;
}

function positional(a: ParsedArgs, p: string): void {
  if (a.command === undefined) a.command = p;
  else a.positionals.push(p);
}
