import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ready } from '../../src/index.js';
import { QUICK_CONFIG, celoDynamics, celoFindings } from '../../src/labs/dynamics/index.js';
import { defaultRuntimeOrThrow } from '../../src/runtime/runtime.js';
import { digitsSplit } from '../../src/tasks/digits.js';

test('lab dynamics analyses run on Celo and Celo-Adam beside tuned Adam; findings 1, 4, 5 are evaluated', async () => {
  await ready();
  const cfg = { ...QUICK_CONFIG, lr: { grid: [0.01, 0.05], runs: 1, steps: 10 }, test: { runs: 1, steps: 40, checkpointEvery: 20, histogramSteps: [1, 10], symmetryWindow: 40 } };
  const stages: string[] = [];
  const ctx = { cfg, seed: 0, runtime: defaultRuntimeOrThrow(), data: await digitsSplit(), step: async (label: string) => void stages.push(label) };
  const r = await celoDynamics(ctx, 'leaky_relu');
  assert.ok([0.01, 0.05].includes(r.adamLr));
  for (const o of Object.values(r.optimizers)) {
    assert.equal(o.runs, 1);
    assert.equal(o.loss.length, 40);
    assert.ok(o.loss.every(Number.isFinite));
    assert.ok(o.checkpoints.updAlpha.length >= 2);
    assert.ok(o.earlySymmetry.translation > 0 && o.earlySymmetry.rescale > 0);
  }
  assert.equal(r.optimizers.celo.lr, null);
  assert.ok(r.optimizers.celo.loss[39]! < r.optimizers.celo.loss[0]!, 'Celo lowers the loss');
  const f = celoFindings(r);
  assert.deepEqual(f.map((x) => x.id), [1, 4, 5]);
  for (const x of f) assert.ok(['reproduced', 'partly', 'not reproduced'].includes(x.verdict) && x.evidence[0]!.startsWith('leaky_relu'));
  assert.equal(stages.length, 3);
});
