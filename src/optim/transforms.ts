import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import type { Kernels } from '../runtime/kernels.js';
import { adamHyper, adamScalars } from './adam.js';
import { LR_RANGE, WD_RANGE, makeOptimizer, nonFinitePolicy, scheduleOrNumber, valueAt } from './base.js';
import { EVE_KEYS, type EveOptions, eveCoefficient, eveEps, eveHyper, eveLoss, eveScalars } from './eve.js';
import { type FieldRules, type ValueRule, eveRules } from './rules.js';
import type { NonFinitePolicy, Optimizer, Schedule, StepInfo } from './types.js';

// Composable gradient transforms, optax style. A chain keeps one `updates` buffer u:
// u = g, each transform rewrites u in place (reading its own slots and scalars), and
// finally p ← p + u. Each fused optimizer equals its chain bit for bit (a property
// test proves it), e.g. adam(o) ≡ chain(scaleByAdam(o), scaleByLearningRate(o.lr)).
// Scalar factors are folded: a run of transforms that only multiply u by a number
// (`factor`: scale, scaleByLearningRate, eveFeedback), together with a factor an `apply`
// returns, is multiplied out in f64 (in chain order) and applied as ONE f32 multiply before
// the next elementwise transform (or at the end). So eve() ≡ chain(scaleByAdam(),
// eveFeedback(), scaleByLearningRate(lr)): both multiply u once by f32((1/d̃)·lr).

/** What a transform sees during one step. */
export interface TransformContext {
  k: Kernels;
  n: number;
  /** Pointer of the updates buffer u (holds the gradient before the first transform). */
  u: number;
  /** Pointer of the parameters (read-only for transforms). */
  p: number;
  /** Updates applied before this one (0-based). */
  count: number;
  info: StepInfo | undefined;
  /** Pointer of one of this transform's own slots. */
  slot(name: string): number;
  /** The state's scalars; this transform's live under `prefix + name`. */
  scalars: Record<string, number>;
  prefix: string;
}

export interface Transform {
  readonly name: string;
  readonly hyperparams: Readonly<Record<string, unknown>>;
  /** f32 buffers of the parameters' size this transform keeps. */
  readonly slots: readonly string[];
  /** Scalars this transform keeps, with initial values. */
  readonly scalars: Readonly<Record<string, number>>;
  /** Restore-time rules for its scalars and slots (unprefixed names; default: finite). */
  readonly rules?: FieldRules;
  /**
   * Checks per-step inputs before anything changes: returns the value `apply` receives,
   * or `undefined` to skip the whole step. May throw.
   */
  prepare?(ctx: TransformContext, policy: NonFinitePolicy): unknown;
  /**
   * Rewrites u in place. May return a number s: u is then still to be multiplied by s
   * (the chain folds s with the factors that follow; see the header comment).
   */
  apply(ctx: TransformContext, prepared: unknown): void | number;
  /**
   * For a transform that only multiplies u by a scalar: returns that scalar (and updates the
   * transform's own scalars). `chain` then calls this instead of `apply` and folds the factor.
   */
  factor?(ctx: TransformContext, prepared: unknown): number;
}

/**
 * u ← s·u (a constant factor).
 * @example
 * ```ts
 * import { chain, ready, scale } from 'metaoptim';
 * await ready();
 * const opt = chain(scale(-0.5)); // p ← p − 0.5·g
 * const s = opt.init([1]);
 * opt.step(s, [1]);
 * console.log(s.params[0]); // 0.5
 * s.dispose();
 * ```
 */
export function scale(s: number): Transform {
  checkNumber('scale', 's', s);
  return { name: 'scale', hyperparams: { s }, slots: [], scalars: {}, apply: (c) => c.k.scale_f32(c.u, c.n, s), factor: () => s };
}

/**
 * u ← −lr·u: the descent sign and the (scheduled) learning rate (optax `scale_by_learning_rate`).
 * `lr` is a number or a schedule of the number of applied updates.
 * @example
 * ```ts
 * import { chain, ready, scaleByLearningRate } from 'metaoptim';
 * await ready();
 * const opt = chain(scaleByLearningRate(0.1)); // plain gradient descent
 * const s = opt.init([1]);
 * opt.step(s, [1]);
 * console.log(s.params[0]); // ≈ 0.9
 * s.dispose();
 * ```
 */
