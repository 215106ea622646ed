/** @module metaoptim/labs */
// metaoptim/labs: the laboratory on top of the library. The lab contract, the registry of
// `npx metaoptim lab <name>`, and the one experimental protocol every lab uses.
export { type Lab, type LabOptionSpec, type LabOptions, type LabResult, checkLabExtra, labInteger } from './lab.js';
export { labs } from './registry.js';
export {
  formatMeanSd,
  lrGrid,
  resultsHeader,
  runFixed,
  summarizeSeeds,
  tuneLr,
  type FixedRun,
  type ResultsHeader,
  type RunFixedOptions,
  type SeedSummary,
  type TuneLrOptions,
  type TuneLrResult,
  type TuneScore,
} from './protocol.js';
export { type Contestant, contestants, raceLab, raceLrGrid, raceReport, raceTask, raceTasks, type RaceResults, type RaceRun, type RaceTaskEntry, type RaceTaskResult, type TuningPoint } from './race/index.js';
export { type DcoLabResults, dcoLab } from './dco/lab.js';
export { LOGISTIC_LR_GRID, type LogisticExperimentOptions, type LogisticExperimentResult, type LogisticRow, logisticExperiment } from './dco/logistic.js';
export * as dynamics from './dynamics/index.js';
export * as learned from './learned/index.js';
export {
  BUDGETS,
  type Budget,
  type BudgetResult,
  type ContestantTask,
  contestantTask,
  type ProtocolContestant,
  type RunMetrics,
  type ThreeBudgetOptions,
  rankAcrossTasks,
  runMetrics,
  runThreeBudgets,
} from './protocol.js';
export { eveContestants, pickContestants, registerContestants, suiteContestants } from './contestants.js';
export { eveLab } from './eve/lab.js';
export { type EveResults, eveReport } from './eve/report.js';
export { type Finding, type Verdict, findings as eveFindings } from './eve/findings.js';
