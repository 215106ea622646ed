// lab dynamics: the training dynamics of learned optimizers (Sobotka et al., SPEC B.1.9).
export { dynamicsLab } from './lab.js';
export { DYNAMICS_RESULTS_VERSION, runDynamics, type RunDynamicsOptions } from './experiment.js';
export { FULL_CONFIG, QUICK_CONFIG, SPEC_B11_LR_GRID, type DynamicsConfig } from './config.js';
export { findings, movingAverage } from './findings.js';
export { buildReport, summaryLines } from './report.js';
export type { DynamicsResults, Finding, Findings, OptSummary, Verdict } from './types.js';
export { type CeloDynamics, celoDynamics, celoFindings } from './celo.js';
