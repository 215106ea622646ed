/** @module metaoptim/core */
// metaoptim/core: the shared foundation below everything else (errors, the one Rng, small
// f64 linear algebra, statistics, the f64 Adam helper, the typed-array JSON codec and the
// loop contract). Pure TypeScript, no WebAssembly, no dependencies.
export { MetaoptimError, checkNumber, checkOptions, closestKey, optionKeys } from './errors.js';
export { Rng, mixSeed } from './rng.js';
export * as linalg from './linalg.js';
export { mean, sd, meanSd, median, quantile, iqm, bootstrapCi, spearman, ranks, finite, type BootstrapOptions } from './stats.js';
export { adamF64Init, adamF64Step, type AdamF64Options, type AdamF64State } from './adam.js';
export { encodeJson, decodeJson } from './codec.js';
export {
  Loop,
  LOOP_OPTION_KEYS,
  abortedError,
  isAborted,
  yieldToEventLoop,
  type AbortedDetails,
  type LoopInit,
  type LoopOptions,
  type ProgressEvent,
} from './loop.js';
export { crc32, crc32Hex } from './crc32.js';
