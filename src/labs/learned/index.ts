// lab learned: the pretrained learned optimizer vs per-task tuned Adam on held-out digits MLPs.
export { learnedLab, LEARNED_RESULTS_VERSION } from './lab.js';
export { ADAM_GRID, TUNE_SEED, evaluateLearned, type EvaluateLearnedOptions, type LearnedEvaluation, type TaskEvaluation, type TaskRun } from './evaluate.js';
export { HELD_OUT_BASE_SEED, HELD_OUT_WIDTHS, describeConfig, heldOutDigitsConfigs } from './held-out.js';
export { buildReport, evaluationTable, summaryLines } from './report.js';