export function scaleByLearningRate(lr: number | Schedule): Transform {
  const v = scheduleOrNumber('scaleByLearningRate', 'lr', lr, LR_RANGE);
  return {
    name: 'scaleByLearningRate',
    hyperparams: { lr: v },
    slots: [],
    scalars: {},
    prepare: (c) => valueAt('scaleByLearningRate', 'lr', v, c.count, LR_RANGE),
    apply: (c, lrNow) => c.k.scale_f32(c.u, c.n, -(lrNow as number)),
    factor: (_c, lrNow) => -(lrNow as number),
  };
}

/**
 * u ← u + λ·p (decoupled weight decay when placed after a scaling; coupled L2 when first).
 * @example
 * ```ts
 * import { addDecayedWeights, chain, scaleByAdam, scaleByLearningRate } from 'metaoptim';
 * const opt = chain(scaleByAdam(), addDecayedWeights(1e-2), scaleByLearningRate(1e-3)); // ≡ adamw()
 * ```
 */
export function addDecayedWeights(weightDecay: number): Transform {
  const wd = checkNumber('addDecayedWeights', 'weightDecay', weightDecay, WD_RANGE);
  return { name: 'addDecayedWeights', hyperparams: { weightDecay: wd }, slots: [], scalars: {}, apply: (c) => c.k.axpy_f32(c.u, c.p, c.n, wd) };
}

/**
 * Adam's moment scaling: u ← m̂/(√v̂ + ε) (optax `scale_by_adam`).
 * Defaults: β1 0.9, β2 0.999, ε 1e-8. Reference: Kingma & Ba 2015.
 * @example
 * ```ts
 * import { chain, scaleByAdam, scaleByLearningRate } from 'metaoptim';
 * const opt = chain(scaleByAdam({ beta2: 0.99 }), scaleByLearningRate(1e-3)); // ≡ adam({ beta2: 0.99 }) bit for bit
 * ```
 */
export function scaleByAdam(opts: { beta1?: number; beta2?: number; eps?: number } = {}): Transform {
  const o = checkOptions('scaleByAdam', opts, ['beta1', 'beta2', 'eps']);
  const h = adamHyper('scaleByAdam', o, 0);
  const hyperparams = { beta1: h.beta1, beta2: h.beta2, eps: h.eps };
  return {
    name: 'scaleByAdam',
    hyperparams,
    slots: ['m', 'v'],
    scalars: {},
    rules: { nonNegative: ['v'] },
    apply(c) {
      const a = adamScalars(h.beta1, h.beta2, c.count);
      c.k.scale_by_adam_f32(c.u, c.slot('m'), c.slot('v'), c.n, h.beta1, a.ob1, h.beta2, a.ob2, a.c1, a.r2, h.eps);
    },
  };
}

const SCALE_BY_EVE_KEYS = EVE_KEYS.filter((k) => k !== 'lr' && k !== 'weightDecay' && k !== 'nonFinite');

/**
 * Eve's feedback-scaled Adam direction (both variants; needs `{ loss }` each step).
 * Options and defaults as `eve` (without lr and weight decay). Errors: `MISSING_LOSS` at `step`.
 * @example
 * ```ts
 * import { chain, ready, scaleByEve, scaleByLearningRate } from 'metaoptim';
 * await ready();
 * const opt = chain(scaleByEve({ c: 10 }), scaleByLearningRate(0.01)); // ≡ eve({ lr: 0.01 })
 * const s = opt.init([1]);
 * opt.step(s, [1], { loss: 0.5 });
 * s.dispose();
 * ```
 */
export function scaleByEve(opts: Omit<EveOptions, 'lr' | 'weightDecay' | 'nonFinite'> = {}): Transform {
  const o = checkOptions('scaleByEve', opts, SCALE_BY_EVE_KEYS);
  const h = eveHyper('scaleByEve', o);
  const { lr: _lr, weightDecay: _wd, ...hyperparams } = h;
  return {
    name: 'scaleByEve',
    hyperparams,
    slots: ['m', 'v'],
    scalars: eveScalars(h),
    rules: { scalars: eveRules(h), nonNegative: ['v'] },
    prepare: (c, policy) => eveLoss('scaleByEve', c.info, policy),
    apply(c, loss) {
      const a = adamScalars(h.beta1, h.beta2, c.count);
      const f = eveCoefficient(h, c.scalars, c.prefix, loss as number | null);
      c.k.scale_by_adam_f32(c.u, c.slot('m'), c.slot('v'), c.n, h.beta1, a.ob1, h.beta2, a.ob2, a.c1, a.r2 * f.r2Mul, eveEps(h, a.r2));
      return 1 / f.c1Div; // clip: the whole step is divided by d̃ (folded with the lr); thresholds: 1
    },
  };
}

