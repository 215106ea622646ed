export { ADAM_RESIDUAL_KEYS, type AdamResidualOptions, adamResidualConfig, adamResidualLOpt } from './optimizer.js';
export { AR_BLOCKS, AR_HIDDEN, AR_INPUTS, AR_LR_BIAS, AR_THETA_SIZE, adamResidualInit, arCosineStart, arResidualStart, cosineScheduleFit, runInputs, scheduleLogScale } from './schedule.js';
export { type MetaData, type MetaTask, type MetaTaskSpec, augmentTask, loadMetaData, metaTask, sampleMetaSpec } from './tasks.js';
export { type ArRunState, type ArUnrollArgs, arUnroll } from './unroll.js';
export { AR_COSINE_RECIPE, AR_MULTIPLICATIVE_RECIPE, AR_QUICK_RECIPE, AR_RECIPE, AR_RESIDUAL_RECIPE, AR_VALIDATION_BASE_SEED, type ArMetaTrainOptions, type ArMetaTrainResult, arSubspace, arValidate, metaTrainAdamResidual } from './metatrain.js';
export { type AdamResidualThetaFile, decodeAdamResidualTheta, encodeAdamResidualTheta } from './file.js';
