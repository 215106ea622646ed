import { type Dataset, splitDataset } from '../../data/index.js';
import { MetaoptimError, checkNumber, checkOptions } from '../../core/errors.js';
import { Region, type Runtime, defaultRuntimeOrThrow } from '../../runtime/index.js';
import { Rng } from '../../core/rng.js';
import { type BilevelProblem, defineProblem } from '../problem.js';
import { SoftmaxBlock, gramTopEigen, minimizeStronglyConvex, minimizeStronglyConvexAsync } from './linear-model.js';

export interface HyperCleaningOptions {
  /** Corrupted training examples (default 1000, from the 1,400-row digits train split). */
  train?: number;
  /** Clean validation examples (default 400; train + validation ≤ 1,400). */
  validation?: number;
  /** Fraction of training labels replaced by a uniformly drawn WRONG class (default 0.5). */
  corruption?: number;
  /** Ridge ρ on the classifier in g (default 1e-3): makes the LL strongly convex. */
  ridge?: number;
  /** 'sigmoid': weight σ(x_i), x unconstrained (default); 'box': weight x_i, x ∈ [0, 1]. */
  weighting?: 'sigmoid' | 'box';
  /** Seed of the corruption and the validation/train choice (default 0). */
  seed?: number;
  runtime?: Runtime;
}

export interface HyperCleaningProblem extends BilevelProblem {
  /** Which training rows were corrupted (1) or kept (0). */
  readonly corrupted: Uint8Array;
  /** The per-example weights a given x means. */
  weights(x: Float32Array): Float32Array;
  /**
   * argmin_y g(weights, y) + validationWeight·f(y): the classifier trained on the training set
   * with these weights (plus the clean validation loss when validationWeight > 0, default 0),
   * by accelerated GD to ‖∇‖∞ ≤ 1e-5.
   */
  trainWithWeights(w: Float32Array, validationWeight?: number): Float32Array;
  /**
   * `trainWithWeights` (same result, bit for bit) as a cancellable loop: yields to the event
   * loop and rejects with ABORTED when `signal` fires.
   */
  trainWithWeightsAsync(w: Float32Array, validationWeight?: number, opts?: { signal?: AbortSignal }): Promise<Float32Array>;
  /** Test accuracy (397 held-out digits) of classifier y. */
  testAccuracy(y: Float32Array): number;
  /** Frees the WASM blocks. */
  release(): void;
}

/**
 * Data hyper-cleaning on digits (the standard bilevel benchmark, e.g. Shen & Chen 2023):
 *
 *   x ∈ ℝⁿ (one per corrupted-set example), weights w_i = σ(x_i) (or x_i ∈ [0, 1] with box projection)
 *   y = (W ∈ ℝ^{10×64}, b ∈ ℝ^{10}) a LINEAR softmax classifier, flattened as [W row-major, b]
 *   g(x, y) = (1/n)·Σ_i w_i·CE(Wa_i + b, ỹ_i) + (ρ/2)(‖W‖² + ‖b‖²)     (ỹ: 50 % wrong labels)
 *   f(x, y) = (1/n_v)·Σ_j CE(Wa_j + b, y_j)                             (clean validation)
 *
 * Gradients: ∇_y by the fused kernels; ∂g/∂x_i = w_i'(x_i)·CE_i/n; ∇ₓf ≡ 0 (f does not depend
 * on x) — so PBGD-Free's x step is zero and it cannot clean; only the value-function
 * penalty term of PBGD/F2SA moves the weights (reported as such in docs/bilevel.md).
 * Split: the standard digits split (397 test, seed 0); the 1,400 training rows are shuffled
 * with `seed` and cut into train / validation.
 */
