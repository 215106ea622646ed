import { checkNumber, checkOptions } from '../core/errors.js';
import { describeSchedule } from './maker.js';
import type { Schedule } from './types.js';

// Learning-rate schedules, optax conventions: a schedule maps the number of updates
// already applied (`count`, starting at 0) to a value. Any hyper-parameter documented
// as "number or schedule" (every optimizer's `lr`) accepts one. Each factory records its
// arguments (maker.ts `describeSchedule`), so optimizers made with equal schedules share states
// and checkpoints record which schedule ran.

/** The constant schedule: η(t) = `value` for every step t (what a plain number `lr` means). */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return describeSchedule(() => value, 'constantSchedule', { value });
}

/**
 * Linear interpolation from `init` to `end` over `steps` updates, starting after `begin`
 * updates; `init` before, `end` after (optax `linear_schedule`).
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

/** Linear warm-up from `init` (default 0) to `peak` over `steps` updates, then `peak`. */
export function linearWarmup(opts: { peak: number; steps: number; init?: number }): Schedule {
  const o = checkOptions('linearWarmup', opts, ['peak', 'steps', 'init']);
  return linearSchedule({ init: o.init ?? 0, end: o.peak, steps: o.steps });
}

/**
 * Cosine decay from `init` to `alpha·init` over `decaySteps` updates (optax
 * `cosine_decay_schedule`): init·((1−α)·½(1 + cos(π·min(count, T)/T)) + α).
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

/** Runs `schedules[i]` from `boundaries[i−1]` on, with its count restarted at the boundary. */
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

/** Linear warm-up from `init` to `peak` over `warmupSteps`, then cosine decay to `end` at `decaySteps` (total). */
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
