import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import type { Kernels } from '../runtime/kernels.js';
import { defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { type StateMaker, describeMaker, stateMaker } from './maker.js';
import { restoreState } from './restore.js';
import type { FieldRules } from './rules.js';
import { OptState } from './state.js';
import type { GradientInput, InitOptions, NonFinitePolicy, Optimizer, RestoreOptions, Schedule, StepInfo } from './types.js';

/** What a concrete optimizer supplies; `makeOptimizer` adds init, step flow, checkpoints. */
export interface OptimizerSpec {
  name: string;
  hyperparams: Record<string, unknown>;
  /** f32 buffers of the parameters' size besides params and grads, zero-initialized. */
  slots: readonly string[];
  /** Optimizer-specific scalars and their initial values. */
  scalars?: Record<string, number>;
  nonFinite: NonFinitePolicy;
  /**
   * Applies one update to a state whose gradient is finite (or was zeroed). `count` is the
   * number of steps applied before this one. Must validate `info` before changing anything;
   * returns false to skip the step (counted in `scalars.skipped`).
   */
  update(state: OptState, k: Kernels, count: number, info: StepInfo | undefined): boolean;
  /** Restore-time rules for the scalars and slots (default: scalars and buffers finite). */
  rules?: FieldRules;
  /**
   * Re-makes an optimizer of this kind from a checkpoint's hyper-parameters (plain values,
   * the keys of `hyperparams`), for `restore(bytes, { hyperparams: 'checkpoint' })`. Absent
   * when they cannot be rebuilt from a file (learned θ, DCO θ).
   */
  remake?(h: Record<string, unknown>, nonFinite: NonFinitePolicy): Optimizer;
}

const makers = new WeakMap<Optimizer, StateMaker>();
const owners = new WeakMap<OptState, Optimizer>();

/**
 * The optimizer that made (`init`) or restored this state — after `restore(bytes, {
 * hyperparams: 'checkpoint' })`, the optimizer re-made with the checkpoint's hyper-parameters.
 * `undefined` for a state not made by a library optimizer.
 */
export function optimizerOf(state: OptState): Optimizer | undefined {
  return owners.get(state);
}

/**
 * Throws STATE_MISMATCH unless `opt` may step `state`: the state's maker has the same kind,
 * hyper-parameters (schedules by description; other functions by identity) and layout as
 * `opt` (two optimizers made with identical options may share states). Optimizers not built by
 * the library (no maker record) are not checked. `caller` names the function in the message;
 * the details are `{ state, optimizer }`, both makers.
 */
export function checkStateMaker(opt: Optimizer, state: OptState, caller: string): void {
  const mine = makers.get(opt);
  const theirs = state.maker;
  if (!mine || theirs === mine || theirs.identity === mine.identity) return;
  const same = theirs.kind === mine.kind && theirs.hyperKey === mine.hyperKey && theirs.layout === mine.layout;
  throw new MetaoptimError(
    'STATE_MISMATCH',
    `${caller}: this state was made by ${describeMaker(theirs)}, not by this optimizer, ${describeMaker(mine)}` +
      (same ? ' (the same except a function hyper-parameter that is another function object with the same source)' : ''),
    { state: theirs, optimizer: mine },
  );
}

const POLICIES: readonly NonFinitePolicy[] = ['throw', 'skip', 'zero'];

/** Validates the `nonFinite` option (default `'throw'`). */
export function nonFinitePolicy(owner: string, value: unknown): NonFinitePolicy {
  if (value === undefined) return 'throw';
  if (!POLICIES.includes(value as NonFinitePolicy)) {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: nonFinite must be one of ${POLICIES.join(', ')}, got ${String(value)}`);
  }
  return value as NonFinitePolicy;
}

/** A hyper-parameter that may be a constant or a schedule: validated once or at every step. */
export function scheduleOrNumber(
  owner: string,
  name: string,
  value: unknown,
  range: Parameters<typeof checkNumber>[3] = {},
): number | Schedule {
  if (typeof value === 'function') return value as Schedule;
  return checkNumber(owner, name, value, range);
}

/** The value of a constant-or-schedule at `count`, validated (a schedule may go wrong late). */
export function valueAt(owner: string, name: string, v: number | Schedule, count: number, range: Parameters<typeof checkNumber>[3] = {}): number {
  return typeof v === 'number' ? v : checkNumber(owner, `${name}(${count})`, v(count), range);
}

function toLength(owner: string, what: string, x: unknown): number {
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: ${what} must be a Float32Array or an array of numbers`);
  }
  const n = (x as ArrayLike<number>).length;
  if (n > 0x1fffffff) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: ${what} has ${n} elements, more than 2^29`);
  return n;
}

/** The keys of `init`/`restore` options and of `step` info (anything else is UNKNOWN_OPTION). */
export const INIT_KEYS: readonly string[] = ['runtime'];
export const STEP_INFO_KEYS: readonly string[] = ['loss'];

/** `checkOptions` for the per-step info without allocating on the hot path (only `loss` is valid). */
function checkStepInfo(owner: string, info: StepInfo | undefined): void {
  if (info === undefined || info === null) return;
  if (typeof info !== 'object') throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: step info must be an object such as { loss }`);
  for (const key in info) {
    if (key !== 'loss') checkOptions(owner, { [key]: true }, STEP_INFO_KEYS);
  }
}

