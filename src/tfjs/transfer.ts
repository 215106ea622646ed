// Moving f32 data between TF.js tensors and metaoptim's WebAssembly memory, with one copy each way
// where the backend allows it and never a TF.js tensor that aliases metaoptim's memory.
//
// In (gradients, parameters written elsewhere):
//   tfjs-backend-wasm  a view of the tensor in TF.js's own heap (`typedArrayFromHeap`), copied
//                      once into metaoptim's memory. (`dataSync()` would first copy it into a new
//                      ArrayBuffer: 4 MB per million parameters, ~40× slower in Node.)
//   other backends     `dataSync()` (cpu returns its stored array, webgl downloads), then one copy.
// Out (updated parameters):
//   tfjs-backend-wasm  `tf.tensor(view)` copies the view into TF.js's heap at once (backend
//                      `write` → `HEAPU8.set`), so passing a view of metaoptim's memory is safe
//                      and saves a copy.
//   other backends     `slice()` first: the cpu backend keeps the array it is given (webgl keeps
//                      it until upload), so a view would make the weights change with metaoptim's
//                      memory: the next step, another state, or a memory growth.
// The wasm fast paths are chosen per tensor from the backend that owns it, by feature test
// (`typedArrayFromHeap` present, the data id known to that backend); anything else takes the
// generic path.
import * as tf from '@tensorflow/tfjs-core';

/** What the tfjs-backend-wasm backend exposes that the fast paths use. */
interface HeapBackend {
  typedArrayFromHeap(info: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  dataIdMap: { has(dataId: object): boolean };
}

interface EngineState {
  state: { tensorInfo: { get(dataId: object): { backend: unknown } | undefined } };
}

function heapBackend(backend: unknown): HeapBackend | undefined {
  const b = backend as Partial<HeapBackend> | null;
  return b && typeof b.typedArrayFromHeap === 'function' && typeof b.dataIdMap?.has === 'function' ? (b as HeapBackend) : undefined;
}

/** The heap-view backend that owns `t`'s data, if any. */
function ownerHeap(t: tf.Tensor): HeapBackend | undefined {
  const info = (tf.engine() as unknown as EngineState).state?.tensorInfo?.get(t.dataId);
  const b = heapBackend(info?.backend);
  return b && t.dtype === 'float32' && b.dataIdMap.has(t.dataId) ? b : undefined;
}

/** Copies the values of the float32 tensor `t` into `dst` at `offset` (one copy on wasm). */
export function readInto(t: tf.Tensor, dst: Float32Array, offset: number): void {
  const heap = ownerHeap(t);
  dst.set(heap ? heap.typedArrayFromHeap(t as unknown as { shape: number[]; dtype: string; dataId: object }) : (t.dataSync() as Float32Array), offset);
}

/** True when the active backend copies the values of `tf.tensor(values)` at once (tfjs-wasm). */
export function backendCopiesOnWrite(): boolean {
  return tf.getBackend() === 'wasm' && heapBackend(tf.backend()) !== undefined;
}

/**
 * A new float32 tensor with the values of `view` (a view of WebAssembly memory) that does not
 * alias it: the view itself when `copies` (the backend copies at once), else a `slice()` of it.
 */
export function tensorFrom(view: Float32Array, shape: readonly number[], copies: boolean): tf.Tensor {
  return tf.tensor(copies ? view : view.slice(), shape as number[], 'float32');
}
