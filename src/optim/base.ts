import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import { isStaleView, isWasmView } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { type StateMaker, describeMaker, stateMaker } from './maker.js';
import { restoreState } from './restore.js';
import type { FieldRules } from './rules.js';
import { OptState, rawPtrs, rawView } from './state.js';
import type { GradientInput, InitOptions, NonFinitePolicy, Optimizer, RestoreOptions, Schedule, StepInfo } from './types.js';

/**
 * Mode of a fused kernel call: 0 guarded write, 1 check only, 2 trusted write, 3 all or nothing
 * (check, then write only if clean, in one call; see `OptimizerSpec.fused`).
 */
export type FusedMode = 0 | 1 | 2 | 3;

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
   * True when `update` is one fused kernel pass that reports non-finite results itself (the
   * kernels of assembly/moments.ts): `update(…, mode)` returns the number of coordinates whose
   * new parameter or slot value is NaN/±Inf. Mode 1 writes nothing (a check); mode 0 writes,
   * leaving those coordinates as they were; mode 2 writes everything (after a clean check);
   * mode 3 returns mode 1's count and writes nothing when it is positive, else writes everything
   * (the kernel proves a clean write with a cheap bound pass when it can, see
   * assembly/moments_bound.ts; `step` uses mode 3 under 'throw' and 'skip').
   * Otherwise (chains, learned and DCO optimizers) the step backs up the parameters and slots,
   * scans them after `update`, and restores.
   */
  fused?: boolean;
  /**
   * Applies one update to a state whose gradient is finite (or was zeroed). `count` is the
   * number of steps applied before this one. Must validate `info` before changing anything;
   * returns false to skip the step (counted in `scalars.skipped`). A fused spec returns the
   * non-finite result count instead of true, and must change nothing (scalars included) in
   * mode 1, nor in mode 3 when the count is positive (see `fused`).
   */
  update(state: OptState, k: Kernels, count: number, info: StepInfo | undefined, mode?: FusedMode): boolean | number;
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
 * @example
 * ```ts
 * import { adam, optimizerOf, ready } from 'metaoptim';
 * await ready();
 * const saved = adam({ lr: 0.1 }).init([1, 2]);
 * const state = adam({ lr: 0.5 }).restore(saved.save(), { hyperparams: 'checkpoint' });
 * console.log(optimizerOf(state)?.hyperparams.lr); // 0.1: the optimizer re-made from the checkpoint
 * saved.dispose();
 * state.dispose();
 * ```
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
 * @example
 * ```ts
 * import { MetaoptimError, adam, checkStateMaker, ready } from 'metaoptim';
 * await ready();
 * const state = adam({ lr: 0.1 }).init([1, 2]);
 * checkStateMaker(adam({ lr: 0.1 }), state, 'demo'); // identical options: allowed
 * try {
 *   checkStateMaker(adam({ lr: 0.2 }), state, 'demo');
 * } catch (err) {
 *   console.log(err instanceof MetaoptimError && err.code); // STATE_MISMATCH
 * }
 * state.dispose();
 * ```
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

/**
 * Learning rates lie in [0, 1e30]: above that an f32 step overflows for any gradient of order 1e8
 * or more (and 1e39 is already +∞ in f32), so such a value is rejected as INVALID_HYPERPARAMETER
 * instead of stepping into ±∞/NaN. Schedules are checked against the same range at every step.
 */
export const LR_RANGE = Object.freeze({ min: 0, max: 1e30 });
/** Weight decay (coupled or decoupled) lies in [0, 1e30], for the reason of `LR_RANGE`. */
export const WD_RANGE = Object.freeze({ min: 0, max: 1e30 });

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
  if (isStaleView(x)) {
    throw new MetaoptimError('STALE_VIEW', `${owner}: ${what} is a stale view of WebAssembly memory (detached by a memory growth or a dispose); take the view again after any allocation`);
  }
  const n = (x as ArrayLike<number>).length;
  if (n > 0x1fffffff) throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: ${what} has ${n} elements, more than 2^29`);
  return n;
}

/**
 * Rejects parameters that are not numbers or are NaN/±Inf (INVALID_ARGUMENT with the index).
 * Typed arrays are checked after the copy into f32 (by the caller); plain arrays here.
 */
function checkParams(owner: string, params: GradientInput): void {
  if (ArrayBuffer.isView(params)) return;
  const a = params as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: params[${i}] is ${typeof x === 'number' ? x : `not a number (${typeof x})`}; parameters must be finite numbers`, { index: i, value: x });
    }
  }
}

/** JS copies of a state's parameters and slots, one set per state, reused every step. */
const backups = new WeakMap<OptState, Float32Array[]>();

function buffersOf(state: OptState): Float32Array[] {
  return state.bufferNames.filter((b) => b !== 'grads').map((b) => state.view(b));
}

/** Copies params and slots aside before a non-fused update (see `OptimizerSpec.fused`). */
function backupOf(state: OptState): Float32Array[] {
  const views = buffersOf(state);
  let b = backups.get(state);
  if (!b) backups.set(state, (b = views.map((v) => new Float32Array(v.length))));
  for (let i = 0; i < views.length; i++) b[i]!.set(views[i]!);
  return b;
}

