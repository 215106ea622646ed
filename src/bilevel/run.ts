import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions } from '../core/loop.js';
import { Region, type Runtime, defaultRuntimeOrThrow } from '../runtime/index.js';
import type { Kernels } from '../runtime/kernels.js';
import { Rng } from '../core/rng.js';
import { type BilevelProblem, CountingOracles, type GradCounts, checkVector, projectOnto } from './problem.js';

/**
 * Options every bilevel solver takes. Loop contract (core/loop.ts): `signal` aborting rejects
 * the solve within 100 ms with ABORTED, details `{ iteration, partial }` where `partial` is a
 * `BilevelResult` of the iterations done so far (x, y, z, counts and the trace up to the
 * abort); `onProgress` gets one event per record (at most every 50 ms), `metrics.upper` = f(x, y).
 */
export interface SolveOptions extends LoopOptions {
  /** Outer iterations T. */
  iterations: number;
  /** Starting upper variable (default: `problem.init(rng)`, else zeros; projected onto the box). */
  x0?: Float32Array;
  /** Starting lower variable (also the start of the auxiliary z in PBGD / F2SA). */
  y0?: Float32Array;
  /** Seed for `problem.init` (default 0). */
  seed?: number;
  /** WASM runtime for the fused steps (default: the one from `await ready()`). */
  runtime?: Runtime;
  /** Record every this many iterations (default: ⌈T/400⌉); iteration 0 and T are always recorded. */
  recordEvery?: number;
  /** Throw BILEVEL_NON_FINITE when an oracle returns NaN/±∞ (default true). */
  checkFinite?: boolean;
  /** Progress label (default `<method> on <problem>`). */
  label?: string;
}

/** The keys of `SolveOptions`; each solver adds its own to these for `checkOptions`. */
export const SOLVE_OPTION_KEYS: readonly string[] = [...LOOP_OPTION_KEYS, 'iterations', 'x0', 'y0', 'runtime', 'recordEvery', 'checkFinite', 'label'];

/** One row of a solver trace. Evaluations made for the record are not counted or timed. */
export interface TraceRecord {
  iter: number;
  /** Cumulative partial-gradient evaluations (GradCounts.total). */
  gradEvals: number;
  /** Cumulative solver wall time in ms, excluding time spent recording and yielding. */
  elapsedMs: number;
  /** f(x, y) at the current iterate. */
  upper: number;
  /** F(x) = f(x, y*(x)) where the problem can evaluate it. */
  F?: number;
  /** problem.metrics(x, y), e.g. test accuracy. */
  metrics?: Record<string, number>;
  /** process.memoryUsage().rss at the record (Node only). */
  rssBytes?: number;
}

export interface BilevelResult {
  method: string;
  problem: string;
  x: Float32Array;
  y: Float32Array;
  /** The auxiliary LL variable (PBGD's inner iterate, F2SA's z). */
  z?: Float32Array;
  iterations: number;
  counts: GradCounts;
  trace: TraceRecord[];
  /** Solver wall time in ms (records and event-loop yields excluded). */
  elapsedMs: number;
  /** Largest rss seen at records (Node only; omitted elsewhere). */
  peakRssBytes?: number;
  /** Bytes of WASM memory the solver allocated for its iterates and gradient buffers. */
  solverBytes: number;
  hyperparams: Record<string, number | string>;
}

/** What a solver file sees: buffers in WASM memory, counted oracles, fused projected steps. */
export interface SolverContext {
  readonly rt: Runtime;
  readonly k: Kernels;
  readonly oracles: CountingOracles;
  readonly problem: BilevelProblem;
  readonly x: Region<Float32Array>;
  readonly y: Region<Float32Array>;
  /** A zeroed f32 buffer in WASM memory, released when the solve ends. */
  vec(n: number): Region<Float32Array>;
  /** x ← Proj(x − η·d) */
  stepX(d: Region<Float32Array>, eta: number): void;
  /** x ← Proj(x − η·(fx + γ(gxy − gxz))) */
  penaltyX(fx: Region<Float32Array>, gxy: Region<Float32Array>, gxz: Region<Float32Array>, gamma: number, eta: number): void;
}

export interface SolverLoop {
  /** One outer iteration t (0-based). */
  step(t: number): void;
  /** Auxiliary state to return (z). */
  aux?(): Float32Array | undefined;
}

/** Default record stride: about 400 records per run. */
export function defaultRecordEvery(iterations: number): number {
  return Math.max(1, Math.ceil(iterations / 400));
}

/**
 * Validates a solver's options (unknown keys → UNKNOWN_OPTION naming the closest valid key)
 * and returns them; `own` lists the method's keys beyond `SOLVE_OPTION_KEYS`.
 */
