import { MetaoptimError } from './errors.js';

/**
 * The one loop contract of metaoptim. Every long-running function (training, meta-training,
 * bilevel runs, restarts, large QP batches, every lab) is
 *
 *   async fn(…, options: LoopOptions & OwnOptions): Promise<Result>
 *
 * and through a `Loop`:
 * - yields to the event loop at least every `sliceMs` (default 20 ms) of work, so timers,
 *   I/O, Ctrl-C and a Stop button get through;
 * - rejects within 100 ms of `signal` aborting with `MetaoptimError('ABORTED')` whose details
 *   are `{ iteration, partial }` (`partial`: the result or checkpoint so far, in the same
 *   shape the function returns or resumes from, or undefined where nothing is usable);
 * - reports one `ProgressEvent` shape, at most every `progressMs` (default 50 ms) plus the
 *   first and the last event.
 */

/** Options every long-running function takes. */
export interface LoopOptions {
  /** Base seed: every random choice of the run derives from it. */
  seed?: number;
  /** Aborting it rejects the run with ABORTED within 100 ms. */
  signal?: AbortSignal;
  /** Called with progress; never called after the run settles. */
  onProgress?: (e: ProgressEvent) => void;
}

/** The keys of `LoopOptions`, for `checkOptions`. */
export const LOOP_OPTION_KEYS = ['seed', 'signal', 'onProgress'] as const;

/** One progress report. `elapsedMs` counts from the start of the run. */
export interface ProgressEvent {
  /** What is running, e.g. "adam on rosenbrock" or "esMetaTrain". */
  label: string;
  /** Units done so far (iterations, steps, runs, …), 0 ≤ done ≤ total. */
  done: number;
  total: number;
  elapsedMs: number;
  /** Current figures of merit, e.g. `{ loss: 0.31 }`. */
  metrics?: Readonly<Record<string, number>>;
}

/** The details of every `ABORTED` error. */
export interface AbortedDetails<P = unknown> {
  /** Units completed before the abort was seen. */
  iteration: number;
  /** The result or checkpoint so far (see the function's docs), or undefined. */
  partial: P | undefined;
}

/**
 * The `ABORTED` error of `owner` with details `{ iteration, partial }`.
 * @example
 * ```ts
 * import { abortedError, isAborted } from 'metaoptim/core';
 * const err = abortedError('myLoop', 42, { bestSoFar: 0.1 });
 * console.log(err.code, isAborted(err) && err.details.iteration); // ABORTED 42
 * ```
 */
export function abortedError<P>(owner: string, iteration: number, partial?: P): MetaoptimError {
  const details: AbortedDetails<P> = { iteration, partial };
  return new MetaoptimError('ABORTED', `${owner}: aborted after ${iteration} iterations`, details as unknown as Record<string, unknown>);
}

/**
 * True when `err` is a metaoptim `ABORTED` error.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { isAborted } from 'metaoptim/core';
 * import { rastriginTask } from 'metaoptim/tasks';
 * await ready();
 * try {
 *   await train(rastriginTask({ n: 8 }), adam(), { steps: 1e7, evalSplits: [], signal: AbortSignal.timeout(100) });
 * } catch (err) {
 *   if (!isAborted(err)) throw err;
 *   console.log(err.details.iteration > 0); // true: the steps done before the abort
 * }
 * ```
 */
export function isAborted(err: unknown): err is MetaoptimError & { details: AbortedDetails } {
  return err instanceof MetaoptimError && err.code === 'ABORTED';
}

const hasSetImmediate = typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function';
let channel: { port1: MessagePort; port2: MessagePort; queue: (() => void)[] } | undefined;

/**
 * Resolves on a later turn of the event loop: `setImmediate` in Node, a `MessageChannel`
 * message in browsers and workers (not clamped like nested `setTimeout`), else `setTimeout(0)`.
 * @example
 * ```ts
 * import { yieldToEventLoop } from 'metaoptim/core';
 * let sum = 0;
 * for (let i = 0; i < 1e6; i++) {
 *   sum += i;
 *   if (i % 100_000 === 0) await yieldToEventLoop(); // let timers, I/O and UI run
 * }
 * console.log(sum); // 499999500000
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  if (hasSetImmediate) return new Promise((resolve) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    if (!channel) {
      const mc = new MessageChannel();
      const queue: (() => void)[] = [];
      mc.port1.onmessage = () => queue.shift()?.();
      channel = { port1: mc.port1, port2: mc.port2, queue };
    }
    const c = channel;
    return new Promise((resolve) => {
      c.queue.push(resolve);
      c.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface LoopInit {
  /** Label of the progress events (default: the owner). */
  label?: string;
  /** Total units (for progress); may be updated later through `loop.total`. */
  total: number;
  /** Yield after this much work since the last yield (default 20 ms). */
  sliceMs?: number;
  /** Minimum spacing of progress events (default 50 ms; 0 reports every tick). */
  progressMs?: number;
}

