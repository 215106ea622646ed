// Multinomial logistic regression on iris and wine as task families for meta-training (SPEC
// B.3.4: non-quadratic families). Built on the fixed standardized splits of src/tasks/uci.ts
// (iris 120/30, wine 142/36) and on the same parameter layout and minibatch stream as the
// logistic `MlpTask`s there (`irisTask()`, `wineTask()`):
//   θ = [W (classes × features, row-major [out][in]), b (classes)]   (iris 4·3+3 = 15, wine 13·3+3 = 42)
//   f_b(θ) = mean over the rows r of minibatch b of −log softmax(W s⊙x_r + b)_{y_r}  + ½λ‖W‖²
//   batch b: epoch e = ⌊b / ⌊n/B⌋⌋, rows perm_e[jB … jB+B−1], j = b mod ⌊n/B⌋,
//            perm_e = new Rng(streamSeed).fork(e).permutation(n)   (exactly MlpTask's stream)
// A task of the family is a configuration { stream seed, initialization seed, feature scales s }:
// the family draws (once, from its seed) per-feature scales log-uniform in [1/featureScale,
// featureScale] — an ill-conditioning shared by all its tasks that a learned preconditioner
// can undo — and every task multiplies them by its own jitter exp(scaleJitter·N(0, 1)).
// Initialization: W, b ~ U(±1/√features) (PyTorch `Linear`), seeded by the task's init seed.
//
// The f64 view (`task.f64()`) evaluates minibatch t at unroll step t (the `step` argument of
// `F64Task.loss`), loss and gradient exactly in f64. There is no Hessian-vector product, so DCO
// meta-training on these tasks uses first-order meta-gradients (docs/dco.md).
//
// Errors: INVALID_ARGUMENT (options, batch index, split), LENGTH_MISMATCH (params/grad length).
import type { SplitDataset } from '../data/datasets.js';
import type { F64Task, HasF64 } from './f64.js';
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Evaluation, Split, Task, TaskFamily } from './types.js';
import { irisSplit, wineSplit } from './uci.js';

export type LogisticDataset = 'iris' | 'wine';

export interface LogisticConfig {
  dataset: LogisticDataset;
  /** Seed of the minibatch stream. */
  streamSeed: number;
  /** Seed of the initialization x₀ (`init(initSeed)`). */
  initSeed: number;
  /** Multiplier of each standardized feature. */
  scales: Float64Array;
  batchSize: number;
  /** λ of the ridge term ½λ‖W‖² (biases are not penalized). */
  l2: number;
}

export interface LogisticFamilyOptions {
  /** Seed of the family's feature scales (default 0). */
  seed?: number;
  /** Per-feature scales log-uniform in [1/featureScale, featureScale] (default 4; 1 = none). */
  featureScale?: number;
  /** Standard deviation of each task's log-scale jitter (default 0.1). */
  scaleJitter?: number;
  /** Minibatch size (default 32, as `irisTask`/`wineTask`). */
  batchSize?: number;
  /** Ridge λ (default 1e-3). */
  l2?: number;
}

/** The keys `logisticFamily` accepts (anything else is UNKNOWN_OPTION). */
export const LOGISTIC_FAMILY_KEYS = optionKeys<LogisticFamilyOptions>({ seed: 1, featureScale: 1, scaleJitter: 1, batchSize: 1, l2: 1 });

/**
 * One multinomial logistic-regression task on iris or wine (a configuration of
 * `logisticFamily`): θ = [W, b], minibatch cross-entropy of softmax(W s⊙x + b) plus ½λ‖W‖²,
 * on the same minibatch stream as the logistic `MlpTask`; `f64()` is the exact f64 view.
 */
export class LogisticTask implements Task, HasF64 {
  readonly name: string;
  readonly size: number;
  readonly config: LogisticConfig;
  readonly features: number;
  readonly classes: number;
  readonly trainRows: number;
  private readonly trainX: Float64Array;
  private readonly trainY: Int32Array;
  private readonly testX: Float64Array;
  private readonly testY: Int32Array;
  private readonly batchesPerEpoch: number;
  private readonly logits: Float64Array;
  private epoch = -1;
  private perm: Int32Array = new Int32Array(0);

