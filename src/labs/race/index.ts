export { type Contestant, contestants, raceLrGrid } from './contestants.js';
export { raceLab } from './lab.js';
export { type RaceResults, raceReport } from './report.js';
export { type RaceRun, type RaceTaskResult, type TuningPoint, raceTask } from './run.js';
export { type RaceTaskEntry, raceTasks } from './tasks.js';
