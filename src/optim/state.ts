import { MetaoptimError } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import { registerReclaim, unregisterReclaim } from '../runtime/reclaim.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Runtime } from '../runtime/runtime.js';
import { encodeCheckpoint } from './checkpoint.js';
import { type StateMaker, stateMaker } from './maker.js';

/**
 * What the fused Adam-family step carries between steps (see assembly/moments_tracked.ts): per
 * buffer, an upper bound on max |x| (v: max v) proven by the last step's write, and which buffers
 * were handed out. A buffer is handed out by `params`, `slots`, `view(name)`, `ptr(name)` and
 * `ptrs` (all buffers); from then on the user may write into it at any time, so its bound is
 * dropped for good and every later step reads that buffer again. Internal code that only reads or
 * calls kernels uses `rawPtrs`/`rawView` below, which hand nothing out.
 */
interface Carried {
  /** The buffer names of the carried bounds (`putBounds`), null when none are carried. */
  names: readonly string[] | null;
  vals: Float64Array;
  out: Float64Array;
  exposed: Set<string>;
  ptrs: Readonly<Record<string, number>>;
}
const carried = new WeakMap<OptState, Carried>();

function carriedOf(s: OptState): Carried {
  return carried.get(s)!;
}

function expose(s: OptState, name: string): void {
  carriedOf(s).exposed.add(name);
}

/** Byte offsets of the state's buffers without handing them out (library kernels only). */
export function rawPtrs(s: OptState): Readonly<Record<string, number>> {
  s.assertLive();
  return carriedOf(s).ptrs;
}

/** A view of a buffer without handing it out: for library code that only reads it (save) or fills a fresh state (init, restore). */
export function rawView(s: OptState, name: string): Float32Array {
  return s['region'](name).view;
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * The carried bound of each named buffer (at most 4), +∞ when unknown or handed out, and forgets
 * them all: a step takes the bounds before its kernel writes, and only a write the bound proved
 * puts new ones back (`putBounds`), so any other path leaves the state without bounds. The
 * returned array is reused by the next call.
 */
export function takeBounds(s: OptState, names: readonly string[]): Float64Array {
  const c = carriedOf(s);
  const have = c.names !== null && sameNames(c.names, names);
  if (c.out.length !== names.length) c.out = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) c.out[i] = have && !c.exposed.has(names[i]!) ? c.vals[i]! : Infinity;
  c.names = null;
  return c.out;
}

/**
 * Records the bounds a tracked kernel (assembly/moments_tracked.ts) handed back after a clean
 * write, `k.tracked_bound(i)` for the i-th name (+∞ for a buffer handed out, and for +∞/NaN).
 */
export function putBounds(s: OptState, names: readonly string[], k: Kernels): void {
  const c = carriedOf(s);
  for (let i = 0; i < names.length; i++) {
    const b = k.tracked_bound(i);
    c.vals[i] = b >= 0 && b < Infinity && !c.exposed.has(names[i]!) ? b : Infinity;
  }
  c.names = names;
}

/**
 * Optimizer state: a plain record of named f32 buffers in WebAssembly memory
 * (`params`, `grads`, and the optimizer's slots such as `m`, `v`) plus named scalars
 * (`count` = applied steps, `skipped` = steps skipped by the non-finite policy, and
 * optimizer-specific ones such as Eve's `d`). Nothing is positional: checkpoints store
 * every field by name.
 *
 * Views returned by `params`, `grads` and `slots` are re-derived after memory growth;
 * do not keep them across calls that may allocate (init, restore, other states' growth).
 *
 * A state knows its maker (`maker`: the optimizer's kind, a hash of its hyper-parameters and
 * the buffer/scalar layout). `step` and `wouldUpdate` refuse a state from another maker with
 * STATE_MISMATCH; two optimizers made with identical options may share states.
 * A view held across a growth is detached by the engine (length 0, writes dropped); a
 * zero-copy `step(state)` whose last `grads` view went stale throws STALE_VIEW. `dispose()`
 * quarantines the buffers (see `Arena.retire`): they are reused only after every old view has
 * been detached, so a stale view never writes into another state. A state that is garbage-
 * collected without `dispose()` is reclaimed the same way (runtime/reclaim.ts).
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * await ready();
 * const opt = adam();
 * const state = opt.init([1, 2, 3]);
 * opt.step(state, [0.1, 0.2, 0.3]);
 * console.log(Object.keys(state.slots), state.scalars.count); // [ 'm', 'v' ] 1
 * const copy = opt.restore(state.save());
 * console.log(copy.params.every((x, i) => Object.is(x, state.params[i]))); // true
 * state.dispose();
 * copy.dispose();
 * ```
 */
export class OptState {
  readonly optimizer: string;
  /** Hyper-parameters of the optimizer that made this state (recorded in checkpoints). */
  readonly hyperparams: Readonly<Record<string, unknown>>;
  readonly size: number;
  readonly runtime: Runtime;
  /** Named scalars (f64), saved and restored exactly. */
  readonly scalars: Record<string, number>;
  /** Which optimizer made this state (kind, hyper-parameter hash, layout); see optim/maker.ts. */
  readonly maker: StateMaker;
  private readonly regions: Map<string, Region<Float32Array>>;
  private _disposed = false;
  /** Extra arena blocks tied to this state's life (`own`); also the reclaim registry's list. */
  private readonly owned: Region<Float32Array | Float64Array | Int32Array | Uint8Array>[];

