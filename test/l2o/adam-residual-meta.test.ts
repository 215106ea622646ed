import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, createRuntime, ready } from '../../src/index.js';
import { AR_BLOCKS, AR_LR_BIAS, AR_QUICK_RECIPE, AR_THETA_SIZE, adamResidualInit, arResidualStart, arSubspace, arUnroll, loadMetaData, metaTrainAdamResidual, sampleMetaSpec } from '../../src/l2o/index.js';
import { embedArSubspace } from '../../src/l2o/adam-residual/unroll.js';

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test('--quick meta-training (≤ 2 min) lowers the validation meta-loss and moves every block of the MLP', async () => {
  await ready();
  const r = await metaTrainAdamResidual({ ...AR_QUICK_RECIPE });
  assert.equal(r.validations.length, 3);
  const first = r.validations[0]!.loss, last = r.validations[r.validations.length - 1]!.loss;
  assert.ok(Number.isFinite(first) && last < first, `validation ${first} → ${last}`);
  assert.ok(r.selectedIteration > 0);
  // The start: θ₀ (Adam at startLr) with the random output layer of the recipe.
  const th0 = adamResidualInit(0);
  th0[AR_LR_BIAS] = Math.log(AR_QUICK_RECIPE.startLr / AR_QUICK_RECIPE.lr);
  const start = arResidualStart(th0, 0, AR_QUICK_RECIPE.residualInit);
  for (const [name, idx] of Object.entries(AR_BLOCKS)) {
    const moved = Math.max(...idx.map((i) => Math.abs(r.lastTheta[i]! - start[i]!)));
    assert.ok(moved > 1e-4, `block ${name} moved by ${moved}`);
  }
  assert.ok(AR_BLOCKS['out-d'].some((i) => r.theta[i] !== 0), 'the selected θ has a live residual');
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

test('why PES did not move the MLP: with W2 = 0 only the direction column changes a run; a random W2 start makes every block count', async () => {
  const rt = await createRuntime();
  const u = arUnroll(rt, await loadMetaData(), { minSteps: 40, maxSteps: 40, augmentProb: 0 });
  const lossWith = (th: Float32Array, block: readonly number[], seed: number) => {
    const t = th.slice();
    for (const i of block) t[i] = t[i]! + 0.05;
    return u.unroll(t, u.start(seed), 40).loss;
  };
  const th0 = adamResidualInit(0);
  th0[AR_LR_BIAS] = Math.log(0.01 / 1e-3);
  const live = arResidualStart(th0, 0, 0.01);
  assert.ok(bitsEqual(arResidualStart(th0, 0, 0), th0));
  for (const seed of [3, 11]) {
    const base0 = u.unroll(th0, u.start(seed), 40).loss;
    for (const b of ['W1', 'b1', 'out-s'] as const) assert.equal(lossWith(th0, AR_BLOCKS[b], seed), base0, `W2 = 0: ${b} has no effect at all`);
    assert.notEqual(lossWith(th0, AR_BLOCKS['out-d'], seed), base0);
    const base1 = u.unroll(live, u.start(seed), 40).loss;
    for (const b of ['W1', 'b1', 'out-s', 'out-d', 'schedule'] as const) assert.notEqual(lossWith(live, AR_BLOCKS[b], seed), base1, `random W2: ${b} counts`);
  }
});

test('arSubspace: blocks, per-block σ scales (θ = base + scale ⊙ z), errors', () => {
  const base = adamResidualInit(1);
  assert.equal(arSubspace(base, 'all'), null);
  const sched = arSubspace(base, 'schedule')!;
  assert.deepEqual(sched.index, [...AR_BLOCKS.schedule]);
  assert.equal(sched.scale, undefined);
  const mlp = arSubspace(base, 'mlp', { 'out-d': 0.1, schedule: 0.5 })!;
  assert.equal(mlp.index.length, AR_THETA_SIZE - AR_BLOCKS.schedule.length);
  const z = Float32Array.from(mlp.index, (_, j) => j % 3);
  const th = embedArSubspace(mlp, z);
  mlp.index.forEach((i, j) => assert.equal(th[i], Math.fround(base[i]! + (AR_BLOCKS['out-d'].includes(i) ? 0.1 : 1) * z[j]!)));
  for (const i of AR_BLOCKS.schedule) assert.equal(th[i], base[i]);
  const all = arSubspace(base, 'all', { W1: 2 })!;
  assert.equal(all.index.length, AR_THETA_SIZE);
  assert.equal(all.scale![0], 2);
  assert.throws(() => arSubspace(base, 'all', { W3: 1 } as never), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => arSubspace(base, 'all', { W1: 0 }), (e: MetaoptimError) => e.code === 'INVALID_HYPERPARAMETER' || e.code === 'INVALID_ARGUMENT');
  assert.throws(() => arSubspace(base, 'some' as never), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
});
