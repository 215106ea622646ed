// The inner problem of the demo's meta-training, loaded by every Web Worker (and by name in
// the page): a module exporting an async factory that builds the worker's own WebAssembly
// runtime and a truncated unroll of the MLP learned optimizer on noisy quadratics.
// In an application: import from 'metaoptim' and 'metaoptim/…' instead of ../../dist/src/.
import { createRuntime } from '../../dist/src/index.js';
import { loptUnroll, mlpLOpt } from '../../dist/src/l2o/index.js';
import { noisyQuadraticFamily } from '../../dist/src/tasks/index.js';

/** @param {{ dim: number, innerSteps: number }} args */
export async function createUnroll(args) {
  const runtime = await createRuntime();
  return loptUnroll({ family: noisyQuadraticFamily({ dim: args.dim }), lopt: mlpLOpt, runtime, innerSteps: args.innerSteps });
}