function countNonFiniteBuffers(state: OptState, k: Kernels): number {
  let bad = 0;
  for (const name of state.bufferNames) if (name !== 'grads') bad += k.count_nonfinite_f32(state.ptr(name), state.size);
  return bad;
}

function restoreAll(state: OptState, backup: Float32Array[]): void {
  buffersOf(state).forEach((v, i) => v.set(backup[i]!));
}

/** Policy 'zero' for results: every coordinate with a non-finite value keeps its old values. */
function restoreNonFiniteLanes(state: OptState, backup: Float32Array[]): void {
  const views = buffersOf(state);
  for (let j = 0; j < state.size; j++) {
    if (views.every((v) => Number.isFinite(v[j]!))) continue;
    for (let b = 0; b < views.length; b++) views[b]![j] = backup[b]![j]!;
  }
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
  const skipStep = (state: OptState): false => {
    state.scalars.skipped! += 1;
    return false;
  };
  /** Policy 'throw' or 'skip' for a step found non-finite before anything changed. */
  const nonFiniteFound = (state: OptState, code: 'NON_FINITE_GRADIENT' | 'NON_FINITE_RESULT', bad: number): false => {
    if (nonFinite === 'throw') {
      const what = code === 'NON_FINITE_GRADIENT' ? 'gradient has' : 'update would make';
      const tail = code === 'NON_FINITE_GRADIENT' ? 'non-finite entries' : 'parameters or optimizer slots non-finite (overflow)';
      throw new MetaoptimError(code, `${name}.step: ${what} ${bad} ${tail}; parameters and state are unchanged`, { count: bad });
    }
    return skipStep(state);
  };
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
      checkParams(`${name}.init`, params);
      // A source in WebAssembly memory (another state's params) is detached if allocating the
      // new state grows that memory: copy it out first.
      const src = isWasmView(params) ? (params as Float32Array).slice() : params;
      const s = newState(n, opts);
      try {
        rawView(s, 'params').set(src); // fills the fresh state: nothing handed out
        const bad = s.runtime.kernels.count_nonfinite_f32(rawPtrs(s).params!, n);
        if (bad > 0) {
          throw new MetaoptimError('INVALID_ARGUMENT', `${name}.init: params hold ${bad} entries that are NaN/±Inf in f32`, { count: bad });
        }
      } catch (err) {
        s.dispose();
        throw err;
      }
      return s;
    },

    step(state: OptState, grads?: GradientInput, info?: StepInfo): boolean {
      if (!(state instanceof OptState)) throw new MetaoptimError('INVALID_ARGUMENT', `${name}.step: expected a state from ${name}.init()`);
      state.assertLive();
      checkStepInfo(`${name}.step`, info);
      if (state.maker !== maker) checkStateMaker(opt, state, `${name}.step`);
      const n = state.size;
      if (grads !== undefined) {
        const len = toLength(name, 'grads', grads);
        const gview = state.grads;
        if (len !== n) {
          throw new MetaoptimError('LENGTH_MISMATCH', `${name}.step: grads has ${len} elements, params have ${n}`, { expected: n, got: len });
        }
        const same = grads instanceof Float32Array && grads.buffer === gview.buffer && grads.byteOffset === gview.byteOffset;
        if (!same) gview.set(grads);
      } else if (state.gradsViewStale) {
        throw new MetaoptimError('STALE_VIEW', `${name}.step(state): the state's grads view was detached by a memory growth or a dispose since it was last taken, so writes through it were lost; take state.grads again after any allocation, or pass the gradient to step()`);
      }
      const k = state.runtime.kernels;
      const gptr = rawPtrs(state).grads!;
      if (nonFinite === 'zero' || !spec.fused) {
        const bad = k.count_nonfinite_f32(gptr, n);
        if (bad > 0) {
          if (nonFinite === 'zero') k.zero_nonfinite_f32(gptr, n);
          else return nonFiniteFound(state, 'NON_FINITE_GRADIENT', bad);
        }
      }
      const count = state.scalars.count!;
      if (spec.fused) {
        if (nonFinite !== 'zero') {
          // All or nothing in one kernel call: a bound pass (or, when the bound cannot prove it,
          // an exact check pass) before any store, then the write only if every result is finite.
          const bad = spec.update(state, k, count, info, 3);
          if (bad === false) return skipStep(state);
          if ((bad as number) > 0) {
            const gbad = k.count_nonfinite_f32(gptr, n);
            return gbad > 0 ? nonFiniteFound(state, 'NON_FINITE_GRADIENT', gbad) : nonFiniteFound(state, 'NON_FINITE_RESULT', bad as number);
          }
        } else if (spec.update(state, k, count, info, 0) === false) return skipStep(state);
      } else {
        const backup = backupOf(state);
        const scalars = { ...state.scalars };
        if (!spec.update(state, k, count, info)) return skipStep(state);
        const bad = countNonFiniteBuffers(state, k);
        if (bad > 0) {
          if (nonFinite === 'zero') restoreNonFiniteLanes(state, backup);
          else {
            restoreAll(state, backup);
            Object.assign(state.scalars, scalars);
            return nonFiniteFound(state, 'NON_FINITE_RESULT', bad);
          }
        }
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