/** Options of `eveFeedback` (Eve's later, clip variant). */
export interface EveFeedbackOptions {
  /** Clip constant c: the coefficient d̃ lies in [1/c, c] (default 10). */
  c?: number;
  /** β3, decay of d̃'s moving average (default 0.999). */
  beta3?: number;
  /** Known lower bound f* of the loss (default 0). */
  fStar?: number;
}

/**
 * Eve's loss feedback on ANY base direction (the form proposed for optax in PR #805; Hayashi,
 * Koushik & Neubig's clip variant): u ← u/d̃ with
 *   d_t = |f_t − f_{t−1}| / (min(f_t, f_{t−1}) − f*),  d̃ ← β3·d̃ + (1−β3)·clip(d_t, 1/c, c)
 * (d̃ = 1 at the first step; the guards of `eve`, see `eveCoefficient`). Needs the minibatch
 * loss every step: `step(state, grads, { loss })`. Defaults c = 10, β3 = 0.999, f* = 0.
 * `chain(scaleByAdam(), eveFeedback(), scaleByLearningRate(lr))` equals `eve({ lr })` bit
 * for bit; `chain(scaleByLion(), eveFeedback(), scaleByLearningRate(lr))` is Lion + feedback.
 * Errors: UNKNOWN_OPTION, INVALID_HYPERPARAMETER; per step MISSING_LOSS / NON_FINITE_LOSS.
 * @example
 * ```ts
 * import { chain, eveFeedback, ready, scaleByLearningRate, scaleByLion } from 'metaoptim';
 * await ready();
 * const opt = chain(scaleByLion(), eveFeedback({ c: 10 }), scaleByLearningRate(1e-4)); // Lion + Eve's feedback
 * const state = opt.init([1, -1]);
 * opt.step(state, [0.5, -0.5], { loss: 2 });
 * opt.step(state, [0.4, -0.4], { loss: 1.5 }); // the loss drives d̃
 * console.log(state.params[0]! < 1); // true
 * state.dispose();
 * ```
 */
export function eveFeedback(opts: EveFeedbackOptions = {}): Transform {
  const o = checkOptions('eveFeedback', opts, ['c', 'beta3', 'fStar']);
  const h = eveHyper('eveFeedback', { ...o, variant: 'clip' });
  const sc = eveScalars(h);
  return {
    name: 'eveFeedback',
    hyperparams: { c: h.c, beta3: h.beta3, fStar: h.fStar },
    slots: [],
    scalars: sc,
    rules: { scalars: eveRules(h) },
    prepare: (c, policy) => eveLoss('eveFeedback', c.info, policy),
    apply(c, loss) {
      c.k.scale_f32(c.u, c.n, 1 / eveCoefficient(h, c.scalars, c.prefix, loss as number | null).c1Div);
    },
    factor: (c, loss) => 1 / eveCoefficient(h, c.scalars, c.prefix, loss as number | null).c1Div,
  };
}

/**
 * Lion's direction: u ← sign(β1·m + (1−β1)·g), then m ← β2·m + (1−β2)·g.
 * Defaults: β1 0.9, β2 0.99. Reference: Chen et al. 2023.
 * @example
 * ```ts
 * import { addDecayedWeights, chain, scaleByLearningRate, scaleByLion } from 'metaoptim';
 * const opt = chain(scaleByLion(), addDecayedWeights(0.1), scaleByLearningRate(1e-4)); // ≡ lion({ weightDecay: 0.1 })
 * ```
 */
export function scaleByLion(opts: { beta1?: number; beta2?: number } = {}): Transform {
  const o = checkOptions('scaleByLion', opts, ['beta1', 'beta2']);
  const b1 = checkNumber('scaleByLion', 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1 });
  const b2 = checkNumber('scaleByLion', 'beta2', o.beta2 ?? 0.99, { min: 0, max: 1 });
  return {
    name: 'scaleByLion',
    hyperparams: { beta1: b1, beta2: b2 },
    slots: ['m'],
    scalars: {},
    apply: (c) => c.k.scale_by_lion_f32(c.u, c.slot('m'), c.n, b1, 1 - b1, b2, 1 - b2),
  };
}

