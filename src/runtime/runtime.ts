import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { type Build, type LoadOptions, compileModule, isNode, simdSupported } from './load.js';

export interface RuntimeOptions extends LoadOptions {
  /**
   * Which binary to run: `'auto'` (default) picks SIMD when the engine supports it, else
   * scalar. In Node the environment variable `METAOPTIM_BUILD=simd|scalar` overrides `'auto'`.
   */
  build?: Build | 'auto';
  /** Initial linear memory in 64 KiB pages (default 16 = 1 MiB); it grows on demand. */
  initialPages?: number;
}

/** The keys `ready` and `createRuntime` accept (anything else is UNKNOWN_OPTION). */
export const RUNTIME_KEYS = optionKeys<RuntimeOptions>({ build: 1, initialPages: 1, bytes: 1, url: 1 });

export interface RuntimeInfo {
  /** The build that is running. */
  build: Build;
  /** Whether this engine supports WebAssembly SIMD at all. */
  simdSupported: boolean;
  /** Bytes of linear memory reserved now. */
  memoryBytes: number;
  /** Bytes held by live allocations. */
  usedBytes: number;
}

let nextId = 1;

/**
 * One instance of the kernel module with its own memory and arena. Most users never
 * touch this: `ready()` makes a default one. Workers and tests make their own.
 * Pass one to `opt.init(params, { runtime })`; `dispose()` frees its memory (later use throws
 * `DISPOSED`). Made by `createRuntime`.
 * @example
 * ```ts
 * import { adam, createRuntime } from 'metaoptim';
 * const runtime = await createRuntime({ build: 'scalar' });
 * const state = adam({ lr: 0.1 }).init([1, 2, 3], { runtime });
 * console.log(runtime.build, state.params.length); // scalar 3
 * state.dispose();
 * runtime.dispose();
 * ```
 */
export class Runtime {
  readonly id = nextId++;
  readonly build: Build;
  readonly arena: Arena;
  private readonly _kernels: Kernels;
  private _disposed = false;

  constructor(build: Build, kernels: Kernels, arena: Arena) {
    this.build = build;
    this._kernels = kernels;
    this.arena = arena;
  }

  /** The module's exported kernels (throws DISPOSED after `dispose()`). */
  get kernels(): Kernels {
    if (this._disposed) throw new MetaoptimError('DISPOSED', `runtime ${this.id} was disposed`);
    return this._kernels;
  }

  get disposed(): boolean {
    return this._disposed;
  }

  info(): RuntimeInfo {
    const s = this.arena.stats();
    return { build: this.build, simdSupported: simdSupported(), memoryBytes: s.capacity, usedBytes: s.used };
  }

  /** Drops this runtime; states made on it throw DISPOSED afterwards. Idempotent. */
  dispose(): void {
    this._disposed = true;
    if (defaultRuntime === this) {
      defaultRuntime = undefined;
      pending = undefined;
    }
  }
}

function chooseBuild(requested: Build | 'auto' | undefined): Build {
  let want = requested ?? 'auto';
  if (want === 'auto' && isNode) {
    const env = process.env.METAOPTIM_BUILD;
    if (env === 'simd' || env === 'scalar') want = env;
  }
  const simd = simdSupported();
  if (want === 'simd' && !simd) {
    throw new MetaoptimError('WASM_UNAVAILABLE', 'the SIMD build was requested but this engine has no WebAssembly SIMD');
  }
  if (want === 'auto') return simd ? 'simd' : 'scalar';
  return want;
}

/**
 * Instantiates a new, independent runtime.
 * Each runtime has its own linear memory and arena (e.g. one per worker); states made on it
 * are passed `{ runtime }`. Options: `build` (`'auto'` default: SIMD when the engine validates the
 * v128 probe, else scalar; `METAOPTIM_BUILD` in Node), `initialPages` (default 16 = 1 MiB, grows on
 * demand), `bytes` / `url` (where the `.wasm` comes from; default: read from the package in Node,
 * fetched from `new URL('…wasm', import.meta.url)` elsewhere).
 * Errors: `WASM_UNAVAILABLE` (no WebAssembly, or SIMD requested where the engine has none, or bytes
 * of the other build), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * import { createRuntime, sgd } from 'metaoptim';
 * const runtime = await createRuntime(); // independent of the default runtime of ready()
 * const s = sgd({ lr: 0.5 }).init(new Float32Array([2]), { runtime });
 * sgd({ lr: 0.5 }).step(s, [2]);
 * console.log(s.params[0]); // 1
 * s.dispose();
 * runtime.dispose();
 * ```
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const opts = checkOptions('createRuntime', options, RUNTIME_KEYS);
  const build = chooseBuild(opts.build);
  const module = await compileModule(build, opts);
  const memory = new WebAssembly.Memory({ initial: opts.initialPages ?? 16, maximum: 65536 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = instance.exports as unknown as Kernels;
  if ((kernels.simd_enabled() === 1) !== (build === 'simd')) {
    throw new MetaoptimError('WASM_UNAVAILABLE', `module bytes do not match the requested ${build} build`);
  }
  return new Runtime(build, kernels, new Arena(memory, kernels.heap_base()));
}

let defaultRuntime: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

/**
 * Instantiates the default runtime once (later calls return the same one) and reports
 * which build is active. Await it before making optimizer states.
 * Options as `createRuntime` (only the first call's options count). Returns
 * `{ build, simdSupported, memoryBytes, usedBytes }`. A failed first call may be retried.
 * Errors: `WASM_UNAVAILABLE`, `UNKNOWN_OPTION`; until it resolves, making a state throws `NOT_READY`.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * const info = await ready();
 * console.log(info.build); // 'simd' where the engine has WebAssembly SIMD, else 'scalar'
 * ```
 */
export async function ready(opts: RuntimeOptions = {}): Promise<RuntimeInfo> {
  checkOptions('ready', opts, RUNTIME_KEYS);
  if (!pending) {
    pending = createRuntime(opts).then(
      (rt) => (defaultRuntime = rt),
      (err) => {
        pending = undefined;
        throw err;
      },
    );
  }
  return (await pending).info();
}

/** The default runtime; throws NOT_READY unless `await ready()` has completed. */
export function defaultRuntimeOrThrow(): Runtime {
  if (!defaultRuntime) {
    throw new MetaoptimError('NOT_READY', 'call `await ready()` before creating optimizer states');
  }
  return defaultRuntime;
}

/**
 * Facts about the default runtime (build, memory), or undefined before `ready()`.
 * @example
 * ```ts
 * import { ready, runtimeInfo } from 'metaoptim';
 * console.log(runtimeInfo()); // undefined: not ready yet
 * await ready();
 * console.log(runtimeInfo()?.build, runtimeInfo()?.usedBytes);
 * ```
 */
export function runtimeInfo(): RuntimeInfo | undefined {
  return defaultRuntime?.info();
}
