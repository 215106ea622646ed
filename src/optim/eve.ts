import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { type AdamOptions, adamHyper, adamKernel, adamScalars } from './adam.js';
import { LR_RANGE, makeOptimizer, nonFinitePolicy, valueAt } from './base.js';
import { eveRules } from './rules.js';
import type { NonFinitePolicy, Optimizer, StepInfo } from './types.js';

export interface EveOptions extends AdamOptions {
  /** β3, decay of the feedback coefficient's moving average (default 0.999). */
  beta3?: number;
  /** Which published algorithm (default `'clip'`, the later version). */
  variant?: 'clip' | 'thresholds';
  /** `clip`: the coefficient d is clipped to [1/c, c] (default 10). */
  c?: number;
  /** `clip`: known lower bound f* of the loss (default 0). */
  fStar?: number;
  /** `thresholds`: lower threshold k (default 0.1). */
  k?: number;
  /** `thresholds`: upper threshold K (default 10). */
  K?: number;
  /**
   * Where ε is added (default `'corrected'`): `'corrected'` adds ε to the bias-corrected √v̂
   * (PyTorch, optax, our Adam); `'uncorrected'` adds it to the uncorrected √v, as both authors'
   * codes do (Keras form θ ← θ − α·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε)), i.e. ε/√(1−β2ᵗ) in our terms.
   */
  epsMode?: EpsMode;
}

/** Placement of Eve's ε: on the bias-corrected √v̂ (ours) or the uncorrected √v (the authors'). */
export type EpsMode = 'corrected' | 'uncorrected';

/** The keys `eve` accepts (anything else is UNKNOWN_OPTION). */
export const EVE_KEYS = optionKeys<EveOptions>({
  lr: 1, beta1: 1, beta2: 1, eps: 1, weightDecay: 1, nonFinite: 1, beta3: 1, variant: 1, c: 1, fStar: 1, k: 1, K: 1, epsMode: 1,
});

/** Smallest positive normal double: the denominator guard of SPEC A.1.2/A.1.3. */
const TINY = 2.2250738585072014e-308;

/** Validated Eve hyper-parameters (shared by `eve`, `scaleByEve` and `eveFeedback`). */
export type EveHyper = ReturnType<typeof eveHyper>;

