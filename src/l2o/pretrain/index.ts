export { type ImitationOptions, type ImitationResult, imitationTheta, recordAdamFeatures } from './imitation.js';
export { type RunStats, runOn, taskSegments } from './run.js';
export { PRETRAIN_DEFAULTS, VALIDATION_BASE_SEED, type PretrainOptions, type PretrainResult, pretrainLearned } from './pretrain.js';
export { ADAM_RESIDUAL_FILE, loadAdamResidualTheta } from './learned.js';
export { LEARNED_FILE, type LearnedOptions, type LearnedThetaFile, decodeLearnedTheta, encodeLearnedTheta, learned, loadLearnedTheta } from './learned.js';
export { headSubspace } from './pretrain.js';
export { embedSubspace } from './setup.js';
