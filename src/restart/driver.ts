import { MetaoptimError, checkOptions } from '../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions } from '../core/loop.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Evaluation, Task } from '../tasks/types.js';
import { Rng } from '../core/rng.js';
import { type ProposerBudget, budgetExceeded, checkBudget, linkedSignal } from './budget.js';
import { parseCandidates } from './parse.js';
import { SERIALIZE_OPTION_KEYS, type SerializeOptions, buildPrompt, estimateTokens, selectRows } from './serialize.js';
import type { Proposer, RestartPartial, RestartResult, RoundRecord, TrajectoryPoint, Usage } from './types.js';

/**
 * Gradient descent with proposer restarts (SPEC A.3.1, Guo et al. 2024, arXiv 2405.19732):
 *
 *   for round r = 0 … N−1:
 *     m gradient steps with `optimizer`, every iterate recorded (params, loss[, accuracy]);
 *     serialize the trajectory OPRO-style (serialize.ts) and ask `proposer` for k vectors;
 *     parse strictly (parse.ts: malformed, wrong-length, non-finite, duplicate dropped and counted);
 *     score candidates = mean loss over the fixed batches `scoreBatches` (deterministic);
 *     restart from the chosen candidate (`pick`), keeping or resetting the optimizer state;
 *   then M final gradient steps.
 *
 * `pick`: 'best' (default; lowest score), 'first' (the first parsed vector, unscored — what
 * the paper's code does), 'bestOrCurrent' (the current iterate is scored too and kept unless
 * a candidate beats it — SPEC A.3.3's elitist variant). `optimizerState`: 'keep' (default, as
 * the paper's code: only the parameters are overwritten) or 'reset' (a fresh state, so the
 * step count and schedules restart too).
 *
 * Costs are counted, not hidden: `gradientSteps` (each one loss+gradient evaluation),
 * `polishSteps` (gradient steps on candidates before scoring, `polishSteps` option),
 * `scoringEvaluations` (loss-only evaluations spent on candidates and, with 'bestOrCurrent',
 * on the current iterate; |scoreBatches| per scored vector), `trajectoryEvaluations`
 * (full-split evaluations when `evaluateTrajectory` is set). Proposer budgets (calls,
 * tokens, wall time) stop further calls; gradient steps always run in full, so runs with
 * different proposers spend the same gradient budget.
 *
 * Loop contract (core/loop.ts): yields to the event loop at least every ~20 ms of gradient
 * steps, polishing or scoring; while a proposer call is in flight it waits on the call but
 * rejects as soon as `signal` aborts. On abort it rejects within 100 ms with ABORTED, details
 * `{ iteration: gradient steps done, partial: RestartPartial }` (the trajectory, rounds,
 * counts, best point and current parameters so far). `onProgress`: one event per gradient
 * step at most every 50 ms (`done` = gradient steps, `metrics.loss` = the last minibatch loss).
 *
 * Errors: INVALID_ARGUMENT, UNKNOWN_OPTION, LENGTH_MISMATCH (`init`), ABORTED (the signal
 * fired), PROPOSER_BUDGET (with `onBudget: 'throw'`), and whatever the proposer throws
 * (LLM_*) unless `onProposerError: 'record'`.
 */
export interface RestartOptions extends LoopOptions {
  optimizer: Optimizer;
  proposer: Proposer;
  /** N: proposer rounds (default 3, as the paper's code). */
  rounds?: number;
  /** m: gradient steps before each proposer call (default 25). */
  stepsPerRound?: number;
  /** M: gradient steps after the last round (default 100). */
  finalSteps?: number;
  /** k: vectors asked for per call (default 4). */
  candidates?: number;
  /** Most vectors scored per reply (default 2k); more are counted as `overLimit`. */
  maxCandidates?: number;
  pick?: 'best' | 'first' | 'bestOrCurrent';
  optimizerState?: 'keep' | 'reset';
  /** Batch indices used to score candidates (default [2³⁰], one fixed batch outside the training stream). */
  scoreBatches?: readonly number[];
  /**
   * Gradient steps applied to each candidate (from a fresh state of `optimizer`, on the
   * training stream) before it is scored; the restart then starts from the polished point.
   * Default 0 (raw candidates, as the paper). Counted in `counts.polishSteps`.
   */
  polishSteps?: number;
  /** Evaluate every recorded iterate on the train split (loss and accuracy in the prompt); default false. */
  evaluateTrajectory?: boolean;
  serialize?: SerializeOptions;
  budget?: ProposerBudget;
  /** When a budget is exhausted: 'stop' (default: no more calls, gradient steps continue) or 'throw' PROPOSER_BUDGET. */
  onBudget?: 'stop' | 'throw';
  /** When the proposer throws: 'throw' (default) or 'record' (the round keeps the error, GD continues). */
  onProposerError?: 'throw' | 'record';
  /** Initial parameters (default `task.init(seed)`). */
  init?: Float32Array;
  runtime?: Runtime;
}