/**
 * Momentum trace (optax `trace`): t ← μ·t + u; u ← nesterov ? u + μ·t : t.
 * Defaults: momentum 0.9, nesterov false.
 * @example
 * ```ts
 * import { chain, scaleByLearningRate, trace } from 'metaoptim';
 * const opt = chain(trace({ momentum: 0.9 }), scaleByLearningRate(0.01)); // ≡ momentum({ lr: 0.01 })
 * ```
 */
export function trace(opts: { momentum?: number; nesterov?: boolean } = {}): Transform {
  const o = checkOptions('trace', opts, ['momentum', 'nesterov']);
  const mu = checkNumber('trace', 'momentum', o.momentum ?? 0.9, { min: 0, max: 1 });
  const nesterov = !!o.nesterov;
  return {
    name: 'trace',
    hyperparams: { momentum: mu, nesterov },
    slots: ['trace'],
    scalars: {},
    apply: (c) => c.k.trace_f32(c.u, c.slot('trace'), c.n, mu, nesterov ? 1 : 0),
  };
}

/**
 * u ← u·min(1, maxNorm/‖u‖₂) (optax `clip_by_global_norm`; ‖u‖ accumulated in f64).
 * Errors: `INVALID_HYPERPARAMETER` (maxNorm ≤ 0 or non-finite).
 * @example
 * ```ts
 * import { chain, clipByGlobalNorm, ready, scaleByLearningRate } from 'metaoptim';
 * await ready();
 * const opt = chain(clipByGlobalNorm(1), scaleByLearningRate(1));
 * const s = opt.init([0, 0]);
 * opt.step(s, [3, 4]); // ‖g‖ = 5 is clipped to 1
 * console.log(s.params); // ≈ Float32Array [-0.6, -0.8]
 * s.dispose();
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): Transform {
  const mx = checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, { min: 0, minExclusive: true });
  return {
    name: 'clipByGlobalNorm',
    hyperparams: { maxNorm: mx },
    slots: [],
    scalars: {},
    apply(c) {
      const norm = Math.sqrt(c.k.sumsq_f32(c.u, c.n));
      if (norm > mx) c.k.scale_f32(c.u, c.n, mx / norm);
    },
  };
}

/**
 * u ← clip(u, −maxDelta, maxDelta) elementwise (optax `clip`).
 * Errors: `INVALID_HYPERPARAMETER` (maxDelta ≤ 0 or non-finite).
 * @example
 * ```ts
 * import { chain, clipByValue, ready, scaleByLearningRate } from 'metaoptim';
 * await ready();
 * const opt = chain(clipByValue(0.5), scaleByLearningRate(1));
 * const s = opt.init([0, 0]);
 * opt.step(s, [2, -0.1]);
 * console.log(s.params); // ≈ Float32Array [-0.5, 0.1]
 * s.dispose();
 * ```
 */
export function clipByValue(maxDelta: number): Transform {
  const d = checkNumber('clipByValue', 'maxDelta', maxDelta, { min: 0 });
  return { name: 'clipByValue', hyperparams: { maxDelta: d }, slots: [], scalars: {}, apply: (c) => c.k.clip_f32(c.u, c.n, -d, d) };
}

/**
 * Composes transforms into an optimizer: u = g; u ← T₁(u); …; p ← p + u. The last
 * transform is normally `scaleByLearningRate`. Options: the non-finite gradient policy.
 * The state holds every transform's slots under prefixed names, checkpoints like a fused one.
 * Errors: `INVALID_ARGUMENT` (no transform), `UNKNOWN_OPTION`; at `step` those of the transforms.
 * Reference: optax `chain` (DeepMind, https://github.com/google-deepmind/optax).
 * @example
 * ```ts
 * import { chain, clipByGlobalNorm, ready, scaleByAdam, scaleByLearningRate, warmupCosineDecay } from 'metaoptim';
 * await ready();
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(warmupCosineDecay({ peak: 1e-2, warmupSteps: 10, decaySteps: 100 })), { nonFinite: 'skip' });
 * const s = opt.init([1, 2, 3]);
 * opt.step(s, [NaN, 0, 0]); // skipped by the non-finite policy
 * console.log(s.scalars.skipped); // 1
 * s.dispose();
 * ```
 */
