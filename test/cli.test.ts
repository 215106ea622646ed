import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError, parseArgs } from '../src/cli/args.js';
import type { Lab } from '../src/labs/lab.js';
import { labs } from '../src/labs/registry.js';
import { main } from '../src/cli/main.js';
import { contestants } from '../src/race/contestants.js';
import { type RaceResults, raceLab } from '../src/race/lab.js';
import { raceTasks } from '../src/race/tasks.js';
import { MetaoptimError } from '../src/core/errors.js';
import { rosenbrockTask } from '../src/tasks/functions.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = new URL('../../', import.meta.url);

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { onStderr?: (chunk: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** results.json without the (non-reproducible) wall times. */
function withoutTimes(r: unknown): string {
  return JSON.stringify(r, (k, v) => (k === 'wallMs' ? undefined : v));
}

let dir = '';
let quick: Ran;
let results: RaceResults;
const defaults = Object.keys(raceTasks).filter((k) => raceTasks[k]!.default);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-cli-'));
  quick = await run(['race', '--quick', '--seed', '5', '--out', join(dir, 'q1')]);
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
  // progress went to stderr (not a TTY here: one line per 10 %)
  assert.ok(/rosenbrock: 100%/.test(quick.stderr), quick.stderr);
  assert.match(quick.stderr, /metaoptim: race finished in \d+\.\d s/);
});

test('results.json: every optimizer × default function, finite numbers, losses decrease', () => {
  assert.equal(results.command, 'race');
  assert.equal(results.seed, 5);
  assert.equal(results.quick, true);
  assert.ok(results.build === 'simd' || results.build === 'scalar');
  assert.deepEqual(results.tasks.map((t) => t.name), defaults);
  for (const t of results.tasks) {
    assert.deepEqual(t.runs.map((r) => r.optimizer), contestants.map((c) => c.name));
    assert.equal(t.steps, raceTasks[t.name]!.steps.quick);
    assert.ok(Number.isFinite(t.initialLoss) && t.initialLoss > 0);
    for (const r of t.runs) {
      const what = `${r.optimizer} on ${t.name}`;
      assert.ok(results.lrGrid.includes(r.lr), `${what}: lr from the grid`);
      assert.equal(r.tuning.length, results.lrGrid.length);
      // the chosen rate is the best tuning score
      const scores = r.tuning.map((p) => p.loss ?? Infinity);
      assert.equal(scores[results.lrGrid.indexOf(r.lr)], Math.min(...scores), what);
      assert.equal(r.diverged, false, `${what} diverged`);
      assert.ok(Number.isFinite(r.finalLoss!) && Number.isFinite(r.bestLoss) && Number.isFinite(r.wallMs), what);
      assert.ok(r.finalLoss! < t.initialLoss, `${what}: final ${r.finalLoss} < initial ${t.initialLoss}`);
      assert.ok(r.bestLoss <= r.finalLoss!);
      assert.equal(r.curve.step[0], 0);
      assert.equal(r.curve.loss[0], t.initialLoss);
      assert.equal(r.curve.step.at(-1), t.steps);
      assert.equal(r.curve.loss.at(-1), r.finalLoss);
      assert.ok(r.curve.step.length <= 202 && r.curve.loss.every(Number.isFinite));
      if (r.stepsToThreshold !== null) {
        assert.ok(Number.isInteger(r.stepsToThreshold) && r.stepsToThreshold <= t.steps);
        assert.ok(r.bestLoss <= t.threshold);
      } else assert.ok(r.bestLoss > t.threshold);
    }
  }
  // well-tuned methods make real progress on the smooth problems
  for (const name of ['rosenbrock', 'quadratic']) {
    const t = results.tasks.find((x) => x.name === name)!;
    for (const opt of ['momentum', 'nesterov']) {
      const r = t.runs.find((x) => x.optimizer === opt)!;
      assert.ok(r.finalLoss! < 1e-2 * t.initialLoss, `${opt} on ${name}: ${r.finalLoss}`);
    }
  }
});

test('the race really runs the optimizer: sgd on Rosenbrock matches a plain f32 gradient-descent loop bit for bit', () => {
  const t = results.tasks.find((x) => x.name === 'rosenbrock')!;
  const r = t.runs.find((x) => x.optimizer === 'sgd')!;
  const task = rosenbrockTask();
  const p = task.init(0);
  const g = new Float32Array(2);
  const lr = Math.fround(r.lr);
  for (let s = 0; s < t.steps; s++) {
    task.loss(p, s, g);
    for (let i = 0; i < 2; i++) p[i] = Math.fround(p[i]! - Math.fround(lr * g[i]!));
  }
  assert.equal(task.loss(p, 0), r.finalLoss);
});

