import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartsLab } from '../src/index.js';

test('lab restarts: equal evaluation budget for every method, ≥ 1 row per seed, report tables', async () => {
  const events: number[] = [];
  const r = await restartsLab.run({ quick: true, seed: 5, extra: { seeds: '2' }, onProgress: (e) => events.push(e.done) });
  const res = r.results as { config: { total: number }; runs: { method: string; task: string; gradientSteps: number; polishSteps: number; scoringEvaluations: number; finalLoss: number }[]; llmRounds: unknown[] };
  const methods = new Set(res.runs.map((x) => x.method));
  // (A fifth method, GD + LLM, appears only when METAOPTIM_LLM_* is set in the environment.)
  assert.deepEqual([...methods].slice(0, 4), ['GD', 'GD + surrogate', 'GD + multi-start', 'GD + perturbation']);
  assert.equal(res.runs.length, methods.size * 4 * 2);
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
