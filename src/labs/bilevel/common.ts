import type { ProgressEvent } from '../../core/loop.js';
import { f2sa } from '../../bilevel/f2sa.js';
import { pbgd } from '../../bilevel/pbgd.js';
import { pbgdFree } from '../../bilevel/pbgd-free.js';
import type { BilevelProblem } from '../../bilevel/problem.js';
import type { QuadraticProblem } from '../../bilevel/problems/quadratic.js';
import type { BilevelResult, SolveOptions } from '../../bilevel/run.js';

// Shared pieces of the parts of `metaoptim lab bilevel`: the methods, their settings, the slim
// run record kept in results.json and the efficiency ("goal") rule. Step sizes for the
// quadratics follow the curvature rules used in the tests; the others were chosen by short
// pilot runs (docs/bilevel.md).

export type Method = 'pbgd-free' | 'pbgd' | 'f2sa';
export const METHODS: Method[] = ['pbgd-free', 'pbgd', 'f2sa'];

/** What every part receives: the budget, the seed and the loop options passed to each solve. */
export interface Ctx {
  quick: boolean;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
}

/** A slim, JSON-friendly copy of a run (trace thinned to ≤ 200 rows). */
export interface RunSummary {
  method: Method;
  problem: string;
  hyperparams: Record<string, number | string>;
  iterations: number;
  counts: BilevelResult['counts'];
  /** Solver wall time (records excluded). */
  elapsedMs: number;
  peakRssBytes?: number;
  solverBytes: number;
  final: { F?: number; upper: number; metrics?: Record<string, number> };
  trace: { iter: number; gradEvals: number; elapsedMs: number; F?: number; upper: number; metrics?: Record<string, number> }[];
  x?: number[];
}

export function summarize(method: Method, r: BilevelResult, keepX: boolean): RunSummary {
  const stride = Math.max(1, Math.ceil(r.trace.length / 200));
  const trace = r.trace.filter((_, i) => i % stride === 0 || i === r.trace.length - 1).map(({ rssBytes: _r, ...t }) => t);
  const last = r.trace.at(-1)!;
  const s: RunSummary = {
    method,
    problem: r.problem,
    hyperparams: r.hyperparams,
    iterations: r.iterations,
    counts: r.counts,
    elapsedMs: r.elapsedMs,
    solverBytes: r.solverBytes,
    final: { F: last.F, upper: last.upper, metrics: last.metrics },
    trace,
  };
  if (r.peakRssBytes !== undefined) s.peakRssBytes = r.peakRssBytes;
  if (keepX) s.x = Array.from(r.x);
  return s;
}

export type Settings = Record<Method, Record<string, number | string | boolean>>;

/** Curvature-based steps for the closed-form problems (the same rules as the tests). */
export function quadraticSettings(p: QuadraticProblem, gamma: number): Settings {
  const { Lg, Lf } = p.curvature;
  return {
    'pbgd-free': { gamma, eta: 0.6 / Lf, etaY: 1 / (Lg + Lf / gamma) },
    pbgd: { gammaMax: gamma, lrX: (0.2 * Math.min(gamma, 10)) / Lf, lrY: gamma / (gamma * Lg + Lf), lrInner: 1 / Lg },
    f2sa: { lambdaMax: gamma, lambda0: Math.min(1, gamma), lambdaStep: 0.1, alpha: 1 / (Lg + Lf / gamma), beta: 1 / Lg, xi: 0.6 / Lf },
  };
}

/** Settings of the digits representation split (shared by the representation and inner parts). */
export const REPRESENTATION_SETTINGS: Settings = {
  'pbgd-free': { gamma: 10, eta: 1, etaY: 0.5 },
  pbgd: { gammaMax: 10, lrX: 1, lrY: 0.5, lrInner: 0.5 },
  f2sa: { lambdaMax: 10, alpha: 0.5, beta: 0.5, xi: 1 },
};

/** Runs `method` on `p` with its settings and the loop options of `ctx`. */
export function runMethod(ctx: Ctx, method: Method, p: BilevelProblem, settings: Settings, base: SolveOptions): Promise<BilevelResult> {
  const o: SolveOptions = { ...base, ...settings[method] };
  if (ctx.signal) o.signal = ctx.signal;
  if (ctx.onProgress) o.onProgress = ctx.onProgress;
  if (method === 'pbgd-free') return pbgdFree(p, o);
  if (method === 'pbgd') return pbgd(p, o);
  return f2sa(p, o);
}

