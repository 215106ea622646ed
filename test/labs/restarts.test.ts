import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartsLab } from '../../src/labs/restarts/index.js';

test('lab restarts: equal evaluation budget for every method, ≥ 1 row per seed, report tables', async () => {
  const events: number[] = [];
  const r = await restartsLab.run({ quick: true, seed: 5, extra: { seeds: '2' }, onProgress: (e) => events.push(e.done) });
  const res = r.results as { config: { total: number }; runs: { method: string; task: string; gradientSteps: number; polishSteps: number; scoringEvaluations: number; finalLoss: number }[]; llmRounds: unknown[] };
  const methods = new Set(res.runs.map((x) => x.method));
  // (A fifth method, GD + LLM, appears only when METAOPTIM_LLM_* is set in the environment.)
  assert.deepEqual([...methods].slice(0, 4), ['GD', 'GD + surrogate', 'GD + multi-start', 'GD + perturbation']);
  assert.equal(res.runs.length, methods.size * 5 * 2);
  for (const run of res.runs) {
    const used = run.gradientSteps + run.polishSteps + run.scoringEvaluations;
    // Local proposers always return k valid vectors, so they use the budget exactly; an LLM may use less.
    if (run.method.startsWith('GD + LLM')) assert.ok(used <= res.config.total);
    else assert.equal(used, res.config.total, `${run.method} on ${run.task}`);
    assert.ok(Number.isFinite(run.finalLoss) && run.finalLoss >= 0);
  }
  assert.equal(events.at(-1), res.runs.length);
  assert.ok(r.report.sections.some((s) => s.title === 'Proposer overhead per round'));
  assert.ok(r.summary[0]!.includes('2 seeds'));
  await assert.rejects(restartsLab.run({ quick: true, seed: 0, extra: { seeds: 'x' } }), { code: 'INVALID_ARGUMENT' });
});

test('lab restarts: GD + LLM over a loopback chat-completions server (given with --llm-base-url / --llm-model)', async () => {
  const { createServer } = await import('node:http');
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      // Half the replies hold one valid vector, the others a malformed one: both paths are exercised.
      const content = calls % 2 ? `[${new Array(10).fill('0.5').join(', ')}]` : '[not, a, vector]';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }], usage: { total_tokens: 42 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const r = await restartsLab.run({ quick: true, seed: 1, extra: { seeds: '1', 'llm-base-url': `http://127.0.0.1:${port}/v1`, 'llm-model': 'loopback' } });
    const res = r.results as { config: { total: number; rounds: number }; runs: { method: string; proposerCalls: number; tokens: number; gradientSteps: number; polishSteps: number; scoringEvaluations: number }[]; llmRounds: { rounds: { reply?: string }[] }[] };
    const llm = res.runs.filter((x) => x.method === 'GD + LLM (loopback)');
    assert.equal(llm.length, 5);
    for (const run of llm) {
      assert.equal(run.proposerCalls, res.config.rounds);
      assert.equal(run.tokens, 42 * res.config.rounds);
      assert.ok(run.gradientSteps + run.polishSteps + run.scoringEvaluations < res.config.total, 'fewer candidates than k: budget charged, not spent');
    }
    assert.equal(res.llmRounds.length, 5);
    assert.ok(res.llmRounds[0]!.rounds.every((x) => typeof x.reply === 'string'));
    assert.equal(calls, 5 * res.config.rounds);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('lab restarts: declares its options, rejects unknown ones, --only picks tasks, and an abort from a timer rejects with ABORTED and the partial LabResult', async () => {
  assert.deepEqual(restartsLab.options.map((o) => o.name).sort(), ['llm-api-key', 'llm-base-url', 'llm-model', 'only', 'seeds']);
  await assert.rejects(restartsLab.run({ quick: true, seed: 0, extra: { seed: '2' } }), { code: 'UNKNOWN_OPTION' });
  await assert.rejects(restartsLab.run({ quick: true, seed: 0, extra: { only: 'rosenbrock' } }), { code: 'INVALID_ARGUMENT' });
  const ctl = new AbortController();
  let abortedAt = 0;
  const onProgress = (e: { done: number }) => {
    if (abortedAt === 0 && e.done >= 3) {
      abortedAt = -1;
      setTimeout(() => {
        abortedAt = performance.now();
        ctl.abort();
      }, 20);
    }
  };
  const err = await restartsLab.run({ quick: true, seed: 0, extra: { seeds: '50', only: 'ackley' }, signal: ctl.signal, onProgress }).then(
    () => assert.fail('should have been aborted'),
    (e: unknown) => e as { code: string; details: { iteration: number; partial: { results: { partial: boolean; lab: string; runs: { task: string }[] }; summary: string[] } } },
  );
  const late = performance.now() - abortedAt;
  assert.equal(err.code, 'ABORTED');
  const res = err.details.partial.results;
  assert.equal(res.lab, 'restarts');
  assert.equal(res.partial, true);
  assert.equal(res.runs.length, err.details.iteration);
  assert.ok(res.runs.length >= 3 && res.runs.length < 5 * 50, `${res.runs.length} runs`);
  assert.ok(res.runs.every((r) => r.task === 'ackley-10'));
  assert.ok(err.details.partial.summary[0]!.includes('ABORTED'));
  assert.ok(late < 1000, `rejected ${late} ms after the abort`);
});