/** The keys of `RestartOptions`, for `checkOptions`. */
export const RESTART_OPTION_KEYS: readonly string[] = [
  ...LOOP_OPTION_KEYS, 'optimizer', 'proposer', 'rounds', 'stepsPerRound', 'finalSteps', 'candidates', 'maxCandidates', 'pick',
  'optimizerState', 'scoreBatches', 'polishSteps', 'evaluateTrajectory', 'serialize', 'budget', 'onBudget', 'onProposerError', 'init', 'runtime',
];

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function posInt(name: string, v: number | undefined, d: number, min = 0): number {
  const x = v ?? d;
  if (!Number.isInteger(x) || x < min) throw new MetaoptimError('INVALID_ARGUMENT', `restart: ${name} must be an integer ≥ ${min}, got ${String(x)}`);
  return x;
}

/**
 * Runs GD with proposer restarts on `task`; see the module comment for the protocol.
 * @example
 * ```ts
 * import { ready, sgd } from 'metaoptim';
 * import { runRestarts, surrogateProposer } from 'metaoptim/restart';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * const result = await runRestarts(rastriginTask({ n: 10 }), {
 *   optimizer: sgd({ lr: 2e-3 }), proposer: surrogateProposer(),
 *   rounds: 5, stepsPerRound: 40, finalSteps: 200, candidates: 4, pick: 'bestOrCurrent', polishSteps: 15, seed: 1,
 * });
 * console.log(result.rounds.length, result.final.train?.loss); // 5, a loss far below GD alone's ≈ 40
 * ```
 */
