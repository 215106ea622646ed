import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, flatQuadratic1d, pbgdFree, ready } from '../../src/index.js';
import { bilevelLab } from '../../src/labs/bilevel/index.js';

test('docs example: PBGD-Free on the flat problem', async () => {
  await ready();
  const r = await pbgdFree(flatQuadratic1d(), { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
  assert.ok(Math.abs(r.x[0]! - 1) < 1e-6);
  assert.deepEqual(r.counts, { fx: 3000, fy: 3000, gx: 0, gy: 3000, total: 9000, values: 0 });
});

test('lab bilevel (closed-form, bias and inner parts, quick): results, goal table, valid vega-lite charts', async () => {
  const events: string[] = [];
  const out = await bilevelLab.run({ quick: true, seed: 0, extra: { only: 'closed-form,bias,inner' }, onProgress: (e) => events.push(e.label) });
  const res = out.results as { problems: { problem: string; runs: { method: string; counts: { total: number } }[] }[]; bias: { problem: string; gamma: number; method: string; measured: number; predicted: number }[]; efficiency: unknown[] };
  assert.deepEqual(res.problems.map((p) => p.problem), ['flat-1d', 'quadratic-1d', 'flat-quadratic-4x6', 'ridge-3x8']);
  for (const p of res.problems) {
    const [free, pb, f2] = p.runs;
    assert.equal(pb!.counts.total, 2 * free!.counts.total); // 6 vs 3 evaluations per iteration
    assert.equal(f2!.counts.total, 2 * free!.counts.total);
  }
  // Measured bias follows the prediction; PBGD-Free's stays large at the largest γ.
  for (const b of res.bias) assert.ok(Math.abs(b.measured - b.predicted) < 1e-4, JSON.stringify(b));
  const top = res.bias.filter((b) => b.gamma === 100);
  assert.ok(top.find((b) => b.method === 'pbgd-free' && b.problem === 'quadratic-1d')!.measured > 0.13);
  assert.ok(top.find((b) => b.method === 'pbgd' && b.problem === 'quadratic-1d')!.measured < 0.002);
  assert.ok(res.efficiency.length === 8);
  // Longer baseline inner loops cost more evaluations: PBGD-Free's ratio falls with T_in.
  const inner = (out.results as { innerLoops: { problem: string; baseline: string; inner: number; ratio: number }[] }).innerLoops;
  assert.equal(inner.length, 12);
  for (const prob of ['flat-1d', 'flat-quadratic-4x6']) for (const m of ['pbgd', 'f2sa']) {
    const r = inner.filter((e) => e.problem === prob && e.baseline === m).sort((a, b) => a.inner - b.inner).map((e) => e.ratio);
    assert.ok(r[0]! > r[1]! && r[1]! > r[2]!, `${prob} ${m}: ${r}`);
  }
  assert.ok(events.length > 0);
  let charts = 0;
  for (const s of out.report.sections) for (const c of s.charts ?? []) {
    // A vega-lite line chart whose encoded fields exist in its inline data.
    const spec = c as { mark: { type: string }; data: { values: Record<string, unknown>[] }; encoding: Record<string, { field: string }> };
    assert.equal(spec.mark.type, 'line');
    assert.ok(spec.data.values.length > 0);
    for (const ch of ['x', 'y', 'color']) assert.ok(spec.data.values.every((v) => spec.encoding[ch]!.field in v), `${ch} field missing`);
    charts++;
  }
  assert.ok(charts >= 10);
  assert.ok(out.summary.some((l) => l.startsWith('bias at γ = 100')));
  await assert.rejects(bilevelLab.run({ quick: true, seed: 0, extra: { only: 'nope' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
});

test('lab bilevel: declares --only, rejects unknown options, and an abort from a timer rejects with ABORTED and the partial LabResult', async () => {
  assert.deepEqual(bilevelLab.options.map((o) => o.name), ['only']);
  await assert.rejects(bilevelLab.run({ quick: true, seed: 0, extra: { onyl: 'toy' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.details?.suggestion === 'only');
  const ctl = new AbortController();
  let abortedAt = 0;
  // Once the bias sweep (the second part) has started, abort 50 ms later from a timer.
  const onProgress = (e: { label: string }) => {
    if (abortedAt === 0 && e.label.includes('γ=')) {
      abortedAt = -1;
      setTimeout(() => {
        abortedAt = performance.now();
        ctl.abort();
      }, 50);
    }
  };
  const err = await bilevelLab.run({ quick: true, seed: 0, extra: { only: 'closed-form,bias,toy' }, signal: ctl.signal, onProgress }).then(
    () => assert.fail('should have been aborted'),
    (e: unknown) => e as MetaoptimError & { details: { iteration: number; partial: { results: { partial: boolean; lab: string; elapsedMs: number; problems: { problem: string }[]; bias: unknown[] }; summary: string[] } } },
  );
  const late = performance.now() - abortedAt;
  assert.equal(err.code, 'ABORTED');
  assert.equal(err.details.iteration, 1, 'closed-form finished, bias did not');
  const res = err.details.partial.results;
  assert.equal(res.lab, 'bilevel');
  assert.equal(res.partial, true);
  assert.ok(res.elapsedMs > 0);
  assert.deepEqual(res.problems.map((p) => p.problem), ['flat-1d', 'quadratic-1d', 'flat-quadratic-4x6', 'ridge-3x8']);
  assert.ok(res.bias.length < 2 * 7 * 3, `${res.bias.length} bias points`);
  assert.ok(late < 1000, `rejected ${late} ms after the abort`);
});
