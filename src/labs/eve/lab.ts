import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { Loop, abortedError, isAborted } from '../../core/loop.js';
import { eve } from '../../optim/eve.js';
import { ready } from '../../runtime/runtime.js';
import { type SuiteTask, suiteTask, suiteTasks } from '../../tasks/suite.js';
import { eveContestants, pickContestants } from '../contestants.js';
import { type Lab, type LabOptions, type LabResult, labInteger } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { findings } from './findings.js';
import { type EveResults, eveReport, eveSummary } from './report.js';
import { type CoefficientTrace, type EveTaskResult, type HeatmapResult, coefficientTrace, heatmap, suiteRuns } from './run.js';

/**
 * `npx metaoptim lab eve [--quick] [--seed n] [--task a,b] [--seeds n] [--contestants a,b]`:
 * the Eve paper (Koushik & Hayashi, arXiv 1611.01505; SPEC A.1.5) on the benchmark suite.
 * Every contestant runs on every task under the three-budget protocol (labs/protocol.ts,
 * `runThreeBudgets`); then Eve's β3 × c sweep on two tasks and Eve's coefficient over time; the
 * findings table states per claim "reproduced" / "partly" / "not reproduced" with numbers.
 *
 * Full: the 20 suite tasks at their budgets, 10 reported seeds (0…9), tuning seed 1000, sweep
 * β3 ∈ {0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.9, 0.99, 0.999, 0.9999, 0.99999} × c ∈ {2, 5, 10, 15,
 * 20, 50, 100} (the paper's grids) on digits-mlp-relu and logreg-digits, 3 seeds. Quick (≤ 2 min):
 * five small tasks (iris, wine, Beale, a quadratic), 3 seeds, a 4 × 3 sweep on two of them.
 * `--seed` shifts every seed. Loop contract: progress in (task, contestant) units then sweep
 * cells; ABORTED `{ iteration, partial: LabResult }` with what finished.
 * Errors: INVALID_ARGUMENT (unknown task or contestant, bad --seeds), ABORTED.
 */
const VERSION = 1;

const FULL = {
  tasks: suiteTasks({ heldOut: false }).map((t) => t.name),
  seeds: 10,
  tuneSeeds: [1000],
  heat: { tasks: ['digits-mlp-relu', 'logreg-digits'], beta3: [0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.9, 0.99, 0.999, 0.9999, 0.99999], c: [2, 5, 10, 15, 20, 50, 100], seeds: 3 },
  curvePoints: 100,
};
const QUICK = {
  tasks: ['logreg-iris', 'iris-mlp', 'wine-mlp', 'beale', 'quadratic-10-1e2'],
  seeds: 3,
  tuneSeeds: [1000],
  heat: { tasks: ['logreg-iris', 'iris-mlp'], beta3: [0, 0.9, 0.999, 0.9999], c: [2, 10, 50], seeds: 2 },
  curvePoints: 60,
};

function list(v: string | boolean | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const names = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (names.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'lab eve: a list option needs at least one name');
  return names;
}

