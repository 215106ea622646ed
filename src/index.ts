// metaoptim — public API. See README.md for the tour and docs/ for each capability.
export { MetaoptimError } from './core/errors.js';
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
export * from './data/index.js';
export { Rng } from './core/rng.js';
export * from './tasks/index.js';
export * from './nn/index.js';
export * from './restart/index.js';
export * as qp from './qp/index.js';
export * as dco from './dco/index.js';
export * from './bilevel/index.js';
export * from './analysis/index.js';
export * from './l2o/index.js';
// The held-out tasks of `lab learned` (test/learned.test.ts uses them); the lead's root rebuild decides.
export { heldOutDigitsConfigs } from './labs/learned/held-out.js';
