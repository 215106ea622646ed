export type { EstimatorName, EstimatorStep, GradientEstimator } from './estimator.js';
export { type EsParticle, truncatedEs } from './es.js';
export { type PesParticle, truncatedPes } from './pes.js';
export { GRADIENT_ESTIMATORS, type Particle, type ParticleJob, type ParticleResult, type Stagger, gradientEstimator, runParticle, startParticle } from './particle.js';
export type { UnrollSetup } from './pool.js';
export { type MetaHistoryEntry, type EsMetaTrainOptions, type EsMetaTrainResult, esMetaTrain } from './train.js';
export { type LoptRunState, type LoptUnrollOptions, type TruncatedUnroll, loptUnroll } from './unroll.js';
export { type SymmetryRegularizer, type TbpttOptions, type TbpttResult, type WindowResult, tbpttTrain, tbpttWindow } from './tbptt.js';
