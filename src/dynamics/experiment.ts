import type { ProgressEvent } from '../core/loop.js';
import { type RunRecord, recordRun } from '../analysis/record.js';
import { digitsSplit, DIGITS_VARIANTS, type DigitsVariant } from '../tasks/digits.js';
import { MlpTask } from '../tasks/classification.js';
import type { TaskFamily } from '../tasks/types.js';
import { mlpLayout } from '../nn/layout.js';
import { lstmLOpt } from '../l2o/lstm.js';
import { tbpttTrain } from '../l2o/outer/tbptt.js';
import { adam } from '../optim/adam.js';
import { lion } from '../optim/lion.js';
import { momentum } from '../optim/sgd.js';
import type { Optimizer } from '../optim/types.js';
import { type Runtime, defaultRuntimeOrThrow, ready } from '../runtime/runtime.js';
import { Rng } from '../core/rng.js';
import { MetaoptimError } from '../core/errors.js';
import { LR_GRID, pickLearningRate, summedLoss } from './lr-protocol.js';
import { lionSgdInterp } from './interp.js';
import { type Findings, findings } from './findings.js';

/**
 * The computations of `lab dynamics` (SPEC B.1.9 on the digits 64-20-10 variants). For each
 * variant: learning rates of Adam, SGD-momentum 0.9 and Lion (β 0.9/0.99) by the B.1.1 protocol,
 * the LSTM optimizer (B.1.2) meta-trained by truncated backprop (B.1.3) on the variant's family
 * (fresh inits and minibatch streams of the same network), then `testRuns` recorded runs per
 * optimizer (`recordRun`: B.1.4 symmetry deviations every 10 steps, B.1.6/B.1.7 tail index and
 * covariance at frozen checkpoints over the 10 minibatches of one digits epoch, B.1.8
 * histograms and per-tensor norms). Plus the Lion–SGD interpolation (B.1.11) and
 * symmetry-regularized meta-training (B.1.5). Everything derives from `seed`; nothing is cached.
 */
export type Kind = 'translation' | 'rescale' | 'scale';

export interface DynamicsConfig {
  variants: DigitsVariant[];
  lr: { grid: number[]; runs: number; steps: number };
  /** Meta-training: `epochs` × `runsPerEpoch` inner runs of `innerSteps`, unroll K; Adam(metaLr). */
  meta: { epochs: number; runsPerEpoch: number; innerSteps: number; unroll: number; metaLr: number; metaTestRuns: number };
  test: { runs: number; steps: number; checkpointEvery: number; histogramSteps: number[]; symmetryWindow: number };
  interp: { variant: DigitsVariant; lambdas: number[]; seeds: number; steps: number; sgdLr: number; lionLr: number };
  reg: { variant: DigitsVariant; betas: number[] };
}

export const QUICK_CONFIG: DynamicsConfig = {
  variants: ['sigmoid', 'leaky_relu'],
  lr: { grid: [...LR_GRID], runs: 3, steps: 50 },
  meta: { epochs: 3, runsPerEpoch: 3, innerSteps: 100, unroll: 20, metaLr: 1e-2, metaTestRuns: 1 },
  test: { runs: 2, steps: 200, checkpointEvery: 20, histogramSteps: [1, 5, 10, 30, 100], symmetryWindow: 200 },
  interp: { variant: 'sigmoid', lambdas: [0, 0.1, 0.25, 0.5, 0.75, 1], seeds: 2, steps: 200, sgdLr: 0.5, lionLr: 0.005 },
  reg: { variant: 'sigmoid', betas: [0, 1] },
};

