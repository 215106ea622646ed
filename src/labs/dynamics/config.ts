import type { DigitsVariant } from '../../tasks/digits.js';

/**
 * The budgets of `lab dynamics` (SPEC B.1.9 on the digits 64-20-10 variants) and the fixed
 * choices of the experiment: which symmetries each variant has, which regularizer matches it,
 * the optimizers compared, and the seeds of every part.
 */

/**
 * The learning-rate grid of SPEC B.1.1 (Sobotka et al. `find_best_lr_normal`). The lab tunes
 * Adam, SGD-momentum and Lion on it with `tuneLr(…, { runs: 3, steps: 50, score: 'summedLoss' })`:
 * the argmin of Σ_runs Σ_t L_t over 3 runs × 50 steps from fresh inits (a diverged candidate
 * scores +∞). This grid is the paper's, not the protocol's half-decade `lrGrid()`.
 */
export const SPEC_B11_LR_GRID: readonly number[] = [1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 3];

export type Kind = 'translation' | 'rescale' | 'scale';
export const KINDS: readonly Kind[] = ['translation', 'rescale', 'scale'];

export interface DynamicsConfig {
  variants: DigitsVariant[];
  /** B.1.1 learning-rate tuning: `runs` runs of `steps` steps per grid point, summed loss. */
  lr: { grid: number[]; runs: number; steps: number };
  /** Meta-training: `epochs` × `runsPerEpoch` inner runs of `innerSteps`, unroll K; Adam(metaLr). */
  meta: { epochs: number; runsPerEpoch: number; innerSteps: number; unroll: number; metaLr: number; metaTestRuns: number };
  test: { runs: number; steps: number; checkpointEvery: number; histogramSteps: number[]; symmetryWindow: number };
  interp: { variant: DigitsVariant; lambdas: number[]; seeds: number; steps: number; sgdLr: number; lionLr: number };
  reg: { variant: DigitsVariant; betas: number[] };
}

/** `--quick`: sigmoid and LeakyReLU, 3 epochs × 3 runs of 100 steps, 2 test runs of 200 steps, β ∈ {0, 1}. */
export const QUICK_CONFIG: DynamicsConfig = {
  variants: ['sigmoid', 'leaky_relu'],
  lr: { grid: [...SPEC_B11_LR_GRID], runs: 3, steps: 50 },
  meta: { epochs: 3, runsPerEpoch: 3, innerSteps: 100, unroll: 20, metaLr: 1e-2, metaTestRuns: 1 },
  test: { runs: 2, steps: 200, checkpointEvery: 20, histogramSteps: [1, 5, 10, 30, 100], symmetryWindow: 200 },
  interp: { variant: 'sigmoid', lambdas: [0, 0.1, 0.25, 0.5, 0.75, 1], seeds: 2, steps: 200, sgdLr: 0.5, lionLr: 0.005 },
  reg: { variant: 'sigmoid', betas: [0, 1] },
};

/** Full mode: all four variants, 6 epochs × 4 runs of 200 steps, 3 test runs of 500 steps. */
export const FULL_CONFIG: DynamicsConfig = {
  variants: ['sigmoid', 'relu', 'leaky_relu', 'relu_bn'],
  lr: { grid: [...SPEC_B11_LR_GRID], runs: 3, steps: 50 },
  meta: { epochs: 6, runsPerEpoch: 4, innerSteps: 200, unroll: 20, metaLr: 1e-2, metaTestRuns: 2 },
  test: { runs: 3, steps: 500, checkpointEvery: 20, histogramSteps: [1, 5, 10, 30, 100, 500], symmetryWindow: 200 },
  interp: { variant: 'sigmoid', lambdas: [0, 0.1, 0.25, 0.5, 0.75, 1], seeds: 3, steps: 500, sgdLr: 0.5, lionLr: 0.005 },
  reg: { variant: 'leaky_relu', betas: [0, 0.01, 0.1, 0.5, 1] },
};

/** The symmetries each variant has (B.1.4): translation for all, rescale for (Leaky)ReLU, scale for BN. */
export function kindsOf(v: DigitsVariant): Kind[] {
  return v === 'relu_bn' ? ['translation', 'scale'] : v === 'sigmoid' ? ['translation'] : ['translation', 'rescale'];
}

/** The regularizer matched to the optimizee (B.1.5): LeakyReLU/ReLU → rescale, BN → scale, sigmoid → translation. */
export function regularizerKind(v: DigitsVariant): Kind {
  return v === 'relu_bn' ? 'scale' : v === 'sigmoid' ? 'translation' : 'rescale';
}

/** 'adamResidual' is the shipped learned optimizer (`learned()`, the Adam-residual MLP), run as it is (not tuned). */
export const OPTIMIZERS = ['l2o', 'adam', 'sgdm', 'lion', 'adamResidual'] as const;
export type OptName = (typeof OPTIMIZERS)[number];
export type Baseline = Exclude<OptName, 'l2o' | 'adamResidual'>;
export const BASELINES: readonly Baseline[] = ['adam', 'sgdm', 'lion'];

/**
 * Seeds. Tuning runs start from `task.init(0…runs−1)`, meta-test runs from `META_TEST_SEED + k`,
 * recorded test runs from `TEST_SEED + r`: the three sets are disjoint. The test task's
 * minibatch stream is `new Rng(seed ^ 0x5eed).u32()`; the LSTM of variant i is initialized and
 * meta-trained from `(seed·31 + i) mod 2³²`.
 */
export const TEST_SEED = 100_000;
export const META_TEST_SEED = 50_000;
/** ⌊1400 / 128⌋ minibatches per digits epoch: the batches of every checkpoint analysis. */
export const EPOCH_BATCHES = 10;