test('report.html is self-contained: an SVG chart per function, tables, no script', async () => {
  const html = await readFile(join(dir, 'q1', 'report.html'), 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, defaults.length);
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('Learning-rate grid'));
  for (const c of contestants) assert.ok(html.includes(`<td>${c.name}</td>`));
});

test('same --seed gives identical results.json (apart from wall times); --json prints it on stdout', async () => {
  const again = await run(['race', '--quick', '--seed', '5', '--json', '--out', join(dir, 'q2')]);
  assert.equal(again.code, 0, again.stderr);
  const printed = JSON.parse(again.stdout) as RaceResults;
  const written = JSON.parse(await readFile(join(dir, 'q2', 'results.json'), 'utf8')) as RaceResults;
  assert.equal(withoutTimes(printed), withoutTimes(written));
  assert.equal(withoutTimes(written), withoutTimes(results));
  assert.ok(again.stderr.includes('results: '));
});

test('--task and --steps select tasks and budgets; another seed gives other results', async () => {
  const a = await run(['race', '--task', 'quadratic,rastrigin', '--steps', '120', '--seed', '1', '--json', '--out', join(dir, 's1')]);
  const b = await run(['race', '--task=quadratic,rastrigin', '--steps=120', '--seed=2', '--json', '--out', join(dir, 's2')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const ra = JSON.parse(a.stdout) as RaceResults;
  const rb = JSON.parse(b.stdout) as RaceResults;
  assert.deepEqual(ra.tasks.map((t) => [t.name, t.steps, t.tuneSteps]), [['quadratic', 120, 30], ['rastrigin', 120, 30]]);
  assert.equal(ra.quick, false);
  assert.equal(ra.lrGrid.length, 11);
  assert.notEqual(ra.tasks[0]!.initialLoss, rb.tasks[0]!.initialLoss);
  assert.notEqual(ra.tasks[1]!.initialLoss, rb.tasks[1]!.initialLoss);
});

test('usage errors exit with code 2 and say what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['race', '--bogus', '1'], /unknown option --bogus/],
    [['race', '--seed', 'abc'], /--seed must be an integer/],
    [['race', '--seed'], /--seed needs a value/],
    [['race', '--quick=yes'], /--quick takes no value/],
    [['race', '--steps', 'x'], /--steps must be an integer/],
    [['race', '--steps', '0'], /--steps must be an integer in \[1, 1e7\]/],
    [['race', '--task', 'nosuch'], new RegExp(`unknown task "nosuch" \\(known: ${Object.keys(raceTasks).join(', ')}\\)`)],
    [['race', 'extra'], /race takes no positional arguments/],
    [['frobnicate'], /unknown command frobnicate/],
    [['-x'], /unknown option -x/],
  ];
  // in-process through the exported main() (fast), then one real process for the exit code
  for (const [args, msg] of cases) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { stdout: (s) => (stdout += s + '\n'), stderr: { write: (s: string) => (stderr += s) } });
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, msg);
    assert.match(stderr, /Run 'metaoptim --help' for usage/);
    assert.equal(stdout, '');
  }
  const r = await run(['race', '--bogus', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option --bogus/);
  assert.equal(r.stdout, '');
});

test('lab: no name lists the labs, an unknown name fails with the list', async () => {
  const list = await run(['lab']);
  assert.equal(list.code, 0);
  for (const l of labs) assert.ok(list.stdout.includes(l.name));
  const bad = await run(['lab', 'nosuch']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown lab "nosuch" \(labs: /);
  for (const l of labs) assert.ok(bad.stderr.includes(l.name));
});

test('--version prints package.json version; --help and help list the commands', async () => {
  const pkg = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { version: string };
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), pkg.version);
  for (const args of [['--help'], ['help'], [], ['-h']]) {
    let stdout = '';
    const code = await main(args, { stdout: (s) => (stdout += s + '\n'), stderr: { write: () => true } });
    const h = { code, stdout };
    assert.equal(h.code, 0);
    for (const c of ['race', 'lab <name>', 'bench', '--out DIR', '--quick', '--seed N', '--json']) assert.ok(h.stdout.includes(c), `${args}: ${c}`);
  }
  const rh = await run(['race', '--help']);
  assert.equal(rh.code, 0);
  assert.ok(rh.stdout.includes('--task VALUE') && rh.stdout.includes('--steps N'));
});

test('bench runs the dev-only runner when it is built, else explains how to get it', async () => {
  const runner = new URL('dist/bench/main.js', ROOT);
  if (existsSync(runner)) {
    const mod = (await import(runner.href)) as { runBench?: unknown };
    assert.equal(typeof mod.runBench, 'function');
  } else {
    const r = await run(['bench', '--quick']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /npm install && npm run bench/);
  }
});

