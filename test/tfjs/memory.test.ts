// Memory: no tensor leaks over 1,000 steps, no TF.js tensor aliasing WebAssembly memory (the trap
// is shown to be real first), dispose() frees the metaoptim state; clear errors for misuse.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { MetaoptimError, adam, createRuntime, eve, ready, sgd } from '../../src/index.js';
import { tfOptimizer } from '../../src/tfjs/index.js';
import { backendCopiesOnWrite } from '../../src/tfjs/transfer.js';
import { BACKENDS, regressionData, smallModel, tf, useBackend } from '../support/tfjs.js';

before(async () => {
  await ready();
});

const isCode = (code: string) => (e: unknown) => e instanceof MetaoptimError && e.code === code;

for (const backend of BACKENDS) {
  describe(`tfjs ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
    });

    test('tf.memory().numTensors is constant over 1,000 minimize steps, and over model.fit', async () => {
      const w = tf.variable(tf.randomNormal([20, 5], 0, 1, 'float32', 1));
      const b = tf.variable(tf.zeros([5]));
      const x = tf.randomNormal([16, 20], 0, 1, 'float32', 2);
      const opt = tfOptimizer(eve({ lr: 1e-3 }));
      const f = () => tf.mean(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
      opt.minimize(f); // the first step makes the state
      const count = tf.memory().numTensors;
      for (let i = 0; i < 1000; i++) {
        opt.minimize(f);
        if (i % 250 === 0) assert.equal(tf.memory().numTensors, count, `after ${i + 1} steps`);
      }
      assert.equal(tf.memory().numTensors, count);
      const cost = opt.minimize(f, true)!;
      assert.equal(tf.memory().numTensors, count + 1);
      cost.dispose();
      opt.dispose();
      for (const t of [w, b, x]) t.dispose();

      const { x: xs, y: ys } = regressionData(32, 5, 3);
      const model = smallModel(5, 8, 3);
      model.compile({ optimizer: tfOptimizer(adam()), loss: 'meanSquaredError' });
      await model.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
      const afterOne = tf.memory().numTensors;
      await model.fit(xs, ys, { epochs: 20, batchSize: 8, verbose: 0 });
      assert.equal(tf.memory().numTensors, afterOne);
      model.dispose();
      xs.dispose();
      ys.dispose();
    });

    test('updated weights never alias WebAssembly memory (a tensor built from a view would)', async () => {
      const runtime = await createRuntime();
      const v = tf.variable(tf.tensor1d([1, 2, 3, 4]));
      const g = tf.tensor1d([1, 1, 1, 1]);
      const opt = tfOptimizer(sgd({ lr: 1 }), { runtime });
      opt.applyGradients({ [v.name]: g });
      const state = opt.variableSets[0]!.state;
      assert.deepEqual(Array.from(v.dataSync()), [0, 1, 2, 3]);
      // wasm: parameters go out through tf.tensor(view), which that backend copies at once.
      assert.equal(backendCopiesOnWrite(), backend === 'wasm');
      if (backend === 'cpu') {
        // The trap: on the cpu backend a tensor keeps the typed array it was built from.
        const naive = tf.tensor1d(state.params.subarray(0, 4));
        state.params[0] = 42;
        assert.equal(naive.dataSync()[0], 42, 'the naive tensor follows WebAssembly memory');
        naive.dispose();
        state.params[0] = 0;
      }
      // Scribble over the state's WebAssembly memory, then grow the memory: the variable holds.
      state.params.fill(-7);
      state.grads.fill(-7);
      const big = sgd().init(new Float32Array(1 << 22), { runtime });
      assert.deepEqual(Array.from(v.dataSync()), [0, 1, 2, 3]);
      big.dispose();
      // The next step starts from the variable's value as TF.js sees it.
      v.assign(tf.tensor1d([0, 1, 2, 3]));
      opt.applyGradients({ [v.name]: g });
      assert.deepEqual(Array.from(v.dataSync()), [-1, 0, 1, 2]);
      opt.dispose();
      v.dispose();
      g.dispose();
      runtime.dispose();
    });

    test('dispose() frees the metaoptim state; later steps are DISPOSED', () => {
      const v = tf.variable(tf.tensor1d([1]));
      const g = tf.tensor1d([1]);
      const opt = tfOptimizer(adam());
      opt.applyGradients({ [v.name]: g });
      const state = opt.variableSets[0]!.state;
      opt.dispose();
      assert.equal(state.disposed, true);
      assert.equal(opt.variableSets.length, 0);
      assert.throws(() => opt.applyGradients({ [v.name]: g }), isCode('DISPOSED'));
      opt.dispose(); // idempotent
      v.dispose();
      g.dispose();
    });

    test('misuse is a MetaoptimError with a code, and changes nothing', () => {
      assert.throws(() => tfOptimizer({} as never), isCode('INVALID_ARGUMENT'));
      assert.throws(() => tfOptimizer(adam(), { runtim: 1 } as never), isCode('UNKNOWN_OPTION'));
      const opt = tfOptimizer(sgd({ lr: 1 }));
      const g = tf.tensor1d([1, 1]);
      assert.throws(() => opt.applyGradients({ no_such_variable_anywhere: g }), isCode('INVALID_ARGUMENT'));
      const iv = tf.variable(tf.tensor1d([1, 2], 'int32'));
      assert.throws(() => opt.applyGradients({ [iv.name]: g }), (e: unknown) => isCode('INVALID_ARGUMENT')(e) && /float32/.test(String(e)));
      const v = tf.variable(tf.tensor1d([1, 2, 3]));
      assert.throws(() => opt.applyGradients({ [v.name]: g }), isCode('LENGTH_MISMATCH'));
      const bad = tf.tensor1d([1, NaN, 1]);
      assert.throws(() => opt.applyGradients([{ name: v.name, tensor: bad }, { name: v.name, tensor: bad }]), (e: unknown) => isCode('INVALID_ARGUMENT')(e) && /twice/.test(String(e)));
      assert.throws(() => opt.applyGradients({ [v.name]: bad }), isCode('NON_FINITE_GRADIENT'));
      assert.deepEqual(Array.from(v.dataSync()), [1, 2, 3]);
      opt.dispose();
      for (const t of [g, iv, v, bad]) t.dispose();
    });
  });
}
