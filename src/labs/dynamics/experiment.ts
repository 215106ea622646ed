import { checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type LoopOptions, abortedError, isAborted } from '../../core/loop.js';
import { type Runtime, defaultRuntimeOrThrow, ready } from '../../runtime/runtime.js';
import { type DigitsVariant, digitsSplit } from '../../tasks/digits.js';
import { resultsHeader } from '../protocol.js';
import { type DynamicsConfig, regularizerKind } from './config.js';
import { findings } from './findings.js';
import { runInterpolation } from './interpolation.js';
import { runRegularized } from './regularized.js';
import type { DynamicsContext } from './setup.js';
import type { DynamicsParts, DynamicsResults } from './types.js';
import { runVariant } from './variant.js';

/** Version of the results format of `lab dynamics` (2: results header, `elapsedMs`, sample sd). */
export const DYNAMICS_RESULTS_VERSION = 2;

export interface RunDynamicsOptions extends LoopOptions {
  /** Base seed: every random choice derives from it (default 0). */
  seed?: number;
  /** Recorded in the results header (default false). */
  quick?: boolean;
  runtime?: Runtime;
}

const RUN_DYNAMICS_KEYS = [...LOOP_OPTION_KEYS, 'quick', 'runtime'];

/**
 * The computations of `lab dynamics` (SPEC B.1.9 on the digits 64-20-10 variants), in three
 * parts, one file each: `runVariant` (B.1.1 learning rates, the LSTM meta-trained by truncated
 * backprop, recorded runs of L2O / Adam / SGD-momentum / Lion), `runInterpolation` (B.1.11) and
 * `runRegularized` (B.1.5); then the verdicts of `findings` (B.1.9). Everything derives from
 * `seed`; nothing is cached; the same seed gives the same results apart from `elapsedMs`.
 *
 * Loop contract: yields between units of work (and inside every inner loop), progress events
 * `{ label: stage, done, total, elapsedMs }`. On abort it rejects with ABORTED whose
 * `details.partial` is a `DynamicsResults` of what finished (header `partial: true`; the
 * variants, interpolation rows and β rows that completed; the findings their numbers allow).
 */
export async function runDynamics(cfg: DynamicsConfig, o: RunDynamicsOptions = {}): Promise<DynamicsResults> {
  checkOptions('runDynamics', o, RUN_DYNAMICS_KEYS);
  if (!o.runtime) await ready();
  const runtime = o.runtime ?? defaultRuntimeOrThrow();
  const seed = o.seed ?? 0;
  const loop = new Loop('runDynamics', { signal: o.signal }, { total: 0 });
  let units = 0;
  const ctx: DynamicsContext = {
    cfg, seed, runtime, data: await digitsSplit(), signal: o.signal,
    async step(label, done, total) {
      units++;
      o.onProgress?.({ label, done, total, elapsedMs: loop.elapsedMs });
      await loop.tick(units);
    },
  };
  const parts: DynamicsParts = {
    variants: [],
    interp: { variant: cfg.interp.variant, settings: [] },
    reg: { variant: cfg.reg.variant, kind: regularizerKind(cfg.reg.variant), rows: [] },
  };
  const results = (partial: boolean): DynamicsResults => ({
    ...resultsHeader({ lab: 'dynamics', version: DYNAMICS_RESULTS_VERSION, seed, quick: o.quick ?? false, build: runtime.build, elapsedMs: loop.elapsedMs, partial }),
    config: cfg,
    ...parts,
    findings: findings(parts),
  });
  try {
    const trained = new Map<DigitsVariant, { theta: Float32Array; elapsedMs: number }>();
    for (const [vi, v] of cfg.variants.entries()) {
      const { result, theta } = await runVariant(ctx, v, vi);
      parts.variants.push(result);
      trained.set(v, { theta, elapsedMs: result.meta.elapsedMs });
    }
    const picked = parts.variants.find((x) => x.variant === cfg.interp.variant)?.lrSearch;
    await runInterpolation(ctx, picked, parts.interp);
    await runRegularized(ctx, trained, parts.reg);
  } catch (err) {
    if (isAborted(err)) throw abortedError('runDynamics', units, results(true));
    throw err;
  }
  loop.finish(units);
  return results(false);
}
