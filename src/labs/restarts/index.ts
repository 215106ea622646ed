import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, abortedError, isAborted } from '../../core/loop.js';
import { ready, runtimeInfo } from '../../runtime/index.js';
import { type PromptTuningTask, promptTuningTask } from '../../tasks/prompt-tuning.js';
import type { Lab, LabOptions, LabResult } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { buildReport } from './report.js';
import { PROMPT_TASK, RESTART_TASKS, type RestartTaskName, type RunRow, configFor, methods, runOne, shiftFor, taskSetups } from './setup.js';

/** Version of the lab's results.json format (2: results header, sample sd column `sd`, `elapsedMs`). */
const RESULTS_VERSION = 2;

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

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
 * Options: `--seeds N` (default 10 quick, 30 full), `--only task,task` (of rastrigin,
 * rastrigin-shifted, ackley, ackley-shifted, prompt), and `--llm-base-url`, `--llm-model`,
 * `--llm-api-key` (else `METAOPTIM_LLM_BASE_URL`, `METAOPTIM_LLM_MODEL`,
 * `METAOPTIM_LLM_API_KEY` from the environment): with a base URL and a model, GD + LLM is
 * added; its errors are recorded per round, not fatal.
 *
 * Cancellable: on abort it rejects with ABORTED whose `details.partial` is the `LabResult` of
 * the runs that finished (`partial: true` in the results header).
 */
export const restartsLab: Lab = {
  name: 'restarts',
  options: [
    { name: 'seeds', type: 'integer', help: 'seeds per task and method (default 10 with --quick, 30 otherwise)' },
    { name: 'only', type: 'string', help: `comma-separated tasks to run (default all): ${RESTART_TASKS.join(', ')}` },
    { name: 'llm-base-url', type: 'string', help: 'OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (adds GD + LLM; default $METAOPTIM_LLM_BASE_URL)' },
    { name: 'llm-model', type: 'string', help: 'model name for GD + LLM (default $METAOPTIM_LLM_MODEL)' },
    { name: 'llm-api-key', type: 'string', help: 'API key for GD + LLM (default $METAOPTIM_LLM_API_KEY)' },
  ],
  summary: 'GD alone vs GD + surrogate / multi-start / perturbation (/ LLM) restarts at an equal gradient budget on Rastrigin and Ackley (plain and shifted) and soft-prompt tuning of a frozen digits network',
  async run(opts: LabOptions): Promise<LabResult> {
    checkOptions('lab restarts', opts, ['quick', 'seed', 'extra', ...LOOP_OPTION_KEYS]);
    const extra = checkOptions('lab restarts', opts.extra, ['seeds', 'only', 'llm-base-url', 'llm-model', 'llm-api-key']);
    const seedsOpt = extra.seeds === undefined ? undefined : Number(extra.seeds);
    if (extra.seeds !== undefined && (typeof extra.seeds !== 'string' || !/^\d+$/.test(extra.seeds.trim()))) {
      throw new MetaoptimError('INVALID_ARGUMENT', `lab restarts: --seeds must be a positive integer, got ${String(extra.seeds)}`);
    }
    const cfg = configFor(opts.quick, seedsOpt);
    const families = typeof extra.only === 'string' ? (extra.only.split(',').map((t) => t.trim()) as RestartTaskName[]) : [...RESTART_TASKS];
    for (const f of families) {
      if (!RESTART_TASKS.includes(f)) throw new MetaoptimError('INVALID_ARGUMENT', `lab restarts: unknown task '${f}' (tasks: ${RESTART_TASKS.join(', ')})`);
    }
    const baseURL = str(extra['llm-base-url']) ?? env('METAOPTIM_LLM_BASE_URL');
    const model = str(extra['llm-model']) ?? env('METAOPTIM_LLM_MODEL');
    const apiKey = str(extra['llm-api-key']) ?? env('METAOPTIM_LLM_API_KEY');
    const llm = baseURL && model ? { baseURL, model, ...(apiKey ? { apiKey } : {}) } : undefined;
    await ready();
    const ms = methods(llm);
    const shift = shiftFor(opts.seed);
    // Soft-prompt tuning (SPEC A.3's task, scaled down): 8 prompt vectors of dimension 8 in
    // front of a frozen 128-32-10 ReLU network pretrained in the package on digits, tuned
    // with Adam on digits moved one pixel right.
    const prompt: PromptTuningTask | undefined = families.includes('prompt') ? await promptTuningTask(PROMPT_TASK) : undefined;
    const setups = taskSetups(families, shift, prompt);
    const totalRuns = setups.length * ms.length * cfg.seeds;
    const loop = new Loop('lab restarts', opts, { total: totalRuns, progressMs: 0 });
    const rows: RunRow[] = [];
    const llmRounds: unknown[] = [];
    let promptInfo: Parameters<typeof buildReport>[0]['prompt'];
    const build = (partial: boolean): LabResult => {
      const elapsedMs = loop.elapsedMs;
      const header = resultsHeader({ lab: 'restarts', version: RESULTS_VERSION, seed: opts.seed, quick: opts.quick, build: runtimeInfo()?.build ?? 'unknown', elapsedMs, partial });
      const config = { ...cfg, tasks: setups.map((s) => ({ task: s.task.name, optimizer: s.opt, sigma: s.sigma })), llm: llm ? { baseURL: llm.baseURL, model: llm.model } : null };
      const { report, summary } = buildReport({ rows, setups, methods: ms, cfg, seed: opts.seed, quick: opts.quick, shift, llm, prompt: promptInfo, partial, elapsedMs });
      return { results: { ...header, config, runs: rows, llmRounds }, report, summary };
    };
    try {
      if (prompt) {
        const zero = new Float32Array(prompt.size);
        promptInfo = {
          name: prompt.name,
          zero: { train: prompt.evaluate(zero, 'train').accuracy ?? 0, test: prompt.evaluate(zero, 'test').accuracy ?? 0 },
          text: `${prompt.name}: soft-prompt tuning — ${prompt.tokens} prompt vectors of dimension ${prompt.dim} (${prompt.size} parameters, start N(0, 1)) in front of a frozen ${prompt.model.sizes.join('-')} ReLU network pretrained in the package on digits with the prompt 0 (${prompt.pretrained.steps} Adam steps; unshifted test accuracy ${Math.round((prompt.pretrained.test.accuracy ?? 0) * 1000) / 1000}), tuned on digits moved one pixel right; loss = train-split cross-entropy, accuracy in the last section.`,
        };
      }
      for (const setup of setups) {
        for (const m of ms) {
          for (let s = 0; s < cfg.seeds; s++) {
            const seed = (opts.seed + s) >>> 0;
            loop.progress(rows.length);
            const { row, result } = await runOne(setup, m, seed, cfg, opts.signal);
            rows.push(row);
            if (m.name.startsWith('GD + LLM') && s === 0) llmRounds.push({ task: setup.task.name, rounds: result.rounds });
            await loop.tick(rows.length, () => build(true));
          }
        }
      }
    } catch (err) {
      if (isAborted(err) || opts.signal?.aborted) throw abortedError('lab restarts', rows.length, build(true));
      throw err;
    } finally {
      prompt?.dispose();
    }
    loop.finish(rows.length);
    return build(false);
  },
};
