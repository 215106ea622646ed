import { type SplitDataset, loadDigits, splitDataset } from '../data/datasets.js';
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import type { Activation } from '../nn/layout.js';
import type { InitScheme } from '../nn/mlp.js';
import { type Runtime, defaultRuntimeOrThrow, ready } from '../runtime/runtime.js';
import { Rng } from '../core/rng.js';
import { MlpTask } from './classification.js';
import type { TaskFamily } from './types.js';

/**
 * Digits tasks (UCI optdigits 8×8, 1,797 images, 64 pixels in [0, 1], 10 classes).
 *
 * Split (fixed for every digits task): `splitDataset(digits, { test: 397, seed: 0 })` =
 * 1,400 train / 397 test rows; pixels are not standardized (as MNIST in SPEC B.1.1).
 * The SPEC B.1.1 optimizees become 64-20-10 networks here (`DIGITS_VARIANTS`).
 */
export const DIGITS_SPLIT = { test: 397, seed: 0 } as const;

let split: Promise<SplitDataset> | undefined;

/**
 * The fixed digits split (loaded once, cached).
 * @example
 * ```ts
 * import { digitsSplit } from 'metaoptim/tasks';
 * const { train, test } = await digitsSplit(); // the fixed split every digits task uses
 * console.log(train.rows, test.rows); // 1400 397
 * ```
 */
export function digitsSplit(): Promise<SplitDataset> {
  if (!split) {
    split = loadDigits().then((d) => splitDataset(d, DIGITS_SPLIT));
    split.catch(() => (split = undefined));
  }
  return split;
}

export interface DigitsMlpOptions {
  /** Hidden widths (default `[20]`; `[]` = logistic regression). */
  hidden?: readonly number[];
  activation?: Activation;
  batchNorm?: boolean;
  /** Minibatch size (default 128, SPEC B.1.1). */
  batchSize?: number;
  /** Seed of the minibatch stream (default 0). */
  streamSeed?: number;
  init?: InitScheme;
  name?: string;
  /** Runtime (default: `await ready()`'s). */
  runtime?: Runtime;
}

/** The keys of `digitsMlpTask` (and, without hidden/activation/batchNorm, of the logistic and variant tasks). */
export const DIGITS_MLP_KEYS = optionKeys<DigitsMlpOptions>({
  hidden: 1, activation: 1, batchNorm: 1, batchSize: 1, streamSeed: 1, init: 1, name: 1, runtime: 1,
});
const DIGITS_FIXED_KEYS = DIGITS_MLP_KEYS.filter((k) => k !== 'hidden' && k !== 'activation' && k !== 'batchNorm');

async function runtimeOf(r: Runtime | undefined): Promise<Runtime> {
  if (r) return r;
  await ready();
  return defaultRuntimeOrThrow();
}

/**
 * An MLP classification task on the digits split (default 64-20-10 ReLU, batch 128).
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { digitsMlpTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsMlpTask(); // 64-20-10 ReLU, batch 128
 * const run = await train(task, adam({ lr: 3e-3 }), { steps: 100 });
 * console.log((run.final.test?.accuracy ?? 0) > 0.5); // true
 * task.dispose();
 * ```
 */
export async function digitsMlpTask(o: DigitsMlpOptions = {}): Promise<MlpTask> {
  checkOptions('digitsMlpTask', o, DIGITS_MLP_KEYS);
  const data = await digitsSplit();
  return new MlpTask({ ...o, data, runtime: await runtimeOf(o.runtime) });
}

/**
 * Multinomial logistic regression (64 → 10 softmax) on the digits split.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { digitsLogisticTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsLogisticTask(); // softmax regression, 64 → 10
 * const run = await train(task, adam({ lr: 1e-2 }), { steps: 200 });
 * console.log((run.final.test?.accuracy ?? 0) > 0.8); // true
 * task.dispose();
 * ```
 */
export async function digitsLogisticTask(o: Omit<DigitsMlpOptions, 'hidden' | 'activation' | 'batchNorm'> = {}): Promise<MlpTask> {
  checkOptions('digitsLogisticTask', o, DIGITS_FIXED_KEYS);
  return digitsMlpTask({ ...o, hidden: [] });
}

