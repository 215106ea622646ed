export { type EsParticle, esStart, esStep } from './es.js';
export { type PesParticle, pesStart, pesStep } from './pes.js';
export { type Estimator, type Particle, type ParticleJob, type ParticleResult, runParticle, startParticle } from './particle.js';
export type { UnrollSetup } from './pool.js';
export { type MetaHistoryEntry, type MetaProgress, type EsMetaTrainOptions, type EsMetaTrainResult, esMetaTrain } from './train.js';
export { type LoptRunState, type LoptUnrollOptions, type TruncatedUnroll, loptUnroll } from './unroll.js';
export { type SymmetryRegularizer, type TbpttOptions, type TbpttResult, type WindowResult, tbpttTrain, tbpttWindow } from './tbptt.js';
