// A small seeded tf.layers model and regression data, browser-safe (tfjs-core and tfjs-layers
// only): the Node tests and the Chromium page (test/tfjs/browser-entry.ts) build the same model.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** mulberry32: deterministic values in [−scale, scale). */
export function seeded(seed: number): (n: number, scale?: number) => Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n, scale = 1) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = (next() * 2 - 1) * scale;
    return x;
  };
}

/** A regression problem: y = tanh(x·A) + noise, `rows` × `inputs` → `outputs`. */
export function regressionData(rows: number, inputs: number, outputs: number, seed = 7): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const r = seeded(seed);
  const xv = r(rows * inputs);
  const a = r(inputs * outputs);
  const yv = new Float32Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < outputs; j++) {
      let s = 0;
      for (let k = 0; k < inputs; k++) s += xv[i * inputs + k]! * a[k * outputs + j]!;
      yv[i * outputs + j] = Math.tanh(s) + 0.05 * Math.sin(7 * i + j);
    }
  }
  return { x: tf.tensor2d(xv, [rows, inputs]), y: tf.tensor2d(yv, [rows, outputs]) };
}

/** A 2-layer tanh MLP with seeded weights (the same seed gives the same model). */
export function smallModel(inputs: number, hidden: number, outputs: number, seed = 3): tfl.Sequential {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: hidden, inputShape: [inputs], activation: 'tanh' }), tfl.layers.dense({ units: outputs })],
  });
  const r = seeded(seed);
  tf.tidy(() => model.setWeights(model.getWeights().map((w) => tf.tensor(r(w.size, 0.5), w.shape))));
  return model;
}

/** All weights of a model, flattened, as plain numbers. */
export function flatWeights(model: tfl.LayersModel): number[] {
  return model.getWeights().flatMap((w) => Array.from(w.dataSync()));
}
