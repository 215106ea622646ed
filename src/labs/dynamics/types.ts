import type { DigitsVariant } from '../../tasks/digits.js';
import type { ResultsHeader } from '../protocol.js';
import type { Baseline, DynamicsConfig, Kind, OptName } from './config.js';

/** The results of `lab dynamics` (results.json). Series are plain arrays; times are `elapsedMs`. */

/** Mean-over-runs summary of one optimizer on one variant. */
export interface OptSummary {
  lr: number | null;
  runs: number;
  failedRuns: number;
  /** Minibatch training loss per step, mean over runs. */
  loss: number[];
  meanLoss: number;
  /** Sample standard deviation (n − 1) across runs of each run's mean loss (0 for one run). */
  meanLossSd: number;
  /** Mean of `loss` over the last 10 steps. */
  finalLoss: number;
  symmetry: { steps: number[]; update: Record<Kind, number[]>; gradient: Record<Kind, number[]> };
  /** Mean |D| of the update over the steps ≤ symmetryWindow, per kind. */
  earlySymmetry: Record<Kind, number>;
  checkpoints: { steps: number[]; gradAlpha: number[]; updAlpha: number[]; gradHill: number[]; updHill: number[]; gradLambda: number[]; updLambda: number[]; updTrace: number[] };
  norms: { steps: number[]; update: number[]; params: number[]; perTensor: Record<string, number[]> };
  histograms: { step: number; edges: number[]; update: number[]; gradient: number[] }[];
}

/** B.1.1 tuning of one baseline: the pick and the summed loss per grid point (+∞ diverged). */
export interface LrSearch {
  lr: number;
  scores: number[];
}

/** The LSTM meta-training of one variant (or one β of the regularization). */
export interface MetaSummary {
  elapsedMs: number;
  /** Meta-test loss (summed training loss) after each epoch; epoch 0 is the initial θ. */
  history: { epoch: number; metaTestLoss: number }[];
  bestEpoch: number;
  metaLoss: number[];
}

export interface VariantResult {
  variant: DigitsVariant;
  parameters: number;
  kinds: Kind[];
  lrSearch: Record<Baseline, LrSearch>;
  meta: MetaSummary;
  optimizers: Record<OptName, OptSummary>;
}

export interface InterpRow {
  lambda: number;
  meanLoss: number;
  finalLoss: number;
  translation: number;
  failedRuns: number;
}

export interface InterpResult {
  variant: DigitsVariant;
  /** 'spec' (SGD lr 0.5, Lion lr 0.005) and 'B.1.1 picks' (the variant's picked rates, when it was run). */
  settings: { name: string; sgdLr: number; lionLr: number; rows: InterpRow[] }[];
}

export interface RegResult {
  variant: DigitsVariant;
  kind: Kind;
  rows: { beta: number; meanLoss: number; finalLoss: number; deviation: number; translation: number; failedRuns: number; elapsedMs: number }[];
}

/** What the three parts produced (all of it, or what finished before an abort). */
export interface DynamicsParts {
  variants: VariantResult[];
  interp: InterpResult;
  reg: RegResult;
}

export interface Finding {
  id: number;
  claim: string;
  verdict: Verdict;
  /** Short statement of the numbers behind the verdict. */
  evidence: string[];
}

export type Verdict = 'reproduced' | 'partly' | 'not reproduced';

export interface Findings {
  items: Finding[];
}

export interface DynamicsResults extends ResultsHeader, DynamicsParts {
  config: DynamicsConfig;
  /** The five verdicts; a partial run lists only those whose numbers finished. */
  findings: Findings;
}
