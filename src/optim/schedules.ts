import { checkNumber, checkOptions } from '../core/errors.js';
import { describeSchedule } from './maker.js';
import type { Schedule } from './types.js';

// Learning-rate schedules, optax conventions: a schedule maps the number of updates
// already applied (`count`, starting at 0) to a value. Any hyper-parameter documented
// as "number or schedule" (every optimizer's `lr`) accepts one. Each factory records its
// arguments (maker.ts `describeSchedule`), so optimizers made with equal schedules share states
// and checkpoints record which schedule ran.

/**
 * The constant schedule: η(t) = `value` for every step t (what a plain number `lr` means).
 * Errors: `INVALID_HYPERPARAMETER` (a non-finite value).
 * @example
 * ```ts
 * import { adam, constantSchedule } from 'metaoptim';
 * const opt = adam({ lr: constantSchedule(1e-3) }); // the same as adam({ lr: 1e-3 })
 * console.log(constantSchedule(0.5)(1000)); // 0.5
 * ```
 */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return describeSchedule(() => value, 'constantSchedule', { value });
}

/**
 * Linear interpolation from `init` to `end` over `steps` updates, starting after `begin`
 * updates; `init` before, `end` after (optax `linear_schedule`).
 *   η(t) = init + (end − init)·clamp((t − begin)/steps, 0, 1);  `begin` defaults to 0.
 * @example
 * ```ts
 * import { linearSchedule } from 'metaoptim';
 * const lr = linearSchedule({ init: 1, end: 0, steps: 10 });
 * console.log(lr(0), lr(5), lr(20)); // 1 0.5 0
 * ```
 */
export function linearSchedule(opts: { init: number; end: number; steps: number; begin?: number }): Schedule {
  const o = checkOptions('linearSchedule', opts, ['init', 'end', 'steps', 'begin']);
  const { init, end } = o;
  checkNumber('linearSchedule', 'init', init);
  checkNumber('linearSchedule', 'end', end);
  const steps = checkNumber('linearSchedule', 'steps', o.steps, { min: 0 });
  const begin = checkNumber('linearSchedule', 'begin', o.begin ?? 0, { min: 0 });
  const f: Schedule = (count) => {
    if (steps <= 0) return count < begin ? init : end;
    const frac = Math.min(Math.max((count - begin) / steps, 0), 1);
    return init + (end - init) * frac;
  };
  return describeSchedule(f, 'linearSchedule', { init, end, steps, begin });
}

/**
 * Linear warm-up from `init` (default 0) to `peak` over `steps` updates, then `peak`.
 *   η(t) = init + (peak − init)·min(t, steps)/steps.
 * @example
 * ```ts
 * import { linearWarmup, sgd } from 'metaoptim';
 * const lr = linearWarmup({ peak: 0.1, steps: 100 });
 * console.log(lr(0), lr(50), lr(500)); // 0 0.05 0.1
 * const opt = sgd({ lr });
 * ```
 */
export function linearWarmup(opts: { peak: number; steps: number; init?: number }): Schedule {
  const o = checkOptions('linearWarmup', opts, ['peak', 'steps', 'init']);
  return linearSchedule({ init: o.init ?? 0, end: o.peak, steps: o.steps });
}

/**
 * Cosine decay from `init` to `alpha·init` over `decaySteps` updates (optax
 * `cosine_decay_schedule`): init·((1−α)·½(1 + cos(π·min(count, T)/T)) + α).
 * Default α = 0. Reference: I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with
 * Warm Restarts", ICLR 2017.
 * @example
 * ```ts
 * import { cosineDecay } from 'metaoptim';
 * const lr = cosineDecay({ init: 1, decaySteps: 100, alpha: 0.1 });
 * console.log(lr(0), lr(100)); // 1 0.1
 * ```
 */
export function cosineDecay(opts: { init: number; decaySteps: number; alpha?: number }): Schedule {
  const o = checkOptions('cosineDecay', opts, ['init', 'decaySteps', 'alpha']);
  const init = checkNumber('cosineDecay', 'init', o.init);
  const T = checkNumber('cosineDecay', 'decaySteps', o.decaySteps, { min: 0, minExclusive: true });
  const alpha = checkNumber('cosineDecay', 'alpha', o.alpha ?? 0, { min: 0, max: 1 });
  const f: Schedule = (count) => {
    const c = Math.min(Math.max(count, 0), T);
    return init * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * c) / T)) + alpha);
  };
  return describeSchedule(f, 'cosineDecay', { init, decaySteps: T, alpha });
}

