import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { labs } from '../../src/labs/registry.js';
import { raceTasks } from '../../src/labs/race/tasks.js';
import { callMain, runCli } from '../support/cli.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-usage-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exit 2, nothing on stdout, exactly one line on stderr matching `msg`. */
function assertUsage(r: { code: number | null; stdout: string; stderr: string }, msg: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: ${r.stderr}`);
  assert.equal(r.stdout, '', what);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line, got ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, msg, what);
}

test('usage errors exit 2 with one line naming the closest valid flag', async () => {
  const out = ['--out', join(dir, 'never')];
  const cases: [string[], RegExp][] = [
    [['race', '--stpes', '3', ...out], /unknown option --stpes for race; did you mean --steps\?/],
    [['race', '--tsak', 'x', ...out], /did you mean --task\?/],
    [['race', '--bogus', '1', ...out], /unknown option --bogus for race; valid: --out, --quick, --seed, --json, --help, --task, --steps, --seeds/],
    [['race', '--seed', 'abc'], /--seed must be an integer/],
    [['race', '--seed'], /--seed needs a value/],
    [['race', '--quick=yes'], /--quick takes no value/],
    [['race', '--steps', 'x', ...out], /--steps must be an integer, got x/],
    [['race', '--steps', '0', ...out], /--steps must be an integer in \[1, 1e7\]/],
    [['race', '--task', 'nosuch', ...out], new RegExp(`unknown task "nosuch" \\(known: ${Object.keys(raceTasks).join(', ')}\\)`)],
    [['race', '--task', ',', ...out], /--task needs at least one task name/],
    [['race', '--task=', ...out], /--task needs a value/],
    [['race', 'extra'], /race takes no positional arguments/],
    [['lab', '--sede', '1'], /unknown option --sede for lab; did you mean --seed\?/],
    [['help', '--x'], /unknown option --x for help/],
    [['--version', '--verbose'], /unknown option --verbose for --version/],
    [['lab', 'nosuch'], /unknown lab "nosuch" \(labs: /],
    [['frobnicate'], /unknown command frobnicate/],
    [['-x'], /unknown option -x/],
  ];
  // in-process through main() (fast; labs run inline), then real processes for the exit code
  for (const [args, msg] of cases) assertUsage(await callMain(args, { runner: (lab, o) => lab.run(o) }), msg, args.join(' '));
  assertUsage(await runCli(['race', '--stpes', '3']), /did you mean --steps\?/, 'real process, unknown flag');
  assertUsage(await runCli(['race', '--task', 'nosuch', ...out]), /unknown task "nosuch"/, 'real process, value the lab rejects in its worker');
  assert.equal(existsSync(join(dir, 'never')), false, 'a rejected run leaves no --out directory behind');
});

test('every lab rejects an unknown flag, with a hint at its own options', async () => {
  for (const l of labs) {
    const own = l.options[0];
    const typo = own ? `${own.name}x` : 'bogus';
    const r = await callMain(['lab', l.name, `--${typo}`, '1', '--out', join(dir, 'never')]);
    assertUsage(r, new RegExp(`unknown option --${typo} for lab ${l.name}; ${own ? `did you mean --${own.name}\\?` : 'valid: '}`), l.name);
  }
});

test('--out is checked before the run: a file, or a path that cannot be created, is exit 2', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  assertUsage(await callMain(['race', '--quick', '--out', file]), /--out .*a-file is not a directory/, 'file');
  assertUsage(await callMain(['race', '--quick', '--out', join(file, 'sub')]), /--out .*cannot be used: ENOTDIR/, 'under a file');
  assertUsage(await callMain(['race', '--quick', '--out', '/dev/null']), /--out \/dev\/null is not a directory/, '/dev/null');
  // mkdir's `recursive` never returns under /proc on Linux: directories are made one by one.
  if (existsSync('/proc/self')) {
    assertUsage(await callMain(['race', '--quick', '--out', '/proc/x/y']), /--out \/proc\/x\/y cannot be used: ENOENT/, '/proc');
  }
  // Missing parents are created, and removed again when a run wrote nothing into them.
  const deep = join(dir, 'p1', 'p2', 'p3');
  assertUsage(await callMain(['race', '--quick', '--bogus', '--out', deep]), /unknown option --bogus/, 'bogus flag');
  assert.equal(existsSync(join(dir, 'p1')), false, 'no directory is left behind by a usage error');
});
