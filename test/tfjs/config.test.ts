// Serialization: the class is registered with TF.js; getConfig describes every optimizer;
// fromConfig rebuilds exactly the hand-made optimizers with constant hyper-parameters and says
// clearly why it cannot rebuild the rest.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, type Optimizer, adam, adamw, chain, eve, linearWarmup, lion, momentum, ready, scaleByAdam, scaleByLearningRate, sgd } from '../../src/index.js';
import { MetaoptimTfOptimizer, tfOptimizer } from '../../src/tfjs/index.js';
import { tf, useBackend } from '../support/tfjs.js';

before(async () => {
  await ready();
  await useBackend('cpu');
});

test('MetaoptimTfOptimizer is registered for TF.js serialization', () => {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  assert.ok(map.MetaoptimOptimizer, 'registered under its className');
  assert.equal(map.MetaoptimOptimizer[0], MetaoptimTfOptimizer);
});

const rebuildable: Array<[string, () => Optimizer]> = [
  ['sgd', () => sgd({ lr: 0.3, nesterov: true, momentum: 0.8, weightDecay: 1e-4 })],
  ['momentum', () => momentum({ lr: 0.01 })],
  ['adam', () => adam({ lr: 2e-3, beta1: 0.8, eps: 1e-6, nonFinite: 'skip' })],
  ['adamw', () => adamw({ lr: 1e-3, weightDecay: 0.05 })],
  ['eve', () => eve({ lr: 1e-3, variant: 'thresholds', k: 0.2, K: 5 })],
  ['lion', () => lion({ lr: 1e-4, beta2: 0.98 })],
];

for (const [label, make] of rebuildable) {
  test(`${label}: getConfig → JSON → fromConfig rebuilds the same optimizer`, () => {
    const opt = tfOptimizer(make());
    const config = JSON.parse(JSON.stringify(opt.getConfig())) as tf.serialization.ConfigDict;
    assert.equal(config.rebuildable, true);
    const back = MetaoptimTfOptimizer.fromConfig(MetaoptimTfOptimizer, config) as MetaoptimTfOptimizer;
    assert.ok(back instanceof MetaoptimTfOptimizer);
    assert.equal(back.optimizer.name, opt.optimizer.name);
    assert.deepEqual(back.optimizer.hyperparams, opt.optimizer.hyperparams);
  });
}

test('a chain, a schedule: described by getConfig, refused by fromConfig with the reason', () => {
  for (const o of [chain(scaleByAdam(), scaleByLearningRate(1e-3)), adam({ lr: linearWarmup({ peak: 1e-3, steps: 10 }) })]) {
    const config = tfOptimizer(o).getConfig();
    assert.equal(config.rebuildable, false);
    assert.equal(config.optimizer, o.name);
    const json = JSON.parse(JSON.stringify(config)) as tf.serialization.ConfigDict;
    assert.throws(
      () => MetaoptimTfOptimizer.fromConfig(MetaoptimTfOptimizer, json),
      (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /cannot be rebuilt from JSON/.test(e.message),
    );
  }
  assert.equal(tfOptimizer(adam({ lr: linearWarmup({ peak: 1e-3, steps: 10 }) })).getConfig().hyperparams.lr, '<schedule>');
});