export const eveLab: Lab = {
  name: 'eve',
  summary: 'the Eve paper on the benchmark suite: three budgets, LR sensitivity, β3 × c sweep, verdict per claim',
  options: [
    { name: 'task', type: 'string', help: 'comma-separated suite tasks (default: quick 5 small tasks, full all 20)' },
    { name: 'seeds', type: 'integer', help: 'reported seeds per task (quick 3, full 10)' },
    { name: 'contestants', type: 'string', help: `comma-separated optimizers (default: ${eveContestants().map((c) => c.name).join(', ')})` },
  ],
  async run(opts: LabOptions): Promise<LabResult> {
    checkOptions('lab eve', opts.extra, ['task', 'seeds', 'contestants']);
    const cfg = opts.quick ? QUICK : FULL;
    const base = opts.seed >>> 0;
    const entries: SuiteTask[] = (list(opts.extra?.task) ?? cfg.tasks).map(suiteTask);
    const contestants = list(opts.extra?.contestants) ? pickContestants(list(opts.extra?.contestants)!) : eveContestants();
    const nSeeds = labInteger(eveLab, opts, 'seeds', cfg.seeds, 2);
    const reportSeeds = Array.from({ length: nSeeds }, (_, i) => base + i);
    const tuneSeeds = cfg.tuneSeeds.map((s) => base + s);
    const heatSeeds = Array.from({ length: cfg.heat.seeds }, (_, i) => base + i);
    const heatTasks = cfg.heat.tasks.filter((n) => entries.some((e) => e.name === n));
    const hasEve = contestants.some((c) => c.name === 'eve');
    const cells = hasEve ? heatTasks.length * cfg.heat.beta3.length * cfg.heat.c.length : 0;
    const loop = new Loop('lab eve', opts, { label: 'eve', total: entries.length * contestants.length + cells + 1 });
    const build = (await ready()).build;
    const tasks: EveTaskResult[] = [];
    const heat: HeatmapResult[] = [];
    const traces: CoefficientTrace[] = [];
    let done = 0;
    const results = (partial: boolean): EveResults => ({
      ...resultsHeader({ lab: 'eve', version: VERSION, seed: base, quick: opts.quick, build, elapsedMs: Math.round(loop.elapsedMs), partial }),
      lab: 'eve',
      settings: { reportSeeds, tuneSeeds, heatmapSeeds: heatSeeds, tasks: entries.map((e) => e.name) },
      contestants: contestants.map((c) => ({ name: c.name, config: c.config, defaultLr: c.defaultLr, extra: c.extra ?? null })),
      tasks,
      heatmaps: heat,
      traces,
      findings: findings(tasks, heat, tuneSeeds.length),
    });
    const labResult = (r: EveResults): LabResult => ({ results: r, report: eveReport(r), summary: eveSummary(r) });
    const eveLr = (task: string, name: string) => tasks.find((t) => t.name === task)?.contestants.find((c) => c.name === name)?.budgets.find((b) => b.budget === 'small')?.lr ?? 1e-3;
    const sweep = async (e: SuiteTask) => {
      heat.push(await heatmap(e, eveLr(e.name, 'eve'), cfg.heat.beta3, cfg.heat.c, { steps: e.budget.steps, seeds: heatSeeds, signal: opts.signal, onCell: () => loop.progress(++done) }));
      const task = await e.make();
      try {
        for (const variant of ['clip', 'thresholds'] as const) {
          const cname = variant === 'clip' ? 'eve' : 'eve-thresholds';
          const lr = eveLr(e.name, cname);
          traces.push(await coefficientTrace(task, eve({ lr, variant }), cname, lr, e.budget.steps, base, { signal: opts.signal }));
        }
      } finally {
        task.dispose?.();
      }
    };
    loop.progress(0);
    // the sweep tasks first, each followed at once by its sweep and coefficient traces, so that
    // an interrupted run still holds them
    const ordered = [...entries.filter((e) => heatTasks.includes(e.name)), ...entries.filter((e) => !heatTasks.includes(e.name))];
    try {
      for (const e of ordered) {
        let partialTask: EveTaskResult | undefined;
        try {
          tasks.push(await suiteRuns(e, contestants, {
            steps: e.budget.steps, reportSeeds, tuneSeeds, curvePoints: cfg.curvePoints, signal: opts.signal,
            onUnit: (p) => {
              partialTask = p;
              loop.progress(++done);
            },
          }));
        } catch (err) {
          if (partialTask && isAborted(err)) tasks.push(partialTask);
          throw err;
        }
        if (hasEve && heatTasks.includes(e.name)) await sweep(e);
      }
      loop.progress(++done);
    } catch (err) {
      if (isAborted(err)) throw abortedError('lab eve', done, labResult(results(true)));
      throw err;
    }
    loop.finish();
    return labResult(results(false));
  },
};
