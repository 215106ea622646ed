import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UsageError, parseArgs } from '../../src/cli/args.js';
import { contestants } from '../../src/labs/race/contestants.js';
import type { RaceResults } from '../../src/labs/race/report.js';
import { raceTasks } from '../../src/labs/race/tasks.js';
import { suiteTask } from '../../src/tasks/suite.js';
import { labs } from '../../src/labs/registry.js';
import { type Ran, callMain, runCli } from '../support/cli.js';

const ROOT = new URL('../../../', import.meta.url);

/** results.json without the (non-reproducible) times. */
function withoutTimes(r: unknown): string {
  return JSON.stringify(r, (k, v) => (k === 'elapsedMs' ? undefined : v));
}

let dir = '';
let quick: Ran;
let results: RaceResults;
const defaults = Object.keys(raceTasks).filter((k) => raceTasks[k]!.default);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-cli-'));
  quick = await runCli(['race', '--quick', '--seed', '5', '--out', join(dir, 'q1')]);
  results = JSON.parse(await readFile(join(dir, 'q1', 'results.json'), 'utf8')) as RaceResults;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('race --quick exits 0 and prints the summary table and the output paths', () => {
  assert.equal(quick.code, 0, quick.stderr);
  for (const t of defaults) assert.ok(quick.stdout.includes(`${t}:`), `summary mentions ${t}`);
  for (const c of contestants) assert.ok(quick.stdout.includes(`  ${c.name} `), `summary lists ${c.name}`);
  assert.ok(quick.stdout.includes(`results: ${join(dir, 'q1', 'results.json')}`));
  assert.ok(quick.stdout.includes(`report:  ${join(dir, 'q1', 'report.html')}`));
  // progress went to stderr (not a TTY here: one line per 10 %), through the lab's worker
  assert.ok(/rosenbrock: 100%/.test(quick.stderr), quick.stderr);
  assert.match(quick.stderr, /metaoptim: race finished in \d+\.\d s/);
  // vega is installed here: no hint about charts
  assert.ok(!quick.stderr.includes('npm install vega'));
});

test('results.json: the results header, every optimizer × default function, losses decrease', () => {
  assert.equal(results.lab, 'race');
  assert.equal(results.partial, false);
  assert.equal(results.seed, 5);
  assert.equal(results.quick, true);
  assert.ok(results.build === 'simd' || results.build === 'scalar');
  assert.deepEqual(results.tasks.map((t) => t.name), defaults);
  for (const t of results.tasks) {
    assert.deepEqual(t.runs.map((r) => r.optimizer), contestants.map((c) => c.name));
    assert.equal(t.steps, raceTasks[t.name]!.steps.quick);
    for (const r of t.runs) {
      const what = `${r.optimizer} on ${t.name}`;
      assert.equal(r.finalLoss.diverged, 0, `${what} diverged`);
      // (on Rastrigin and Ackley an lr tuned on another start may end above the start: not asserted)
      if (suiteTask(t.name).group !== 'multimodal') assert.ok(r.finalLoss.mean < t.initialLoss, `${what}: final ${r.finalLoss.mean} < initial ${t.initialLoss}`);
      assert.equal(r.seeds.length, 3);
      assert.equal(r.stepsToTarget.hits, r.seeds.filter((m) => m.stepsToTarget !== null).length);
    }
  }
  // well-tuned momentum makes real progress on the smooth problems
  for (const name of ['rosenbrock', 'quadratic-50-1e4']) {
    const t = results.tasks.find((x) => x.name === name)!;
    for (const opt of ['momentum', 'nesterov']) assert.ok(t.runs.find((x) => x.optimizer === opt)!.finalLoss.mean < 1e-2 * t.initialLoss, `${opt} on ${name}`);
  }
});

test('report.html is self-contained: an SVG chart per function, tables, no script', async () => {
  const html = await readFile(join(dir, 'q1', 'report.html'), 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, defaults.length + 1); // + the rank chart
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('Learning-rate grid'));
  for (const c of contestants) assert.ok(html.includes(`<td>${c.name}</td>`));
});

test('same --seed gives identical results.json (apart from times); --json prints it; lab race is the same command', async () => {
  const again = await runCli(['lab', 'race', '--quick', '--seed', '5', '--json', '--out', join(dir, 'q2')]);
  assert.equal(again.code, 0, again.stderr);
  const printed = JSON.parse(again.stdout) as RaceResults;
  const written = JSON.parse(await readFile(join(dir, 'q2', 'results.json'), 'utf8')) as RaceResults;
  assert.equal(withoutTimes(printed), withoutTimes(written));
  assert.equal(withoutTimes(written), withoutTimes(results));
  assert.ok(again.stderr.includes('results: '));
});

