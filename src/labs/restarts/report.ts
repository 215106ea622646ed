import { mean, median, sd } from '../../core/stats.js';
import type { ReportSection } from '../../report/types.js';
import type { LabResult } from '../lab.js';
import type { Config, MethodSpec, RunRow, TaskSetup } from './setup.js';

// Tables, report sections and summary lines of `metaoptim lab restarts`, from the run rows.

const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/** mean, sample sd (n − 1), median, min, max of `xs` (core stats; NaN for an empty list). */
function describe(xs: number[]): { mean: number; sd: number; median: number; min: number; max: number } {
  if (xs.length === 0) return { mean: NaN, sd: NaN, median: NaN, min: NaN, max: NaN };
  return { mean: mean(xs), sd: sd(xs), median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

export const LOSS_COLUMNS = ['method', 'mean', 'sd', 'median', 'min', 'max', 'beats GD (same seed)', 'beats multi-start (same seed)', 'restarts/run', 'max evaluations/run'];

/** Final-loss table of one task: per method the statistics over seeds and the same-seed wins. */
export function lossTable(rows: RunRow[], task: string, ms: MethodSpec[]): (string | number)[][] {
  const of = (method: string) => rows.filter((x) => x.task === task && x.method === method);
  const gd = new Map(of('GD').map((x) => [x.seed, x.finalLoss]));
  const multi = new Map(of('GD + multi-start').map((x) => [x.seed, x.finalLoss]));
  const beats = (rs: RunRow[], ref: Map<number, number>) => rs.filter((x) => ref.has(x.seed) && x.finalLoss < ref.get(x.seed)! - 1e-9).length;
  return ms
    .map((m) => of(m.name))
    .filter((rs) => rs.length > 0)
    .map((rs) => {
      const st = describe(rs.map((x) => x.finalLoss));
      const evals = Math.max(...rs.map((x) => x.gradientSteps + x.polishSteps + x.scoringEvaluations));
      return [rs[0]!.method, r3(st.mean), r3(st.sd), r3(st.median), r3(st.min), r3(st.max), `${beats(rs, gd)}/${rs.length}`, `${beats(rs, multi)}/${rs.length}`, r3(mean(rs.map((x) => x.restarts))), evals];
    });
}

export interface ReportInput {
  rows: RunRow[];
  setups: TaskSetup[];
  methods: MethodSpec[];
  cfg: Config;
  seed: number;
  quick: boolean;
  shift: number[];
  llm: { baseURL: string; model: string } | undefined;
  /** The prompt task's description, accuracy with the neutral prompt, when it ran. */
  prompt?: { name: string; text: string; zero: { train: number; test: number } };
  partial: boolean;
  elapsedMs: number;
}

/** The report and summary lines of the lab. */
export function buildReport(o: ReportInput): { report: LabResult['report']; summary: string[] } {
  const { rows, setups, methods: ms, cfg } = o;
  const accuracyRows = o.prompt
    ? ms.map((m) => {
        const rs = rows.filter((x) => x.task === o.prompt!.name && x.method === m.name);
        const tr = describe(rs.map((x) => x.trainAccuracy ?? 0));
        const te = describe(rs.map((x) => x.testAccuracy ?? 0));
        return [m.name, r3(tr.mean), r3(tr.sd), r3(te.mean), r3(te.sd)] as (string | number)[];
      })
    : [];
  const overhead = ms
    .filter((m) => m.make)
    .map((m) => {
      const rs = rows.filter((x) => x.method === m.name);
      const perRound = (f: (x: RunRow) => number) => r3(rs.reduce((a, x) => a + f(x), 0) / Math.max(1, rs.reduce((a, x) => a + Math.max(1, x.proposerCalls), 0)));
      const perRun = (f: (x: RunRow) => number) => r3(rs.length ? mean(rs.map(f)) : NaN);
      return [m.name, perRound((x) => x.overheadMs.serialize), perRound((x) => x.overheadMs.proposer), perRound((x) => x.overheadMs.parse), perRound((x) => x.overheadMs.score), perRun((x) => x.rejected), perRun((x) => x.tokens)];
    });
  const sections: ReportSection[] = [
    {
      title: 'Protocol',
      text: [
        `${o.partial ? 'ABORTED: partial results (only the runs that finished). ' : ''}Tasks: ${setups.map((s) => `${s.task.name} (${s.opt}, perturbation σ ${s.sigma})`).join(', ')}; ${cfg.seeds} seeds (${o.seed}…${o.seed + cfg.seeds - 1}); ${(o.elapsedMs / 1000).toFixed(1)} s. Rastrigin and Ackley start uniform in the task's box (±5.12, ±5) from the seed.`,
        ...(o.prompt ? [o.prompt.text] : []),
        `Equal budget T = ${cfg.total} gradient-equivalent evaluations per run. GD alone: ${cfg.total} steps. Restart methods: N = ${cfg.rounds} rounds of m = ${cfg.stepsPerRound} steps; per round k = ${cfg.candidates} candidates, each polished with P = ${cfg.polish} gradient steps and scored with 1 loss evaluation, plus 1 loss evaluation of the current iterate (pick 'bestOrCurrent', optimizer state kept); every loss-only evaluation is charged as a gradient evaluation, and the full charge N·(k·(P+1)+1) = ${cfg.charge} is taken even if a proposer returns fewer vectors; final stage M = ${cfg.finalSteps} steps.`,
        `The loss reported is the final iterate's (not the best seen); statistics over seeds use the sample sd (n − 1). Global minimum 0 at the origin, or at the seeded shift [${o.shift.map((v) => v.toFixed(2)).join(', ')}] for the -shifted variants.`,
        o.llm ? `LLM proposer: ${o.llm.model} at ${o.llm.baseURL}.` : 'No LLM configured (set METAOPTIM_LLM_BASE_URL and METAOPTIM_LLM_MODEL, or --llm-base-url and --llm-model, to add GD + LLM).',
      ],
    },
    ...setups.map((s) => ({
      title: `Final loss on ${s.task.name}`,
      tables: [{ columns: LOSS_COLUMNS, rows: lossTable(rows, s.task.name, ms), caption: `mean, sample sd, median, min, max over ${cfg.seeds} seeds` }],
      charts: [
        {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          title: `final loss, ${s.task.name}`,
          data: { values: rows.filter((x) => x.task === s.task.name).map((x) => ({ method: x.method, loss: x.finalLoss })) },
          mark: { type: 'tick', thickness: 2 },
          encoding: { y: { field: 'method', type: 'nominal' }, x: { field: 'loss', type: 'quantitative' } },
          width: 420,
        },
      ],
    })),
  ];
  if (o.prompt) {
    sections.push({
      title: `Accuracy on ${o.prompt.name}`,
      text: [`Final accuracy of the tuned prompt on the shifted train and test splits (1,400 / 397 images); the neutral prompt 0 scores ${r3(o.prompt.zero.train)} / ${r3(o.prompt.zero.test)}.`],
      tables: [{ columns: ['method', 'train accuracy mean', 'sd', 'test accuracy mean', 'sd'], rows: accuracyRows }],
    });
  }
  sections.push({
    title: 'Proposer overhead per round',
    text: ['Mean wall time per proposer round (ms): serialization of the trajectory, the proposer call, parsing, and scoring (candidate polishing included); rejected vectors per run (malformed, wrong length, non-finite, duplicate, over limit); tokens per run (server usage, else ⌈chars/4⌉).'],
    tables: [{ columns: ['method', 'serialize ms', 'proposer ms', 'parse ms', 'score+polish ms', 'rejected/run', 'tokens/run'], rows: overhead }],
  });
  const summary = [`lab restarts (${o.quick ? 'quick' : 'full'}, ${cfg.seeds} seeds, budget ${cfg.total} evaluations/run${o.partial ? ', ABORTED: partial' : ''}): mean ± sd of the final loss`];
  for (const s of setups) {
    summary.push(`  ${s.task.name}`);
    for (const row of lossTable(rows, s.task.name, ms)) summary.push(`    ${String(row[0]).padEnd(26)} ${String(row[1]).padStart(9)} ± ${String(row[2]).padEnd(8)} median ${String(row[3]).padEnd(8)} beats GD ${String(row[6]).padEnd(6)} beats multi-start ${row[7]}`);
  }
  if (o.prompt) {
    summary.push(`  ${o.prompt.name}: final accuracy train / test (mean over seeds; neutral prompt ${r3(o.prompt.zero.train)} / ${r3(o.prompt.zero.test)})`);
    for (const row of accuracyRows) summary.push(`    ${String(row[0]).padEnd(26)} ${row[1]} / ${row[3]}`);
  }
  return { report: { title: 'GD with proposer restarts', subtitle: `SPEC A.3 ablation at an equal gradient budget${o.partial ? ' (partial)' : ''}`, sections }, summary };
}
