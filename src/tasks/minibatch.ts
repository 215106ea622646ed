import { MetaoptimError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Region } from '../runtime/arena.js';
import type { Runtime } from '../runtime/runtime.js';

export interface MinibatchStreamOptions {
  /** Training features, rows × features row-major (copied into WASM memory). */
  x: Float32Array;
  /** Training labels (copied). */
  y: Int32Array;
  features: number;
  batchSize: number;
  streamSeed: number;
  runtime: Runtime;
  /** Owner named in errors (e.g. the task name). */
  owner?: string;
}

/**
 * THE seeded minibatch stream of the classification-style tasks (`MlpTask`,
 * `PromptTuningTask`): random access, shuffled epochs without replacement, the training
 * rows held in WebAssembly memory.
 *
 * Batch b of size B over n training rows belongs to epoch e = ⌊b / ⌊n/B⌋⌋ and takes rows
 * perm_e[jB … jB+B−1], j = b mod ⌊n/B⌋, where perm_e is the xoshiro128** permutation
 * (kernel `rng_permutation_i32`) seeded with `new Rng(streamSeed).fork(e).seed` (the last
 * partial batch of each epoch is dropped). So the same (stream, b) is always the same
 * minibatch and a task's `loss(θ, b)` is a pure function of θ and b.
 *
 * `gather(b)` writes batch b into `x` (B × features, row-major) and `y` (B labels); the
 * permutation of the current epoch is cached. The stream owns its regions: `release()` them.
 * Errors: INVALID_ARGUMENT (batch size, batch index).
 */
export class MinibatchStream {
  readonly rows: number;
  readonly features: number;
  readonly batchSize: number;
  readonly streamSeed: number;
  readonly batchesPerEpoch: number;
  /** The whole training split in WASM memory (also used for full-split evaluation). */
  readonly trainX: Region<Float32Array>;
  readonly trainY: Region<Int32Array>;
  /** The gathered minibatch (valid after `gather`). */
  readonly x: Region<Float32Array>;
  readonly y: Region<Int32Array>;
  private readonly perm: Region<Int32Array>;
  private readonly rngState: Region<Int32Array>;
  private readonly runtime: Runtime;
  private readonly owner: string;
  private epoch = -1;

  constructor(o: MinibatchStreamOptions) {
    this.owner = o.owner ?? 'minibatch stream';
    this.features = o.features;
    this.rows = o.y.length;
    this.batchSize = o.batchSize;
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > this.rows) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${this.owner}: batchSize must be an integer in [1, ${this.rows}], got ${String(o.batchSize)}`);
    }
    if (o.x.length !== this.rows * this.features) throw new MetaoptimError('LENGTH_MISMATCH', `${this.owner}: x has ${o.x.length} values, expected ${this.rows}×${this.features}`);
    this.streamSeed = o.streamSeed >>> 0;
    this.batchesPerEpoch = Math.floor(this.rows / this.batchSize);
    this.runtime = o.runtime;
    const a = o.runtime.arena;
    const owned: { release(): void }[] = [];
    const keep = <T extends { release(): void }>(r: T): T => {
      owned.push(r);
      return r;
    };
    try {
      this.trainX = keep(new Region(a, Float32Array, o.x.length));
      this.trainY = keep(new Region(a, Int32Array, this.rows));
      this.perm = keep(new Region(a, Int32Array, this.rows));
      this.x = keep(new Region(a, Float32Array, this.batchSize * this.features));
      this.y = keep(new Region(a, Int32Array, this.batchSize));
      this.rngState = keep(new Region(a, Int32Array, 4));
    } catch (err) {
      for (const r of owned) r.release();
      throw err;
    }
    this.trainX.view.set(o.x);
    this.trainY.view.set(o.y);
  }

  /** Gathers minibatch `batch` into `x` / `y` (see the class comment). */
  gather(batch: number): void {
    if (!Number.isSafeInteger(batch) || batch < 0) throw new MetaoptimError('INVALID_ARGUMENT', `${this.owner}: batch index must be a non-negative integer, got ${String(batch)}`);
    const e = Math.floor(batch / this.batchesPerEpoch);
    const k = this.runtime.kernels;
    if (e !== this.epoch) {
      k.rng_seed(this.rngState.ptr, new Rng(this.streamSeed).fork(e).seed);
      k.rng_permutation_i32(this.rngState.ptr, this.perm.ptr, this.rows);
      this.epoch = e;
    }
    const idx = this.perm.ptr + (batch % this.batchesPerEpoch) * this.batchSize * 4;
    k.gather_rows_f32(this.trainX.ptr, idx, this.batchSize, this.features, this.x.ptr);
    k.gather_i32(this.trainY.ptr, idx, this.batchSize, this.y.ptr);
  }

  /** Training-row indices of minibatch `batch` (a copy), for inspection and tests. */
  batchRows(batch: number): Int32Array {
    this.gather(batch);
    const j = batch % this.batchesPerEpoch;
    return this.perm.view.slice(j * this.batchSize, (j + 1) * this.batchSize);
  }

  /** Frees the stream's WASM regions (a no-op once the runtime is disposed). */
  release(): void {
    if (this.runtime.disposed) return;
    for (const r of [this.trainX, this.trainY, this.perm, this.x, this.y, this.rngState]) r.release();
  }
}
