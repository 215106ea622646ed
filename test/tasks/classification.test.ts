import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { adam, sgd } from '../../src/optim/index.js';
import { createRuntime, ready, simdSupported } from '../../src/runtime/index.js';
import {
  classificationTask,
  digitsLogisticTask,
  digitsMlpFamily,
  digitsMlpTask,
  digitsSplit,
  digitsVariantTask,
  irisTask,
  train,
  wineTask,
} from '../../src/tasks/index.js';

const code = (c: string) => (e: unknown) => e instanceof MetaoptimError && e.code === c;

test('digits split is 1,400 train / 397 test; the minibatch stream is seeded, random-access, epoch-shuffled', async () => {
  await ready();
  const d = await digitsSplit();
  assert.equal(d.train.rows, 1400);
  assert.equal(d.test.rows, 397);
  const t = await digitsMlpTask({ batchSize: 128, streamSeed: 7 });
  const perEpoch = Math.floor(1400 / 128);
  // Batch b = rows perm_e[j·B, (j+1)·B) of new Rng(7).fork(e).permutation(1400).
  for (const b of [0, 1, 10, 11, 25, 3]) {
    const e = Math.floor(b / perEpoch);
    const j = b % perEpoch;
    const perm = new Rng(7).fork(e).permutation(1400);
    assert.deepEqual(t.batchRows(b), perm.slice(j * 128, (j + 1) * 128));
  }
  // Within an epoch the batches are disjoint.
  const seen = new Set<number>();
  for (let b = 0; b < perEpoch; b++) for (const r of t.batchRows(b)) seen.add(r);
  assert.equal(seen.size, perEpoch * 128);
  // loss(θ, b) is a pure function of (θ, b).
  const p = t.init(0);
  const l5 = t.loss(p, 5);
  t.loss(p, 40);
  assert.equal(t.loss(p, 5), l5);
  assert.notEqual(t.loss(p, 6), l5);
  // Per-example gradients of minibatch 5 average to its gradient.
  const per = new Float32Array(128 * t.size);
  const losses = t.perExampleGrads(p, 5, per);
  assert.ok(Math.abs(losses.reduce((a, b) => a + b, 0) / 128 - l5) < 1e-6);
  const g = new Float32Array(t.size);
  t.loss(p, 5, g);
  for (let i = 0; i < t.size; i += 37) {
    let s = 0;
    for (let r = 0; r < 128; r++) s += per[r * t.size + i]!;
    assert.ok(Math.abs(s / 128 - g[i]!) <= 1e-6 * (1 + Math.abs(g[i]!)));
  }
  const other = await digitsMlpTask({ batchSize: 128, streamSeed: 8 });
  assert.notDeepEqual(other.batchRows(0), t.batchRows(0));
  assert.throws(() => t.loss(p, -1), code('INVALID_ARGUMENT'));
  assert.throws(() => t.loss(p, 1.5), code('INVALID_ARGUMENT'));
  other.dispose();
  t.dispose();
  assert.throws(() => t.loss(p, 0), code('DISPOSED'));
});

test('evaluate: loss and accuracy over a whole split agree with the model run on the split directly', async () => {
  const t = await digitsMlpTask({ hidden: [16], activation: 'tanh' });
  const d = await digitsSplit();
  const p = t.init(3);
  for (const split of ['train', 'test'] as const) {
    const s = split === 'train' ? d.train : d.test;
    const z = t.model.predict(p, s.x);
    let correct = 0;
    let loss = 0;
    for (let i = 0; i < s.rows; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (z[i * 10 + k]! > z[i * 10 + best]!) best = k;
      if (best === s.y[i]) correct++;
      const row = Array.from(z.subarray(i * 10, i * 10 + 10));
      const mx = Math.max(...row);
      loss += Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) + mx - row[s.y[i]!]!;
    }
    const e = t.evaluate(p, split);
    assert.equal(e.accuracy, correct / s.rows);
    assert.ok(Math.abs(e.loss - loss / s.rows) < 1e-9);
  }
  t.dispose();
});

test('train: the same seed gives a bit-identical run (curves and parameters); another seed differs', async () => {
  const run = async (seed: number) => {
    const t = await digitsVariantTask('relu_bn', { batchSize: 32, streamSeed: 1 });
    const r = await train(t, adam({ lr: 3e-3 }), { steps: 60, seed, evalEvery: 20, evalSplits: ['train', 'test'] });
    t.dispose();
    return r;
  };
  const a = await run(4);
  const b = await run(4);
  const c = await run(5);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(a.evals, b.evals);
  assert.notDeepEqual(a.params, c.params);
  assert.equal(a.evals.length, 6);
  assert.deepEqual(a.evals.map((e) => e.step), [20, 20, 40, 40, 60, 60]);
  assert.ok(a.losses[59]! < a.losses[0]!);
});

test('the SIMD and scalar builds train bit-identically (sigmoid + BN variant included)', async () => {
  if (!simdSupported()) return;
  for (const variant of ['sigmoid', 'relu_bn'] as const) {
    const runs = [];
    for (const build of ['simd', 'scalar'] as const) {
      const runtime = await createRuntime({ build });
      const t = await digitsVariantTask(variant, { batchSize: 64, runtime });
      runs.push(await train(t, adam({ lr: 1e-2 }), { steps: 40, seed: 1 }));
      t.dispose();
      runtime.dispose();
    }
    assert.deepEqual(runs[0]!.losses, runs[1]!.losses, variant);
    assert.deepEqual(runs[0]!.params, runs[1]!.params, variant);
  }
});