  constructor(data: SplitDataset, config: LogisticConfig, name?: string) {
    const f = data.train.features, k = data.train.classes;
    if (config.scales.length !== f) throw new MetaoptimError('LENGTH_MISMATCH', `logistic: ${f} feature scales needed, got ${config.scales.length}`);
    const B = config.batchSize;
    if (!Number.isInteger(B) || B < 1 || B > data.train.rows) throw new MetaoptimError('INVALID_ARGUMENT', `logistic: batchSize must be an integer in [1, ${data.train.rows}]`);
    this.config = config;
    this.features = f;
    this.classes = k;
    this.size = f * k + k;
    this.trainRows = data.train.rows;
    this.name = name ?? `${config.dataset}-logreg-${f}-${k}`;
    const scaled = (x: Float32Array): Float64Array => Float64Array.from(x, (v, i) => v * config.scales[i % f]!);
    this.trainX = scaled(data.train.x);
    this.testX = scaled(data.test.x);
    this.trainY = data.train.y.slice();
    this.testY = data.test.y.slice();
    this.batchesPerEpoch = Math.floor(data.train.rows / B);
    this.logits = new Float64Array(k);
  }

  /** W, b ~ U(±1/√features), seeded. */
  init(seed: number): Float32Array {
    const rng = new Rng(seed);
    const a = 1 / Math.sqrt(this.features);
    return Float32Array.from({ length: this.size }, () => (2 * rng.uniform() - 1) * a);
  }

  /** Training-row indices of minibatch `batch` (a copy). */
  batchRows(batch: number): Int32Array {
    if (!Number.isSafeInteger(batch) || batch < 0) throw new MetaoptimError('INVALID_ARGUMENT', `${this.name}: batch index must be a non-negative integer, got ${String(batch)}`);
    const e = Math.floor(batch / this.batchesPerEpoch);
    if (e !== this.epoch) {
      this.perm = new Rng(this.config.streamSeed).fork(e).permutation(this.trainRows);
      this.epoch = e;
    }
    const j = batch % this.batchesPerEpoch, B = this.config.batchSize;
    return this.perm.slice(j * B, (j + 1) * B);
  }

  /** Mean cross-entropy (+ ridge when `ridge`) over `rows` of (X, Y); gradient added into grad·scale. */
  private ce(x: ArrayLike<number>, X: Float64Array, Y: Int32Array, rows: ArrayLike<number>, grad: Float64Array | Float32Array | undefined, ridge: boolean): { loss: number; correct: number } {
    const f = this.features, k = this.classes, z = this.logits, nb = f * k;
    if (x.length !== this.size || (grad && grad.length !== this.size)) throw new MetaoptimError('LENGTH_MISMATCH', `${this.name}: params/grad must have length ${this.size}`);
    if (grad) grad.fill(0);
    const inv = 1 / rows.length;
    let loss = 0, correct = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!, off = row * f, y = Y[row]!;
      let zmax = -Infinity, arg = 0;
      for (let c = 0; c < k; c++) {
        let s = x[nb + c]!;
        for (let j = 0; j < f; j++) s += x[c * f + j]! * X[off + j]!;
        z[c] = s;
        if (s > zmax) {
          zmax = s;
          arg = c;
        }
      }
      if (arg === y) correct++;
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[c]! - zmax);
      loss += Math.log(sum) + zmax - z[y]!;
      if (grad) {
        for (let c = 0; c < k; c++) {
          const d = (Math.exp(z[c]! - zmax) / sum - (c === y ? 1 : 0)) * inv;
          for (let j = 0; j < f; j++) grad[c * f + j] = grad[c * f + j]! + d * X[off + j]!;
          grad[nb + c] = grad[nb + c]! + d;
        }
      }
    }
    loss *= inv;
    if (ridge && this.config.l2 > 0) {
      const l2 = this.config.l2;
      let w2 = 0;
      for (let i = 0; i < nb; i++) {
        w2 += x[i]! * x[i]!;
        if (grad) grad[i] = grad[i]! + l2 * x[i]!;
      }
      loss += 0.5 * l2 * w2;
    }
    return { loss, correct };
  }

  /** f_batch(x) in f64 (mean cross-entropy + ridge); gradient into grad. */
  lossF64(x: ArrayLike<number>, batch: number, grad?: Float64Array | Float32Array): number {
    return this.ce(x, this.trainX, this.trainY, this.batchRows(batch), grad, true).loss;
  }

  loss(params: Float32Array, batch: number, grad?: Float32Array): number {
    return this.lossF64(params, batch, grad);
  }

  /** Mean cross-entropy (no ridge term, like `MlpTask.evaluate`) and accuracy over a split, in f64. */
  evaluateF64(x: ArrayLike<number>, split: Split = 'test'): Required<Evaluation> {
    if (split !== 'train' && split !== 'test') throw new MetaoptimError('INVALID_ARGUMENT', `evaluate: split must be train or test, got ${String(split)}`);
    const X = split === 'train' ? this.trainX : this.testX, Y = split === 'train' ? this.trainY : this.testY;
    const rows = Int32Array.from({ length: Y.length }, (_, i) => i);
    const r = this.ce(x, X, Y, rows, undefined, false);
    return { loss: r.loss, accuracy: r.correct / Y.length };
  }

  evaluate(params: Float32Array, split: Split = 'test'): Evaluation {
    return this.evaluateF64(params, split);
  }

  /**
   * The f64 view for DCO: x₀ = init(initSeed); `loss(x, grad, t)` is minibatch t (unrolls pass
   * their step index; without it, successive calls walk the stream 0, 1, 2, …). No hvp.
   */
  f64(): F64Task {
    let calls = 0;
    return {
      size: this.size,
      x0: Float64Array.from(this.init(this.config.initSeed)),
      loss: (x, grad, step) => this.lossF64(x, step ?? calls++, grad),
    };
  }
}