  constructor(
    optimizer: string,
    hyperparams: Readonly<Record<string, unknown>>,
    runtime: Runtime,
    size: number,
    slotNames: readonly string[],
    scalars: Record<string, number>,
    maker?: StateMaker,
  ) {
    this.optimizer = optimizer;
    this.hyperparams = hyperparams;
    this.runtime = runtime;
    this.size = size;
    this.scalars = { count: 0, skipped: 0, ...scalars };
    this.regions = new Map();
    try {
      for (const name of ['params', 'grads', ...slotNames]) {
        if (this.regions.has(name)) throw new MetaoptimError('INVALID_ARGUMENT', `duplicate state slot ${name}`);
        this.regions.set(name, new Region(runtime.arena, Float32Array, size));
      }
    } catch (err) {
      for (const r of this.regions.values()) r.release();
      throw err;
    }
    const ptrs: Record<string, number> = {};
    for (const [name, r] of this.regions) ptrs[name] = r.ptr;
    carried.set(this, { names: null, vals: new Float64Array(4), out: new Float64Array(0), exposed: new Set(), ptrs: Object.freeze(ptrs) });
    this.maker = maker ?? stateMaker(optimizer, hyperparams, [...this.regions.keys()], Object.keys(this.scalars));
    this.owned = [...this.regions.values()];
    registerReclaim(this, runtime, this.owned, `${optimizer} state`);
  }

  /**
   * True when the `grads` view last handed out has been detached since (a memory growth or a
   * quarantine flush came after it): writes made through it since then were dropped.
   */
  get gradsViewStale(): boolean {
    return this.region('grads').stale;
  }

  /**
   * Byte offsets of every buffer by name (fixed for the state's life; kernels take these). Hands
   * out every buffer (see `view`).
   */
  get ptrs(): Readonly<Record<string, number>> {
    const p = rawPtrs(this);
    for (const name of this.regions.keys()) expose(this, name);
    return p;
  }

  /** Current parameters (a view into WebAssembly memory; hands the buffer out, see `view`). */
  get params(): Float32Array {
    const v = this.region('params').view;
    expose(this, 'params');
    return v;
  }

  /** The gradient buffer: write into it and call `step(state)` for the zero-copy path. */
  get grads(): Float32Array {
    return this.region('grads').view;
  }

  /** Optimizer slots by name (`m`, `v`, `trace`, …), excluding params and grads. */
  get slots(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, r] of this.regions) if (name !== 'params' && name !== 'grads') out[name] = this.view(name);
    return out;
  }

  /** Names of all buffers, params and grads first. */
  get bufferNames(): string[] {
    return [...this.regions.keys()];
  }

  /**
   * A view of any buffer by name. Handing out params or a slot (here, or through `params`,
   * `slots`, `ptr`, `ptrs`) makes every later fused Adam-family step read that buffer before it
   * writes, since a value written into it may be NaN/±Inf (docs/runtime.md "The bound pass").
   */
  view(name: string): Float32Array {
    const v = this.region(name).view;
    expose(this, name);
    return v;
  }

  /** Byte offset of a buffer in the runtime's memory (for kernels; hands the buffer out, see `view`). */
  ptr(name: string): number {
    const p = this.region(name).ptr;
    expose(this, name);
    return p;
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** Throws DISPOSED if the state or its runtime is gone. */
  assertLive(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', `${this.optimizer} state used after dispose()`);
    if (this.runtime.disposed) throw new MetaoptimError('DISPOSED', `the runtime of this ${this.optimizer} state was disposed`);
  }

  /**
   * Checkpoint bytes (format version 2, optim/checkpoint.ts): every buffer but `grads`, every
   * scalar, by name, the hyper-parameters and their hash, under a CRC-32.
   */
  save(): Uint8Array {
    this.assertLive();
    const arrays: Record<string, Float32Array> = {};
    for (const name of this.regions.keys()) if (name !== 'grads') arrays[name] = rawView(this, name);
    return encodeCheckpoint({
      optimizer: this.optimizer,
      size: this.size,
      scalars: this.scalars,
      arrays,
      hyperparams: this.hyperparams,
      hyperHash: this.maker.hash,
    });
  }

  /** Frees the state's memory; idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    unregisterReclaim(this);
    if (!this.runtime.disposed) for (const r of this.owned) r.retire();
  }

  /**
   * Ties an extra block of this state's runtime (e.g. an optimizer's per-state weights, never
   * checkpointed) to the state: it is retired on `dispose()`, or reclaimed with the state if the
   * state is collected without it. Returns `region`; DISPOSED on a disposed state.
   */
  own<T extends Region<Float32Array | Float64Array | Int32Array | Uint8Array>>(region: T): T {
    this.assertLive();
    this.owned.push(region);
    return region;
  }

  private region(name: string): Region<Float32Array> {
    this.assertLive();
    const r = this.regions.get(name);
    if (!r) throw new MetaoptimError('INVALID_ARGUMENT', `${this.optimizer} state has no buffer named ${name}`);
    return r;
  }
}