test('digits 64-20-10 ReLU with Adam reaches ≥ 93 % test accuracy (mean over 5 seeds)', async () => {
  // Adam defaults (lr 1e-3), batch 128, 1,000 steps; init seeds and stream seeds 0..4; split 1,400 / 397.
  const accs: number[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const t = await digitsVariantTask('relu', { batchSize: 128, streamSeed: seed });
    const r = await train(t, adam(), { steps: 1000, seed });
    accs.push(r.final.test!.accuracy!);
    t.dispose();
  }
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  console.log(`digits 64-20-10 relu adam: test accuracy ${accs.map((a) => a.toFixed(3)).join(' ')} mean ${mean.toFixed(4)}`);
  assert.ok(mean >= 0.93, `mean accuracy ${mean}`);
});

test('logistic regression on digits, iris and wine learns (train and test accuracy well above chance)', async () => {
  const cases = [
    [await digitsLogisticTask({ batchSize: 64 }), 0.9],
    [await irisTask(), 0.85],
    [await wineTask(), 0.9],
  ] as const;
  for (const [t, min] of cases) {
    const r = await train(t, adam({ lr: 1e-2 }), { steps: 400, evalSplits: ['train', 'test'] });
    assert.ok(r.final.test!.accuracy! >= min, `${t.name}: test accuracy ${r.final.test!.accuracy}`);
    assert.ok(r.final.train!.loss < r.losses[0]!, t.name);
    t.dispose();
  }
  const iris = await irisTask({ hidden: [8], activation: 'tanh' });
  assert.equal(iris.size, 4 * 8 + 8 + 8 * 3 + 3);
  iris.dispose();
});

test('digits MLP family: deterministic configurations, every sampled task trains', async () => {
  const fam = await digitsMlpFamily();
  assert.deepEqual(fam.sample(9), fam.sample(9));
  const configs = Array.from({ length: 12 }, (_, i) => fam.sample(i));
  assert.ok(new Set(configs.map((c) => JSON.stringify(c))).size > 6);
  for (const c of configs.slice(0, 4)) {
    const t = fam.task(c);
    const r = await train(t, sgd({ lr: 0.05 }), { steps: 20 });
    assert.ok(r.losses.every(Number.isFinite));
    assert.equal(t.size, r.params.length);
    t.dispose();
  }
});

test('train: abort, progress, batch offset, options validation; classificationTask validation', async () => {
  const t = await digitsMlpTask({ batchSize: 16 });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(train(t, adam(), { steps: 10, signal: ac.signal }), code('ABORTED'));
  const seen: number[] = [];
  const r = await train(t, adam(), { steps: 10, onProgress: (p) => {
    assert.equal(p.total, 10);
    assert.ok(p.elapsedMs >= 0 && Number.isFinite(p.metrics!.loss!));
    seen.push(p.done);
  } });
  // The first tick reports, the last event is the final one (throttled in between).
  assert.equal(seen[0], 1);
  assert.equal(seen[seen.length - 1], 10);
  await assert.rejects(train(t, adam(), { steps: 10, learningRate: 1 } as never), code('UNKNOWN_OPTION'));
  const div = await train(t, sgd({ lr: 1e6 }), { steps: 50, divergence: {} });
  assert.ok(div.divergedAt !== null && div.divergedAt > 0 && div.steps === div.divergedAt, `diverged at ${div.divergedAt}`);
  assert.deepEqual(div.final, {});
  const shifted = await train(t, adam(), { steps: 5, batchOffset: 5 });
  const p0 = t.init(0);
  assert.equal(shifted.losses[0], t.loss(p0, 5));
  assert.equal(r.losses[0], t.loss(p0, 0));
  await assert.rejects(train(t, adam(), { steps: -1 }), code('INVALID_ARGUMENT'));
  const d = await digitsSplit();
  assert.throws(() => classificationTask({ data: d, batchSize: 5000 }), code('INVALID_ARGUMENT'));
  t.dispose();
});

test('train: an abort from a timer rejects with ABORTED { iteration, partial } long before the run would end', async () => {
  const t = await digitsMlpTask({ batchSize: 128 });
  const steps = 1_000_000; // minutes of work if never aborted
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const t0 = performance.now();
  await assert.rejects(train(t, adam(), { steps, signal: ac.signal }), (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
    const d = e.details as { iteration: number; partial: { losses: number[]; params: Float32Array; steps: number } };
    assert.ok(d.iteration > 0 && d.iteration < steps, `iteration ${d.iteration}`);
    // The partial result is a TrainResult so far: one loss per step taken, parameters of the task's size.
    assert.equal(d.partial.losses.length, d.iteration);
    assert.equal(d.partial.params.length, t.size);
    assert.ok(d.partial.losses.every(Number.isFinite));
    return true;
  });
  assert.ok(performance.now() - t0 < 5_000, 'rejected far sooner than the full run');
  t.dispose();
});