export const FULL_CONFIG: DynamicsConfig = {
  variants: ['sigmoid', 'relu', 'leaky_relu', 'relu_bn'],
  lr: { grid: [...LR_GRID], runs: 3, steps: 50 },
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

export const OPTIMIZERS = ['l2o', 'adam', 'sgdm', 'lion'] as const;
export type OptName = (typeof OPTIMIZERS)[number];

/** Mean-over-runs summary of one optimizer on one variant (series are plain arrays). */
export interface OptSummary {
  lr: number | null;
  runs: number;
  failedRuns: number;
  loss: number[];
  meanLoss: number;
  /** Standard deviation across runs of each run's mean loss (0 for one run). */
  meanLossStd: number;
  finalLoss: number;
  symmetry: { steps: number[]; update: Record<Kind, number[]>; gradient: Record<Kind, number[]> };
  /** Mean |D| of the update over the steps ≤ symmetryWindow, per kind. */
  earlySymmetry: Record<Kind, number>;
  checkpoints: { steps: number[]; gradAlpha: number[]; updAlpha: number[]; gradHill: number[]; updHill: number[]; gradLambda: number[]; updLambda: number[]; updTrace: number[] };
  norms: { steps: number[]; update: number[]; params: number[]; perTensor: Record<string, number[]> };
  histograms: { step: number; edges: number[]; update: number[]; gradient: number[] }[];
}

export interface VariantResult {
  variant: DigitsVariant;
  parameters: number;
  kinds: Kind[];
  lrSearch: Record<Exclude<OptName, 'l2o'>, { lr: number; scores: number[] }>;
  meta: { seconds: number; history: { epoch: number; metaTestLoss: number }[]; bestEpoch: number; metaLoss: number[] };
  optimizers: Record<OptName, OptSummary>;
}

export interface InterpResult {
  variant: DigitsVariant;
  /** 'spec' (SGD lr 0.5, Lion lr 0.005) and 'B.1.1 picks' (the variant's picked rates, when it was run). */
  settings: { name: string; sgdLr: number; lionLr: number; rows: { lambda: number; meanLoss: number; finalLoss: number; translation: number; failedRuns: number }[] }[];
}

export interface RegResult {
  variant: DigitsVariant;
  kind: Kind;
  rows: { beta: number; meanLoss: number; finalLoss: number; deviation: number; translation: number; failedRuns: number; seconds: number }[];
}

export interface DynamicsResults {
  config: DynamicsConfig;
  seed: number;
  seconds: number;
  variants: VariantResult[];
  interp: InterpResult;
  reg: RegResult;
  findings: Findings;
}

export interface RunOptions {
  seed: number;
  runtime?: Runtime;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** performance.now() at the start of the run (for elapsedMs). */
  started?: number;
}

const TEST_SEED = 100_000;
const META_TEST_SEED = 50_000;
const EPOCH_BATCHES = 10; // ⌊1400 / 128⌋ minibatches per digits epoch

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const std = (xs: readonly number[]) => (xs.length ? Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2))) : NaN);

/** Family of one variant: configs are minibatch-stream seeds; the run's init seed comes from tbpttTrain. */
function variantFamily(v: DigitsVariant, data: Awaited<ReturnType<typeof digitsSplit>>, runtime: Runtime): TaskFamily<{ streamSeed: number }> {
  const d = DIGITS_VARIANTS[v];
  return {
    name: `digits-${v}-inits`,
    sample: (seed) => ({ streamSeed: seed >>> 0 }),
    task: (c) => new MlpTask({ data, runtime, hidden: [...d.hidden], activation: d.activation, batchNorm: d.batchNorm, streamSeed: c.streamSeed, name: `digits-${v}` }),
  };
}

function testTask(v: DigitsVariant, data: Awaited<ReturnType<typeof digitsSplit>>, runtime: Runtime, seed: number): MlpTask {
  const d = DIGITS_VARIANTS[v];
  return new MlpTask({ data, runtime, hidden: [...d.hidden], activation: d.activation, batchNorm: d.batchNorm, streamSeed: new Rng(seed ^ 0x5eed).u32(), name: `digits-${v}` });
}

/**
 * Meta-trains the LSTM optimizer on a variant's family: `epochs` calls of `tbpttTrain`
 * (`runsPerEpoch` inner runs each, seed (seed, epoch)), each followed by `metaTestRuns` meta-test
 * runs (summed train loss over `innerSteps`); the θ with the lowest meta-test loss is kept
 * (B.1.3). The Adam meta-optimizer state restarts at every epoch (one `tbpttTrain` call each).
 */
