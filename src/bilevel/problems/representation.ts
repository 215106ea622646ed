import { type Dataset, splitDataset } from '../../data/index.js';
import { MetaoptimError, checkNumber, checkOptions } from '../../core/errors.js';
import { Region, type Runtime, defaultRuntimeOrThrow } from '../../runtime/index.js';
import { Rng } from '../../core/rng.js';
import { type BilevelProblem, defineProblem } from '../problem.js';
import { SoftmaxBlock, gramTopEigen, minimizeStronglyConvex } from './linear-model.js';

/** Default coarse grouping of the ten digits into five pairs of often-confused shapes. */
export const COARSE_DIGIT_GROUPS: readonly (readonly number[])[] = [[0, 6], [1, 7], [2, 3], [4, 9], [5, 8]];

export interface RepresentationOptions {
  /** Width h of the shared linear feature map x: ℝ⁶⁴ → ℝʰ (default 16). */
  hidden?: number;
  /** Training rows used by both levels (default 700 of the 1,400-row train split). */
  rows?: number;
  /** Ridge ρ on the head in g (default 1e-2): LL strong convexity. */
  ridge?: number;
  /** Penalty μ/2·‖x‖² in f (default 1e-3): keeps the feature map bounded. */
  featureDecay?: number;
  /** Coarse groups of the classes for the UL objective (default COARSE_DIGIT_GROUPS). */
  groups?: readonly (readonly number[])[];
  /**
   * UL target (default 'coarse'): 'coarse' = coarse-group NLL of the head; 'fine' = the
   * fine-label CE WITHOUT the ridge (then ∇_y f(x, y*(x)) = −ρ·y*(x): δ-flat with δ = O(ρ));
   * 'same' = g itself (f = g + μ/2‖x‖²: exactly flat, a control where the bilevel problem
   * reduces to min_x v(x) + μ/2‖x‖² and PBGD-Free's fixed point is exact by Danskin).
   */
  target?: 'coarse' | 'fine' | 'same';
  /** Seed of the row subset and the initial feature map (default 0). */
  seed?: number;
  /** Accuracy tolerance of the inner solve used for F(x) records (‖∇‖∞, default 1e-5). */
  innerTol?: number;
  runtime?: Runtime;
}

export interface RepresentationProblem extends BilevelProblem {
  /** Fine (10-class) and coarse test accuracy of the model (x, y) on the 397 test digits. */
  testAccuracy(x: Float32Array, y: Float32Array): { fine: number; coarse: number };
  /** y*(x) by accelerated GD from `warm` (or zeros) to ‖∇_y g‖∞ ≤ innerTol. */
  solveHead(x: Float32Array, warm?: Float32Array): Float32Array;
  release(): void;
}

/**
 * Representation-learning split (the fine-tuning shape of PBGD-Free's LLM experiments:
 * x = shared backbone, y = head, LL = supervised loss, UL = a second objective on the same data):
 *
 *   x = V ∈ ℝ^{h×64}   (shared linear feature map, h_r = V·a_r)
 *   y = (U ∈ ℝ^{10×h}, c ∈ ℝ¹⁰)   (linear head, logits z_r = U·h_r + c)
 *   g(x, y) = (1/n)·Σ_r CE(z_r, label_r) + (ρ/2)(‖U‖² + ‖c‖²)
 *   f(x, y) = (1/n)·Σ_r −log Σ_{k ∈ group(label_r)} softmax(z_r)_k + (μ/2)‖V‖²
 *
 * f is the coarse-label negative log-likelihood of the SAME 10-way head (five groups of two
 * digits by default). Why flatness is plausible: the coarse NLL is minimized by every head
 * that puts its mass on the right group, which the fine-label optimum y*(x) nearly does, so
 * ∇_y f(x, y*(x)) is small (it vanishes as the fine fit becomes confident) and f varies
 * only to second order around y*(x) — the regime where dropping the value-function term
 * costs little. It is not exactly flat (the ridge keeps y* from saturating), so the lab
 * measures the remaining gap. F(x) is evaluated by solving the head problem to ‖∇‖∞ ≤ 1e-5
 * (warm-started from the previous record's solution).
 */
