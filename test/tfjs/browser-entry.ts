// The Chromium page's script (bundled by esbuild in test/tfjs/browser.test.ts): tfjs-core with
// the cpu and wasm backends, tfjs-layers, metaoptim and its TF.js adapter, and one global the
// test calls: `runAdapterWorkload(backend, wasmBase)`.
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRuntime } from '../../src/index.js';
import { type WorkloadResult, adapterWorkload } from './workload.js';

/** Activates `backend` and runs the adapter workload in the page. */
async function runAdapterWorkload(backend: 'cpu' | 'wasm', base: string): Promise<WorkloadResult & { build: string }> {
  setWasmPaths(`${base}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const runtime = await createRuntime({ build: 'simd', url: `${base}/build/metaoptim.simd.wasm` });
  try {
    return { ...(await adapterWorkload(runtime, 300)), build: runtime.build };
  } finally {
    runtime.dispose();
  }
}

(globalThis as { runAdapterWorkload?: typeof runAdapterWorkload }).runAdapterWorkload = runAdapterWorkload;