export async function metaTrainLstm(v: DigitsVariant, cfg: DynamicsConfig['meta'], family: TaskFamily, evalTask: MlpTask, seed: number, beta: number, o: RunOptions, label: string) {
  const t0 = performance.now();
  const layout = mlpLayout([64, 20, 10], DIGITS_VARIANTS[v].batchNorm).tensors;
  let theta = lstmLOpt.init(seed);
  const score = (th: Float32Array) => {
    let s = 0;
    for (let k = 0; k < cfg.metaTestRuns; k++) s += summedLoss(lstmLOpt.optimizer(th), evalTask, META_TEST_SEED + k, cfg.innerSteps, o.runtime);
    return s / cfg.metaTestRuns;
  };
  let best = { theta, loss: score(theta), epoch: 0 };
  const history = [{ epoch: 0, metaTestLoss: best.loss }];
  const metaLoss: number[] = [];
  for (let e = 1; e <= cfg.epochs; e++) {
    const r = await tbpttTrain({
      family, theta, runs: cfg.runsPerEpoch, innerSteps: cfg.innerSteps, unroll: cfg.unroll, seed: (seed * 1009 + e) >>> 0,
      metaOptimizer: adam({ lr: cfg.metaLr }), runtime: o.runtime, signal: o.signal,
      regularizer: beta > 0 ? { kind: regularizerKind(v), beta, layout } : undefined,
    });
    for (const h of r.history) metaLoss.push(h.metaLoss);
    theta = r.theta;
    const s = score(theta);
    history.push({ epoch: e, metaTestLoss: s });
    if (s < best.loss) best = { theta, loss: s, epoch: e };
    o.onProgress?.({ label, done: e, total: cfg.epochs, elapsedMs: performance.now() - (o.started ?? 0) });
  }
  return { theta: best.theta, history, bestEpoch: best.epoch, metaLoss, seconds: (performance.now() - t0) / 1000 };
}

function summarize(recs: RunRecord[], failed: number, lr: number | null, window: number): OptSummary {
  const R = recs.length;
  const avg = (f: (r: RunRecord) => number[]) => {
    if (!R) return [];
    const rows = recs.map(f);
    return rows[0]!.map((_, i) => mean(rows.map((r) => r[i]!)));
  };
  const loss = avg((r) => Array.from(r.losses));
  const symSteps = recs[0]?.symmetry.map((s) => s.step) ?? [];
  const allKinds: Kind[] = ['translation', 'rescale', 'scale'];
  const sym = (which: 'update' | 'gradient') => Object.fromEntries(allKinds.map((k) => [k, avg((r) => r.symmetry.map((s) => s[which][k]))])) as Record<Kind, number[]>;
  const update = sym('update');
  const early = Object.fromEntries(allKinds.map((k) => [k, mean(update[k].filter((_, i) => symSteps[i]! <= window))])) as Record<Kind, number>;
  const ck = (f: (c: RunRecord['checkpoints'][number]) => number) => avg((r) => r.checkpoints.map(f));
  const normSteps = [...new Set(recs[0]?.norms.map((n) => n.step) ?? [])];
  const totalNorm = (q: 'update' | 'params') => avg((r) => normSteps.map((s) => Math.sqrt(r.norms.filter((n) => n.step === s && n.quantity === q).reduce((a, n) => a + n.l2 * n.l2, 0))));
  const tensors = [...new Set(recs[0]?.norms.map((n) => n.tensor) ?? [])];
  const perTensor = Object.fromEntries(tensors.map((t) => [t, avg((r) => normSteps.map((s) => r.norms.find((n) => n.step === s && n.quantity === 'update' && n.tensor === t)!.l2))]));
  const histograms = (recs[0]?.histograms ?? []).map((h, i) => ({
    step: h.step,
    edges: Array.from(h.update.edges),
    update: avg((r) => Array.from(r.histograms[i]!.update.counts)),
    gradient: avg((r) => Array.from(r.histograms[i]!.gradient.counts)),
  }));
  return {
    lr, runs: R, failedRuns: failed, loss, meanLoss: mean(loss), meanLossStd: std(recs.map((r) => mean(Array.from(r.losses)))), finalLoss: mean(loss.slice(-10)),
    symmetry: { steps: symSteps, update, gradient: sym('gradient') },
    earlySymmetry: early,
    checkpoints: {
      steps: recs[0]?.checkpoints.map((c) => c.step + 1) ?? [],
      gradAlpha: ck((c) => c.gradient.blockSumAlpha), updAlpha: ck((c) => c.update.blockSumAlpha),
      gradHill: ck((c) => c.gradient.hillAlpha), updHill: ck((c) => c.update.hillAlpha),
      gradLambda: ck((c) => c.gradient.covariance.lambdaMax), updLambda: ck((c) => c.update.covariance.lambdaMax),
      updTrace: ck((c) => c.update.covariance.trace),
    },
    norms: { steps: normSteps, update: totalNorm('update'), params: totalNorm('params'), perTensor },
    histograms,
  };
}

