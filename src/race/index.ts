export { type Contestant, contestants, lrGrid } from './contestants.js';
export { raceLab, type RaceResults } from './lab.js';
export { type RaceRun, type RaceTaskResult, type TuningPoint, raceTask } from './run.js';
export { type RaceTaskEntry, raceTasks } from './tasks.js';
