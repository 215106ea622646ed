// TensorFlow.js in tests: tfjs-core with the cpu and wasm backends (the wasm backend reads its
// .wasm files from the package folder in Node), tfjs-layers, and a small seeded model.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

export { tf, tfl };
export { flatWeights, regressionData, seeded, smallModel } from './tfjs-model.js';

/** The backends every adapter test runs on. */
export const BACKENDS = ['cpu', 'wasm'] as const;

let pathsSet = false;

/** Activates a tfjs backend (no debug banner); throws if it cannot start. */
export async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  tf.enableProdMode();
  if (name === 'wasm' && !pathsSet) {
    const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasmBackend.setWasmPaths(`${dirname(main)}/`);
    pathsSet = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not start`);
  await tf.ready();
}