/** Builds an `Optimizer` from a spec: shared validation, non-finite policy and checkpoints. */
export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  const { name, hyperparams, slots, nonFinite } = spec;
  const scalarInit = spec.scalars ?? {};
  const frozen = Object.freeze({ ...hyperparams, nonFinite });
  const maker = stateMaker(name, frozen, ['params', 'grads', ...slots], ['count', 'skipped', ...Object.keys(scalarInit)]);

  const newState = (n: number, opts?: InitOptions) => {
    const s = new OptState(name, frozen, opts?.runtime ?? defaultRuntimeOrThrow(), n, slots, { ...scalarInit }, maker);
    owners.set(s, opt);
    return s;
  };

  const opt: Optimizer = {
    name,
    hyperparams: frozen,

    init(params: GradientInput, opts?: InitOptions): OptState {
      checkOptions(`${name}.init`, opts, INIT_KEYS);
      const n = toLength(name, 'params', params);
      const s = newState(n, opts);
      s.params.set(params);
      return s;
    },

    step(state: OptState, grads?: GradientInput, info?: StepInfo): boolean {
      if (!(state instanceof OptState)) throw new MetaoptimError('INVALID_ARGUMENT', `${name}.step: expected a state from ${name}.init()`);
      state.assertLive();
      checkStepInfo(`${name}.step`, info);
      if (state.maker !== maker) checkStateMaker(opt, state, `${name}.step`);
      const n = state.size;
      if (grads !== undefined) {
        const gview = state.grads;
        const len = toLength(name, 'grads', grads);
        if (len !== n) {
          throw new MetaoptimError('LENGTH_MISMATCH', `${name}.step: grads has ${len} elements, params have ${n}`, { expected: n, got: len });
        }
        const same = grads instanceof Float32Array && grads.buffer === gview.buffer && grads.byteOffset === gview.byteOffset;
        if (!same) gview.set(grads);
      }
      const k = state.runtime.kernels;
      const gptr = state.ptrs.grads!;
      const bad = k.count_nonfinite_f32(gptr, n);
      if (bad > 0) {
        if (nonFinite === 'throw') {
          throw new MetaoptimError('NON_FINITE_GRADIENT', `${name}.step: gradient has ${bad} non-finite entries; parameters and state are unchanged`, { count: bad });
        }
        if (nonFinite === 'skip') {
          state.scalars.skipped! += 1;
          return false;
        }
        k.zero_nonfinite_f32(gptr, n);
      }
      if (!spec.update(state, k, state.scalars.count!, info)) {
        state.scalars.skipped! += 1;
        return false;
      }
      state.scalars.count! += 1;
      return true;
    },

    restore(bytes: ArrayBufferView, opts?: RestoreOptions): OptState {
      return restoreState(
        { name, maker, hyperparams: frozen, slots, scalarNames: ['count', 'skipped', ...Object.keys(scalarInit)], rules: spec.rules ?? {}, nonFinite, remake: spec.remake, newState },
        bytes,
        opts,
      );
    },
  };
  makers.set(opt, maker);
  return opt;
}