test('--task and --steps select tasks and budgets; another seed gives other results', async () => {
  const a = await runCli(['race', '--task', 'quadratic-50-1e4,rastrigin-10', '--steps', '120', '--seed', '1', '--json', '--out', join(dir, 's1')]);
  const b = await runCli(['race', '--task=quadratic-50-1e4,rastrigin-10', '--steps=120', '--seed=2', '--json', '--out', join(dir, 's2')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const ra = JSON.parse(a.stdout) as RaceResults;
  const rb = JSON.parse(b.stdout) as RaceResults;
  assert.deepEqual(ra.tasks.map((t) => [t.name, t.steps]), [['quadratic-50-1e4', 120], ['rastrigin-10', 120]]);
  assert.equal(ra.quick, false);
  assert.equal(ra.lrGrid.length, 11);
  assert.notEqual(ra.tasks[0]!.initialLoss, rb.tasks[0]!.initialLoss);
  assert.notEqual(ra.tasks[1]!.initialLoss, rb.tasks[1]!.initialLoss);
});

test('--version prints package.json version; the global --help lists every command, option and every lab option', async () => {
  const pkg = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { version: string };
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), pkg.version);
  for (const args of [['--help'], ['help'], [], ['-h']]) {
    const h = await callMain(args);
    assert.equal(h.code, 0);
    for (const c of ['race', 'lab <name>', 'bench', '--out DIR', '--quick', '--seed N', '--json', '--help', '--version']) assert.ok(h.stdout.includes(c), `${args}: ${c}`);
    for (const l of labs) {
      assert.ok(h.stdout.includes(`  ${l.name} `), `${args}: lab ${l.name}`);
      for (const o of l.options) assert.ok(h.stdout.includes(`--${o.name}`) && h.stdout.includes(o.help), `${args}: --${o.name} of ${l.name}`);
    }
  }
});

test('per-command --help lists the common options and all of the lab\'s own', async () => {
  const rh = await runCli(['race', '--help']);
  assert.equal(rh.code, 0);
  for (const o of ['--out DIR', '--quick', '--seed N', '--json', '--task VALUE', '--steps N']) assert.ok(rh.stdout.includes(o), o);
  for (const l of labs) {
    for (const args of [['lab', l.name, '--help'], ['help', 'lab', l.name]]) {
      const h = await callMain(args);
      assert.equal(h.code, 0, h.stderr);
      assert.ok(h.stdout.includes(`Usage: metaoptim lab ${l.name}`));
      for (const o of ['--out DIR', '--quick', '--seed N', ...l.options.map((x) => `--${x.name}`)]) assert.ok(h.stdout.includes(o), `${args.join(' ')}: ${o}`);
    }
  }
  const list = await callMain(['lab']);
  assert.equal(list.code, 0);
  for (const l of labs) assert.ok(list.stdout.includes(l.name) && l.options.every((o) => list.stdout.includes(`--${o.name}`)));
});

test('bench runs the dev-only runner when it is built, else explains how to get it', async () => {
  const runner = new URL('dist/bench/main.js', ROOT);
  if (existsSync(runner)) {
    const mod = (await import(runner.href)) as { runBench?: unknown };
    assert.equal(typeof mod.runBench, 'function');
  } else {
    const r = await runCli(['bench', '--quick']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /npm install && npm run bench/);
  }
});

test('parseArgs: options before/after the command, --k=v, extras, bench pass-through', () => {
  const a = parseArgs(['--quick', 'lab', 'foo', '--seed=9', '--out', 'o', '--alpha', '0.1', '--flag', '--json']);
  assert.equal(a.command, 'lab');
  assert.deepEqual(a.positionals, ['foo']);
  assert.equal(a.quick, true);
  assert.equal(a.json, true);
  assert.equal(a.seed, 9);
  assert.equal(a.out, 'o');
  assert.deepEqual(a.extra, { alpha: '0.1', flag: true });
  const b = parseArgs(['bench', '--quick', '--json', 'x']);
  assert.equal(b.command, 'bench');
  assert.deepEqual(b.rest, ['--quick', '--json', 'x']);
  assert.equal(b.quick, false);
  assert.deepEqual(parseArgs(['race', '--', '--not-an-option']).positionals, ['--not-an-option']);
  assert.equal(parseArgs([]).seed, 0);
  assert.equal(parseArgs(['--seed', '4294967295']).seed, 4294967295);
  assert.throws(() => parseArgs(['--seed', '4294967296']), UsageError);
  assert.throws(() => parseArgs(['--seed', '-1']), UsageError);
  assert.throws(() => parseArgs(['--a', '1', '--a', '2']), /given twice/);
  assert.throws(() => parseArgs(['--out']), /needs a value/);
  assert.throws(() => parseArgs(['--bad_key']), /malformed/);
});