/** Runs `make()` for `runs` recorded runs; a run that fails (non-finite) is counted, not fatal. */
async function recordRuns(make: () => Optimizer, task: MlpTask, v: DigitsVariant, cfg: DynamicsConfig['test'], o: RunOptions, withCheckpoints: boolean) {
  const layout = mlpLayout([64, 20, 10], DIGITS_VARIANTS[v].batchNorm).tensors;
  const ckSteps = [1];
  for (let s = cfg.checkpointEvery; s <= cfg.steps; s += cfg.checkpointEvery) ckSteps.push(s);
  const recs: RunRecord[] = [];
  let failed = 0;
  for (let r = 0; r < cfg.runs; r++) {
    try {
      recs.push(await recordRun(make(), task, {
        steps: cfg.steps, params: task.init(TEST_SEED + r), runtime: o.runtime, layout, dims: { input: 64, hidden: 20, output: 10 },
        symmetryEvery: 10, normsEvery: 10, histogramSteps: cfg.histogramSteps,
        checkpointSteps: withCheckpoints ? ckSteps : [], checkpointBatches: [...Array(EPOCH_BATCHES).keys()], signal: o.signal,
      }));
    } catch (e) {
      if (e instanceof MetaoptimError && e.code === 'ABORTED') throw e;
      if (!(e instanceof MetaoptimError)) throw e;
      failed++;
    }
  }
  return { recs, failed };
}

