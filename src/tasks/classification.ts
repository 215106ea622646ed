import type { SplitDataset } from '../data/datasets.js';
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import type { Activation } from '../nn/layout.js';
import { type InitScheme, Mlp } from '../nn/mlp.js';
import { Region } from '../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { Rng } from '../core/rng.js';
import type { Evaluation, Split, Task } from './types.js';

/**
 * Classification tasks: an MLP (or, with no hidden layer, multinomial logistic regression)
 * with softmax cross-entropy on a fixed train/test split held in WebAssembly memory.
 *
 * Minibatch stream (seeded, random access): batch b of batch size B over n training rows
 * belongs to epoch e = ⌊b / ⌊n/B⌋⌋ and takes rows perm_e[jB … jB+B−1], j = b mod ⌊n/B⌋,
 * where perm_e is the xoshiro128** permutation of `new Rng(streamSeed).fork(e)` (shuffled
 * epochs without replacement, the last partial batch of each epoch dropped). So the same
 * (task, b) is always the same minibatch, and `loss(θ, b)` is a pure function.
 *
 * Errors: INVALID_ARGUMENT (options, batch index), LENGTH_MISMATCH (params/grad), DISPOSED.
 */
export interface ClassificationTaskOptions {
  /** Task name (default `<data>-mlp-<sizes>-<activation>`). */
  name?: string;
  /** The fixed split (features must already be scaled as wanted). */
  data: SplitDataset;
  /** Hidden layer widths; `[]` is logistic regression (default `[20]`). */
  hidden?: readonly number[];
  activation?: Activation;
  batchNorm?: boolean;
  /** Minibatch size (default 128, at most the training rows). */
  batchSize?: number;
  /** Seed of the minibatch stream (default 0). */
  streamSeed?: number;
  init?: InitScheme;
  runtime?: Runtime;
}

/** The keys `classificationTask` accepts (anything else is UNKNOWN_OPTION). */
export const CLASSIFICATION_KEYS = optionKeys<ClassificationTaskOptions>({
  name: 1, data: 1, hidden: 1, activation: 1, batchNorm: 1, batchSize: 1, streamSeed: 1, init: 1, runtime: 1,
});

/** A classification `Task` over an `Mlp`; also exposes its model, runtime and data sizes. */
export class MlpTask implements Task {
  readonly name: string;
  readonly size: number;
  readonly model: Mlp;
  readonly runtime: Runtime;
  readonly batchSize: number;
  readonly streamSeed: number;
  readonly trainRows: number;
  readonly testRows: number;
  /** How the split was made (from the data set). */
  readonly splitDescription: string;
  private readonly data: { trainX: Region<Float32Array>; trainY: Region<Int32Array>; testX: Region<Float32Array>; testY: Region<Int32Array> };
  private readonly perm: Region<Int32Array>;
  private readonly bx: Region<Float32Array>;
  private readonly by: Region<Int32Array>;
  private readonly rngState: Region<Int32Array>;
  private readonly batchesPerEpoch: number;
  private epoch = -1;
  private _disposed = false;