export function checkSolveOptions<T extends SolveOptions>(owner: string, opts: T, own: readonly string[]): T {
  if (opts === undefined || opts === null) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: options with at least { iterations } are required`);
  return checkOptions(owner, opts, [...SOLVE_OPTION_KEYS, ...own]);
}

/**
 * Shared driver of the bilevel solvers: validation, WASM buffers, the loop with records,
 * progress and abort (core `Loop`: yields every ~20 ms, ABORTED with the partial result),
 * timing (records and yields excluded) and memory. `setup` builds the method's state.
 */
export async function runSolver(
  method: string,
  problem: BilevelProblem,
  opts: SolveOptions,
  hyperparams: Record<string, number | string>,
  setup: (ctx: SolverContext, start: { y0: Float32Array }) => SolverLoop,
): Promise<BilevelResult> {
  const owner = `${method} on ${problem.name}`;
  const T = checkNumber(method, 'iterations', opts.iterations, { min: 0 });
  if (!Number.isInteger(T)) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${method}: iterations must be an integer`);
  const recordEvery = checkNumber(method, 'recordEvery', opts.recordEvery ?? defaultRecordEvery(T), { min: 1 });
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const rng = new Rng(opts.seed ?? 0);
  const init = problem.init?.(rng);
  const x0 = checkVector(owner, 'x0', opts.x0 ?? init?.x ?? new Float32Array(problem.dimX), problem.dimX).slice();
  const y0 = checkVector(owner, 'y0', opts.y0 ?? init?.y ?? new Float32Array(problem.dimY), problem.dimY).slice();
  projectOnto(problem.bounds, x0);
  const oracles = new CountingOracles(problem, opts.checkFinite ?? true);
  const loop = new Loop(method, opts, { label: opts.label ?? owner, total: T });

  const regions: Region<Float32Array>[] = [];
  let solverBytes = 0;
  const vec = (n: number): Region<Float32Array> => {
    const region = new Region(rt.arena, Float32Array, n);
    regions.push(region);
    solverBytes += n * 4;
    return region;
  };
  try {
    const k = rt.kernels;
    const x = vec(problem.dimX);
    const y = vec(problem.dimY);
    x.view.set(x0);
    y.view.set(y0);
    const b = problem.bounds;
    const scalarBox = !b || (typeof b.lo === 'number' && typeof b.hi === 'number');
    const lo = scalarBox ? (b ? (b.lo as number) : -Infinity) : -Infinity;
    const hi = scalarBox ? (b ? (b.hi as number) : Infinity) : Infinity;
    let loR: Region<Float32Array> | undefined;
    let hiR: Region<Float32Array> | undefined;
    if (!scalarBox && b) {
      loR = vec(problem.dimX);
      hiR = vec(problem.dimX);
      loR.view.fill(typeof b.lo === 'number' ? b.lo : 0);
      if (typeof b.lo !== 'number') loR.view.set(b.lo);
      hiR.view.fill(typeof b.hi === 'number' ? b.hi : 0);
      if (typeof b.hi !== 'number') hiR.view.set(b.hi);
    }
    const n = problem.dimX;
    const ctx: SolverContext = {
      rt,
      k,
      oracles,
      problem,
      x,
      y,
      vec,
      stepX(d, eta) {
        k.step_box_f32(x.ptr, d.ptr, n, eta, lo, hi);
        if (loR && hiR) k.project_box_f32(x.ptr, loR.ptr, hiR.ptr, n);
      },
      penaltyX(fx, gxy, gxz, gamma, eta) {
        k.penalty_x_step_f32(x.ptr, fx.ptr, gxy.ptr, gxz.ptr, n, gamma, eta, lo, hi);
        if (loR && hiR) k.project_box_f32(x.ptr, loR.ptr, hiR.ptr, n);
      },
    };
    const solver = setup(ctx, { y0 });

    const trace: TraceRecord[] = [];
    let peakRss: number | undefined;
    let elapsedMs = 0;
    const record = (iter: number): void => {
      const xv = x.view.slice();
      const yv = y.view.slice();
      const rec: TraceRecord = { iter, gradEvals: oracles.counts.total, elapsedMs, upper: problem.upper(xv, yv, null, null) };
      if (problem.upperObjective) rec.F = problem.upperObjective(xv);
      if (problem.metrics) rec.metrics = problem.metrics(xv, yv);
      const rss = rssNow();
      if (rss !== undefined) {
        rec.rssBytes = rss;
        peakRss = Math.max(peakRss ?? 0, rss);
      }
      trace.push(rec);
    };
    /** The result after `iterations` iterations (also the `partial` of ABORTED). */
    const snapshot = (iterations: number): BilevelResult => {
      const aux = solver.aux?.();
      const result: BilevelResult = {
        method,
        problem: problem.name,
        x: x.view.slice(),
        y: y.view.slice(),
        iterations,
        counts: { ...oracles.counts },
        trace: [...trace],
        elapsedMs,
        solverBytes,
        hyperparams,
      };
      if (aux) result.z = aux;
      if (peakRss !== undefined) result.peakRssBytes = peakRss;
      return result;
    };
    const metrics = () => ({ upper: trace.at(-1)!.upper });
    loop.check(0, () => snapshot(0));
    record(0);
    loop.progress(0, metrics());
    for (let t = 0; t < T; t++) {
      oracles.iteration = t;
      const t0 = performance.now();
      solver.step(t);
      elapsedMs += performance.now() - t0;
      if ((t + 1) % recordEvery === 0 || t + 1 === T) record(t + 1);
      await loop.tick(t + 1, () => snapshot(t + 1), metrics);
    }
    loop.finish(T, metrics());
    return snapshot(T);
  } finally {
    for (const r of regions) r.release();
  }
}

function rssNow(): number | undefined {
  const p = (globalThis as { process?: { memoryUsage?: () => { rss: number } } }).process;
  try {
    return p?.memoryUsage ? p.memoryUsage().rss : undefined;
  } catch {
    return undefined;
  }
}

/** Validates a step size / penalty option. */
export function positive(method: string, name: string, v: unknown): number {
  return checkNumber(method, name, v, { min: 0, minExclusive: true });
}
