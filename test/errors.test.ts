import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  MetaoptimError,
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  eve,
  lion,
  momentum,
  readCheckpoint,
  ready,
  scaleByEve,
  scaleByLearningRate,
  sgd,
} from '../src/index.js';

const code = (c: string) => (e: unknown) => e instanceof MetaoptimError && e.code === c;

before(async () => {
  await ready();
});

test('non-finite or out-of-range hyper-parameters are INVALID_HYPERPARAMETER', () => {
  for (const make of [
    () => adam({ lr: NaN }),
    () => adam({ beta1: 1 }),
    () => adam({ beta2: -0.1 }),
    () => adam({ eps: Infinity }),
    () => adamw({ weightDecay: -1 }),
    () => sgd({ lr: -0.1 }),
    () => momentum({ momentum: 1.5 }),
    () => eve({ c: 0.5 }),
    () => eve({ k: 2, K: 1, variant: 'thresholds' }),
    () => eve({ variant: 'nope' as 'clip' }),
    () => lion({ beta2: NaN }),
    () => adam({ nonFinite: 'ignore' as 'skip' }),
    () => clipByGlobalNorm(0),
  ]) {
    assert.throws(make, code('INVALID_HYPERPARAMETER'));
  }
});

test('a schedule that yields a bad value fails at that step, before any change', () => {
  const opt = adam({ lr: (t) => (t < 2 ? 0.1 : NaN) });
  const s = opt.init([1, 2]);
  opt.step(s, [1, 1]);
  opt.step(s, [1, 1]);
  const saved = s.save();
  assert.throws(() => opt.step(s, [1, 1]), code('INVALID_HYPERPARAMETER'));
  assert.deepEqual(s.save(), saved);
});

test('length mismatches and wrong inputs are typed errors', () => {
  const opt = adam();
  const s = opt.init(new Float32Array(4));
  assert.throws(() => opt.step(s, new Float32Array(3)), code('LENGTH_MISMATCH'));
  assert.throws(() => opt.step(s, 5 as unknown as Float32Array), code('INVALID_ARGUMENT'));
  assert.throws(() => opt.init(null as unknown as Float32Array), code('INVALID_ARGUMENT'));
  assert.throws(() => lion().step(s, new Float32Array(4)), code('STATE_MISMATCH'));
});

test('Eve needs a finite loss each step; the chain form too', () => {
  for (const opt of [eve(), chain(scaleByEve(), scaleByLearningRate(1e-3))]) {
    const s = opt.init([1, 2, 3]);
    const saved = s.save();
    assert.throws(() => opt.step(s, [1, 1, 1]), code('MISSING_LOSS'));
    assert.throws(() => opt.step(s, [1, 1, 1], { loss: NaN }), code('NON_FINITE_LOSS'));
    assert.deepEqual(s.save(), saved);
  }
  const skip = eve({ nonFinite: 'skip' });
  const s = skip.init([1]);
  assert.equal(skip.step(s, [1], { loss: Infinity }), false);
  assert.equal(s.scalars.skipped, 1);
  assert.equal(s.scalars.count, 0);
  // 'zero' holds the feedback coefficient and still takes the Adam step.
  const zero = eve({ nonFinite: 'zero' });
  const z = zero.init([1]);
  zero.step(z, [1], { loss: 2 });
  const d = z.scalars.d;
  assert.equal(zero.step(z, [1], { loss: NaN }), true);
  assert.equal(z.scalars.d, d);
  assert.equal(z.scalars.fPrev, 2);
});

test('checkpoints: corrupt or foreign bytes are BAD_CHECKPOINT', () => {
  const opt = adam();
  const s = opt.init([1, 2, 3]);
  const bytes = s.save();
  assert.throws(() => opt.restore(new Uint8Array([1, 2, 3])), code('BAD_CHECKPOINT'));
  assert.throws(() => opt.restore(bytes.subarray(0, bytes.length - 4)), code('BAD_CHECKPOINT'));
  const newer = bytes.slice();
  newer[4] = 3; // a format version this library does not know
  assert.throws(() => opt.restore(newer), code('BAD_CHECKPOINT'));
  assert.throws(() => lion().restore(bytes), code('BAD_CHECKPOINT'));
  const header = readCheckpoint(bytes);
  assert.equal(header.optimizer, 'adam');
  assert.deepEqual(Object.keys(header.arrays), ['params', 'm', 'v']);
  assert.equal(header.hyperparams.beta2, 0.999);
  // Restoring at an unaligned offset still works (the format copies).
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes, 1);
  const r = opt.restore(padded.subarray(1));
  assert.deepEqual(r.params, s.params);
});
