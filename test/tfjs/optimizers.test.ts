// Every kind of metaoptim optimizer through the adapter: Eve (which needs the loss), Lion and the
// pretrained learned optimizer train a model through model.fit; a chain with a schedule and a DCO
// rule train through minimize; unsupported cases fail with a MetaoptimError.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { MetaoptimError, type Optimizer, adamw, chain, clipByGlobalNorm, cosineDecay, eve, lion, lionSgdInterp, momentum, ready, scaleByAdam, scaleByLearningRate, sgd } from '../../src/index.js';
import { dcog } from '../../src/dco/index.js';
import { celo, celoAdam, learned, lstmLOpt } from '../../src/l2o/index.js';
import { tfOptimizer } from '../../src/tfjs/index.js';
import { BACKENDS, regressionData, smallModel, tf, useBackend } from '../support/tfjs.js';

before(async () => {
  await ready();
});

/** Trains the small model `epochs` full-batch steps through model.fit; returns the losses. */
async function fitLosses(optimizer: tf.Optimizer, epochs: number, inspect?: () => void): Promise<number[]> {
  const { x, y } = regressionData(64, 5, 3);
  const model = smallModel(5, 16, 3);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const h = await model.fit(x, y, { epochs, batchSize: 64, shuffle: false, verbose: 0 });
  inspect?.();
  model.dispose();
  optimizer.dispose(); // tfjs-layers disposes only optimizers it made from a string
  x.dispose();
  y.dispose();
  return h.history.loss as number[];
}

const decreased = (l: number[], factor: number) => l.at(-1)! < factor * l[0]! && l.every(Number.isFinite);

