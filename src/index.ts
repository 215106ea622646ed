// metaoptim — public API. See README.md for the tour and docs/ for each capability.
export { MetaoptimError } from './errors.js';
export {
  Arena,
  Region,
  Runtime,
  type Build,
  type RuntimeInfo,
  type RuntimeOptions,
  createRuntime,
  ready,
  runtimeInfo,
  simdSupported,
} from './runtime/index.js';
export * from './optim/index.js';
export * from './analysis/index.js';
export * from './l2o/index.js';
