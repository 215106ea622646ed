export { type Contestant, RACE_CONTESTANTS, contestants, raceLrGrid } from './contestants.js';
export { raceLab } from './lab.js';
export { type RaceResults, raceRanks, raceReport } from './report.js';
export { type RaceRun, type RaceTaskResult, type TuningPoint, meanCurve, raceTask } from './run.js';
export { RACE_DEFAULT_TASKS, type RaceTaskEntry, raceTasks } from './tasks.js';
