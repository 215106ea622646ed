import type { ProgressEvent } from '../core/loop.js';
import { MetaoptimError, checkNumber } from '../core/errors.js';
import { Region, type Runtime, defaultRuntimeOrThrow } from '../runtime/index.js';
import type { Kernels } from '../runtime/kernels.js';
import { Rng } from '../core/rng.js';
import { type BilevelProblem, CountingOracles, type GradCounts, checkVector, projectOnto } from './problem.js';

/** Options every bilevel solver takes. */
export interface SolveOptions {
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
  onProgress?: (e: ProgressEvent) => void;
  /** Checked every iteration; a fired signal throws ABORTED. */
  signal?: AbortSignal;
  /** Progress label (default `<method> on <problem>`). */
  label?: string;
}

/** One row of a solver trace. Evaluations made for the record are not counted or timed. */
export interface TraceRecord {
  iter: number;
  /** Cumulative partial-gradient evaluations (GradCounts.total). */
  gradEvals: number;
  /** Cumulative solver wall time in ms, excluding time spent recording. */
  timeMs: number;
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
  timeMs: number;
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
 * Shared driver of the bilevel solvers: validation, WASM buffers, the loop with records,
 * progress and abort, timing (records excluded) and memory. `setup` builds the method's state.
 */
export function runSolver(
  method: string,
  problem: BilevelProblem,
  opts: SolveOptions,
  hyperparams: Record<string, number | string>,
  setup: (ctx: SolverContext, start: { y0: Float32Array }) => SolverLoop,
): BilevelResult {
  const owner = `${method} on ${problem.name}`;
  const T = checkNumber(method, 'iterations', opts.iterations, { min: 0 });
  const started = performance.now();
  if (!Number.isInteger(T)) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${method}: iterations must be an integer`);
  const recordEvery = checkNumber(method, 'recordEvery', opts.recordEvery ?? defaultRecordEvery(T), { min: 1 });
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const rng = new Rng(opts.seed ?? 0);
  const init = problem.init?.(rng);
  const x0 = checkVector(owner, 'x0', opts.x0 ?? init?.x ?? new Float32Array(problem.dimX), problem.dimX).slice();
  const y0 = checkVector(owner, 'y0', opts.y0 ?? init?.y ?? new Float32Array(problem.dimY), problem.dimY).slice();
  projectOnto(problem.bounds, x0);
  const oracles = new CountingOracles(problem, opts.checkFinite ?? true);
  const label = opts.label ?? owner;

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
    const loop = setup(ctx, { y0 });

    const trace: TraceRecord[] = [];
    let peakRss: number | undefined;
    let timeMs = 0;
    const record = (iter: number): void => {
      const xv = x.view.slice();
      const yv = y.view.slice();
      const rec: TraceRecord = { iter, gradEvals: oracles.counts.total, timeMs, upper: problem.upper(xv, yv, null, null) };
      if (problem.upperObjective) rec.F = problem.upperObjective(xv);
      if (problem.metrics) rec.metrics = problem.metrics(xv, yv);
      const rss = rssNow();
      if (rss !== undefined) {
        rec.rssBytes = rss;
        peakRss = Math.max(peakRss ?? 0, rss);
      }
      trace.push(rec);
      opts.onProgress?.({ label, done: iter, total: T, elapsedMs: performance.now() - started });
    };
    record(0);
    for (let t = 0; t < T; t++) {
      if (opts.signal?.aborted) throw new MetaoptimError('ABORTED', `${owner}: aborted at iteration ${t}`, { iteration: t });
      oracles.iteration = t;
      const t0 = performance.now();
      loop.step(t);
      timeMs += performance.now() - t0;
      if ((t + 1) % recordEvery === 0 || t + 1 === T) record(t + 1);
    }
    const aux = loop.aux?.();
    const result: BilevelResult = {
      method,
      problem: problem.name,
      x: x.view.slice(),
      y: y.view.slice(),
      iterations: T,
      counts: { ...oracles.counts },
      trace,
      timeMs,
      solverBytes,
      hyperparams,
    };
    if (aux) result.z = aux;
    if (peakRss !== undefined) result.peakRssBytes = peakRss;
    return result;
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
