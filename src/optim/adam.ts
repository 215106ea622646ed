import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import type { Kernels } from '../runtime/kernels.js';
import { type FusedMode, LR_RANGE, WD_RANGE, makeOptimizer, nonFinitePolicy, scheduleOrNumber, valueAt } from './base.js';
import { type OptState, putBounds, rawPtrs, takeBounds } from './state.js';
import type { NonFinitePolicy, Optimizer, Schedule } from './types.js';

/** Per-step scalars of the Adam core, computed in f64 once per step (t = count + 1). */
export interface AdamScalars {
  ob1: number; // 1 − β1
  ob2: number; // 1 − β2
  c1: number; // 1 / (1 − β1ᵗ)
  r2: number; // 1 / √(1 − β2ᵗ)
}

export function adamScalars(b1: number, b2: number, count: number): AdamScalars {
  const t = count + 1;
  return { ob1: 1 - b1, ob2: 1 - b2, c1: 1 / (1 - Math.pow(b1, t)), r2: 1 / Math.sqrt(1 - Math.pow(b2, t)) };
}

export interface AdamOptions {
  /** Learning rate α, or a schedule (default 1e-3). */
  lr?: number | Schedule;
  /** β1, first-moment decay (default 0.9). */
  beta1?: number;
  /** β2, second-moment decay (default 0.999). */
  beta2?: number;
  /** ε > 0, added to √v̂ outside the square root (default 1e-8; 0 is rejected: 0/0 = NaN). */
  eps?: number;
  /**
   * `adam`: coupled L2 added to the gradient before the moments (PyTorch `Adam(weight_decay)`),
   * default 0. `adamw`: decoupled decay, multiplied by lr as in PyTorch and optax, default 1e-2.
   */
  weightDecay?: number;
  /** Non-finite gradient policy (default `'throw'`). */
  nonFinite?: NonFinitePolicy;
}

/** The keys `adam` and `adamw` accept (anything else is UNKNOWN_OPTION). */
export const ADAM_KEYS = optionKeys<AdamOptions>({ lr: 1, beta1: 1, beta2: 1, eps: 1, weightDecay: 1, nonFinite: 1 });

/**
 * Validated Adam hyper-parameters, shared by adam, adamw, eve and scaleByAdam. INVALID_HYPERPARAMETER
 * for values certain to give NaN/±∞: ε ≤ 0 (a zero gradient coordinate gives 0/0), ε below the
 * smallest f32 denormal (it rounds to 0), lr or weightDecay above 1e30 (`LR_RANGE`, `WD_RANGE`).
 */