export function chain(...args: (Transform | { nonFinite?: NonFinitePolicy })[]): Optimizer {
  const isTransform = (a: unknown): a is Transform => typeof (a as Transform | null)?.apply === 'function';
  const transforms = args.filter(isTransform);
  const rest = args.filter((a) => !isTransform(a));
  if (rest.length > 1) throw new MetaoptimError('INVALID_ARGUMENT', 'chain takes at most one options object (after the transforms)');
  const opts = checkOptions('chain', rest[0] as { nonFinite?: NonFinitePolicy } | undefined, ['nonFinite']);
  if (transforms.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'chain needs at least one transform');
  const name = `chain(${transforms.map((t) => t.name).join(',')})`;
  const policy = nonFinitePolicy('chain', opts.nonFinite);
  const slots: string[] = ['updates'];
  const scalars: Record<string, number> = {};
  const hyperparams: Record<string, unknown> = {};
  const scalarRules: Record<string, ValueRule> = {};
  const nonNegative: string[] = [];
  transforms.forEach((t, i) => {
    for (const s of t.slots) slots.push(`${i}.${s}`);
    for (const [k, v] of Object.entries(t.scalars)) scalars[`${i}.${k}`] = v;
    for (const [k, v] of Object.entries(t.hyperparams)) hyperparams[`${i}.${t.name}.${k}`] = v;
    for (const [k, r] of Object.entries(t.rules?.scalars ?? {})) scalarRules[`${i}.${k}`] = r;
    for (const s of t.rules?.nonNegative ?? []) nonNegative.push(`${i}.${s}`);
  });
  return makeOptimizer({
    name,
    hyperparams,
    slots,
    scalars,
    nonFinite: policy,
    rules: { scalars: scalarRules, nonNegative },
    remake: (r, nonFinite) => chain(...transforms.map((t, i) => remakeTransform(t.name, i, r)), { nonFinite }),
    update(s, k, count, info) {
      const n = s.size;
      const ctxs = transforms.map((_, i): TransformContext => ({
        k,
        n,
        u: s.ptr('updates'),
        p: s.ptr('params'),
        count,
        info,
        slot: (nm) => s.ptr(`${i}.${nm}`),
        scalars: s.scalars,
        prefix: `${i}.`,
      }));
      const prepared = transforms.map((t, i) => (t.prepare ? t.prepare(ctxs[i]!, policy) : true));
      if (prepared.some((p) => p === undefined)) return false;
      s.view('updates').set(s.grads);
      let pending = 1; // folded scalar factors not yet applied to u (f64 product, chain order)
      const flush = () => {
        if (pending !== 1) k.scale_f32(s.ptr('updates'), n, pending);
        pending = 1;
      };
      transforms.forEach((t, i) => {
        if (t.factor) {
          pending *= t.factor(ctxs[i]!, prepared[i]);
          return;
        }
        flush();
        const r = t.apply(ctxs[i]!, prepared[i]);
        if (typeof r === 'number') pending *= r;
      });
      flush();
      k.axpy_f32(s.ptr('params'), s.ptr('updates'), n, 1);
      return true;
    },
  });
}

/** The library's transforms by name, re-made from their hyper-parameters (chain's `remake`). */
const TRANSFORMS: Record<string, (h: Record<string, never>) => Transform> = {
  scale: (h) => scale(h.s),
  scaleByLearningRate: (h) => scaleByLearningRate(h.lr),
  addDecayedWeights: (h) => addDecayedWeights(h.weightDecay),
  scaleByAdam: (h) => scaleByAdam(h),
  scaleByEve: (h) => scaleByEve(h),
  eveFeedback: (h) => eveFeedback(h),
  scaleByLion: (h) => scaleByLion(h),
  trace: (h) => trace(h),
  clipByGlobalNorm: (h) => clipByGlobalNorm(h.maxNorm),
  clipByValue: (h) => clipByValue(h.maxDelta),
};

/** Transform `i` of a chain re-made from the chain's hyper-parameters `i.<name>.<key>`. */
function remakeTransform(name: string, i: number, r: Record<string, unknown>): Transform {
  const make = Object.prototype.hasOwnProperty.call(TRANSFORMS, name) ? TRANSFORMS[name] : undefined;
  if (!make) throw new MetaoptimError('INVALID_ARGUMENT', `chain: transform ${name} is not one of the library's, so it cannot be re-made`);
  const h: Record<string, unknown> = {};
  const prefix = `${i}.${name}.`;
  for (const [k, v] of Object.entries(r)) if (k.startsWith(prefix)) h[k.slice(prefix.length)] = v;
  return make(h as Record<string, never>);
}
