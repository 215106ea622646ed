/** @module metaoptim/tasks */
export type { Evaluation, Split, Task, TaskFamily } from './types.js';
export { type ClassificationTaskOptions, MlpTask, classificationTask } from './classification.js';
export {
  DIGITS_SPLIT,
  DIGITS_VARIANTS,
  type DigitsMlpConfig,
  type DigitsMlpFamily,
  type DigitsMlpOptions,
  type DigitsVariant,
  digitsLogisticTask,
  digitsMlpFamily,
  digitsMlpTask,
  digitsSplit,
  digitsVariantTask,
} from './digits.js';
export { IRIS_SPLIT, WINE_SPLIT, irisSplit, irisTask, wineSplit, wineTask } from './uci.js';
export { DIVERGENCE_FACTOR, type EvalPoint, isDiverged, type TrainOptions, type TrainResult, train } from './train.js';
export {
  PROMPT_SHIFTS,
  type PromptShift,
  type PromptTuningOptions,
  PromptTuningTask,
  type PretrainedPromptNetwork,
  pretrainPromptNetwork,
  promptTuningTask,
  shiftDigits,
} from './prompt-tuning.js';
export { type NoisyQuadraticConfig, type NoisyQuadraticFamilyOptions, noisyQuadraticFamily, noisyQuadraticTask } from './noisy-quadratic.js';
export { MinibatchStream, type MinibatchStreamOptions } from './minibatch.js';
export { type F64Task, type HasF64, asF64Task, fromTask } from './f64.js';
export { LeastSquaresTask, type LeastSquaresConfig, type LeastSquaresFamily, type LeastSquaresOptions, leastSquaresFamily } from './least-squares.js';
export { QuadraticTask, type QuadraticConfig, type QuadraticFamily, type QuadraticOptions, quadraticFamily } from './quadratic.js';
export { type LogisticConfig, type LogisticDataset, type LogisticFamily, type LogisticFamilyOptions, LogisticTask, logisticFamily, logisticFamilyOf } from './logistic.js';
export { type NonconvexOptions, type TestFunctionTask, ackleyTask, rastriginTask } from './nonconvex.js';
export { type QuadraticTaskOptions, quadraticTask, rosenbrockTask } from './functions.js';
export { BENCHMARK_SUITE, type SuiteTask, registerSuiteTasks, suiteTask, suiteTasks } from './suite.js';
export { bealeTask, deepNoisyQuadraticTask, digitsAutoencoderTask, teacherStudentTask } from './suite-tasks.js';