export function adamHyper(owner: string, o: AdamOptions, defaultWd: number) {
  const eps = checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0, minExclusive: true });
  if (Math.fround(eps) === 0) {
    throw new MetaoptimError('INVALID_HYPERPARAMETER', `${owner}: eps ${eps} rounds to 0 in f32 (0/0 = NaN for a zero gradient)`, { name: 'eps', value: eps });
  }
  return {
    lr: scheduleOrNumber(owner, 'lr', o.lr ?? 1e-3, LR_RANGE),
    beta1: checkNumber(owner, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    beta2: checkNumber(owner, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps,
    weightDecay: checkNumber(owner, 'weightDecay', o.weightDecay ?? defaultWd, WD_RANGE),
  };
}

const CARRIED = ['params', 'm', 'v'] as const;

/**
 * One adam_f32 call on a state (Adam, AdamW, Eve). Mode 3 (all or nothing) goes through
 * adam_tracked_f32 with the bounds of p, m, v carried from the state's last step, so only g and
 * the buffers handed out since (state.ts `takeBounds`) are read before the write; the bounds of
 * what it wrote are kept for the next step. Other modes run adam_f32 directly and leave the
 * state without bounds.
 */
export function adamKernel(
  s: OptState, k: Kernels, b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
  l2: number, wd: number, lr: number, mode: FusedMode,
): number {
  const P = rawPtrs(s);
  if (mode !== 3) {
    takeBounds(s, CARRIED); // this write proves nothing: the next step reads everything
    return k.adam_f32(P.params!, P.grads!, P.m!, P.v!, s.size, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, mode);
  }
  const b = takeBounds(s, CARRIED);
  const bad = k.adam_tracked_f32(P.params!, P.grads!, P.m!, P.v!, s.size, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, b[0]!, b[1]!, b[2]!);
  if (bad === 0) putBounds(s, CARRIED, k);
  return bad;
}

function adamFamily(name: 'adam' | 'adamw', opts: AdamOptions, decoupled: boolean): Optimizer {
  const o = checkOptions(name, opts, ADAM_KEYS);
  const h = adamHyper(name, o, decoupled ? 1e-2 : 0);
  const l2 = decoupled ? 0 : h.weightDecay;
  const wd = decoupled ? h.weightDecay : 0;
  return makeOptimizer({
    name,
    hyperparams: h,
    slots: ['m', 'v'],
    nonFinite: nonFinitePolicy(name, o.nonFinite),
    rules: { nonNegative: ['v'] },
    remake: (r, nonFinite) => adamFamily(name, { ...r, nonFinite } as AdamOptions, decoupled),
    fused: true,
    update(s, k, count, _info, mode = 0) {
      const lr = valueAt(name, 'lr', h.lr, count, LR_RANGE);
      const a = adamScalars(h.beta1, h.beta2, count);
      return adamKernel(s, k, h.beta1, a.ob1, h.beta2, a.ob2, a.c1, a.r2, h.eps, l2, wd, lr, mode);
    },
  });
}

/**
 * Adam (Kingma & Ba 2015), one fused pass:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  p ← p − lr · m̂ / (√v̂ + ε)
 * with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ). ε is added outside the square root to the
 * bias-corrected √v̂ (PyTorch, optax; TF/Keras add ε to the uncorrected √v instead).
 * `weightDecay` adds λ·p to the gradient first (coupled L2, PyTorch semantics).
 * Equal bit for bit to `chain(scaleByAdam(), scaleByLearningRate(lr))`.
 * Defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-8, weightDecay 0, nonFinite `'throw'`.
 * Errors: `INVALID_HYPERPARAMETER` (lr < 0, β outside [0, 1), ε ≤ 0, …), `UNKNOWN_OPTION`; at
 * `step`: `NON_FINITE_GRADIENT`, `LENGTH_MISMATCH`, `STATE_MISMATCH`, `DISPOSED`.
 * Reference: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * await ready();
 * const opt = adam({ lr: 0.1 });
 * const state = opt.init(new Float32Array([0, 0])); // minimize ½‖x − 3‖²
 * for (let t = 0; t < 200; t++) opt.step(state, state.params.map((x) => x - 3));
 * console.log(state.params); // ≈ Float32Array [3, 3]
 * state.dispose();
 * ```
 */
export function adam(o: AdamOptions = {}): Optimizer {
  return adamFamily('adam', o, false);
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
 *   p ← p − lr·(m̂/(√v̂ + ε) + λ·p),
 * i.e. the decay IS multiplied by lr, as in PyTorch `AdamW` and optax `adamw`
 * (default λ = 1e-2, PyTorch's). Equal bit for bit to
 * `chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(lr))`.
 * Defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-8, weightDecay 1e-2. Errors as `adam`.
 * Reference: I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 * @example
 * ```ts
 * import { adamw, ready } from 'metaoptim';
 * await ready();
 * const opt = adamw({ lr: 1e-2, weightDecay: 0.1 });
 * const state = opt.init([1, -1]);
 * opt.step(state, [0, 0]); // zero gradient: only the decay acts, p ← p − lr·λ·p
 * console.log(state.params); // ≈ Float32Array [0.999, -0.999]
 * state.dispose();
 * ```
 */
export function adamw(o: AdamOptions = {}): Optimizer {
  return adamFamily('adamw', o, true);
}
