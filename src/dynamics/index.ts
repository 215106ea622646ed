export { lionSgdInterp, type LionSgdInterpOptions } from './interp.js';
export { LR_GRID, pickLearningRate, pickByScore, summedLoss, type LrProtocolOptions, type LrProtocolResult } from './lr-protocol.js';
export { runDynamics, QUICK_CONFIG, FULL_CONFIG, type DynamicsConfig, type DynamicsResults } from './experiment.js';
export { dynamicsLab } from './lab.js';