test('Ctrl-C (SIGINT) aborts the run: exit 130, nothing written', async () => {
  const out = join(dir, 'int');
  let sent = false;
  const r = await run(['race', '--out', out], {
    onStderr: (chunk, kill) => {
      if (!sent && /\d+%/.test(chunk)) {
        sent = true;
        kill('SIGINT');
      }
    },
  });
  assert.ok(sent);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /partial results were not written/);
  assert.equal(existsSync(out), false);
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

test('raceLab.run: progress is monotone and ends at 100 % per task; an aborted signal rejects with ABORTED', async () => {
  const events: { label: string; done: number; total: number }[] = [];
  const r = await raceLab.run({ quick: true, seed: 1, extra: { task: 'rastrigin,rosenbrock', steps: '40' }, onProgress: (e) => events.push(e) });
  for (const label of ['rastrigin', 'rosenbrock']) {
    const mine = events.filter((e) => e.label === label);
    assert.ok(mine.length >= 2);
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done);
    const last = mine.at(-1)!;
    // 8 optimizers × (6 grid points × 10 tuning steps + 40 final steps)
    assert.equal(last.total, contestants.length * (6 * 10 + 40));
    assert.equal(last.done, last.total);
  }
  assert.equal((r.results as RaceResults).tasks.length, 2);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(raceLab.run({ quick: true, seed: 1, signal: controller.signal, extra: { steps: '40' } }), /ABORTED/);
});

test('lab <name> plumbing: options checked, extra/seed/quick passed, files written, errors mapped to exit codes', async () => {
  const seen: unknown[] = [];
  const fakeLab: Lab = {
    name: 'fake-test-lab',
    summary: 'a lab made by the test',
    options: [
      { name: 'n', type: 'integer', help: 'a count' },
      { name: 'fail', type: 'string', help: 'when to fail' },
      { name: 'verbose', type: 'boolean', help: 'a flag' },
    ],
    async run(o) {
      seen.push(o.extra);
      if (o.extra?.fail === 'early') throw new MetaoptimError('INVALID_ARGUMENT', 'fake: bad value');
      o.onProgress?.({ label: 'fake', done: 1, total: 1, elapsedMs: 0 });
      if (o.extra?.fail === 'late') throw new MetaoptimError('INVALID_ARGUMENT', 'fake: internal');
      return {
        results: { seed: o.seed, quick: o.quick, n: o.extra?.n ?? null },
        summary: ['fake summary line'],
        report: { title: 'Fake <lab>', sections: [{ title: 'only', text: ['hello'] }] },
      };
    },
  };
  labs.push(fakeLab);
  const call = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { stdout: (s) => (stdout += s + '\n'), stderr: { write: (s: string) => (stderr += s) } });
    return { code, stdout, stderr };
  };
  try {
    const out = join(dir, 'fake');
    const ok = await call(['lab', 'fake-test-lab', '--n', '3', '--verbose', '--seed', '4', '--quick', '--out', out]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(seen.at(-1), { n: '3', verbose: true });
    assert.deepEqual(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')), { seed: 4, quick: true, n: '3' });
    assert.ok((await readFile(join(out, 'report.html'), 'utf8')).includes('<h1>Fake &lt;lab&gt;</h1>'));
    assert.ok(ok.stdout.startsWith('fake summary line\n'));
    assert.match((await call(['lab'])).stdout, /fake-test-lab +a lab made by the test/);
    assert.match((await call(['lab', 'nosuch'])).stderr, /\(labs: [^)]*fake-test-lab[^)]*\)/);
    const help = await call(['lab', 'fake-test-lab', '--help']);
    assert.ok(help.stdout.includes('--n N') && help.stdout.includes('--verbose') && help.stdout.includes('a count'));
    for (const [args, msg] of [
      [['--n', 'x'], /--n must be an integer, got x/],
      [['--m', '1'], /unknown option --m for lab fake-test-lab/],
      [['--n'], /--n needs a value/],
      [['--fail', 'early'], /fake: bad value/],
    ] as [string[], RegExp][]) {
      const r = await call(['lab', 'fake-test-lab', '--out', join(dir, 'fake-bad'), ...args]);
      assert.equal(r.code, 2, `${args}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    const late = await call(['lab', 'fake-test-lab', '--out', join(dir, 'fake-bad'), '--fail', 'late']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /fake: internal/);
    assert.equal(existsSync(join(dir, 'fake-bad')), false);
  } finally {
    labs.splice(labs.indexOf(fakeLab), 1);
  }
});
