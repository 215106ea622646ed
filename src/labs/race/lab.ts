import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { Loop, abortedError, isAborted } from '../../core/loop.js';
import { ready } from '../../runtime/runtime.js';
import { type Lab, type LabOptions, type LabResult, labInteger } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { raceLrGrid } from './contestants.js';
import { type RaceResults, protocolText, raceReport, summaryLines } from './report.js';
import { type RaceTaskResult, raceTask } from './run.js';
import { type RaceTaskEntry, raceTasks } from './tasks.js';

/**
 * `npx metaoptim race` (= `lab race`): every optimizer on every selected suite task, learning
 * rates tuned per (optimizer, task) on a log grid, then several seeds (see run.ts for the
 * protocol). Options (`extra`): `task` (comma-separated suite names; default: the entries marked
 * `default`), `steps` (override of the budget, an integer in [1, 1e7]) and `seeds` (reported
 * seeds per task, ≥ 2; quick 3, full 5).
 *
 * Loop contract: progress per task (label = task name, in optimizer steps); on abort rejects
 * with ABORTED `{ iteration: tasks finished, partial: LabResult }` whose results hold the
 * finished tasks and the finished runs of the current one, with `partial: true` in the header.
 *
 * Error codes: `INVALID_ARGUMENT` (unknown or empty task list, bad --steps), `UNKNOWN_OPTION`
 * (an `extra` key other than task/steps), `ABORTED`.
 */

const RACE_VERSION = 3;

function selectTasks(extra: LabOptions['extra']): [string, RaceTaskEntry][] {
  const known = Object.keys(raceTasks);
  const want = extra?.task;
  if (want === undefined) return known.filter((k) => raceTasks[k]!.default).map((k) => [k, raceTasks[k]!]);
  const names = typeof want === 'string' ? want.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
  if (names.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', `race: --task needs at least one task name (known: ${known.join(', ')})`);
  for (const n of names) {
    if (!Object.hasOwn(raceTasks, n)) throw new MetaoptimError('INVALID_ARGUMENT', `race: unknown task "${n}" (known: ${known.join(', ')})`);
  }
  return [...new Set(names)].map((n) => [n, raceTasks[n]!]);
}

function stepsOverride(extra: LabOptions['extra']): number | undefined {
  const s = extra?.steps;
  if (s === undefined) return undefined;
  const v = Number(s);
  if (typeof s !== 'string' || !/^\d+$/.test(s) || v < 1 || v > 1e7) {
    throw new MetaoptimError('INVALID_ARGUMENT', `race: --steps must be an integer in [1, 1e7], got ${String(s)}`);
  }
  return v;
}

function labResult(r: RaceResults): LabResult {
  return { results: r, summary: summaryLines(r), report: raceReport(r) };
}

export const raceLab: Lab = {
  name: 'race',
  summary: 'every optimizer on benchmark-suite tasks: lr tuned on a log grid, then several seeds (mean ± sd)',
  options: [
    { name: 'task', type: 'string', help: `comma-separated tasks (default: ${Object.keys(raceTasks).filter((k) => raceTasks[k]!.default).join(',')}; known: ${Object.keys(raceTasks).join(', ')})` },
    { name: 'steps', type: 'integer', help: 'steps per run, 1…1e7 (overrides the suite budget)' },
    { name: 'seeds', type: 'integer', help: 'reported seeds per task, ≥ 2 (quick 3, full 5)' },
  ],
  async run(opts: LabOptions): Promise<LabResult> {
    checkOptions('race', opts.extra, ['task', 'steps', 'seeds']);
    const selected = selectTasks(opts.extra);
    const override = stepsOverride(opts.extra);
    const seed = opts.seed >>> 0;
    const seeds = labInteger(raceLab, opts, 'seeds', opts.quick ? 3 : 5, 2);
    const loop = new Loop('race', opts, { total: selected.length });
    const build = (await ready()).build;
    const tasks: RaceTaskResult[] = [];
    const results = (partial: boolean): RaceResults => ({
      ...resultsHeader({ lab: 'race', version: RACE_VERSION, seed, quick: opts.quick, build, elapsedMs: Math.round(loop.elapsedMs), partial }),
      lab: 'race',
      lrGrid: raceLrGrid(opts.quick),
      seeds,
      protocol: protocolText(opts.quick, seeds),
      tasks,
    });
    for (const [name, entry] of selected) {
      const steps = override ?? entry.steps[opts.quick ? 'quick' : 'full'];
      try {
        tasks.push(await raceTask(name, entry, steps, { seed, quick: opts.quick, seeds, signal: opts.signal, onProgress: opts.onProgress }));
      } catch (err) {
        if (!isAborted(err)) throw err;
        const current = err.details.partial as RaceTaskResult | undefined;
        const finished = tasks.length;
        if (current && current.runs.length > 0) tasks.push(current);
        throw abortedError('race', finished, labResult(results(true)));
      }
    }
    return labResult(results(false));
  },
};
