// Serialization: the class is registered with TF.js; getConfig describes every optimizer;
// fromConfig rebuilds exactly the hand-made optimizers with constant hyper-parameters and says
// clearly why it cannot rebuild the rest; model.save({ includeOptimizer }) carries the state.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, type Optimizer, adam, adamw, chain, eve, linearWarmup, lion, momentum, ready, scaleByAdam, scaleByLearningRate, sgd } from '../../src/index.js';
import { MetaoptimTfOptimizer, tfOptimizer } from '../../src/tfjs/index.js';
import { flatWeights, regressionData, smallModel, tf, tfl, useBackend } from '../support/tfjs.js';

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

test('model.save({ includeOptimizer }) + loadLayersModel resumes training exactly (Eve: moments, d, fPrev)', async () => {
  const { x, y } = regressionData(32, 5, 3);
  const model = smallModel(5, 8, 3);
  const opt = tfOptimizer(eve({ lr: 1e-2 }));
  model.compile({ optimizer: opt, loss: 'meanSquaredError' });
  await model.fit(x, y, { epochs: 5, batchSize: 32, shuffle: false, verbose: 0 });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: true });
  assert.ok(artifacts?.trainingConfig);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const lopt = loaded.optimizer as MetaoptimTfOptimizer;
  assert.ok(lopt instanceof MetaoptimTfOptimizer);
  assert.equal(lopt.iterations, 5);
  assert.deepEqual(lopt.optimizer.hyperparams, opt.optimizer.hyperparams);
  await model.fit(x, y, { epochs: 5, batchSize: 32, shuffle: false, verbose: 0 });
  await loaded.fit(x, y, { epochs: 5, batchSize: 32, shuffle: false, verbose: 0 });
  assert.deepEqual(flatWeights(loaded), flatWeights(model));
  assert.deepEqual(lopt.variableSets[0]!.state.scalars, opt.variableSets[0]!.state.scalars);
  // Without the saved state (a fresh Eve) the same 5 steps land elsewhere: the state mattered.
  const fresh = await tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightSpecs: artifacts.weightSpecs!.filter((s) => !s.name.startsWith('metaoptim/') && s.name !== 'iter') }));
  fresh.compile({ optimizer: tfOptimizer(eve({ lr: 1e-2 })), loss: 'meanSquaredError' });
  await fresh.fit(x, y, { epochs: 5, batchSize: 32, shuffle: false, verbose: 0 });
  assert.notDeepEqual(flatWeights(fresh), flatWeights(model));
  for (const m of [model, loaded, fresh]) {
    (m.optimizer as MetaoptimTfOptimizer).dispose();
    m.dispose();
  }
  x.dispose();
  y.dispose();
});

test('setWeights refuses foreign weights (BAD_CHECKPOINT) and a late call (INVALID_ARGUMENT)', async () => {
  const opt = tfOptimizer(adam());
  const iter = tf.scalar(3, 'int32');
  const junk = tf.tensor1d([1, 2, 3], 'float32');
  await assert.rejects(opt.setWeights([{ name: 'iter', tensor: iter }, { name: 'metaoptim/state0', tensor: junk }]), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT');
  const other = tfOptimizer(sgd());
  const v = tf.variable(tf.tensor1d([1, 2]));
  const g = tf.tensor1d([1, 1]);
  other.applyGradients({ [v.name]: g });
  const saved = await other.getWeights();
  await opt.setWeights(saved); // accepted now, checked when the set first steps: sgd's bytes are not adam's
  assert.throws(() => opt.applyGradients({ [v.name]: g }), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT');
  await assert.rejects(other.setWeights(saved), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  tf.dispose([iter, junk, v, g, ...saved.map((w) => w.tensor)]);
  opt.dispose();
  other.dispose();
});
