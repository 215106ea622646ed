import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inlineRunner, reviveError, workerRunner } from '../../src/cli/runner.js';
import { MetaoptimError } from '../../src/core/errors.js';
import type { Lab } from '../../src/labs/lab.js';
import { labs } from '../../src/labs/registry.js';
import type { VegaLoader } from '../../src/report/vega.js';
import { callMain } from '../support/cli.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-plumb-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noVega: VegaLoader = () => Promise.reject(Object.assign(new Error("Cannot find package 'vega-lite' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' }));

test('without vega and vega-lite the CLI still writes results.json and a table-only report.html, and says once how to get charts', async () => {
  const out = join(dir, 'novega');
  const r = await callMain(['race', '--task', 'rosenbrock', '--steps', '40', '--out', out], { runner: inlineRunner, vegaLoader: noVega });
  assert.equal(r.code, 0, r.stderr);
  const hint = r.stderr.split('\n').filter((l) => l.includes('npm install vega vega-lite'));
  assert.deepEqual(hint, ['metaoptim: report.html has tables only: run `npm install vega vega-lite` to get its charts']);
  const res = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { lab: string; partial: boolean };
  assert.equal(res.lab, 'race');
  assert.equal(res.partial, false);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  assert.ok(!html.includes('<svg'));
  assert.ok(html.includes('<td>sgd</td>'));
  assert.match(html, /omitted: install vega and vega-lite/);
  // with them (the default loader), the same run has its chart and no hint
  const w = await callMain(['race', '--task', 'rosenbrock', '--steps', '40', '--out', join(dir, 'vega')], { runner: inlineRunner });
  assert.ok(!w.stderr.includes('npm install vega'));
  assert.equal(((await readFile(join(dir, 'vega', 'report.html'), 'utf8')).match(/<svg/g) ?? []).length, 1);
});

test('lab <name> plumbing: options checked, extra/seed/quick passed, files written, errors mapped to exit codes', async () => {
  const seen: unknown[] = [];
  const fakeLab: Lab = {
    name: 'fake-test-lab',
    summary: 'a lab made by the test',
    options: [
      { name: 'n', type: 'integer', help: 'a count' },
      { name: 'x', type: 'number', help: 'a number' },
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
  const call = (args: string[]) => callMain(args, { runner: inlineRunner });
  try {
    const out = join(dir, 'fake');
    const ok = await call(['lab', 'fake-test-lab', '--n', '3', '--verbose', '--seed', '4', '--quick', '--out', out]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(seen.at(-1), { n: '3', verbose: true });
    assert.deepEqual(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')), { seed: 4, quick: true, n: '3' });
    assert.ok((await readFile(join(out, 'report.html'), 'utf8')).includes('<h1>Fake &lt;lab&gt;</h1>'));
    assert.ok(ok.stdout.startsWith('fake summary line\n'));
    assert.match((await call(['lab'])).stdout, /fake-test-lab +a lab made by the test/);
    const help = await call(['lab', 'fake-test-lab', '--help']);
    assert.ok(help.stdout.includes('--n N') && help.stdout.includes('--x N') && help.stdout.includes('--verbose') && help.stdout.includes('a count'));
    for (const [args, msg] of [
      [['--n', 'x'], /--n must be an integer, got x/],
      [['--x', 'abc'], /--x must be a number, got abc/],
      [['--verbose=maybe'], /--verbose takes no value/],
      [['--m', '1'], /unknown option --m for lab fake-test-lab; did you mean --n\?/],
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
    assert.equal(existsSync(join(dir, 'fake-bad')), false, 'the --out made for a failed run is removed again');
  } finally {
    labs.splice(labs.indexOf(fakeLab), 1);
  }
});

test('errors from the lab worker keep their code, message and details', () => {
  const e = reviveError({ code: 'ABORTED', message: '[ABORTED] race: aborted after 1 iterations', details: { iteration: 1, partial: { results: 1 } } });
  assert.ok(e instanceof MetaoptimError);
  assert.equal((e as MetaoptimError).code, 'ABORTED');
  assert.equal(e.message, '[ABORTED] race: aborted after 1 iterations');
  assert.deepEqual((e as MetaoptimError).details, { iteration: 1, partial: { results: 1 } });
  const plain = reviveError({ message: 'boom' });
  assert.ok(!(plain instanceof MetaoptimError));
  assert.equal(plain.message, 'boom');
});

test('workerRunner: the lab runs in a worker thread; progress, the result and ABORTED with its partial cross back', async () => {
  const race = labs.find((l) => l.name === 'race')!;
  let events = 0;
  const r = await workerRunner(race, { quick: true, seed: 2, extra: { task: 'rosenbrock', steps: '20' }, onProgress: () => events++ });
  assert.ok(events > 0);
  const inline = await race.run({ quick: true, seed: 2, extra: { task: 'rosenbrock', steps: '20' } });
  const strip = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'elapsedMs' ? undefined : v));
  assert.equal(strip(r.results), strip(inline.results), 'the worker computes the same numbers');
  const controller = new AbortController();
  const run = workerRunner(race, { quick: false, seed: 0, signal: controller.signal, onProgress: () => controller.abort() });
  await assert.rejects(run, (e: unknown) => {
    const d = (e as MetaoptimError).details as { partial: { results: { partial: boolean } } };
    return e instanceof MetaoptimError && e.code === 'ABORTED' && d.partial.results.partial === true;
  });
  await assert.rejects(workerRunner({ ...race, name: 'not-registered' }, { quick: true, seed: 0 }), /unknown lab "not-registered"/);
});
