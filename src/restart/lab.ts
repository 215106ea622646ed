import type { Lab, LabOptions, LabResult } from '../labs/lab.js';
import { MetaoptimError } from '../core/errors.js';
import { adam } from '../optim/adam.js';
import { sgd } from '../optim/sgd.js';
import type { Optimizer } from '../optim/types.js';
import type { ReportSection } from '../report/types.js';
import { ready } from '../runtime/index.js';
import { ackleyTask, rastriginTask } from '../tasks/nonconvex.js';
import { promptTuningTask } from '../tasks/prompt-tuning.js';
import type { Task } from '../tasks/types.js';
import { Rng } from '../core/rng.js';
import { multiStartProposer, perturbationProposer } from './baselines.js';
import { type RestartResult, runRestarts } from './driver.js';
import { openAICompatible } from './openai.js';
import { surrogateProposer } from './surrogate.js';
import type { Proposer } from './types.js';

/** Adam learning rate of the prompt-tuning runs. */
const PROMPT_LR = 5e-2;
/** The prompt-tuning task of the lab: 8 tokens × 8 dims (64 parameters), frozen 128-32-10 ReLU network, digits moved 1 pixel right. */
const PROMPT_TASK = { shift: 'translate', tokens: 8, dim: 8, hidden: [32] } as const;

/**
 * `npx metaoptim lab restarts` — GD alone vs GD + proposer restarts (SPEC A.3.2's ablation:
 * single-start GD, multi-start, perturbation, and a proposer) at an equal gradient budget,
 * plus the surrogate without its funnel model (an ablation of the surrogate).
 *
 * Tasks: Rastrigin and Ackley in 10 dimensions, plain and with a seeded shifted minimum (SGD),
 * and soft-prompt tuning (`promptTuningTask`: 8 prompt vectors × 8 dims in front of a frozen
 * digits network pretrained in the package, digits moved one pixel right; Adam lr 5e-2), the
 * scaled-down version of the paper's own task. Runs record the final train loss and, where the
 * task has one, the final train and test accuracy.
 *
 * Budget accounting (stated in the report): every run may spend T gradient-equivalent
 * evaluations. GD alone does T gradient steps. A restart run does N rounds of m steps, then
 * per round up to k candidates, each polished with P gradient steps and scored with one
 * loss evaluation, plus one loss evaluation of the current iterate ('bestOrCurrent'); every
 * loss-only evaluation is charged as a full gradient evaluation (conservative: it costs at
 * most that). The charge N·(k·(P+1)+1) is taken whether or not the proposer returned k valid
 * vectors (an LLM that returns fewer is not refunded), and the rest goes to the final stage:
 * M = T − N·m − N·(k·(P+1)+1).
 *
 * GD + LLM is added when `METAOPTIM_LLM_BASE_URL` and `METAOPTIM_LLM_MODEL` (optionally
 * `METAOPTIM_LLM_API_KEY`) are set in the environment or given as `--llm-base-url`,
 * `--llm-model`, `--llm-api-key`; its errors are recorded per round, not fatal.
 * Extra options: `--seeds <count>`.
 */
interface Config {
  seeds: number;
  total: number;
  rounds: number;
  stepsPerRound: number;
  candidates: number;
  polish: number;
}

interface TaskSetup {
  task: Task;
  /** Optimizer description for the report. */
  opt: string;
  optimizer: () => Optimizer;
  /** σ of the perturbation baseline. */
  sigma: number;
}