export interface LogisticFamily extends TaskFamily<LogisticConfig> {
  readonly dataset: LogisticDataset;
  /** The family's per-feature scales (before each task's jitter). */
  readonly scales: Float64Array;
  /** Parameters per task: features·classes + classes. */
  readonly size: number;
  task(config: LogisticConfig): LogisticTask;
}

/**
 * A logistic-regression family on the standardized iris or wine split (loads the data once).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { logisticFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = await logisticFamily('iris', { seed: 1 });
 * const task = family.task(family.sample(0));
 * console.log(task.size > 0, task.evaluateF64(new Float64Array(task.size), 'test').loss > 0); // true true
 * ```
 */
export async function logisticFamily(dataset: LogisticDataset, o: LogisticFamilyOptions = {}): Promise<LogisticFamily> {
  checkOptions('logisticFamily', o, LOGISTIC_FAMILY_KEYS);
  if (dataset !== 'iris' && dataset !== 'wine') throw new MetaoptimError('INVALID_ARGUMENT', `logisticFamily: dataset must be 'iris' or 'wine', got ${String(dataset)}`);
  const data = await (dataset === 'iris' ? irisSplit() : wineSplit());
  return logisticFamilyOf(dataset, data, o);
}

/**
 * `logisticFamily` over an already loaded split (for callers that hold the data): per-feature
 * scales log-uniform in [1/featureScale, featureScale] drawn once from the family seed, times a
 * per-task jitter exp(scaleJitter·N(0, 1)). Errors: UNKNOWN_OPTION, INVALID_ARGUMENT.
 */
export function logisticFamilyOf(dataset: LogisticDataset, data: SplitDataset, o: LogisticFamilyOptions = {}): LogisticFamily {
  checkOptions('logisticFamily', o, LOGISTIC_FAMILY_KEYS);
  const spread = checkNumber('logisticFamily', 'featureScale', o.featureScale ?? 4, { min: 1 });
  const jitter = checkNumber('logisticFamily', 'scaleJitter', o.scaleJitter ?? 0.1, { min: 0 });
  const l2 = checkNumber('logisticFamily', 'l2', o.l2 ?? 1e-3, { min: 0 });
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > data.train.rows) {
    throw new MetaoptimError('INVALID_ARGUMENT', `logisticFamily: batchSize must be an integer in [1, ${data.train.rows}]`);
  }
  const f = data.train.features, k = data.train.classes;
  const rng = new Rng(((o.seed ?? 0) ^ 0x10915) >>> 0);
  const logSpread = Math.log(spread);
  const scales = Float64Array.from({ length: f }, () => Math.exp((2 * rng.uniform() - 1) * logSpread));
  const name = `${dataset}-logreg(featureScale=${spread},jitter=${jitter})`;
  return {
    name,
    dataset,
    scales,
    size: f * k + k,
    sample(seed: number): LogisticConfig {
      const r = new Rng(seed).fork(0x5a);
      const streamSeed = r.u32(), initSeed = r.u32();
      const s = scales.map((v) => v * Math.exp(jitter * r.normal()));
      return { dataset, streamSeed, initSeed, scales: s, batchSize, l2 };
    },
    task: (config) => new LogisticTask(data, config, name),
  };
}
