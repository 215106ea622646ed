/**
 * metaoptim/tfjs — any metaoptim optimizer as a TensorFlow.js `tf.Optimizer`.
 *
 *   import { ready, eve } from 'metaoptim';
 *   import { tfOptimizer } from 'metaoptim/tfjs';
 *   await ready();
 *   model.compile({ optimizer: tfOptimizer(eve({ lr: 1e-3 })), loss: 'meanSquaredError' });
 *   await model.fit(xs, ys, { epochs: 10 });
 *
 * `@tensorflow/tfjs-core` (4.x) is an optional peer dependency: only this subpath imports it.
 * Hand-made optimizers, `chain(…)` with schedules, `learned()` (metaoptim/l2o) and the DCO rules
 * (metaoptim/dco, when θ was made for the model's parameter count) all work. See docs/tfjs.md.
 * @module metaoptim/tfjs
 */
export { type TfOptimizerConfig } from './config.js';
export { type NamedGradient } from './variable-set.js';
export { MetaoptimTfOptimizer, TF_OPTIMIZER_KEYS, type TfOptimizerOptions, type VariableSetInfo, tfOptimizer } from './optimizer.js';