export function representationSplit(data: Dataset, opts: RepresentationOptions = {}): RepresentationProblem {
  checkOptions('representationSplit', opts, ['hidden', 'rows', 'ridge', 'featureDecay', 'groups', 'target', 'seed', 'innerTol', 'runtime']);
  const h = opts.hidden ?? 16;
  const rows = opts.rows ?? 700;
  const rho = checkNumber('representationSplit', 'ridge', opts.ridge ?? 1e-2, { min: 0, minExclusive: true });
  const mu = checkNumber('representationSplit', 'featureDecay', opts.featureDecay ?? 1e-3, { min: 0 });
  const innerTol = checkNumber('representationSplit', 'innerTol', opts.innerTol ?? 1e-5, { min: 0, minExclusive: true });
  const target = opts.target ?? 'coarse';
  if (target !== 'coarse' && target !== 'fine' && target !== 'same') {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `representationSplit: target must be 'coarse', 'fine' or 'same'`);
  }
  const groups = target !== 'coarse' ? Array.from({ length: data.classes }, (_, k) => [k]) : opts.groups ?? COARSE_DIGIT_GROUPS;
  const split = splitDataset(data, { test: 397, seed: 0 });
  const tr = split.train, te = split.test;
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(rows) || rows < 1 || rows > tr.rows) {
    throw new MetaoptimError('BILEVEL_SHAPE', `representationSplit: hidden ${h} / rows ${rows} invalid (≤ ${tr.rows} rows)`);
  }
  const D = tr.features, C = tr.classes;
  // mask[label, k] = 1 when k is in label's group
  const mask = new Int32Array(C * C);
  const groupOf = new Int32Array(C).fill(-1);
  groups.forEach((g, gi) => g.forEach((k) => (groupOf[k] = gi)));
  if (groupOf.some((v) => v < 0)) throw new MetaoptimError('BILEVEL_INVALID', 'representationSplit: every class needs a group');
  for (let t = 0; t < C; t++) for (let k = 0; k < C; k++) mask[t * C + k] = groupOf[t] === groupOf[k] ? 1 : 0;

  const rt = opts.runtime ?? defaultRuntimeOrThrow();
  const rng = new Rng(opts.seed ?? 0);
  const idx = rng.permutation(tr.rows).subarray(0, rows);
  const ax = new Float32Array(rows * D);
  const lab = new Int32Array(rows);
  idx.forEach((r, i) => {
    ax.set(tr.x.subarray(r * D, (r + 1) * D), i * D);
    lab[i] = tr.y[r]!;
  });
  const feat = new SoftmaxBlock(rt, ax, new Int32Array(rows), D, h); // X·Vᵀ → H (rows×h), its z holds H
  const fine = new SoftmaxBlock(rt, new Float32Array(rows * h), lab, h, C); // H·Uᵀ + c
  const coarse = new SoftmaxBlock(rt, new Float32Array(rows * h), lab, h, C, mask);
  const testFeat = new SoftmaxBlock(rt, te.x, new Int32Array(te.rows), D, h);
  const testFine = new SoftmaxBlock(rt, new Float32Array(te.rows * h), te.y, h, C);
  const testCoarse = new SoftmaxBlock(rt, new Float32Array(te.rows * h), te.y, h, C, mask);
  const dimX = h * D, dimY = C * h + C;
  const V = new Region(rt.arena, Float32Array, dimX);
  const U = new Region(rt.arena, Float32Array, dimY);
  const gU = new Region(rt.arena, Float32Array, dimY);
  const dH = new Region(rt.arena, Float32Array, rows * h);
  const gV = new Region(rt.arena, Float32Array, dimX);
  const cPtr = () => U.ptr + C * h * 4;
  let featuresOf: Float32Array | null = null; // x whose features are in fine.x / coarse.x

  const features = (x: Float32Array): void => {
    if (featuresOf && sameVec(featuresOf, x)) return;
    V.view.set(x);
    feat.forward(V.ptr, 0);
    fine.x.view.set(feat.z.view);
    coarse.x.view.set(feat.z.view);
    featuresOf = x.slice();
  };
  /** One level's loss on the head; dZ is left in block.z. */
  const headLoss = (block: SoftmaxBlock, y: Float32Array, gy: Float32Array | null): number => {
    U.view.set(y);
    block.forward(U.ptr, cPtr());
    const v = block.nll(1 / rows, false);
    if (gy) {
      rt.kernels.linear_bwd_w_f32(gU.ptr, gU.ptr + C * h * 4, block.z.ptr, block.x.ptr, rows, h, C);
      gy.set(gU.view);
    }
    return v;
  };
  const backToX = (block: SoftmaxBlock, gx: Float32Array): void => {
    // dH = dZ·U (U still holds y), ∇V = dHᵀ·X
    rt.kernels.linear_bwd_x_f32(dH.ptr, block.z.ptr, U.ptr, rows, h, C);
    rt.kernels.linear_bwd_w_f32(gV.ptr, 0, dH.ptr, feat.x.ptr, rows, D, h);
    gx.set(gV.view);
  };
  const lower = (x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number => {
    features(x);
    let v = headLoss(fine, y, gy);
    if (gx) backToX(fine, gx);
    let sq = 0;
    for (let i = 0; i < dimY; i++) sq += y[i]! * y[i]!;
    v += 0.5 * rho * sq;
    if (gy) for (let i = 0; i < dimY; i++) gy[i] = gy[i]! + rho * y[i]!;
    return v;
  };
  const upper = (x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number => {
    let v: number;
    if (target === 'same') v = lower(x, y, gx, gy);
    else {
      features(x);
      v = headLoss(coarse, y, gy);
      if (gx) backToX(coarse, gx);
    }
    let sq = 0;
    for (let i = 0; i < dimX; i++) sq += x[i]! * x[i]!;
    v += 0.5 * mu * sq;
    if (gx) for (let i = 0; i < dimX; i++) gx[i] = gx[i]! + mu * x[i]!;
    return v;
  };
  let warmHead: Float32Array = new Float32Array(dimY);
  const solveHead = (x: Float32Array, warm?: Float32Array): Float32Array => {
    features(x);
    const H = fine.x.view;
    const aug = new Float32Array(rows * (h + 1));
    for (let r = 0; r < rows; r++) {
      aug.set(H.subarray(r * h, (r + 1) * h), r * (h + 1));
      aug[r * (h + 1) + h] = 1;
    }
    const L = 0.5 * gramTopEigen(aug, rows, h + 1, 50) * 1.05 + rho;
    const y = warm ? warm.slice() : new Float32Array(dimY);
    minimizeStronglyConvex((v, g) => lower(x, v, null, g), y, L, { maxIter: 20000, tol: innerTol });
    return y;
  };
  const problem = defineProblem({
    name: `representation-${target}-h${h}`,
    dimX,
    dimY,
    upper,
    lower,
    description: `digits representation split: shared linear map 64→${h} (x), linear head ${h}→10 (y) on ${rows} training rows; g = fine-label CE + ρ/2‖y‖² (ρ = ${rho}), f = ${target === 'coarse' ? `coarse-label NLL of the same head (groups ${groups.map((g) => `{${g.join(',')}}`).join(' ')})` : target === 'fine' ? 'fine-label CE without ridge' : 'g itself (flat control)'} + μ/2‖x‖² (μ = ${mu})`,
    init: (r) => ({
      x: Float32Array.from({ length: dimX }, () => r.normal() / Math.sqrt(D)),
      y: Float32Array.from({ length: dimY }, () => 0.01 * r.normal()),
    }),
    upperObjective(x) {
      warmHead = solveHead(x, warmHead);
      return upper(x, warmHead, null, null);
    },
    metrics(x, y) {
      const a = accuracy(x, y);
      return { testAccuracy: a.fine, testCoarseAccuracy: a.coarse };
    },
  });
  const accuracy = (x: Float32Array, y: Float32Array) => {
    V.view.set(x);
    U.view.set(y);
    testFeat.forward(V.ptr, 0);
    testFine.x.view.set(testFeat.z.view);
    testCoarse.x.view.set(testFeat.z.view);
    testFine.forward(U.ptr, cPtr());
    testCoarse.forward(U.ptr, cPtr());
    return { fine: testFine.accuracy(), coarse: testCoarse.accuracy() };
  };
  return {
    ...problem,
    testAccuracy: accuracy,
    solveHead,
    release() {
      for (const b of [feat, fine, coarse, testFeat, testFine, testCoarse]) b.release();
      for (const r of [V, U, gU, dH, gV]) r.release();
    },
  };
}

function sameVec(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
