/** @module metaoptim/l2o */
export { type LearnedOptimizer, type LearnedOptimizerOptions } from './types.js';
export { MLP_LOPT_THETA_SIZE, type MlpLOptOptions, mlpLOpt } from './mlp.js';
export { LSTM_LOPT_THETA_SIZE, type LstmLOptOptions, lstmLOpt } from './lstm.js';
export * from './outer/index.js';
export * from './pretrain/index.js';
export * from './celo/index.js';
export * from './adam-residual/index.js';
