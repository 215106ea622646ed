/** @module metaoptim/analysis */
export {
  type CovarianceSummary,
  type CovarianceSummaryOptions,
  type PowerOptions,
  type SampleMatrix,
  type StatsOptions,
  covariance,
  covarianceSummary,
  gram,
  lambdaMax,
  spectrumSummary,
  traceAround,
} from './covariance.js';
export { type HistogramOptions, type LogHistogram, type TensorNorm, NormTrace, logHistogram, tensorNorms } from './magnitude.js';
export { wouldUpdate, wouldUpdates } from './observe.js';
export { paretoSamples, stableSamples } from './samples.js';
export {
  type SymmetryDeviations,
  type TwoLayerDims,
  type TwoLayerViews,
  effectiveGradient,
  symmetryDeviations,
  tensorViews,
  twoLayerViews,
  viewsFromLayout,
} from './symmetry.js';
export { type CheckpointAnalysis, type CheckpointAnalysisOptions, type NoiseStats, analyzeCheckpoint } from './dynamics.js';
export { type HillOptions, largestDivisorBelowSqrt, noise, tailIndexBlockSum, tailIndexHill } from './tail.js';
export { type RecordRunOptions, type RunRecord, type SymmetryRecord, recordRun } from './record.js';
