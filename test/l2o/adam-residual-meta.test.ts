import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, createRuntime, ready } from '../../src/index.js';
import { AR_QUICK_RECIPE, arUnroll, loadMetaData, metaTrainAdamResidual, sampleMetaSpec } from '../../src/l2o/index.js';

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test('--quick meta-training (≤ 2 min) lowers the validation meta-loss', async () => {
  await ready();
  const r = await metaTrainAdamResidual({ ...AR_QUICK_RECIPE });
  assert.equal(r.validations.length, 3);
  const first = r.validations[0]!.loss, last = r.validations[r.validations.length - 1]!.loss;
  assert.ok(Number.isFinite(first) && last < first, `validation ${first} → ${last}`);
  assert.ok(r.selectedIteration > 0);
  assert.ok(r.history.length === AR_QUICK_RECIPE.iterations && r.history.every((h) => Number.isFinite(h.loss)));
});

test('meta-training: same θ for 0 and 2 workers, and a resumed run gives the bits of an uninterrupted one', async () => {
  await ready();
  const base = { ...AR_QUICK_RECIPE, iterations: 8, validateEvery: 4, validationTasks: 1, validationSteps: 20, seed: 3 };
  const chunks: Uint8Array[] = [];
  const a = await metaTrainAdamResidual({ ...base, workers: 0, onCheckpoint: (b) => void chunks.push(b) });
  const b = await metaTrainAdamResidual({ ...base, workers: 2 });
  assert.ok(bitsEqual(a.lastTheta, b.lastTheta), 'worker count does not change θ');
  assert.ok(bitsEqual(a.theta, b.theta));
  assert.equal(chunks.length, 2);
  const c = await metaTrainAdamResidual({ ...base, workers: 0, resume: chunks[0] });
  assert.ok(bitsEqual(a.lastTheta, c.lastTheta), 'resume');
  assert.deepEqual(c.validations, a.validations);
  await assert.rejects(metaTrainAdamResidual({ ...base, resume: new TextEncoder().encode('{"format":"x"}') }), (e: MetaoptimError) => e.code === 'BAD_CHECKPOINT');
  const ac = new AbortController();
  const p = metaTrainAdamResidual({ ...base, iterations: 200, signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e: MetaoptimError) => e.code === 'ABORTED');
});

test('task distribution: no wine, every kind appears, augmentation on about a quarter, failed runs are capped', async () => {
  const kinds = new Map<string, number>();
  let aug = 0;
  for (let s = 0; s < 400; s++) {
    const c = sampleMetaSpec(s);
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    if (c.scales) aug++;
    assert.ok(!/wine/.test(c.kind));
    if (c.kind === 'digits-mlp') assert.ok(c.hidden.length >= 1 && c.hidden.length <= 3 && [8, 16, 32, 64, 128].includes(c.hidden[0]!) && [16, 32, 64, 128, 256].includes(c.batchSize));
  }
  assert.equal(kinds.size, 6);
  assert.ok(aug > 60 && aug < 140, `augmented ${aug}/400`);
  const rt = await createRuntime();
  const u = arUnroll(rt, await loadMetaData(), { minSteps: 30, maxSteps: 30 });
  const huge = new Float32Array(u.thetaSize);
  huge[huge.length - 1] = 5; // lr × e^5 … and a residual that explodes
  for (let i = 192; i < 224; i += 2) huge[i] = 1e3;
  const r = u.unroll(huge, u.start(7), 30);
  assert.ok(r.done && Number.isFinite(r.loss));
});