  constructor(opts: ClassificationTaskOptions) {
    const o = checkOptions('classificationTask', opts, CLASSIFICATION_KEYS);
    const d = o.data;
    if (!d || !d.train || !d.test) throw new MetaoptimError('INVALID_ARGUMENT', 'classificationTask: data must be a SplitDataset');
    const hidden = o.hidden ?? [20];
    const activation = o.activation ?? 'relu';
    const sizes = [d.train.features, ...hidden, d.train.classes];
    this.batchSize = o.batchSize ?? 128;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > d.train.rows) {
      throw new MetaoptimError('INVALID_ARGUMENT', `classificationTask: batchSize must be an integer in [1, ${d.train.rows}], got ${String(o.batchSize)}`);
    }
    this.streamSeed = (o.streamSeed ?? 0) >>> 0;
    this.trainRows = d.train.rows;
    this.testRows = d.test.rows;
    this.splitDescription = d.description;
    this.batchesPerEpoch = Math.floor(d.train.rows / this.batchSize);
    const base = d.train.name.replace(/\/train$/, '');
    this.name = o.name ?? `${base}-${hidden.length ? 'mlp' : 'logreg'}-${sizes.join('-')}${hidden.length ? `-${activation}${o.batchNorm ? '-bn' : ''}` : ''}`;
    this.runtime = o.runtime ?? defaultRuntimeOrThrow();
    for (const s of [d.train, d.test]) {
      for (let i = 0; i < s.rows; i++) {
        if (!(s.y[i]! >= 0 && s.y[i]! < d.train.classes)) throw new MetaoptimError('INVALID_ARGUMENT', `classificationTask: label ${s.y[i]} outside [0, ${d.train.classes})`);
      }
    }
    const a = this.runtime.arena;
    const owned: { release(): void }[] = [];
    const keep = <T extends { release(): void }>(r: T): T => {
      owned.push(r);
      return r;
    };
    let model: Mlp | undefined;
    try {
      model = new Mlp({
        sizes, activation, batchNorm: o.batchNorm === true, init: o.init, runtime: this.runtime,
        maxBatch: Math.max(this.batchSize, d.train.rows, d.test.rows),
      });
      this.model = model;
      this.data = {
        trainX: keep(new Region(a, Float32Array, d.train.x.length)),
        trainY: keep(new Region(a, Int32Array, d.train.rows)),
        testX: keep(new Region(a, Float32Array, d.test.x.length)),
        testY: keep(new Region(a, Int32Array, d.test.rows)),
      };
      this.perm = keep(new Region(a, Int32Array, d.train.rows));
      this.bx = keep(new Region(a, Float32Array, this.batchSize * d.train.features));
      this.by = keep(new Region(a, Int32Array, this.batchSize));
      this.rngState = keep(new Region(a, Int32Array, 4));
    } catch (err) {
      model?.dispose();
      for (const r of owned) r.release();
      throw err;
    }
    this.size = this.model.size;
    this.data.trainX.view.set(d.train.x);
    this.data.trainY.view.set(d.train.y);
    this.data.testX.view.set(d.test.x);
    this.data.testY.view.set(d.test.y);
  }

  init(seed: number): Float32Array {
    this.live();
    return this.model.init(seed, new Float32Array(this.size));
  }

  loss(params: Float32Array, batch: number, grad?: Float32Array): number {
    this.live();
    this.gatherBatch(batch);
    const pp = this.model.paramPtr(params);
    return this.model.lossAt(pp, this.bx.ptr, this.by.ptr, this.batchSize, grad);
  }

  /**
   * Per-example gradients on minibatch `batch`: row r of `out` (batchSize × size) is the
   * gradient of example r's loss (their mean is the minibatch gradient of `loss`). Returns
   * the per-example losses. Not defined for batch-norm models (UNSUPPORTED_MODEL).
   */
  perExampleGrads(params: Float32Array, batch: number, out: Float32Array): Float32Array {
    this.live();
    this.gatherBatch(batch);
    return this.model.perExampleGrads(params, { x: this.bx.view, y: this.by.view }, out);
  }

  /** Training-row indices of minibatch `batch` (a copy), for inspection and tests. */
  batchRows(batch: number): Int32Array {
    this.live();
    this.gatherBatch(batch);
    const j = batch % this.batchesPerEpoch;
    return this.perm.view.slice(j * this.batchSize, (j + 1) * this.batchSize);
  }

  /**
   * Mean loss and accuracy over a whole split (default `'test'`), in one pass; batch-norm
   * models use that split's batch statistics (training-mode BN, no running averages).
   */
  evaluate(params: Float32Array, split: Split = 'test'): Evaluation {
    this.live();
    if (split !== 'train' && split !== 'test') throw new MetaoptimError('INVALID_ARGUMENT', `evaluate: split must be train or test, got ${String(split)}`);
    const pp = this.model.paramPtr(params);
    const x = split === 'train' ? this.data.trainX : this.data.testX;
    const y = split === 'train' ? this.data.trainY : this.data.testY;
    const rows = split === 'train' ? this.trainRows : this.testRows;
    const r = this.model.correctAt(pp, x.ptr, y.ptr, rows);
    return { loss: r.loss / rows, accuracy: r.correct / rows };
  }

  get disposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.model.dispose();
    if (this.runtime.disposed) return;
    for (const r of [this.data.trainX, this.data.trainY, this.data.testX, this.data.testY, this.perm, this.bx, this.by, this.rngState]) r.release();
  }

  private gatherBatch(batch: number): void {
    if (!Number.isSafeInteger(batch) || batch < 0) throw new MetaoptimError('INVALID_ARGUMENT', `${this.name}: batch index must be a non-negative integer, got ${String(batch)}`);
    const e = Math.floor(batch / this.batchesPerEpoch);
    const k = this.runtime.kernels;
    if (e !== this.epoch) {
      k.rng_seed(this.rngState.ptr, new Rng(this.streamSeed).fork(e).seed);
      k.rng_permutation_i32(this.rngState.ptr, this.perm.ptr, this.trainRows);
      this.epoch = e;
    }
    const idx = this.perm.ptr + (batch % this.batchesPerEpoch) * this.batchSize * 4;
    k.gather_rows_f32(this.data.trainX.ptr, idx, this.batchSize, this.model.sizes[0]!, this.bx.ptr);
    k.gather_i32(this.data.trainY.ptr, idx, this.batchSize, this.by.ptr);
  }

  private live(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', `${this.name} used after dispose()`);
  }
}

/** Builds a classification task (see `MlpTask`). */
export function classificationTask(o: ClassificationTaskOptions): MlpTask {
  return new MlpTask(o);
}