export async function runDynamics(cfg: DynamicsConfig, o: RunOptions): Promise<DynamicsResults> {
  o = { ...o, started: o.started ?? performance.now() };
  const t0 = performance.now();
  if (!o.runtime) await ready();
  const runtime = o.runtime ?? defaultRuntimeOrThrow();
  const ro: RunOptions = { ...o, runtime };
  const data = await digitsSplit();
  const variants: VariantResult[] = [];
  const trained = new Map<DigitsVariant, { theta: Float32Array; seconds: number }>();
  for (const [vi, v] of cfg.variants.entries()) {
    const task = testTask(v, data, runtime, o.seed);
    try {
      const mk = { adam: (lr: number) => adam({ lr }), sgdm: (lr: number) => momentum({ lr, momentum: 0.9 }), lion: (lr: number) => lion({ lr, beta1: 0.9, beta2: 0.99 }) };
      const lrSearch = {} as VariantResult['lrSearch'];
      for (const name of ['adam', 'sgdm', 'lion'] as const) {
        const p = pickLearningRate(mk[name], task, { grid: cfg.lr.grid, runs: cfg.lr.runs, steps: cfg.lr.steps, seed: 0, runtime, signal: o.signal });
        lrSearch[name] = { lr: p.lr, scores: p.scores };
      }
      o.onProgress?.({ label: `${v}: learning rates`, done: 1, total: 1, elapsedMs: performance.now() - (o.started ?? 0) });
      const meta = await metaTrainLstm(v, cfg.meta, variantFamily(v, data, runtime), task, (o.seed * 31 + vi) >>> 0, 0, ro, `${v}: meta-training the LSTM`);
      trained.set(v, { theta: meta.theta, seconds: meta.seconds });
      const makers: Record<OptName, () => Optimizer> = {
        l2o: () => lstmLOpt.optimizer(meta.theta),
        adam: () => mk.adam(lrSearch.adam.lr),
        sgdm: () => mk.sgdm(lrSearch.sgdm.lr),
        lion: () => mk.lion(lrSearch.lion.lr),
      };
      const optimizers = {} as Record<OptName, OptSummary>;
      for (const name of OPTIMIZERS) {
        const { recs, failed } = await recordRuns(makers[name], task, v, cfg.test, ro, true);
        optimizers[name] = summarize(recs, failed, name === 'l2o' ? null : lrSearch[name].lr, cfg.test.symmetryWindow);
        o.onProgress?.({ label: `${v}: recorded runs`, done: OPTIMIZERS.indexOf(name) + 1, total: OPTIMIZERS.length, elapsedMs: performance.now() - (o.started ?? 0) });
      }
      variants.push({
        variant: v, parameters: task.size, kinds: kindsOf(v), lrSearch,
        meta: { seconds: meta.seconds, history: meta.history, bestEpoch: meta.bestEpoch, metaLoss: meta.metaLoss },
        optimizers,
      });
    } finally {
      task.dispose();
    }
  }
  // Lion–SGD interpolation (B.1.11): the SPEC's rates, and the B.1.1 picks of the variant when it was run.
  const iv = cfg.interp.variant;
  const picked = variants.find((x) => x.variant === iv)?.lrSearch;
  const settings = [{ name: 'spec', sgdLr: cfg.interp.sgdLr, lionLr: cfg.interp.lionLr }, ...(picked ? [{ name: 'B.1.1 picks', sgdLr: picked.sgdm.lr, lionLr: picked.lion.lr }] : [])];
  const interp: InterpResult = { variant: iv, settings: [] };
  {
    const task = testTask(iv, data, runtime, o.seed);
    try {
      for (const st of settings) {
        const rows: InterpResult['settings'][number]['rows'] = [];
        for (const [i, lambda] of cfg.interp.lambdas.entries()) {
          const { recs, failed } = await recordRuns(() => lionSgdInterp({ lambda, sgdLr: st.sgdLr, lionLr: st.lionLr }), task, iv,
            { ...cfg.test, runs: cfg.interp.seeds, steps: cfg.interp.steps, histogramSteps: [] }, ro, false);
          const s = summarize(recs, failed, null, cfg.test.symmetryWindow);
          rows.push({ lambda, meanLoss: s.meanLoss, finalLoss: s.finalLoss, translation: s.earlySymmetry.translation, failedRuns: failed });
          o.onProgress?.({ label: `Lion–SGD interpolation (${st.name})`, done: i + 1, total: cfg.interp.lambdas.length, elapsedMs: performance.now() - (o.started ?? 0) });
        }
        interp.settings.push({ ...st, rows });
      }
    } finally {
      task.dispose();
    }
  }
  // Symmetry-regularized meta-training (B.1.5).
  const rv = cfg.reg.variant, kind = regularizerKind(rv);
  const reg: RegResult = { variant: rv, kind, rows: [] };
  {
    const task = testTask(rv, data, runtime, o.seed);
    const vi = cfg.variants.indexOf(rv);
    try {
      for (const [i, beta] of cfg.reg.betas.entries()) {
        // β = 0 with the main run's seed is the main LSTM of this variant (same run, reused in memory).
        const meta = beta === 0 && trained.has(rv) ? trained.get(rv)! : await metaTrainLstm(rv, cfg.meta, variantFamily(rv, data, runtime), task, (o.seed * 31 + (vi >= 0 ? vi : 0)) >>> 0, beta, ro, `regularized meta-training β=${beta}`);
        const { recs, failed } = await recordRuns(() => lstmLOpt.optimizer(meta.theta), task, rv, { ...cfg.test, histogramSteps: [] }, ro, false);
        const s = summarize(recs, failed, null, cfg.test.symmetryWindow);
        reg.rows.push({ beta, meanLoss: s.meanLoss, finalLoss: s.finalLoss, deviation: s.earlySymmetry[kind], translation: s.earlySymmetry.translation, failedRuns: failed, seconds: meta.seconds });
        o.onProgress?.({ label: 'symmetry-regularized meta-training', done: i + 1, total: cfg.reg.betas.length, elapsedMs: performance.now() - (o.started ?? 0) });
      }
    } finally {
      task.dispose();
    }
  }
  const partial = { variants, interp, reg };
  return { config: cfg, seed: o.seed, seconds: (performance.now() - t0) / 1000, ...partial, findings: findings(partial) };
}