for (const backend of BACKENDS) {
  describe(`tfjs ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
    });

    test('Eve trains through model.fit, fed the loss that fit computes', async () => {
      const opt = tfOptimizer(eve({ lr: 1e-2 }));
      let s: Record<string, number> = {};
      const losses = await fitLosses(opt, 40, () => (s = { ...opt.variableSets[0]!.state.scalars }));
      assert.ok(decreased(losses, 0.7), `Eve: ${losses[0]} → ${losses.at(-1)}`);
      // The feedback really saw the losses: d moved away from its initial 1, fPrev is the last loss.
      assert.notEqual(s.d, 1);
      assert.ok(Math.abs(s.fPrev! - losses.at(-1)!) < 1e-6 * losses.at(-1)!, `fPrev ${s.fPrev} vs last loss ${losses.at(-1)}`);
      opt.dispose();
    });

    test('Lion trains through model.fit', async () => {
      const losses = await fitLosses(tfOptimizer(lion({ lr: 1e-3 })), 40);
      assert.ok(decreased(losses, 0.7), `Lion: ${losses[0]} → ${losses.at(-1)}`);
    });

    test('learned() trains through model.fit (shapes = the trainable weights; also lolv2 with segments)', async () => {
      const shapes = [[5, 16], [16], [16, 3], [3]];
      const losses = await fitLosses(tfOptimizer(await learned({ shapes })), 40);
      assert.ok(decreased(losses, 0.9), `learned: ${losses[0]} → ${losses.at(-1)}`);
      const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
      const lolv2 = await fitLosses(tfOptimizer(await learned({ name: 'lolv2', segments: sizes })), 40);
      assert.ok(decreased(lolv2, 0.9), `learned lolv2: ${lolv2[0]} → ${lolv2.at(-1)}`);
      assert.ok(decreased(losses, 0.9), `learned: ${losses[0]} → ${losses.at(-1)}`);
    });

    test('Celo and Celo-Adam (published θ, the model\'s shapes) train through model.fit', async () => {
      const shapes = [[5, 16], [16], [16, 3], [3]];
      for (const make of [celo, celoAdam]) {
        const opt = tfOptimizer(await make({ numSteps: 40, shapes }));
        const losses = await fitLosses(opt, 40);
        assert.ok(decreased(losses, 0.9), `${make.name}: ${losses[0]} → ${losses.at(-1)}`);
        opt.dispose();
      }
    });

    test('sgd (Nesterov), momentum, adamw, lionSgdInterp train through minimize; an LSTM learned optimizer steps', () => {
      const makers: Array<[string, () => Optimizer, number]> = [
        ['sgd nesterov', () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), 0.01],
        ['momentum', () => momentum({ lr: 0.05 }), 0.01],
        ['adamw', () => adamw({ lr: 0.05, weightDecay: 1e-3 }), 0.05],
        ['lionSgdInterp', () => lionSgdInterp({ lambda: 0.5, sgdLr: 0.05, lionLr: 0.01 }), 0.05],
      ];
      for (const [label, make, factor] of makers) {
        const w = tf.variable(tf.tensor1d([2, -3, 1, 0.5]));
        const f = () => tf.sum(tf.square(tf.sub(w, 0.5))) as tf.Scalar;
        const opt = tfOptimizer(make());
        const first = tf.tidy(() => f().dataSync()[0]!);
        for (let i = 0; i < 100; i++) opt.minimize(f);
        const last = tf.tidy(() => f().dataSync()[0]!);
        assert.ok(Number.isFinite(last) && last < factor * first, `${label}: ${first} → ${last}`);
        opt.dispose();
        w.dispose();
      }
      // An LSTM learned optimizer with an untrained θ: it steps (finite, moving), nothing more.
      const w = tf.variable(tf.tensor1d([2, -3, 1, 0.5]));
      const opt = tfOptimizer(lstmLOpt.optimizer(lstmLOpt.init(1), { outScale: 0.01 }));
      for (let i = 0; i < 10; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      const after = Array.from(w.dataSync());
      assert.ok(after.every(Number.isFinite) && after.some((v, i) => v !== [2, -3, 1, 0.5][i]), `lstm-lopt: ${after}`);
      opt.dispose();
      w.dispose();
    });

    test('chain(clip, adam, cosine-decayed lr) trains through minimize', () => {
      const sched = cosineDecay({ init: 0.1, decaySteps: 100 });
      const opt = tfOptimizer(chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(sched)));
      const w = tf.variable(tf.tensor1d([2, -3, 1]));
      const f = () => tf.sum(tf.square(tf.sub(w, tf.tensor1d([0.5, 0.5, 0.5])))) as tf.Scalar;
      const first = tf.tidy(() => f().dataSync()[0]!);
      for (let i = 0; i < 100; i++) opt.minimize(f);
      const last = tf.tidy(() => f().dataSync()[0]!);
      assert.ok(last < 0.05 * first, `${first} → ${last}`);
      assert.equal(opt.variableSets[0]!.state.scalars.count, 100);
      // The schedule is followed: after decaySteps the learning rate is 0 and nothing moves.
      const frozen = Array.from(w.dataSync());
      for (let i = 0; i < 3; i++) opt.minimize(f);
      assert.deepEqual(Array.from(w.dataSync()), frozen);
      opt.dispose();
      w.dispose();
    });

    test('a DCO rule made for the variables\' parameter count trains; another count is LENGTH_MISMATCH', () => {
      const a = tf.variable(tf.tensor2d([[1, -1], [2, 0.5]]));
      const b = tf.variable(tf.tensor1d([0.3, -0.7]));
      const f = () => tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b))) as tf.Scalar;
      const opt = tfOptimizer(dcog.optimizer(dcog.init(1, 6, { lr: 0.2, parameterization: 'full' })));
      const first = tf.tidy(() => f().dataSync()[0]!);
      for (let i = 0; i < 20; i++) opt.minimize(f);
      const last = tf.tidy(() => f().dataSync()[0]!);
      assert.ok(last < 1e-3 * first, `${first} → ${last}`);
      opt.dispose();
      const wrong = tfOptimizer(dcog.optimizer(dcog.init(1, 5)));
      const before = Array.from(a.dataSync());
      assert.throws(() => wrong.minimize(f), (e: unknown) => e instanceof MetaoptimError && e.code === 'LENGTH_MISMATCH' && /made for 5 parameters, these variables hold 6/.test(e.message));
      assert.deepEqual(Array.from(a.dataSync()), before);
      wrong.dispose();
      a.dispose();
      b.dispose();
    });

    test('Eve through applyGradients needs { loss }: MISSING_LOSS, variables unchanged', () => {
      const v = tf.variable(tf.tensor1d([1, 2]));
      const g = tf.tensor1d([0.1, 0.2]);
      const opt = tfOptimizer(eve());
      assert.throws(() => opt.applyGradients({ [v.name]: g }), (e: unknown) => e instanceof MetaoptimError && e.code === 'MISSING_LOSS');
      assert.deepEqual(Array.from(v.dataSync()), [1, 2]);
      opt.applyGradients({ [v.name]: g }, { loss: 0.5 });
      assert.notDeepEqual(Array.from(v.dataSync()), [1, 2]);
      opt.dispose();
      v.dispose();
      g.dispose();
    });
  });
}