/** The SPEC B.1.1 optimizee variants, as 64-20-10 networks on digits. */
export const DIGITS_VARIANTS = {
  /** `MNISTNet`: sigmoid hidden layer. */
  sigmoid: { hidden: [20], activation: 'sigmoid', batchNorm: false },
  /** `MNISTRelu`. */
  relu: { hidden: [20], activation: 'relu', batchNorm: false },
  /** `MNISTLeakyRelu` (slope 0.01). */
  leaky_relu: { hidden: [20], activation: 'leaky_relu', batchNorm: false },
  /** `MNISTReluBatchNorm`: Linear → BatchNorm1d(20, affine) → ReLU → Linear. */
  relu_bn: { hidden: [20], activation: 'relu', batchNorm: true },
} as const satisfies Record<string, { hidden: number[]; activation: Activation; batchNorm: boolean }>;

export type DigitsVariant = keyof typeof DIGITS_VARIANTS;

/**
 * One SPEC B.1.1 optimizee on digits (P = 64·20+20+20·10+10 = 1,510 without BN; 1,550 with).
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { digitsVariantTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsVariantTask('relu_bn'); // 64-20-10 with batch norm
 * const run = await train(task, adam({ lr: 3e-3 }), { steps: 100 });
 * console.log(run.losses[99]! < run.losses[0]!); // true
 * task.dispose();
 * ```
 */
export async function digitsVariantTask(variant: DigitsVariant, o: Omit<DigitsMlpOptions, 'hidden' | 'activation' | 'batchNorm'> = {}): Promise<MlpTask> {
  checkOptions('digitsVariantTask', o, DIGITS_FIXED_KEYS);
  const v = DIGITS_VARIANTS[variant];
  if (!v) throw new MetaoptimError('INVALID_ARGUMENT', `digitsVariantTask: variant must be one of ${Object.keys(DIGITS_VARIANTS).join(', ')}`);
  return digitsMlpTask({ ...o, ...v, hidden: [...v.hidden], name: o.name ?? `digits-${variant}` });
}

/** A configuration sampled by `digitsMlpFamily` (plain JSON). */
export interface DigitsMlpConfig {
  hidden: number[];
  activation: Activation;
  batchNorm: boolean;
  batchSize: number;
  streamSeed: number;
}

/** The digits family: its tasks are `MlpTask`s (with `model`, `runtime`, `dispose`). */
export interface DigitsMlpFamily extends TaskFamily<DigitsMlpConfig> {
  task(config: DigitsMlpConfig): MlpTask;
}

const WIDTHS = [16, 32, 64, 128];
const ACTS: Activation[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu'];
const BATCHES = [32, 64, 128];

/**
 * A family of digits MLPs for meta-training (learned_optimization `ParametricImageMLP`
 * style): `sample(seed)` draws 1–2 hidden layers of a width in {16, 32, 64, 128},
 * an activation among sigmoid/tanh/ReLU/LeakyReLU, batch norm with probability 1/4,
 * a batch size in {32, 64, 128} and a stream seed — all from `new Rng(seed)`.
 * The data is loaded once by this async factory; `task(config)` is synchronous.
 * Every task owns WebAssembly memory: call `task.dispose()` when done.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { digitsMlpFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = await digitsMlpFamily();       // width, activation and batch size vary with the seed
 * const task = family.task(family.sample(7));
 * const run = await train(task, adam({ lr: 3e-3 }), { steps: 50, evalSplits: [] });
 * console.log(run.losses[49]! < run.losses[0]!); // true
 * task.dispose();
 * ```
 */
export async function digitsMlpFamily(opts: { runtime?: Runtime } = {}): Promise<DigitsMlpFamily> {
  checkOptions('digitsMlpFamily', opts, ['runtime']);
  const data = await digitsSplit();
  const runtime = await runtimeOf(opts.runtime);
  return {
    name: 'digits-mlp-family',
    sample(seed: number): DigitsMlpConfig {
      const r = new Rng(seed);
      const depth = 1 + r.int(2);
      const w = WIDTHS[r.int(WIDTHS.length)]!;
      return {
        hidden: Array.from({ length: depth }, () => w),
        activation: ACTS[r.int(ACTS.length)]!,
        batchNorm: r.uniform() < 0.25,
        batchSize: BATCHES[r.int(BATCHES.length)]!,
        streamSeed: r.u32(),
      };
    },
    task(c: DigitsMlpConfig): MlpTask {
      return new MlpTask({ data, runtime, hidden: c.hidden, activation: c.activation, batchNorm: c.batchNorm, batchSize: c.batchSize, streamSeed: c.streamSeed });
    },
  };
}
