import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adam, ready } from '../../../src/index.js';
import { lrGrid, runFixed, tuneLr } from '../../../src/labs/protocol.js';
import { celo, celoAdam, shapesOf } from '../../../src/l2o/index.js';
import { digitsMlpTask } from '../../../src/tasks/index.js';

// Shortened CI form of scripts/celo-digits.mjs (the full check: 5 seeds; numbers in docs/l2o.md).
// Celo's meta-training distribution: digits 8×8, MLP 64-32-10, batch 64, 1,000 steps, seed 0.
test('behaviour on digits 32-unit MLPs: untuned Celo beats grid-tuned Adam; Celo-Adam beats default Adam', async () => {
  await ready();
  const steps = 1000;
  const task = await digitsMlpTask({ hidden: [32], batchSize: 64, streamSeed: 0 });
  const tuned = await tuneLr((lr) => adam({ lr }), task, lrGrid(), { steps, runs: 1, seed: 0, score: 'finalLoss' });
  const best = Math.min(...tuned.scores);
  const c = await runFixed(await celo({ numSteps: steps, shapes: shapesOf(task.model.tensors) }), task, steps, { seed: 0 });
  assert.ok(c.finalLoss < best, `celo final training loss ${c.finalLoss} vs tuned Adam ${best} (lr ${tuned.lr})`);
  const ca = await runFixed(await celoAdam({ numSteps: steps }), task, steps, { seed: 0 });
  const a3 = tuned.scores[lrGrid().indexOf(0.001)]!;
  assert.ok(ca.finalLoss < a3, `celo-adam final training loss ${ca.finalLoss} vs Adam(1e-3) ${a3}`);
  task.dispose();
});
