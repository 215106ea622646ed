export { Arena, Region, isStaleView, isWasmView } from './arena.js';
export { isDevelopment, reclaimStats } from './reclaim.js';
export type { Kernels, MomentKernels, VectorKernels } from './kernels.js';
export { type Build, simdSupported } from './load.js';
export {
  Runtime,
  type RuntimeInfo,
  type RuntimeOptions,
  createRuntime,
  defaultRuntimeOrThrow,
  ready,
  runtimeInfo,
} from './runtime.js';
