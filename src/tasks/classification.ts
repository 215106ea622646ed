import type { SplitDataset } from '../data/datasets.js';
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import type { Activation } from '../nn/layout.js';
import { type InitScheme, Mlp } from '../nn/mlp.js';
import { Region } from '../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { MinibatchStream } from './minibatch.js';
import type { Evaluation, Split, Task } from './types.js';

/**
 * Classification tasks: an MLP (or, with no hidden layer, multinomial logistic regression)
 * with softmax cross-entropy on a fixed train/test split held in WebAssembly memory.
 *
 * Minibatch stream: the one `MinibatchStream` of tasks/minibatch.ts (seeded, random access):
 * batch b of batch size B over n training rows belongs to epoch e = ⌊b / ⌊n/B⌋⌋ and takes rows
 * perm_e[jB … jB+B−1], j = b mod ⌊n/B⌋, where perm_e is the xoshiro128** permutation of
 * `new Rng(streamSeed).fork(e)` (shuffled epochs without replacement, the last partial batch
 * of each epoch dropped). So the same (task, b) is always the same minibatch, and
 * `loss(θ, b)` is a pure function.
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

/**
 * A classification `Task` over an `Mlp`; also exposes its model, runtime and data sizes.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { type MlpTask, digitsMlpTask } from 'metaoptim/tasks';
 * await ready();
 * const task: MlpTask = await digitsMlpTask();
 * const params = task.init(0);
 * console.log(task.size, task.evaluate(params, 'test').accuracy! < 0.5); // 1510 true (untrained)
 * task.dispose();
 * ```
 */
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
  private readonly stream: MinibatchStream;
  private readonly test: { x: Region<Float32Array>; y: Region<Int32Array> };
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
      this.stream = keep(new MinibatchStream({ x: d.train.x, y: d.train.y, features: d.train.features, batchSize: this.batchSize, streamSeed: this.streamSeed, runtime: this.runtime, owner: this.name }));
      this.test = { x: keep(new Region(a, Float32Array, d.test.x.length)), y: keep(new Region(a, Int32Array, d.test.rows)) };
    } catch (err) {
      model?.dispose();
      for (const r of owned) r.release();
      throw err;
    }
    this.size = this.model.size;
    this.test.x.view.set(d.test.x);
    this.test.y.view.set(d.test.y);
  }

  init(seed: number): Float32Array {
    this.live();
    return this.model.init(seed, new Float32Array(this.size));
  }

  loss(params: Float32Array, batch: number, grad?: Float32Array): number {
    this.live();
    this.stream.gather(batch);
    const pp = this.model.paramPtr(params);
    return this.model.lossAt(pp, this.stream.x.ptr, this.stream.y.ptr, this.batchSize, grad);
  }

  /**
   * Per-example gradients on minibatch `batch`: row r of `out` (batchSize × size) is the
   * gradient of example r's loss (their mean is the minibatch gradient of `loss`). Returns
   * the per-example losses. Not defined for batch-norm models (UNSUPPORTED_MODEL).
   */
  perExampleGrads(params: Float32Array, batch: number, out: Float32Array): Float32Array {
    this.live();
    this.stream.gather(batch);
    return this.model.perExampleGrads(params, { x: this.stream.x.view, y: this.stream.y.view }, out);
  }

  /** Training-row indices of minibatch `batch` (a copy), for inspection and tests. */
  batchRows(batch: number): Int32Array {
    this.live();
    return this.stream.batchRows(batch);
  }

  /**
   * Mean loss and accuracy over a whole split (default `'test'`), in one pass; batch-norm
   * models use that split's batch statistics (training-mode BN, no running averages).
   */
  evaluate(params: Float32Array, split: Split = 'test'): Evaluation {
    this.live();
    if (split !== 'train' && split !== 'test') throw new MetaoptimError('INVALID_ARGUMENT', `evaluate: split must be train or test, got ${String(split)}`);
    const pp = this.model.paramPtr(params);
    const x = split === 'train' ? this.stream.trainX : this.test.x;
    const y = split === 'train' ? this.stream.trainY : this.test.y;
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
    this.stream.release();
    for (const r of [this.test.x, this.test.y]) r.release();
  }

  private live(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', `${this.name} used after dispose()`);
  }
}

/** Builds a classification task (see `MlpTask`). */
export function classificationTask(o: ClassificationTaskOptions): MlpTask {
  return new MlpTask(o);
}
