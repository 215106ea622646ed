import { MetaoptimError, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type DataFile, readDataText } from './source.js';

/** A classification data set: row-major features and integer labels. */
export interface Dataset {
  name: string;
  /** rows × features, row-major. */
  x: Float32Array;
  y: Int32Array;
  rows: number;
  features: number;
  classes: number;
  classNames: string[];
}

export interface SplitDataset {
  train: Dataset;
  test: Dataset;
  /** How the split was made, for reports: e.g. "seeded shuffle (seed 0): 1400 train / 397 test". */
  description: string;
}

function parseCsv(name: string, text: string, hasHeader: boolean, scale: number): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  let classNames: string[] = [];
  let start = 0;
  let rows: number;
  let features: number;
  if (hasHeader) {
    const head = lines[0]!.split(',');
    rows = Number(head[0]);
    features = Number(head[1]);
    classNames = head.slice(2).map((s) => s.trim());
    start = 1;
  } else {
    rows = lines.length;
    features = lines[0]!.split(',').length - 1;
  }
  if (lines.length - start !== rows) throw new MetaoptimError('DATA_UNAVAILABLE', `${name}: expected ${rows} rows, found ${lines.length - start}`);
  const x = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[start + r]!.split(',');
    if (cells.length !== features + 1) throw new MetaoptimError('DATA_UNAVAILABLE', `${name}: row ${r} has ${cells.length} cells`);
    for (let j = 0; j < features; j++) x[r * features + j] = Number(cells[j]) / scale;
    y[r] = Number(cells[features]);
  }
  const classes = Math.max(...y) + 1;
  if (classNames.length === 0) classNames = Array.from({ length: classes }, (_, i) => String(i));
  return { name, x, y, rows, features, classes, classNames };
}

const cache = new Map<string, Promise<Dataset>>();

function load(file: DataFile, name: string, header: boolean, scale: number): Promise<Dataset> {
  let p = cache.get(name);
  if (!p) {
    p = readDataText(file).then((t) => parseCsv(name, t, header, scale));
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

/**
 * 1,797 8×8 digit images, pixels scaled from 0–16 to [0, 1] (64 features, 10 classes).
 * @example
 * ```ts
 * import { loadDigits } from 'metaoptim/data';
 * const d = await loadDigits();
 * console.log(d.rows, d.features, d.classes); // 1797 64 10
 * ```
 */
export function loadDigits(): Promise<Dataset> {
  return load('digits', 'digits', false, 16);
}

/**
 * Fisher's iris: 150 rows, 4 features (cm, unscaled), 3 classes.
 * @example
 * ```ts
 * import { loadIris } from 'metaoptim/data';
 * const d = await loadIris();
 * console.log(d.rows, d.features, d.classNames.length); // 150 4 3
 * ```
 */
export function loadIris(): Promise<Dataset> {
  return load('iris', 'iris', true, 1);
}

/**
 * UCI wine: 178 rows, 13 features (unscaled), 3 classes.
 * @example
 * ```ts
 * import { loadWine } from 'metaoptim/data';
 * const d = await loadWine();
 * console.log(d.rows, d.features, d.classes); // 178 13 3
 * ```
 */
export function loadWine(): Promise<Dataset> {
  return load('wine', 'wine', true, 1);
}

/**
 * Rows `idx` of `d` as a new data set.
 * @example
 * ```ts
 * import { loadIris, subset } from 'metaoptim/data';
 * const first = subset(await loadIris(), [0, 1, 2], 'iris-head');
 * console.log(first.name, first.rows, first.x.length); // iris-head 3 12
 * ```
 */
export function subset(d: Dataset, idx: ArrayLike<number>, name = d.name): Dataset {
  const x = new Float32Array(idx.length * d.features);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    x.set(d.x.subarray(r * d.features, (r + 1) * d.features), i * d.features);
    y[i] = d.y[r]!;
  }
  return { ...d, name, x, y, rows: idx.length };
}

/**
 * A fixed seeded split: the rows are shuffled by `Rng(seed)` and the first `test` rows
 * (a count, or a fraction of the rows) become the test set. Digits default: 397 test,
 * 1,400 train (SPEC adaptation).
 * @example
 * ```ts
 * import { loadDigits, splitDataset } from 'metaoptim/data';
 * const digits = await loadDigits();                      // 1,797 × 64, pixels in [0, 1]
 * const { train, test } = splitDataset(digits, { test: 397, seed: 0 });
 * console.log(train.rows, test.rows);                     // 1400 397
 * ```
 */
export function splitDataset(d: Dataset, options: { test: number; seed?: number }): SplitDataset {
  const opts = checkOptions('splitDataset', options, ['test', 'seed']);
  const seed = opts.seed ?? 0;
  const nTest = opts.test < 1 ? Math.round(opts.test * d.rows) : opts.test;
  if (!Number.isInteger(nTest) || nTest <= 0 || nTest >= d.rows) {
    throw new MetaoptimError('INVALID_ARGUMENT', `splitDataset: test size ${opts.test} does not fit ${d.rows} rows`);
  }
  const perm = new Rng(seed).permutation(d.rows);
  const test = subset(d, perm.subarray(0, nTest), `${d.name}/test`);
  const train = subset(d, perm.subarray(nTest), `${d.name}/train`);
  return { train, test, description: `seeded shuffle (seed ${seed}): ${train.rows} train / ${test.rows} test` };
}

/**
 * Standardizes features to zero mean and unit variance using the TRAIN split's statistics
 * (applied to both splits, so no test information leaks). Constant features are left centered.
 * @example
 * ```ts
 * import { loadWine, splitDataset, standardize } from 'metaoptim/data';
 * const s = standardize(splitDataset(await loadWine(), { test: 50, seed: 0 })); // train statistics for both
 * console.log(s.train.rows, s.test.rows); // 128 50
 * ```
 */
export function standardize(s: SplitDataset): SplitDataset {
  const { train, test } = s;
  const f = train.features;
  const mean = new Float64Array(f);
  const sd = new Float64Array(f);
  for (let r = 0; r < train.rows; r++) for (let j = 0; j < f; j++) mean[j]! += train.x[r * f + j]!;
  for (let j = 0; j < f; j++) mean[j]! /= train.rows;
  for (let r = 0; r < train.rows; r++) for (let j = 0; j < f; j++) sd[j]! += (train.x[r * f + j]! - mean[j]!) ** 2;
  for (let j = 0; j < f; j++) sd[j] = Math.sqrt(sd[j]! / train.rows) || 1;
  const apply = (d: Dataset): Dataset => {
    const x = new Float32Array(d.x.length);
    for (let r = 0; r < d.rows; r++) for (let j = 0; j < f; j++) x[r * f + j] = (d.x[r * f + j]! - mean[j]!) / sd[j]!;
    return { ...d, x };
  };
  return { train: apply(train), test: apply(test), description: `${s.description}; standardized with train statistics` };
}