/**
 * The runner behind every long loop: timing, cooperative yielding, abort and progress in one
 * place. Typical use:
 *
 *   const loop = new Loop('pbgdFree', opts, { total: T });
 *   for (let t = 0; t < T; t++) {
 *     step();
 *     await loop.tick(t + 1, () => partialResult(), () => ({ loss }));
 *   }
 *   loop.finish(T);
 * @example
 * ```ts
 * import type { LoopOptions } from 'metaoptim';
 * import { Loop } from 'metaoptim/core';
 * // A long-running function on the loop contract: async, yields, aborts, reports progress.
 * async function sumSquares(n: number, opts: LoopOptions = {}): Promise<number> {
 *   const loop = new Loop('sumSquares', opts, { total: n });
 *   let s = 0;
 *   for (let i = 1; i <= n; i++) {
 *     s += i * i;
 *     await loop.tick(i, () => s); // yields every ~20 ms; ABORTED carries { iteration: i, partial: s }
 *   }
 *   loop.finish(n);
 *   return s;
 * }
 * console.log(await sumSquares(1000, { onProgress: (e) => void e.done })); // 333833500
 * ```
 */
export class Loop {
  readonly owner: string;
  readonly label: string;
  readonly signal: AbortSignal | undefined;
  total: number;
  private readonly onProgress: ((e: ProgressEvent) => void) | undefined;
  private readonly start = now();
  private lastYield = this.start;
  private lastProgress = -Infinity;
  private readonly sliceMs: number;
  private readonly progressMs: number;
  private settled = false;

  constructor(owner: string, opts: LoopOptions | undefined, init: LoopInit) {
    this.owner = owner;
    this.label = init.label ?? owner;
    this.signal = opts?.signal;
    this.onProgress = opts?.onProgress;
    this.total = init.total;
    this.sliceMs = init.sliceMs ?? 20;
    this.progressMs = init.progressMs ?? 50;
    if (this.signal !== undefined && !isAbortSignal(this.signal)) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: signal must be an AbortSignal`);
    }
    if (this.onProgress !== undefined && typeof this.onProgress !== 'function') {
      throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: onProgress must be a function`);
    }
  }

  /** Milliseconds since the loop started. */
  get elapsedMs(): number {
    return now() - this.start;
  }

  /** True once the signal has aborted. */
  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Throws ABORTED (with `partial()` evaluated now) when the signal has aborted. */
  check(iteration: number, partial?: () => unknown): void {
    if (this.signal?.aborted) {
      this.settled = true;
      throw abortedError(this.owner, iteration, partial?.());
    }
  }

  /**
   * Call after each unit of work: reports progress (throttled), yields when the slice is used
   * up, and throws ABORTED if the signal fired (before or during the yield).
   */
  async tick(done: number, partial?: () => unknown, metrics?: () => Record<string, number>): Promise<void> {
    this.check(done, partial);
    const t = now();
    if (this.onProgress && t - this.lastProgress >= this.progressMs) this.emit(done, metrics?.(), t);
    if (t - this.lastYield >= this.sliceMs) {
      await yieldToEventLoop();
      this.lastYield = now();
      this.check(done, partial);
    }
  }

  /** Reports progress now, unthrottled (e.g. at the start or after a stage). */
  progress(done: number, metrics?: Record<string, number>): void {
    if (this.onProgress && !this.settled) this.emit(done, metrics, now());
  }

  /** Reports the final event (done = total unless given) and closes the loop to further events. */
  finish(done = this.total, metrics?: Record<string, number>): void {
    this.progress(done, metrics);
    this.settled = true;
  }

  /**
   * Awaits `work` (e.g. a worker pool round) but rejects with ABORTED as soon as the signal
   * fires, without waiting for it; `onAbort` runs first (terminate workers, free memory).
   */
  race<T>(work: Promise<T>, iteration: number, partial?: () => unknown, onAbort?: () => void): Promise<T> {
    const signal = this.signal;
    if (!signal) return work;
    this.check(iteration, partial);
    return new Promise<T>((resolve, reject) => {
      const abort = () => {
        try {
          onAbort?.();
        } finally {
          this.settled = true;
          reject(abortedError(this.owner, iteration, partial?.()));
        }
      };
      signal.addEventListener('abort', abort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener('abort', abort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', abort);
          reject(e);
        },
      );
    });
  }

  private emit(done: number, metrics: Record<string, number> | undefined, t: number): void {
    this.lastProgress = t;
    const e: ProgressEvent = { label: this.label, done, total: this.total, elapsedMs: t - this.start };
    if (metrics !== undefined) e.metrics = metrics;
    this.onProgress!(e);
  }
}

function now(): number {
  return performance.now();
}

function isAbortSignal(s: unknown): boolean {
  return typeof s === 'object' && s !== null && typeof (s as AbortSignal).aborted === 'boolean' && typeof (s as AbortSignal).addEventListener === 'function';
}

/** The largest delay `setTimeout` honours (2³¹ − 1 ms); a larger one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * `setTimeout` for any delay: waits longer than `MAX_TIMER_MS` in several legs, so a long
 * limit (a wall-time budget of weeks, say) never overflows into a 1 ms timer. Non-finite or
 * negative delays are treated as "never" and 0 respectively. Returns a function that cancels it.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  if (Number.isNaN(ms) || ms === Infinity) return () => undefined;
  let left = Math.max(0, ms);
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const leg = Math.min(left, MAX_TIMER_MS);
    left -= leg;
    timer = setTimeout(() => (left > 0 ? arm() : fn()), leg);
  };
  arm();
  return () => clearTimeout(timer);
}
