import { type SplitDataset, loadIris, loadWine, splitDataset, standardize } from '../data/datasets.js';
import { defaultRuntimeOrThrow, ready } from '../runtime/runtime.js';
import { MlpTask } from './classification.js';
import { checkOptions } from '../core/errors.js';
import { DIGITS_MLP_KEYS, type DigitsMlpOptions } from './digits.js';

/**
 * Iris and wine classification tasks. Fixed splits, features standardized with the
 * training rows' statistics:
 *   iris: `splitDataset(iris, { test: 30, seed: 0 })` → 120 train / 30 test (4 features, 3 classes);
 *   wine: `splitDataset(wine, { test: 36, seed: 0 })` → 142 train / 36 test (13 features, 3 classes).
 * Default batch size 32; `hidden: []` (the default here) is logistic regression.
 */
export const IRIS_SPLIT = { test: 30, seed: 0 } as const;
export const WINE_SPLIT = { test: 36, seed: 0 } as const;

let iris: Promise<SplitDataset> | undefined;
let wine: Promise<SplitDataset> | undefined;

/**
 * The fixed standardized iris split (`IRIS_SPLIT`: 120 train / 30 test, 4 features, 3 classes), loaded once.
 * @example
 * ```ts
 * import { irisSplit } from 'metaoptim/tasks';
 * const { train, test } = await irisSplit();
 * console.log(train.rows + test.rows); // 150
 * ```
 */
export function irisSplit(): Promise<SplitDataset> {
  if (!iris) {
    iris = loadIris().then((d) => standardize(splitDataset(d, IRIS_SPLIT)));
    iris.catch(() => (iris = undefined));
  }
  return iris;
}

/**
 * The fixed standardized wine split (`WINE_SPLIT`: 142 train / 36 test, 13 features, 3 classes), loaded once.
 * @example
 * ```ts
 * import { wineSplit } from 'metaoptim/tasks';
 * const { train, test } = await wineSplit();
 * console.log(train.rows + test.rows); // 178
 * ```
 */
export function wineSplit(): Promise<SplitDataset> {
  if (!wine) {
    wine = loadWine().then((d) => standardize(splitDataset(d, WINE_SPLIT)));
    wine.catch(() => (wine = undefined));
  }
  return wine;
}

async function make(data: SplitDataset, o: DigitsMlpOptions): Promise<MlpTask> {
  let runtime = o.runtime;
  if (!runtime) {
    await ready();
    runtime = defaultRuntimeOrThrow();
  }
  return new MlpTask({ batchSize: 32, hidden: [], ...o, data, runtime });
}

/**
 * Iris classification (default logistic regression 4 → 3, batch 32).
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { irisTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await irisTask();
 * const run = await train(task, adam({ lr: 1e-2 }), { steps: 300 });
 * console.log((run.final.test?.accuracy ?? 0) > 0.8); // true
 * task.dispose();
 * ```
 */
export async function irisTask(o: DigitsMlpOptions = {}): Promise<MlpTask> {
  checkOptions('irisTask', o, DIGITS_MLP_KEYS);
  return make(await irisSplit(), o);
}

/**
 * Wine classification (default logistic regression 13 → 3, batch 32).
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { wineTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await wineTask();
 * const run = await train(task, adam({ lr: 1e-2 }), { steps: 300 });
 * console.log((run.final.test?.accuracy ?? 0) > 0.8); // true
 * task.dispose();
 * ```
 */
export async function wineTask(o: DigitsMlpOptions = {}): Promise<MlpTask> {
  checkOptions('wineTask', o, DIGITS_MLP_KEYS);
  return make(await wineSplit(), o);
}