export function hyperCleaning(data: Dataset, opts: HyperCleaningOptions = {}): HyperCleaningProblem {
  checkOptions('hyperCleaning', opts, ['train', 'validation', 'corruption', 'ridge', 'weighting', 'seed', 'runtime']);
  const nTr = opts.train ?? 1000, nVal = opts.validation ?? 400;
  const rho = checkNumber('hyperCleaning', 'ridge', opts.ridge ?? 1e-3, { min: 0, minExclusive: true });
  const corruption = checkNumber('hyperCleaning', 'corruption', opts.corruption ?? 0.5, { min: 0, max: 1 });
  const weighting = opts.weighting ?? 'sigmoid';
  if (weighting !== 'sigmoid' && weighting !== 'box') throw new MetaoptimError('INVALID_HYPERPARAMETER', `hyperCleaning: weighting must be 'sigmoid' or 'box'`);
  const split = splitDataset(data, { test: 397, seed: 0 });
  const tr = split.train, te = split.test;
  if (!Number.isInteger(nTr) || !Number.isInteger(nVal) || nTr < 1 || nVal < 1 || nTr + nVal > tr.rows) {
    throw new MetaoptimError('BILEVEL_SHAPE', `hyperCleaning: train ${nTr} + validation ${nVal} must fit ${tr.rows} rows`);
  }
  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const rng = new Rng(opts.seed ?? 0);
  const perm = rng.permutation(tr.rows);
  const D = tr.features, C = tr.classes;
  const pick = (idx: Int32Array) => {
    const x = new Float32Array(idx.length * D);
    const y = new Int32Array(idx.length);
    idx.forEach((r, i) => {
      x.set(tr.x.subarray(r * D, (r + 1) * D), i * D);
      y[i] = tr.y[r]!;
    });
    return { x, y };
  };
  const trd = pick(perm.subarray(0, nTr));
  const vad = pick(perm.subarray(nTr, nTr + nVal));
  const corrupted = new Uint8Array(nTr);
  const crng = rng.fork(1);
  for (let i = 0; i < nTr; i++) {
    if (crng.uniform() < corruption) {
      corrupted[i] = 1;
      trd.y[i] = (trd.y[i]! + 1 + crng.int(C - 1)) % C; // a uniformly drawn wrong class
    }
  }
  const trainB = new SoftmaxBlock(rt, trd.x, trd.y, D, C);
  const valB = new SoftmaxBlock(rt, vad.x, vad.y, D, C);
  const testB = new SoftmaxBlock(rt, te.x, te.y, D, C);
  const dimY = C * D + C;
  const W = new Region(rt.arena, Float32Array, dimY); // [W | b]
  const GW = new Region(rt.arena, Float32Array, dimY);
  const bPtr = () => W.ptr + C * D * 4;

  const setWeights = (x: Float32Array): void => {
    const w = trainB.w.view;
    for (let i = 0; i < nTr; i++) w[i] = weighting === 'sigmoid' ? 1 / (1 + Math.exp(-x[i]!)) : x[i]!;
  };
  const weightsOf = (x: Float32Array): Float32Array => {
    setWeights(x);
    return trainB.w.view.slice();
  };
  const lossOn = (block: SoftmaxBlock, y: Float32Array, scale: number, weighted: boolean, gy: Float32Array | null): number => {
    W.view.set(y);
    block.forward(W.ptr, bPtr());
    const v = block.nll(scale, weighted);
    if (gy) {
      rt.kernels.linear_bwd_w_f32(GW.ptr, GW.ptr + C * D * 4, block.z.ptr, block.x.ptr, block.rows, D, C);
      gy.set(GW.view);
    }
    return v;
  };
  const lowerWithWeights = (y: Float32Array, gy: Float32Array | null): number => {
    let v = lossOn(trainB, y, 1 / nTr, true, gy);
    let sq = 0;
    for (let i = 0; i < dimY; i++) sq += y[i]! * y[i]!;
    v += 0.5 * rho * sq;
    if (gy) for (let i = 0; i < dimY; i++) gy[i] = gy[i]! + rho * y[i]!;
    return v;
  };
  // Smoothness of the weighted CE in (W, b): ≤ ½·λmax([a,1]ᵀ[a,1]/n)·max w + ρ.
  const aug = new Float32Array(nTr * (D + 1));
  for (let r = 0; r < nTr; r++) {
    aug.set(trd.x.subarray(r * D, (r + 1) * D), r * (D + 1));
    aug[r * (D + 1) + D] = 1;
  }
  const Lcls = 0.5 * gramTopEigen(aug, nTr, D + 1) + rho;

  const problem = defineProblem({
    name: `hyper-cleaning-${weighting}`,
    dimX: nTr,
    dimY,
    bounds: weighting === 'box' ? { lo: 0, hi: 1 } : undefined,
    description: `digits data hyper-cleaning: ${nTr} training rows with ${Math.round(corruption * 100)} % wrong labels (seed ${opts.seed ?? 0}), ${nVal} clean validation rows, ${te.rows} test rows; linear softmax classifier, ridge ρ = ${rho}, weights ${weighting === 'sigmoid' ? 'σ(x)' : 'x ∈ [0, 1]'}`,
    upper(x, y, gx, gy) {
      if (gx) gx.fill(0);
      return lossOn(valB, y, 1 / nVal, false, gy);
    },
    lower(x, y, gx, gy) {
      setWeights(x);
      const v = lowerWithWeights(y, gy);
      if (gx) {
        const l = trainB.loss.view, w = trainB.w.view;
        for (let i = 0; i < nTr; i++) gx[i] = ((weighting === 'sigmoid' ? w[i]! * (1 - w[i]!) : 1) * l[i]!) / nTr;
      }
      return v;
    },
    init: () => ({ x: new Float32Array(nTr).fill(weighting === 'sigmoid' ? 0 : 0.5), y: new Float32Array(dimY) }),
    metrics(x, y) {
      const w = weightsOf(x);
      let wc = 0, wk = 0, nc = 0;
      for (let i = 0; i < nTr; i++) {
        if (corrupted[i]) {
          wc += w[i]!;
          nc++;
        } else wk += w[i]!;
      }
      W.view.set(y);
      testB.forward(W.ptr, bPtr());
      const acc = testB.accuracy();
      return { testAccuracy: acc, meanWeightCorrupted: nc ? wc / nc : 0, meanWeightClean: nTr - nc ? wk / (nTr - nc) : 0 };
    },
  });
  /** The weighted training objective of `trainWithWeights`: gradient, start y = 0 and its smoothness bound. */
  const trainingObjective = (w: Float32Array, validationWeight: number) => {
    if (w.length !== nTr) throw new MetaoptimError('BILEVEL_SHAPE', `trainWithWeights: ${w.length} weights for ${nTr} rows`);
    checkNumber('trainWithWeights', 'validationWeight', validationWeight, { min: 0 });
    const gv = new Float32Array(dimY);
    let wmax = 0;
    for (const v of w) wmax = Math.max(wmax, v);
    const grad = (v: Float32Array, g: Float32Array): number => {
      trainB.w.view.set(w);
      let val = lowerWithWeights(v, g);
      if (validationWeight > 0) {
        val += validationWeight * lossOn(valB, v, 1 / nVal, false, gv);
        for (let i = 0; i < dimY; i++) g[i] = g[i]! + validationWeight * gv[i]!;
      }
      return val;
    };
    return { grad, y: new Float32Array(dimY), L: (Lcls - rho) * (Math.max(wmax, 1e-3) + 2 * validationWeight) + rho };
  };
  return {
    ...problem,
    corrupted,
    weights: weightsOf,
    trainWithWeights(w, validationWeight = 0) {
      const t = trainingObjective(w, validationWeight);
      minimizeStronglyConvex(t.grad, t.y, t.L, { maxIter: 20000, tol: 1e-5 });
      return t.y;
    },
    async trainWithWeightsAsync(w, validationWeight = 0, opts = {}) {
      checkOptions('trainWithWeightsAsync', opts, ['signal']);
      const t = trainingObjective(w, validationWeight);
      await minimizeStronglyConvexAsync(t.grad, t.y, t.L, { maxIter: 20000, tol: 1e-5, label: 'trainWithWeights', ...(opts.signal ? { signal: opts.signal } : {}) });
      return t.y;
    },
    testAccuracy(y) {
      W.view.set(y);
      testB.forward(W.ptr, bPtr());
      return testB.accuracy();
    },
    release() {
      for (const b of [trainB, valB, testB]) b.release();
      W.release();
      GW.release();
    },
  };
}
