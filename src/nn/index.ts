/** @module metaoptim/nn */
export { type Activation, type TensorInfo, mlpLayout } from './layout.js';
export { type Batch, type InitScheme, Mlp, type MlpOptions, mlp } from './mlp.js';