export async function runRestarts(task: Task, o: RestartOptions): Promise<RestartResult> {
  const t0 = now();
  if (o === undefined || o === null) throw new MetaoptimError('INVALID_ARGUMENT', 'runRestarts: options with { optimizer, proposer } are required');
  checkOptions('runRestarts', o, RESTART_OPTION_KEYS);
  if (o.serialize !== undefined) checkOptions('runRestarts serialize', o.serialize, SERIALIZE_OPTION_KEYS);
  const N = posInt('rounds', o.rounds, 3);
  const m = posInt('stepsPerRound', o.stepsPerRound, 25);
  const M = posInt('finalSteps', o.finalSteps, 100);
  const k = posInt('candidates', o.candidates, 4, 1);
  const maxCand = posInt('maxCandidates', o.maxCandidates, 2 * k, 1);
  const pick = o.pick ?? 'best';
  if (!['best', 'first', 'bestOrCurrent'].includes(pick)) throw new MetaoptimError('INVALID_ARGUMENT', `restart: unknown pick ${String(pick)}`);
  const stateMode = o.optimizerState ?? 'keep';
  if (stateMode !== 'keep' && stateMode !== 'reset') throw new MetaoptimError('INVALID_ARGUMENT', `restart: unknown optimizerState ${String(stateMode)}`);
  const scoreBatches = [...(o.scoreBatches ?? [2 ** 30])];
  if (scoreBatches.length === 0 || !scoreBatches.every((b) => Number.isInteger(b))) {
    throw new MetaoptimError('INVALID_ARGUMENT', 'restart: scoreBatches must be a non-empty list of integers');
  }
  const polish = posInt('polishSteps', o.polishSteps, 0);
  const budget = checkBudget(o.budget);
  const seed = (o.seed ?? 0) >>> 0;
  const n = task.size;
  const x0 = o.init ?? task.init(seed);
  if (x0.length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `restart: init has ${x0.length} values, task ${task.name} has ${n}`);
  const rng = new Rng(seed);
  const initOpts = o.runtime ? { runtime: o.runtime } : undefined;

  const trajectory: TrajectoryPoint[] = [];
  const rounds: RoundRecord[] = [];
  const counts = { gradientSteps: 0, polishSteps: 0, scoringEvaluations: 0, trajectoryEvaluations: 0, proposerCalls: 0, tokens: 0, restarts: 0 };
  const total = N * m + M;
  const label = `${o.optimizer.name} + ${o.proposer.name} on ${task.name}`;
  const loop = new Loop('runRestarts', o, { label, total });
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  let best = { loss: Number.POSITIVE_INFINITY, step: 0, params: Float32Array.from(x0) };
  let stopped: string | undefined;
  let state: OptState = o.optimizer.init(x0, initOpts);
  let lastLoss = NaN;
  /** The run so far (the `partial` of ABORTED); evaluated before the state is released. */
  const partial = (): RestartPartial => ({
    proposer: o.proposer.name,
    optimizer: o.optimizer.name,
    task: task.name,
    seed,
    params: Float32Array.from(state.params),
    best,
    trajectory: [...trajectory],
    rounds: [...rounds],
    counts: { ...counts },
    ...(stopped !== undefined ? { stopped } : {}),
    elapsedMs: now() - t0,
  });
  const tick = () => loop.tick(counts.gradientSteps, partial, () => ({ loss: lastLoss }));

  const note = (p: TrajectoryPoint) => {
    trajectory.push(p);
    if (p.loss < best.loss) best = { loss: p.loss, step: p.step, params: Float32Array.from(p.params) };
  };
  const score = (v: Float32Array): number => {
    let s = 0;
    for (const b of scoreBatches) s += task.loss(v, b);
    counts.scoringEvaluations += scoreBatches.length;
    return s / scoreBatches.length;
  };
  const polishVector = async (v: Float32Array): Promise<Float32Array> => {
    if (polish === 0) return v;
    const ps = o.optimizer.init(v, initOpts);
    try {
      const pg = new Float32Array(n);
      for (let i = 0; i < polish; i++) {
        const px = Float32Array.from(ps.params);
        const loss = task.loss(px, counts.gradientSteps + i, pg);
        o.optimizer.step(ps, pg, { loss });
        await tick();
      }
      counts.polishSteps += polish;
      return Float32Array.from(ps.params);
    } finally {
      ps.dispose();
    }
  };
  const gdSteps = async (count: number, round: number) => {
    for (let i = 0; i < count; i++) {
      x.set(state.params);
      const loss = task.loss(x, counts.gradientSteps, g);
      const point: TrajectoryPoint = { step: counts.gradientSteps, round, kind: 'gd', params: Float32Array.from(x), loss, grad: Float32Array.from(g) };
      if (o.evaluateTrajectory) {
        const e = task.evaluate(x, 'train');
        counts.trajectoryEvaluations++;
        point.loss = e.loss;
        if (e.accuracy !== undefined) point.accuracy = e.accuracy;
      }
      note(point);
      o.optimizer.step(state, g, { loss });
      counts.gradientSteps++;
      lastLoss = loss;
      await tick();
    }
  };

  try {
    loop.check(0, partial);
    for (let r = 0; r < N; r++) {
      await gdSteps(m, r);
      rounds.push(await proposeRound(r));
      await tick();
    }
    await gdSteps(M, N);
    const params = Float32Array.from(state.params);
    const result: RestartResult = {
      proposer: o.proposer.name,
      optimizer: o.optimizer.name,
      task: task.name,
      seed,
      params,
      final: { train: task.evaluate(params, 'train'), test: task.evaluate(params, 'test') },
      best,
      trajectory,
      rounds,
      counts,
      ...(stopped !== undefined ? { stopped } : {}),
      elapsedMs: now() - t0,
    };
    loop.finish(counts.gradientSteps, { loss: lastLoss });
    return result;
  } finally {
    state.dispose();
  }

  async function proposeRound(r: number): Promise<RoundRecord> {
    const rec: RoundRecord = {
      round: r,
      step: counts.gradientSteps,
      tokens: 0,
      tokensEstimated: false,
      candidates: [],
      decision: { kind: 'keep', reason: 'no-candidates' },
      scoringEvaluations: 0,
      polishSteps: 0,
      timing: { serializeMs: 0, proposerMs: 0, parseMs: 0, scoreMs: 0 },
    };
    if (stopped !== undefined) {
      rec.decision = { kind: 'budget', reason: stopped };
      return rec;
    }
    let t = now();
    const rows = selectRows(trajectory, o.serialize);
    const prompt = buildPrompt(task.name, rows, k, n, o.serialize);
    rec.prompt = prompt;
    rec.timing.serializeMs = now() - t;
    const promptTokens = estimateTokens(prompt.system) + estimateTokens(prompt.user);
    const over = budgetExceeded(budget, { calls: counts.proposerCalls, tokens: counts.tokens, elapsedMs: now() - t0 }, promptTokens);
    if (over !== undefined) return budgetHit(rec, over);

    const current = Float32Array.from(state.params);
    const link = linkedSignal(o.signal, budget.wallMs !== undefined ? budget.wallMs - (now() - t0) : undefined);
    t = now();
    let text: string;
    let usage: Usage | undefined;
    try {
      counts.proposerCalls++;
      const call = o.proposer.propose({
        prompt,
        k,
        dim: n,
        round: r,
        seed: rng.fork(r + 1).u32(),
        rows,
        trajectory,
        current,
        task,
        signal: link.signal,
      });
      // Reject at once on abort, even if the proposer ignores its signal.
      const reply = await loop.race(Promise.resolve(call), counts.gradientSteps, partial);
      text = typeof reply?.text === 'string' ? reply.text : '';
      usage = reply?.usage;
    } catch (err) {
      rec.timing.proposerMs = now() - t;
      loop.check(counts.gradientSteps, partial);
      if (link.timedOut()) return budgetHit(rec, `wall-time budget of ${budget.wallMs} ms reached during a proposer call`);
      if ((o.onProposerError ?? 'throw') === 'throw') throw err;
      const e = err as { code?: unknown; message?: unknown };
      rec.decision = { kind: 'error', code: typeof e?.code === 'string' ? e.code : 'PROPOSER_ERROR', message: String(e?.message ?? err) };
      return rec;
    } finally {
      link.done();
    }
    rec.timing.proposerMs = now() - t;
    rec.reply = text;
    if (usage) rec.usage = usage;
    const reported = usage?.totalTokens ?? (usage?.promptTokens !== undefined && usage?.completionTokens !== undefined ? usage.promptTokens + usage.completionTokens : undefined);
    rec.tokensEstimated = reported === undefined;
    rec.tokens = reported ?? promptTokens + estimateTokens(text);
    counts.tokens += rec.tokens;

    t = now();
    const { vectors, counts: pc } = parseCandidates(text, n, maxCand);
    rec.counts = pc;
    rec.timing.parseMs = now() - t;

    t = now();
    const before = counts.scoringEvaluations;
    const polishBefore = counts.polishSteps;
    if (vectors.length > 0) {
      if (pick === 'first') {
        rec.candidates = vectors.map((v) => ({ params: Array.from(v) }));
        restartFrom(vectors[0]!);
        rec.decision = { kind: 'restart', candidate: 0 };
      } else {
        let bi = -1;
        let bs = Number.POSITIVE_INFINITY;
        for (const [i, raw] of vectors.entries()) {
          const v = await polishVector(raw);
          vectors[i] = v;
          const s = score(v);
          rec.candidates.push({ params: Array.from(v), score: s });
          note({ step: counts.gradientSteps, round: r, kind: 'candidate', params: v, loss: s });
          if (s < bs) {
            bs = s;
            bi = i;
          }
          await tick();
        }
        let cur: number | undefined;
        if (pick === 'bestOrCurrent') {
          cur = score(current);
          note({ step: counts.gradientSteps, round: r, kind: 'gd', params: current, loss: cur });
        }
        if (bi >= 0 && (cur === undefined || bs < cur)) {
          restartFrom(vectors[bi]!);
          rec.decision = { kind: 'restart', candidate: bi, score: bs, ...(cur !== undefined ? { currentScore: cur } : {}) };
        } else {
          rec.decision = bi < 0 ? { kind: 'keep', reason: 'no-candidates' } : { kind: 'keep', reason: 'current-better', ...(cur !== undefined ? { currentScore: cur } : {}) };
        }
      }
    }
    rec.scoringEvaluations = counts.scoringEvaluations - before;
    rec.polishSteps = counts.polishSteps - polishBefore;
    rec.timing.scoreMs = now() - t;
    return rec;
  }

  function budgetHit(rec: RoundRecord, reason: string): RoundRecord {
    stopped = reason;
    if ((o.onBudget ?? 'stop') === 'throw') throw new MetaoptimError('PROPOSER_BUDGET', `restart: ${reason}`, { round: rec.round });
    rec.decision = { kind: 'budget', reason };
    return rec;
  }

  function restartFrom(v: Float32Array): void {
    counts.restarts++;
    if (stateMode === 'keep') state.params.set(v);
    else {
      state.dispose();
      state = o.optimizer.init(v, initOpts);
    }
  }
}
