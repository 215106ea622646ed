import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { abortedError, yieldToEventLoop } from '../../src/core/loop.js';
import type { Lab, LabResult } from '../../src/labs/lab.js';
import { labs } from '../../src/labs/registry.js';
import { inlineRunner } from '../../src/cli/runner.js';
import { lineChart } from '../../src/report/charts.js';
import { callMain, runCli } from '../support/cli.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-int-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
/** A progress line of the non-TTY display: "label: 12% (…)". */
const PROGRESS = /: \d+% \(/;

for (const lab of labs) {
  test(`lab ${lab.name} --quick: SIGINT once it reports progress → exit 130 and results.json with partial: true`, async () => {
    const out = join(dir, lab.name);
    let sent = false;
    const r = await runCli(['lab', lab.name, '--quick', '--out', out], {
      onStderr: (text, kill) => {
        if (!sent && PROGRESS.test(text)) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    assert.ok(sent, `${lab.name} reported no progress: ${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    // generous bound (the contract is 1 s; this machine may be busy running other test files)
    assert.ok(r.afterSignalMs! < 5000, `exited ${r.afterSignalMs} ms after SIGINT`);
    const res = await readJson(join(out, 'results.json'));
    assert.equal(res.partial, true);
    assert.equal(res.lab, lab.name);
    assert.equal(res.seed, 0);
    assert.equal(res.quick, true);
    assert.ok(existsSync(join(out, 'report.html')));
    assert.match(r.stderr, new RegExp(`lab ${lab.name} interrupted; partial results: `));
  });
}

test('race: SIGTERM stops it like SIGINT, and the partial results hold the finished runs', async () => {
  const out = join(dir, 'race-term');
  let sent = false;
  const r = await runCli(['race', '--out', out], {
    onStderr: (text, kill) => {
      // from 20 %: the first contestant (12.5 % of the task) has finished
      if (!sent && /rosenbrock: [2-9]\d% /.test(text)) {
        sent = true;
        kill('SIGTERM');
      }
    },
  });
  assert.equal(r.code, 130, r.stderr);
  const res = (await readJson(join(out, 'results.json'))) as { partial: boolean; tasks: { name: string; runs: unknown[] }[] };
  assert.equal(res.partial, true);
  assert.ok(res.tasks.length >= 1 && res.tasks[0]!.name === 'rosenbrock' && res.tasks[0]!.runs.length >= 1, JSON.stringify(res.tasks.map((t) => t.runs.length)));
  const html = await readFile(join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('partial results') && !html.includes('<svg'), 'a partial report has its tables, no charts');
});

/** A fake lab: `mode` 'cooperative' honours the signal, 'stuck' never settles. */
function fakeLab(mode: 'cooperative' | 'stuck'): Lab {
  return {
    name: `fake-${mode}`,
    summary: 'made by the interrupt test',
    options: [],
    async run(o) {
      const report = (n: number) => ({ title: 'fake', sections: [{ title: 's', tables: [{ columns: ['n'], rows: [[n]] }], charts: [lineChart([{ name: 'a', x: [0, 1], y: [1, 2] }])] }] });
      for (let i = 0; ; i++) {
        o.onProgress?.({ label: 'fake', done: i, total: 1e9, elapsedMs: 0 });
        if (mode === 'stuck') await new Promise(() => undefined);
        if (o.signal?.aborted) {
          const partial: LabResult = { results: { lab: this.name, version: 1, seed: o.seed, quick: o.quick, build: 'simd', elapsedMs: 1, partial: false, done: i }, summary: [], report: report(i) };
          throw abortedError('fake', i, partial);
        }
        await yieldToEventLoop();
      }
    },
  };
}

async function interrupted(mode: 'cooperative' | 'stuck', signals: number, graceMs: number) {
  const lab = fakeLab(mode);
  labs.push(lab);
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const out = join(dir, `${mode}-${signals}`);
  try {
    const pending = callMain(['lab', lab.name, '--out', out], {
      runner: inlineRunner,
      signals: emitter,
      graceMs,
      exit: ((code: number) => {
        exits.push(code);
        throw new Error('exit');
      }) as (code: number) => never,
    });
    await new Promise((r) => setTimeout(r, 50));
    for (let k = 0; k < signals; k++) {
      try {
        emitter.emit('SIGINT', 'SIGINT');
      } catch (e) {
        assert.equal((e as Error).message, 'exit');
      }
    }
    const minimalAtExit = signals > 1 ? await readJson(join(out, 'results.json')) : undefined;
    const r = await pending;
    return { r, exits, minimalAtExit, results: await readJson(join(out, 'results.json')), html: await readFile(join(out, 'report.html'), 'utf8') };
  } finally {
    labs.splice(labs.indexOf(lab), 1);
  }
}

test('a lab that rejects with ABORTED and a partial LabResult: that result is written with partial: true, tables only', async () => {
  const { r, exits, results, html } = await interrupted('cooperative', 1, 5000);
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(exits, []);
  assert.equal(results.partial, true);
  assert.equal(results.version, 1);
  assert.ok(typeof results.done === 'number' && results.done > 0);
  assert.ok(html.includes('<td class="num">') && !html.includes('<svg'));
});

test('a lab that never answers the abort: a minimal results.json { lab, …, partial: true } after the grace period', async () => {
  const { r, results } = await interrupted('stuck', 1, 100);
  assert.equal(r.code, 130);
  assert.deepEqual(Object.keys(results).slice(0, 7), ['lab', 'version', 'seed', 'quick', 'build', 'elapsedMs', 'partial']);
  assert.equal(results.lab, 'fake-stuck');
  assert.equal(results.partial, true);
  assert.ok(results.build === 'simd' || results.build === 'scalar');
});

test('a second signal exits 130 at once, having written the minimal results synchronously', async () => {
  const { exits, minimalAtExit } = await interrupted('stuck', 2, 300);
  assert.deepEqual(exits, [130]);
  assert.equal(minimalAtExit!.partial, true);
  assert.equal(minimalAtExit!.lab, 'fake-stuck');
});

test('a signal that arrives after the lab finished (while the report is written): complete results, exit 130', async () => {
  const lab: Lab = {
    name: 'fake-finished',
    summary: 'made by the interrupt test',
    options: [],
    async run(o) {
      return { results: { lab: 'fake-finished', version: 1, seed: o.seed, quick: o.quick, build: 'simd', elapsedMs: 1, partial: false }, summary: ['done'], report: { title: 'fake', sections: [] } };
    },
  };
  labs.push(lab);
  const emitter = new EventEmitter();
  const out = join(dir, 'finished');
  try {
    // The vega loader runs after the lab's result arrived: the signal lands in the write phase.
    const r = await callMain(['lab', lab.name, '--out', out], {
      runner: inlineRunner,
      signals: emitter,
      vegaLoader: async () => {
        emitter.emit('SIGINT', 'SIGINT');
        throw Object.assign(new Error("Cannot find package 'vega'"), { code: 'ERR_MODULE_NOT_FOUND' });
      },
    });
    assert.equal(r.code, 130, r.stderr);
    const results = await readJson(join(out, 'results.json'));
    assert.equal(results.partial, false, 'the results are complete');
    assert.match(r.stderr, /interrupted after it finished/);
  } finally {
    labs.splice(labs.indexOf(lab), 1);
  }
});
