// The adapter workload run identically in Node and in Chromium (test/tfjs/browser.test.ts), on
// the active tfjs backend: Adam against tf.train.adam through model.fit, Eve through model.fit,
// tensor counts over many minimize steps, and the WebAssembly-aliasing check. Browser-safe.
import { type Runtime, adam, eve, sgd } from '../../src/index.js';
import { tfOptimizer } from '../../src/tfjs/index.js';
import { flatWeights, regressionData, smallModel } from '../support/tfjs-model.js';
import * as tf from '@tensorflow/tfjs-core';

export interface WorkloadResult {
  backend: string;
  /** Weights after 50 steps with tfOptimizer(adam(o)), and with tf.train.adam(o). */
  adamWeights: number[];
  tfAdamWeights: number[];
  eveLosses: number[];
  tensorsBefore: number;
  tensorsAfter: number;
  /** Variable values after its state's WebAssembly memory was overwritten and grown. */
  aliasCheck: number[];
}

/** Trains the small seeded model `epochs` full-batch steps with `optimizer` (then disposed). */
export async function fit(optimizer: tf.Optimizer, epochs: number): Promise<{ weights: number[]; losses: number[] }> {
  const { x, y } = regressionData(32, 5, 3);
  const model = smallModel(5, 8, 3);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const h = await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  const weights = flatWeights(model);
  model.dispose();
  optimizer.dispose();
  x.dispose();
  y.dispose();
  return { weights, losses: h.history.loss as number[] };
}

/** 50 model.fit steps with tfOptimizer(adam(o)) and with tf.train.adam(o): the two weight vectors. */
export async function adamPair(runtime: Runtime): Promise<{ ours: number[]; theirs: number[] }> {
  const H = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 };
  const ours = await fit(tfOptimizer(adam(H), { runtime }), 50);
  const theirs = await fit(tf.train.adam(H.lr, H.beta1, H.beta2, H.eps), 50);
  return { ours: ours.weights, theirs: theirs.weights };
}

/** Runs the workload on the active backend with states in `runtime` (`steps` minimize steps for the tensor count). */
export async function adapterWorkload(runtime: Runtime, steps = 1000): Promise<WorkloadResult> {
  const pair = await adamPair(runtime);
  const eveRun = await fit(tfOptimizer(eve({ lr: 1e-2 }), { runtime }), 30);

  const w = tf.variable(tf.randomNormal([20, 5], 0, 1, 'float32', 1));
  const x = tf.randomNormal([16, 20], 0, 1, 'float32', 2);
  const opt = tfOptimizer(eve({ lr: 1e-3 }), { runtime });
  const f = () => tf.mean(tf.square(tf.matMul(x, w))) as tf.Scalar;
  opt.minimize(f);
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) opt.minimize(f);
  const tensorsAfter = tf.memory().numTensors;
  opt.dispose();
  w.dispose();
  x.dispose();

  const v = tf.variable(tf.tensor1d([1, 2, 3, 4]));
  const g = tf.tensor1d([1, 1, 1, 1]);
  const o2 = tfOptimizer(sgd({ lr: 1 }), { runtime });
  o2.applyGradients({ [v.name]: g });
  o2.variableSets[0]!.state.params.fill(-7);
  const big = sgd().init(new Float32Array(1 << 22), { runtime });
  const aliasCheck = Array.from(v.dataSync());
  big.dispose();
  o2.dispose();
  v.dispose();
  g.dispose();
  return { backend: tf.getBackend(), adamWeights: pair.ours, tfAdamWeights: pair.theirs, eveLosses: eveRun.losses, tensorsBefore, tensorsAfter, aliasCheck };
}