export interface ProblemRuns {
  problem: string;
  description: string;
  /** 'F' = the recorded upper objective F(x); otherwise the metric plotted. */
  measure: 'F' | 'testAccuracy';
  runs: RunSummary[];
  solution?: { x: number[]; F: number };
  predicted?: Record<Method, number[]>;
  extra?: Record<string, unknown>;
  /** The goal table rows, computed from the full (unthinned) traces. */
  efficiency?: EfficiencyRow[];
}

export interface EfficiencyRow {
  problem: string;
  baseline: Method;
  /** baseline's final F and the evaluations it used in total */
  baselineF: number;
  baselineEvals: number;
  /** evaluations the baseline needed to come within 1 % of its own final F (relative to the decrease from F₀) */
  baselineEvals1pct: number | null;
  /** evaluations PBGD-Free needed to come within 1 % of the baseline's final F (same definition) */
  freeEvals1pct: number | null;
  /** PBGD-Free's best and final F */
  freeBestF: number;
  freeFinalF: number;
  /** (F_free,final − F_b) / |F_b| (signed relative gap; null when |F_b| ≤ 1e-8, e.g. F* = 0) */
  relGap: number | null;
  ratio: number | null;
  goalMet: boolean;
  /** The baseline ended no lower than it started (diverged or collapsed): no comparison made. */
  baselineFailed: boolean;
}

/**
 * "PBGD-Free matches the baseline's upper objective within 1 % using ≤ 1/3 of its gradient
 * evaluations": target = F_b + 0.01·(F₀ − F_b) (1 % of the decrease the baseline achieved, which
 * also works when F* = 0); E_free = first record where PBGD-Free's F ≤ target and stays
 * there at the end; the ratio compares E_free with E_b,1% (the baseline's own first record within 1 % of
 * its final value). Goal met when both the final F's are within 1 % (by the same rule) and ratio ≤ 1/3.
 */
export function efficiency(problem: string, raw: BilevelResult[]): EfficiencyRow[] {
  const free = raw.find((r) => r.method === 'pbgd-free');
  if (!free || free.trace.some((t) => t.F === undefined)) return [];
  const rows: EfficiencyRow[] = [];
  for (const b of raw.filter((r) => r.method !== 'pbgd-free')) {
    const F0 = b.trace[0]!.F!, Fb = b.trace.at(-1)!.F!;
    const target = Fb + 0.01 * Math.abs(F0 - Fb);
    const first = (t: BilevelResult['trace']) => {
      let k = t.length; // first index from which every record stays ≤ target
      while (k > 0 && t[k - 1]!.F! <= target) k--;
      return k < t.length ? t[k]!.gradEvals : null;
    };
    const baselineFailed = !(Fb < F0);
    const eB = baselineFailed ? null : first(b.trace), eF = baselineFailed ? null : first(free.trace);
    const freeFinal = free.trace.at(-1)!.F!;
    const ratio = eB !== null && eF !== null && eB > 0 ? eF / eB : null;
    rows.push({
      problem,
      baseline: b.method as Method,
      baselineF: Fb,
      baselineEvals: b.counts.total,
      baselineEvals1pct: eB,
      freeEvals1pct: eF,
      freeBestF: Math.min(...free.trace.map((t) => t.F!)),
      freeFinalF: freeFinal,
      relGap: Math.abs(Fb) > 1e-8 ? (freeFinal - Fb) / Math.abs(Fb) : null,
      ratio,
      goalMet: ratio !== null && ratio <= 1 / 3 && freeFinal <= target,
      baselineFailed,
    });
  }
  return rows;
}

export interface InnerRow extends EfficiencyRow {
  /** T_in of the baseline (PBGD-Free keeps K = 1) */
  inner: number;
}

/** ‖x − x*‖∞ of a run or predicted point against the bilevel solution. */
export function infDistance(x: ArrayLike<number>, xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(x[i]! - xs[i]!));
  return m;
}