/**
 * Exponential decay (optax `exponential_decay`): init·rate^((count − begin)/transitionSteps),
 * with the exponent floored when `staircase`; held at `init` before `begin`, and bounded
 * by `end` if given.
 * @example
 * ```ts
 * import { exponentialDecay } from 'metaoptim';
 * const lr = exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 10 });
 * console.log(lr(0), lr(10), lr(20)); // 1 0.5 0.25
 * ```
 */
export function exponentialDecay(opts: {
  init: number;
  transitionSteps: number;
  decayRate: number;
  begin?: number;
  staircase?: boolean;
  end?: number;
}): Schedule {
  const o = checkOptions('exponentialDecay', opts, ['init', 'transitionSteps', 'decayRate', 'begin', 'staircase', 'end']);
  const init = checkNumber('exponentialDecay', 'init', o.init);
  const steps = checkNumber('exponentialDecay', 'transitionSteps', o.transitionSteps, { min: 0, minExclusive: true });
  const rate = checkNumber('exponentialDecay', 'decayRate', o.decayRate, { min: 0, minExclusive: true });
  const begin = checkNumber('exponentialDecay', 'begin', o.begin ?? 0, { min: 0 });
  const end = o.end === undefined ? undefined : checkNumber('exponentialDecay', 'end', o.end);
  const f: Schedule = (count) => {
    const c = Math.max(count - begin, 0);
    const e = o.staircase ? Math.floor(c / steps) : c / steps;
    let v = init * Math.pow(rate, e);
    if (end !== undefined) v = rate < 1 ? Math.max(v, end) : Math.min(v, end);
    return v;
  };
  return describeSchedule(f, 'exponentialDecay', { init, transitionSteps: steps, decayRate: rate, begin, staircase: !!o.staircase, end });
}

/**
 * Runs `schedules[i]` from `boundaries[i−1]` on, with its count restarted at the boundary.
 * `boundaries` has one entry fewer than `schedules`, increasing (optax `join_schedules`).
 * @example
 * ```ts
 * import { constantSchedule, cosineDecay, joinSchedules } from 'metaoptim';
 * const lr = joinSchedules([constantSchedule(0.1), cosineDecay({ init: 0.1, decaySteps: 100 })], [50]);
 * console.log(lr(10), lr(50), lr(150)); // 0.1 0.1 0
 * ```
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length !== boundaries.length + 1) {
    checkNumber('joinSchedules', 'boundaries.length', boundaries.length, { min: schedules.length - 1, max: schedules.length - 1 });
  }
  const f: Schedule = (count) => {
    let i = 0;
    while (i < boundaries.length && count >= boundaries[i]!) i++;
    return schedules[i]!(i === 0 ? count : count - boundaries[i - 1]!);
  };
  return describeSchedule(f, 'joinSchedules', { schedules: [...schedules], boundaries: [...boundaries] });
}

/**
 * Linear warm-up from `init` to `peak` over `warmupSteps`, then cosine decay to `end` at `decaySteps` (total).
 * Defaults: init 0, end 0 (optax `warmup_cosine_decay_schedule`).
 * @example
 * ```ts
 * import { adam, warmupCosineDecay } from 'metaoptim';
 * const lr = warmupCosineDecay({ peak: 1e-2, warmupSteps: 100, decaySteps: 1000 });
 * console.log(lr(0), lr(100), lr(1000)); // 0 0.01 0
 * const opt = adam({ lr });
 * ```
 */
export function warmupCosineDecay(opts: { init?: number; peak: number; warmupSteps: number; decaySteps: number; end?: number }): Schedule {
  const o = checkOptions('warmupCosineDecay', opts, ['init', 'peak', 'warmupSteps', 'decaySteps', 'end']);
  const peak = checkNumber('warmupCosineDecay', 'peak', o.peak);
  const end = checkNumber('warmupCosineDecay', 'end', o.end ?? 0);
  const w = checkNumber('warmupCosineDecay', 'warmupSteps', o.warmupSteps, { min: 0 });
  const total = checkNumber('warmupCosineDecay', 'decaySteps', o.decaySteps, { min: w, minExclusive: true });
  const alpha = peak === 0 ? 0 : end / peak;
  return joinSchedules(
    [linearWarmup({ init: o.init ?? 0, peak, steps: w }), cosineDecay({ init: peak, decaySteps: total - w, alpha })],
    [w],
  );
}
