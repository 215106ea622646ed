// The adapter against TensorFlow.js's own Adam, on the cpu and wasm backends: a tf.layers model
// trained 50 steps with tfOptimizer(adam(o)) equals tf.train.adam with the same hyper-parameters,
// the fused optimizer equals its chain, and minimize / applyGradients follow tf.Optimizer's contract.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { adam, chain, ready, scaleByAdam, scaleByLearningRate, sgd } from '../../src/index.js';
import { MetaoptimTfOptimizer, tfOptimizer } from '../../src/tfjs/index.js';
import { BACKENDS, tf, useBackend } from '../support/tfjs.js';
import { fit } from './workload.js';

before(async () => {
  await ready();
});

const H = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

const train = fit;

for (const backend of BACKENDS) {
  describe(`tfjs ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
    });

    test('tfOptimizer(adam(o)) is a tf.Optimizer usable in model.compile', () => {
      const opt = tfOptimizer(adam(H));
      assert.ok(opt instanceof tf.Optimizer);
      assert.ok(opt instanceof MetaoptimTfOptimizer);
      assert.equal(opt.getClassName(), 'MetaoptimOptimizer');
      opt.dispose();
    });

    test('50 model.fit steps with tfOptimizer(adam) equal tf.train.adam within 1e-6', async () => {
      const ours = await train(tfOptimizer(adam(H)), 50);
      const theirs = await train(tf.train.adam(H.lr, H.beta1, H.beta2, H.eps), 50);
      assert.equal(ours.weights.length, 5 * 8 + 8 + 8 * 3 + 3);
      let worst = 0;
      for (let i = 0; i < ours.weights.length; i++) worst = Math.max(worst, Math.abs(ours.weights[i]! - theirs.weights[i]!));
      assert.ok(worst <= 1e-6, `max |Δw| = ${worst}`);
      // …and it trained: the weights moved and the loss fell.
      const start = await train(tf.train.sgd(0), 1);
      assert.ok(ours.weights.some((w, i) => Math.abs(w - start.weights[i]!) > 1e-3));
      assert.ok(ours.losses.at(-1)! < 0.95 * ours.losses[0]!, `loss ${ours.losses[0]} → ${ours.losses.at(-1)}`);
    });

    test('the fused adam and its chain give the same bits through the adapter', async () => {
      const fused = await train(tfOptimizer(adam(H)), 20);
      const composed = await train(tfOptimizer(chain(scaleByAdam({ beta1: H.beta1, beta2: H.beta2, eps: H.eps }), scaleByLearningRate(H.lr))), 20);
      assert.deepEqual(composed.weights, fused.weights);
    });

    test('minimize(f) updates the variables it uses and returns the cost on request', () => {
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      const opt = tfOptimizer(sgd({ lr: 0.25 }));
      const f = () => tf.sum(tf.square(w)) as tf.Scalar;
      const cost = opt.minimize(f, true);
      assert.ok(cost);
      assert.equal(cost.dataSync()[0], 14);
      cost.dispose();
      // w ← w − 0.25·2w = w/2
      assert.deepEqual(Array.from(w.dataSync()), [0.5, -1, 1.5]);
      assert.equal(opt.minimize(f), null);
      assert.deepEqual(Array.from(w.dataSync()), [0.25, -0.5, 0.75]);
      assert.equal(opt.iterations, 2);
      opt.dispose();
      w.dispose();
    });

    test('applyGradients takes a map or a list; one state per variable set, keyed by names', () => {
      const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
      const b = tf.variable(tf.tensor1d([10]));
      const opt = tfOptimizer(sgd({ lr: 1 }));
      const ga = tf.ones([2, 2]);
      const gb = tf.tensor1d([2]);
      opt.applyGradients({ [a.name]: ga, [b.name]: gb });
      opt.applyGradients([{ name: b.name, tensor: gb }, { name: a.name, tensor: ga }]); // same set, other order
      assert.equal(opt.variableSets.length, 1);
      assert.deepEqual(opt.variableSets[0]!.names, [a.name, b.name]);
      assert.deepEqual(Array.from(a.dataSync()), [-1, 0, 1, 2]);
      assert.deepEqual(Array.from(b.dataSync()), [6]);
      assert.deepEqual(a.shape, [2, 2]);
      opt.applyGradients({ [b.name]: gb }); // another set: its own state
      assert.equal(opt.variableSets.length, 2);
      assert.deepEqual(Array.from(b.dataSync()), [4]);
      opt.dispose();
      for (const t of [a, b, ga, gb]) t.dispose();
    });

    test('values written outside the optimizer (assign, setWeights) are picked up before the next step', () => {
      const v = tf.variable(tf.tensor1d([1, 1]));
      const g = tf.tensor1d([1, -1]);
      const opt = tfOptimizer(sgd({ lr: 0.5 }));
      opt.applyGradients({ [v.name]: g });
      assert.deepEqual(Array.from(v.dataSync()), [0.5, 1.5]);
      v.assign(tf.tensor1d([10, 20]));
      opt.applyGradients({ [v.name]: g });
      assert.deepEqual(Array.from(v.dataSync()), [9.5, 20.5]);
      opt.dispose();
      v.dispose();
      g.dispose();
    });

    test('variables disposed and re-created under the same names get a fresh state', () => {
      const opt = tfOptimizer(sgd({ lr: 1, momentum: 0.9 }));
      const g = tf.tensor1d([1]);
      const v1 = tf.variable(tf.tensor1d([0]), true, 'metaoptim_recreated');
      opt.applyGradients({ [v1.name]: g });
      const first = opt.variableSets[0]!.state;
      v1.dispose();
      const v2 = tf.variable(tf.tensor1d([5]), true, 'metaoptim_recreated');
      opt.applyGradients({ [v2.name]: g });
      assert.equal(first.disposed, true);
      assert.equal(opt.variableSets.length, 1);
      assert.deepEqual(Array.from(v2.dataSync()), [4]); // no momentum carried over from v1
      opt.dispose();
      v2.dispose();
      g.dispose();
    });

    test('a null gradient counts as zeros (momentum still moves the variable)', () => {
      const v = tf.variable(tf.tensor1d([0]));
      const opt = tfOptimizer(sgd({ lr: 1, momentum: 0.5 }));
      const g = tf.tensor1d([1]);
      opt.applyGradients({ [v.name]: g });
      opt.applyGradients([{ name: v.name, tensor: null }]);
      // trace: 1 then 0.5 → v = −1 − 0.5
      assert.deepEqual(Array.from(v.dataSync()), [-1.5]);
      opt.dispose();
      v.dispose();
      g.dispose();
    });
  });
}
