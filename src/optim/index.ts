export { type AdamOptions, adam, adamw } from './adam.js';
export { type EpsMode, type EveOptions, eve } from './eve.js';
export { type LionOptions, lion } from './lion.js';
export { type SgdOptions, momentum, sgd } from './sgd.js';
export { OptState } from './state.js';
export { checkStateMaker, optimizerOf } from './base.js';
export type { StateMaker } from './maker.js';
export { CHECKPOINT_VERSION, type DecodedCheckpoint, decodeCheckpoint as readCheckpoint } from './checkpoint.js';
export {
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  linearWarmup,
  warmupCosineDecay,
} from './schedules.js';
export {
  type Transform,
  type TransformContext,
  addDecayedWeights,
  chain,
  clipByGlobalNorm,
  clipByValue,
  type EveFeedbackOptions,
  eveFeedback,
  scale,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  scaleByLion,
  trace,
} from './transforms.js';
export type { GradientInput, InitOptions, NonFinitePolicy, Optimizer, RestoreOptions, Schedule, StepInfo } from './types.js';
export { type LionSgdInterpOptions, lionSgdInterp } from './lion-sgd-interp.js';