interface RunRow {
  task: string;
  method: string;
  seed: number;
  finalLoss: number;
  /** Final accuracy on the train / test split, where the task has one (prompt tuning). */
  trainAccuracy?: number;
  testAccuracy?: number;
  bestLoss: number;
  restarts: number;
  gradientSteps: number;
  polishSteps: number;
  scoringEvaluations: number;
  proposerCalls: number;
  tokens: number;
  overheadMs: { serialize: number; proposer: number; parse: number; score: number };
  rejected: number;
}

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function stats(xs: number[]): { mean: number; std: number; median: number; min: number; max: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const s = [...xs].sort((a, b) => a - b);
  const median = n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
  return { mean, std, median, min: s[0]!, max: s[n - 1]! };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export const restartsLab: Lab = {
  name: 'restarts',
  options: [],
  summary: 'GD alone vs GD + surrogate / multi-start / perturbation (/ LLM) restarts at an equal gradient budget on Rastrigin and Ackley (plain and shifted) and soft-prompt tuning of a frozen digits network',
  async run(opts: LabOptions): Promise<LabResult> {
    await ready();
    const extra = opts.extra ?? {};
    const seedsOpt = str(extra.seeds);
    const cfg: Config = opts.quick
      ? { seeds: 10, total: 600, rounds: 5, stepsPerRound: 40, candidates: 4, polish: 15 }
      : { seeds: 30, total: 1500, rounds: 8, stepsPerRound: 50, candidates: 4, polish: 15 };
    if (seedsOpt !== undefined) {
      const s = Number(seedsOpt);
      if (!Number.isInteger(s) || s < 1) throw new MetaoptimError('INVALID_ARGUMENT', `lab restarts: --seeds must be a positive integer, got ${seedsOpt}`);
      cfg.seeds = s;
    }
    const charge = cfg.rounds * (cfg.candidates * (cfg.polish + 1) + 1);
    const finalSteps = cfg.total - cfg.rounds * cfg.stepsPerRound - charge;
    // The shifted variants move the minimum to a seeded point in [−2.5, 2.5]¹⁰ while the
    // start box stays centred at 0, so no method profits from aiming at the origin.
    const shiftRng = new Rng(opts.seed ^ 0x5eed);
    const shift = Array.from({ length: 10 }, () => 5 * shiftRng.uniform() - 2.5);
    const sgdSetup = (task: Task, lr: number): TaskSetup => ({ task, opt: `SGD lr ${lr}`, optimizer: () => sgd({ lr }), sigma: 0.5 });
    const baseURL = str(extra['llm-base-url']) ?? env('METAOPTIM_LLM_BASE_URL');
    const model = str(extra['llm-model']) ?? env('METAOPTIM_LLM_MODEL');
    const apiKey = str(extra['llm-api-key']) ?? env('METAOPTIM_LLM_API_KEY');
    const methods: { name: string; make: ((sigma: number) => Proposer) | null }[] = [
      { name: 'GD', make: null },
      { name: 'GD + surrogate', make: () => surrogateProposer() },
      { name: 'GD + multi-start', make: () => multiStartProposer() },
      { name: 'GD + perturbation', make: (sigma) => perturbationProposer({ sigma }) },
      { name: 'GD + surrogate w/o funnel', make: () => surrogateProposer({ funnel: false }) },
    ];
    if (baseURL && model) {
      methods.push({ name: `GD + LLM (${model})`, make: () => openAICompatible({ baseURL, model, ...(apiKey ? { apiKey } : {}), timeoutMs: 120_000, maxRetries: 3, temperature: 1 }) });
    }
    // Soft-prompt tuning (SPEC A.3's task, scaled down): 8 prompt vectors of dimension 8 in
    // front of a frozen 128-32-10 ReLU network pretrained in the package on digits, tuned
    // with Adam on digits moved one pixel right.
    const prompt = await promptTuningTask(PROMPT_TASK);
    const zero = { train: prompt.evaluate(new Float32Array(prompt.size), 'train').accuracy ?? 0, test: prompt.evaluate(new Float32Array(prompt.size), 'test').accuracy ?? 0 };
    const setups: TaskSetup[] = [
      sgdSetup(rastriginTask({ n: 10 }), 2e-3),
      sgdSetup(rastriginTask({ n: 10, shift }), 2e-3),
      sgdSetup(ackleyTask({ n: 10, range: 5 }), 5e-2),
      sgdSetup(ackleyTask({ n: 10, range: 5, shift }), 5e-2),
      { task: prompt, opt: `Adam lr ${PROMPT_LR}`, optimizer: () => adam({ lr: PROMPT_LR }), sigma: 0.5 },
    ];
    const rows: RunRow[] = [];
    const llmRounds: unknown[] = [];
    const totalRuns = setups.length * methods.length * cfg.seeds;
    const started = performance.now();
    let done = 0;
    try {
      for (const { task, optimizer, sigma } of setups) {
        for (const m of methods) {
          for (let s = 0; s < cfg.seeds; s++) {
            const seed = (opts.seed + s) >>> 0;
            opts.onProgress?.({ label: `${m.name} on ${task.name}`, done, total: totalRuns, elapsedMs: performance.now() - started });
            const common = { optimizer: optimizer(), seed, ...(opts.signal ? { signal: opts.signal } : {}) };
            const r: RestartResult = m.make
              ? await runRestarts(task, {
                  ...common,
                  proposer: m.make(sigma),
                  rounds: cfg.rounds,
                  stepsPerRound: cfg.stepsPerRound,
                  finalSteps,
                  candidates: cfg.candidates,
                  maxCandidates: cfg.candidates,
                  pick: 'bestOrCurrent',
                  polishSteps: cfg.polish,
                  onProposerError: 'record',
                })
              : await runRestarts(task, { ...common, proposer: multiStartProposer(), rounds: 0, stepsPerRound: 0, finalSteps: cfg.total });
            const sum = (f: (x: RestartResult['rounds'][number]) => number) => r.rounds.reduce((a, x) => a + f(x), 0);
            rows.push({
              task: task.name,
              method: m.name,
              seed,
              finalLoss: r.final.train.loss,
            ...(r.final.train.accuracy !== undefined ? { trainAccuracy: r.final.train.accuracy } : {}),
            ...(r.final.test.accuracy !== undefined ? { testAccuracy: r.final.test.accuracy } : {}),
              bestLoss: r.best.loss,
              restarts: r.counts.restarts,
              gradientSteps: r.counts.gradientSteps,
              polishSteps: r.counts.polishSteps,
              scoringEvaluations: r.counts.scoringEvaluations,
              proposerCalls: r.counts.proposerCalls,
              tokens: r.counts.tokens,
              overheadMs: {
                serialize: sum((x) => x.timing.serializeMs),
                proposer: sum((x) => x.timing.proposerMs),
                parse: sum((x) => x.timing.parseMs),
                score: sum((x) => x.timing.scoreMs),
              },
              rejected: sum((x) => (x.counts ? x.counts.groups - x.counts.accepted : 0)),
            });
            if (m.name.startsWith('GD + LLM') && s === 0) llmRounds.push({ task: task.name, rounds: r.rounds });
            done++;
          }
        }
      }
    } finally {
      prompt.dispose();
    }
    opts.onProgress?.({ label: 'done', done, total: totalRuns, elapsedMs: performance.now() - started });

    const table = (task: string) => {
      const gd = rows.filter((x) => x.task === task && x.method === 'GD');
      const ms = rows.filter((x) => x.task === task && x.method === 'GD + multi-start');
      return methods.map((m) => {
        const rs = rows.filter((x) => x.task === task && x.method === m.name);
        const st = stats(rs.map((x) => x.finalLoss));
        const wins = rs.filter((x, i) => x.finalLoss < gd[i]!.finalLoss - 1e-9).length;
        const winsMs = rs.filter((x, i) => x.finalLoss < ms[i]!.finalLoss - 1e-9).length;
        const evals = Math.max(...rs.map((x) => x.gradientSteps + x.polishSteps + x.scoringEvaluations));
        return [m.name, r3(st.mean), r3(st.std), r3(st.median), r3(st.min), r3(st.max), `${wins}/${rs.length}`, `${winsMs}/${rs.length}`, r3(rs.reduce((a, x) => a + x.restarts, 0) / rs.length), evals] as (string | number)[];
      });
    };
    const accuracyRows = methods.map((m) => {
      const rs = rows.filter((x) => x.task === prompt.name && x.method === m.name);
      const tr = stats(rs.map((x) => x.trainAccuracy ?? 0));
      const te = stats(rs.map((x) => x.testAccuracy ?? 0));
      return [m.name, r3(tr.mean), r3(tr.std), r3(te.mean), r3(te.std)] as (string | number)[];
    });
    const overhead = methods
      .filter((m) => m.make)
      .map((m) => {
        const rs = rows.filter((x) => x.method === m.name);
        const perRound = (f: (x: RunRow) => number) => r3(rs.reduce((a, x) => a + f(x), 0) / Math.max(1, rs.reduce((a, x) => a + Math.max(1, x.proposerCalls), 0)));
        return [m.name, perRound((x) => x.overheadMs.serialize), perRound((x) => x.overheadMs.proposer), perRound((x) => x.overheadMs.parse), perRound((x) => x.overheadMs.score), r3(rs.reduce((a, x) => a + x.rejected, 0) / rs.length), r3(rs.reduce((a, x) => a + x.tokens, 0) / rs.length)];
      });
    const cols = ['method', 'mean', 'std', 'median', 'min', 'max', 'beats GD (same seed)', 'beats multi-start (same seed)', 'restarts/run', 'max evaluations/run'];
    const sections: ReportSection[] = [
      {
        title: 'Protocol',
        text: [
          `Tasks: ${setups.map((s) => `${s.task.name} (${s.opt}, perturbation σ ${s.sigma})`).join(', ')}; ${cfg.seeds} seeds (${opts.seed}…${opts.seed + cfg.seeds - 1}). Rastrigin and Ackley start uniform in the task's box (±5.12, ±5) from the seed.`,
          `${prompt.name}: soft-prompt tuning — ${prompt.tokens} prompt vectors of dimension ${prompt.dim} (${prompt.size} parameters, start N(0, 1)) in front of a frozen ${prompt.model.sizes.join('-')} ReLU network pretrained in the package on digits with the prompt 0 (${prompt.pretrained.steps} Adam steps; unshifted test accuracy ${r3(prompt.pretrained.test.accuracy ?? 0)}), tuned on digits moved one pixel right; loss = train-split cross-entropy, accuracy in the last section.`,
          `Equal budget T = ${cfg.total} gradient-equivalent evaluations per run. GD alone: ${cfg.total} steps. Restart methods: N = ${cfg.rounds} rounds of m = ${cfg.stepsPerRound} steps; per round k = ${cfg.candidates} candidates, each polished with P = ${cfg.polish} gradient steps and scored with 1 loss evaluation, plus 1 loss evaluation of the current iterate (pick 'bestOrCurrent', optimizer state kept); every loss-only evaluation is charged as a gradient evaluation, and the full charge N·(k·(P+1)+1) = ${charge} is taken even if a proposer returns fewer vectors; final stage M = ${finalSteps} steps.`,
          `The loss reported is the final iterate's (not the best seen). Global minimum 0 at the origin, or at the seeded shift [${shift.map((v) => v.toFixed(2)).join(', ')}] for the -shifted variants.`,
          baseURL && model ? `LLM proposer: ${model} at ${baseURL}.` : 'No LLM configured (set METAOPTIM_LLM_BASE_URL and METAOPTIM_LLM_MODEL to add GD + LLM).',
        ],
      },
      ...setups.map((s) => ({
        title: `Final loss on ${s.task.name}`,
        tables: [{ columns: cols, rows: table(s.task.name), caption: `mean, sample std, median, min, max over ${cfg.seeds} seeds` }],
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
      {
        title: `Accuracy on ${prompt.name}`,
        text: [`Final accuracy of the tuned prompt on the shifted train and test splits (1,400 / 397 images); the neutral prompt 0 scores ${r3(zero.train)} / ${r3(zero.test)}.`],
        tables: [{ columns: ['method', 'train accuracy mean', 'std', 'test accuracy mean', 'std'], rows: accuracyRows }],
      },
      {
        title: 'Proposer overhead per round',
        text: ['Mean wall time per proposer round (ms): serialization of the trajectory, the proposer call, parsing, and scoring (candidate polishing included); rejected vectors per run (malformed, wrong length, non-finite, duplicate, over limit); tokens per run (server usage, else ⌈chars/4⌉).'],
        tables: [{ columns: ['method', 'serialize ms', 'proposer ms', 'parse ms', 'score+polish ms', 'rejected/run', 'tokens/run'], rows: overhead }],
      },
    ];
    const summary = [`lab restarts (${opts.quick ? 'quick' : 'full'}, ${cfg.seeds} seeds, budget ${cfg.total} evaluations/run): mean ± std of the final loss`];
    for (const s of setups) {
      summary.push(`  ${s.task.name}`);
      for (const row of table(s.task.name)) summary.push(`    ${String(row[0]).padEnd(26)} ${String(row[1]).padStart(9)} ± ${String(row[2]).padEnd(8)} median ${String(row[3]).padEnd(8)} beats GD ${String(row[6]).padEnd(6)} beats multi-start ${row[7]}`);
    }
    summary.push(`  ${prompt.name}: final accuracy train / test (mean over seeds; neutral prompt ${r3(zero.train)} / ${r3(zero.test)})`);
    for (const row of accuracyRows) summary.push(`    ${String(row[0]).padEnd(26)} ${row[1]} / ${row[3]}`);
    return {
      results: { config: { ...cfg, charge, finalSteps, tasks: setups.map((s) => ({ task: s.task.name, optimizer: s.opt, sigma: s.sigma })), llm: baseURL && model ? { baseURL, model } : null }, runs: rows, llmRounds },
      report: { title: 'GD with proposer restarts', subtitle: 'SPEC A.3 ablation at an equal gradient budget', sections },
      summary,
    };
  },
};
