// lab learned: the shipped learned optimizer vs tuned baselines on the held-out suite.
export { learnedContestants, learnedLab, LEARNED_RESULTS_VERSION } from './lab.js';
export { CONTEST_TUNE_SEED, CONTESTANT_BASELINES, type Contestant, type ContestEntry, type ContestOptions, type ContestPair, type ContestResult, type ContestRun, type ContestSummary, runContest, stepsToReach, summarizeContest } from './contest.js';
export { HELD_OUT_SUITE, type HeldOutTask, taskShapes } from './suite.js';
export { ADAM_GRID, TUNE_SEED, evaluateLearned, type EvaluateLearnedOptions, type LearnedEvaluation, type TaskEvaluation, type TaskRun } from './evaluate.js';
export { HELD_OUT_BASE_SEED, HELD_OUT_WIDTHS, describeConfig, heldOutDigitsConfigs } from './held-out.js';
export { buildReport, contestReport, contestSummaryLines, contestTable, evaluationTable, summaryLines } from './report.js';