/** Validates Eve's options (defaults of SPEC A.1.2/A.1.3). Errors: INVALID_HYPERPARAMETER. */
export function eveHyper(owner: string, o: EveOptions) {
  const variant = o.variant ?? 'clip';
  if (variant !== 'clip' && variant !== 'thresholds') {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: variant must be 'clip' or 'thresholds', got ${String(variant)}`);
  }
  const epsMode = o.epsMode ?? 'corrected';
  if (epsMode !== 'corrected' && epsMode !== 'uncorrected') {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: epsMode must be 'corrected' or 'uncorrected', got ${String(epsMode)}`);
  }
  const h = {
    ...adamHyper(owner, o, 0),
    beta3: checkNumber(owner, 'beta3', o.beta3 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    variant,
    c: checkNumber(owner, 'c', o.c ?? 10, { min: 1 }),
    fStar: checkNumber(owner, 'fStar', o.fStar ?? 0),
    k: checkNumber(owner, 'k', o.k ?? 0.1, { min: 0, minExclusive: true }),
    K: checkNumber(owner, 'K', o.K ?? 10, { min: 0, minExclusive: true }),
    epsMode,
  };
  if (h.K < h.k) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: K (${h.K}) must be ≥ k (${h.k})`);
  return h;
}

/** The ε handed to the kernel at step t (r2 = 1/√(1−β2ᵗ)): ε, or ε·r2 for the authors' placement. */
export function eveEps(h: EveHyper, r2: number): number {
  return h.epsMode === 'uncorrected' ? h.eps * r2 : h.eps;
}

/** Initial scalars: the coefficient d and the reference loss (NaN = none seen yet). */
export function eveScalars(h: EveHyper): Record<string, number> {
  return h.variant === 'clip' ? { d: 1, fPrev: NaN } : { d: 1, fHat: NaN };
}

/**
 * Reads the loss from `info`: returns it, or `undefined` when the step must be skipped
 * (non-finite loss under policy 'skip'), or `null` when the feedback must be held for
 * this step (non-finite loss under policy 'zero'). Throws MISSING_LOSS / NON_FINITE_LOSS.
 */
export function eveLoss(owner: string, info: StepInfo | undefined, policy: NonFinitePolicy): number | null | undefined {
  const loss = info?.loss;
  if (loss === undefined || loss === null) {
    throw new MetaoptimError('MISSING_LOSS', `${owner}.step needs the minibatch loss: step(state, grads, { loss })`);
  }
  if (typeof loss !== 'number') throw new MetaoptimError('INVALID_ARGUMENT', `${owner}: loss must be a number`);
  if (Number.isFinite(loss)) return loss;
  if (policy === 'throw') {
    throw new MetaoptimError('NON_FINITE_LOSS', `${owner}.step: loss is ${loss}; parameters and state are unchanged`);
  }
  return policy === 'skip' ? undefined : null;
}

/**
 * The feedback coefficient of one step. Updates the feedback scalars with this step's loss (in place, keys `prefix + name`) and
 * returns how Eve modifies the Adam step: c1 is divided by `c1Div`, r2 multiplied by `r2Mul`.
 *
 * thresholds (arXiv 1611.01505 v1, jayanthkoushik/sgd-feedback src/eve.py; the paper's
 * swapped branches fixed as the authors confirmed):
 *   first loss: f̂ = f, d = 1.  Then: if f > f̂: [lo, hi] = [1+k, 1+K] else [1/(1+K), 1/(1+k)]
 *   c = clip(f/f̂, lo, hi); f̂' = min(c·f̂, MAX); r = |f̂' − f̂|/min(f̂', f̂); d ← β3·d + (1−β3)·r; f̂ ← max(f̂', tiny)
 *   p ← p − α·m̂/(d·√v̂ + ε)                      → r2Mul = d (ε is not scaled by d)
 *   Guard: a loss ≤ 0 leaves d and f̂ unchanged (the ratios need f > 0).
 * clip (later version, Hayashi, Koushik & Neubig; rooa/eve, Chainer PR #5404):
 *   first loss: d̃ = 1.  Then d_t = |f − f_prev| / max(min(f, f_prev) − f*, tiny),
 *   d̃ ← β3·d̃ + (1−β3)·clip(d_t, 1/c, c);  f_prev ← f;  p ← p − ((1/d̃)·α)·m̂/(√v̂ + ε)  → c1Div = d̃
 *   (computed on halved operands so that no intermediate overflows for losses and f* up to
 *   ±MAX; d̃ always lies in [1/c, c]).
 * The loss is the one of the current minibatch at the current parameters, used in the same step.
 * `loss === null` holds the coefficient (non-finite loss under policy 'zero').
 */
export function eveCoefficient(h: EveHyper, sc: Record<string, number>, prefix: string, loss: number | null): { c1Div: number; r2Mul: number } {
  const dKey = prefix + 'd';
  if (loss !== null) {
    if (h.variant === 'clip') {
      const fKey = prefix + 'fPrev';
      const fp = sc[fKey]!;
      if (!Number.isNaN(fp)) {
        // Halved operands: the same quotient bit for bit (x/2 is exact above 2·TINY), but
        // |f − f_prev| and min(f, f_prev) − f* no longer overflow to ∞ near ±1.8e308
        // (which turned a ratio of 1.3 into d_t = ∞, or a small one into 0).
        const dt = Math.abs(loss / 2 - fp / 2) / Math.max(Math.min(loss, fp) / 2 - h.fStar / 2, TINY / 2);
        const dh = Math.min(Math.max(dt, 1 / h.c), h.c);
        sc[dKey] = h.beta3 * sc[dKey]! + (1 - h.beta3) * dh;
      }
      sc[fKey] = loss;
    } else if (loss > 0) {
      const fKey = prefix + 'fHat';
      const fh = sc[fKey]!;
      if (Number.isNaN(fh)) sc[fKey] = loss;
      else {
        const up = loss > fh;
        const lo = up ? 1 + h.k : 1 / (1 + h.K);
        const hi = up ? 1 + h.K : 1 / (1 + h.k);
        const c = Math.min(Math.max(loss / fh, lo), hi);
        const fNew = Math.min(c * fh, Number.MAX_VALUE); // f̂ never overflows to ∞ (issue 15)
        const r = Math.abs(fNew - fh) / Math.min(fNew, fh);
        sc[dKey] = h.beta3 * sc[dKey]! + (1 - h.beta3) * r;
        sc[fKey] = Math.max(fNew, TINY);
      }
    }
  }
  const d = sc[dKey]!;
  return h.variant === 'clip' ? { c1Div: d, r2Mul: 1 } : { c1Div: 1, r2Mul: d };
}

/**
 * Eve (Koushik & Hayashi): Adam whose step is scaled by feedback from the loss. Both
 * published variants; see `eveCoefficient` for the equations. Each step needs the loss of
 * the minibatch the gradient came from: `opt.step(state, grads, { loss })`. A missing loss
 * throws MISSING_LOSS; a non-finite one follows the `nonFinite` policy.
 * With `c = 1` (clip) or `k = K = 1` (thresholds) Eve is exactly Adam, bit for bit. The clip
 * variant equals `chain(scaleByAdam(), eveFeedback(), scaleByLearningRate(lr))` bit for bit.
 * `epsMode: 'uncorrected'` reproduces the authors' ε placement (see `EveOptions.epsMode`;
 * docs/eve.md lists every place where our semantics differ from the authors' codes).
 * `weightDecay` is coupled L2, as in `adam`.
 * Defaults: lr 1e-3, β1 0.9, β2 0.999, β3 0.999, ε 1e-8, variant `'clip'` with c 10 and f* 0;
 * `'thresholds'` with k 0.1 and K 10. Errors: `MISSING_LOSS`, `NON_FINITE_LOSS`,
 * `INVALID_HYPERPARAMETER`, `UNKNOWN_OPTION`, and those of `adam`.
 * Reference: H. Hayashi, J. Koushik, G. Neubig, "Eve: A Gradient Based Optimization Method with
 * Locally and Globally Adaptive Learning Rates", arXiv:1611.01505.
 * @example
 * ```ts
 * import { eve, ready } from 'metaoptim';
 * await ready();
 * const opt = eve({ lr: 0.05 });
 * const state = opt.init([2, -2]); // f(x) = ½‖x‖²
 * for (let t = 0; t < 300; t++) {
 *   const loss = 0.5 * state.params.reduce((s, x) => s + x * x, 0);
 *   opt.step(state, state.params.slice(), { loss }); // Eve needs the loss every step
 * }
 * console.log(state.scalars.count, state.params); // 300, ≈ [0, 0]
 * state.dispose();
 * ```
 */
export function eve(opts: EveOptions = {}): Optimizer {
  const name = 'eve';
  const o = checkOptions(name, opts, EVE_KEYS);
  const h = eveHyper(name, o);
  const policy = nonFinitePolicy(name, o.nonFinite);
  return makeOptimizer({
    name,
    hyperparams: h,
    slots: ['m', 'v'],
    scalars: eveScalars(h),
    nonFinite: policy,
    rules: { scalars: eveRules(h), nonNegative: ['v'] },
    remake: (r, nonFinite) => eve({ ...r, nonFinite } as EveOptions),
    fused: true,
    update(s, k, count, info, mode = 0) {
      const loss = eveLoss(name, info, policy);
      if (loss === undefined) return false;
      const lr = valueAt(name, 'lr', h.lr, count, LR_RANGE);
      const a = adamScalars(h.beta1, h.beta2, count);
      // clip: the step α/d̃ is applied as ((1/d̃)·α), the order in which
      // chain(scaleByAdam(), eveFeedback(), scaleByLearningRate(α)) folds its factors.
      // A check pass must change nothing: the feedback runs on a copy of the scalars, which an
      // all-or-nothing call (mode 3) commits only when the kernel wrote.
      const sc = mode === 1 || mode === 3 ? { ...s.scalars } : s.scalars;
      const f = eveCoefficient(h, sc, '', loss);
      const bad = adamKernel(s, k, h.beta1, a.ob1, h.beta2, a.ob2, a.c1, a.r2 * f.r2Mul, eveEps(h, a.r2), h.weightDecay, 0, (1 / f.c1Div) * lr, mode);
      if (mode === 3 && bad === 0) Object.assign(s.scalars, sc);
      return bad;
    },
  });
}
