// Smoke test of the benchmark runner: a quick, filtered --json run produces one well-formed
// JSON object per line with the expected implementations. No timing assertions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBench } from '../bench/main.js';
import { parseBenchArgs } from '../bench/runner.js';

const ALLOWED = new Set(['kernel', 'size', 'impl', 'hz', 'gbps', 'gflops', 'bytesPerOp', 'ratioVsBaseline']);

test('runBench --quick --json --filter adam prints one valid JSON row per line', async () => {
  const lines: string[] = [];
  const code = await runBench(['--quick', '--json', '--filter', 'adam', '--time', '20'], (l) => lines.push(l));
  assert.equal(code, 0);
  assert.ok(lines.length > 0);
  const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of rows) {
    for (const k of Object.keys(r)) assert.ok(ALLOWED.has(k), `unexpected key ${k}`);
    assert.equal(typeof r.kernel, 'string');
    assert.ok((r.kernel as string).includes('adam'));
    assert.ok(r.size === 4096 || r.size === 65536, `quick sizes only, got ${String(r.size)}`);
    assert.equal(typeof r.impl, 'string');
    assert.ok(typeof r.hz === 'number' && Number.isFinite(r.hz) && r.hz > 0);
    assert.equal(r.bytesPerOp, 28 * (r.size as number));
    assert.ok(Math.abs((r.gbps as number) - ((r.hz as number) * (r.bytesPerOp as number)) / 1e9) < 1e-9 * (r.gbps as number) + 1e-12);
    assert.equal(typeof r.ratioVsBaseline, 'number');
  }
  for (const kernel of ['adam', 'adamw']) {
    for (const size of [4096, 65536]) {
      const impls = rows.filter((r) => r.kernel === kernel && r.size === size).map((r) => r.impl);
      for (const want of ['metaoptim-simd', 'metaoptim-simd-copy', 'metaoptim-scalar', 'plain-js']) {
        assert.ok(impls.includes(want), `${kernel} ${size} lacks ${want}`);
      }
      assert.equal(new Set(impls).size, impls.length, 'one row per impl');
      const base = rows.find((r) => r.kernel === kernel && r.size === size && r.impl === 'plain-js')!;
      assert.equal(base.ratioVsBaseline, 1);
    }
  }
  // tfjs has no AdamW: no tfjs rows for it.
  assert.ok(!rows.some((r) => r.kernel === 'adamw' && String(r.impl).startsWith('tfjs')));
});

test('the table mode prints a header and one line per impl per group', async () => {
  const lines: string[] = [];
  const code = await runBench(['--quick', '--filter', 'momentum', '--sizes', '4096', '--time', '10'], (l) => lines.push(l));
  assert.equal(code, 0);
  const text = lines.join('\n');
  assert.match(text, /momentum {2}n = 4,096/);
  assert.match(text, /impl +ops\/s +GB\/s +vs plain-js/);
  assert.match(text, /^plain-js +[\d,]+ +[\d.]+ +1\.00×/m);
  assert.ok(!/n = 65,536/.test(text), '--sizes must restrict the groups');
});

test('argument parsing: defaults, options and errors', () => {
  assert.equal(parseBenchArgs([]).timeMs, 500);
  assert.equal(parseBenchArgs(['--quick']).timeMs, 100);
  const o = parseBenchArgs(['--filter', 'lion', '--sizes', '4096,65_536', '--time', '50', '--rounds', '3', '--json']);
  assert.deepEqual([o.filter, o.sizes, o.timeMs, o.rounds, o.json], ['lion', ['4096', '65536'], 50, 3, true]);
  assert.throws(() => parseBenchArgs(['--bogus']));
  assert.throws(() => parseBenchArgs(['--time', '-1']));
  assert.throws(() => parseBenchArgs(['--filter']));
});

test('runBench returns 2 on a usage error', async () => {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await runBench(['--nope'], (l) => lines.push(l)), 2);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(lines.length, 0);
});
