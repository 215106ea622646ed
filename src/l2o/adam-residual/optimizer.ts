import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../../core/errors.js';
import { makeOptimizer, nonFinitePolicy } from '../../optim/base.js';
import type { Optimizer } from '../../optim/types.js';
import { type LearnedOptimizer, type LearnedOptimizerOptions, thetaHash } from '../types.js';
import { AR_CFG_SIZE, arStep, fillAdamResidualConfig } from './kernel.js';
import { AR_THETA_SIZE, LOSS_SCALARS, adamResidualInit, runInputs, scheduleLogScale, trackLoss } from './schedule.js';

/**
 * Adam-residual learned optimizer ("Adam-residual MLP"): a per-parameter MLP whose output is
 * ADDED to the nominal Adam direction, with a learned global learning-rate schedule. Run by the
 * fused `adam_residual_f32` kernel (assembly/adam_residual.ts), one pass over the parameters.
 *
 * Per parameter p with gradient g at step t = count + 1:
 *   m1 ← β1·m1 + (1−β1)·g,  m2, m3 likewise with 0.99 and 0.999;  v ← β2·v + (1−β2)·g²
 *   D = √v/√(1−β2ᵗ) + ε;  a = (m1/(1−β1ᵗ))/D                       (Adam's direction)
 *   fr = Adafactor factored RMS (matrices: row/column EMAs of g², βv = β2; vectors: √v̂)
 *   x = (g/D, a, m̂2/D, m̂3/D, fr/D, m̂1/(fr + ε), ln(D)/10, clamp(p, ±10))  — per coordinate
 *   (d, s) = W2ᵀ relu(W1ᵀ[x, r] + b1) + b2,  r = run inputs (progress t/T, ln L/L₀, ln L_fast/L_slow)
 *   u = a + d·exp(min(s, 4))          (form 'additive', the default)
 *   u = a·(1 + d·exp(min(s, 4)))      (form 'multiplicative': a per-coordinate lr multiplier; the
 *                                       residual vanishes with Adam's direction a)
 *   p ← p − lr_t·(u + wd·p),   lr_t = lr·e^{σ(r)}  (learned schedule)
 * In either form, with a zero output layer and schedule (θ = 0, or `init(seed)`) this IS Adam(lr, β1, β2, ε), and
 * with `weightDecay` AdamW, bit for bit (up to the sign of a zero parameter).
 *
 * Options: `lr` (nominal, default 1e-3), `beta1` (0.9), `beta2` (0.999), `eps` (1e-8, > 0),
 * `weightDecay` (decoupled, × lr_t, default 0), `horizon` T of the progress input (default 1000;
 * pass the run length), `form` ('additive' | 'multiplicative', default 'additive'; a θ is
 * meta-trained for one form and its file records it), `shapes` (tensor shapes in order, e.g. `task.model.tensors.map(t => t.shape)`;
 * a 2-D shape [rows, cols ≥ 2] gets factored moments, anything else is treated as a vector;
 * default one vector), `nonFinite`. The loss for the run inputs comes from `step(s, g, { loss })`;
 * without it the loss inputs are 0.
 * Slots: m1, m2, m3, v, and `fac` (for a matrix tensor, its row EMAs then its column EMAs at the
 * start of the tensor's range; rows + cols ≤ rows·cols). Scalars: loss0, lossFast, lossSlow, lossSeen.
 *
 * Errors: `LENGTH_MISMATCH` (θ or shapes do not fit), `INVALID_HYPERPARAMETER`, `INVALID_ARGUMENT`,
 * plus the `Optimizer` codes.
 */
export interface AdamResidualOptions extends LearnedOptimizerOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  horizon?: number;
  form?: 'additive' | 'multiplicative';
  shapes?: readonly (readonly number[])[];
}

export const ADAM_RESIDUAL_KEYS = optionKeys<AdamResidualOptions>({ lr: 1, beta1: 1, beta2: 1, eps: 1, weightDecay: 1, horizon: 1, form: 1, shapes: 1, nonFinite: 1 });
const SLOTS = ['m1', 'm2', 'm3', 'v', 'fac'] as const;
const NAME = 'adam-residual';

/** [rows, cols] per tensor (vectors as [1, n]) from `shapes`. */
function tensorGrid(shapes: readonly (readonly number[])[]): [number, number][] {
  return shapes.map((sh) => {
    if (!Array.isArray(sh) || sh.length === 0 || !sh.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new MetaoptimError('INVALID_ARGUMENT', `${NAME}: every shape must be a non-empty array of non-negative integers`);
    }
    const rows = sh.length === 2 ? sh[0]! : 1;
    const cols = sh.length === 2 ? sh[1]! : sh.reduce((a, b) => a * b, 1);
    return rows >= 2 && cols >= 2 ? [rows, cols] : [1, rows * cols];
  });
}

export const adamResidualLOpt: LearnedOptimizer<AdamResidualOptions> = {
  name: NAME,
  thetaSize: AR_THETA_SIZE,
  init: adamResidualInit,

  optimizer(theta: Float32Array, opts: AdamResidualOptions = {}): Optimizer {
    checkOptions(NAME, opts, ADAM_RESIDUAL_KEYS);
    if (!(theta instanceof Float32Array) || theta.length !== AR_THETA_SIZE) {
      throw new MetaoptimError('LENGTH_MISMATCH', `${NAME}: θ must be a Float32Array of ${AR_THETA_SIZE}`, { got: theta?.length });
    }
    const th = theta.slice();
    const h = {
      lr: checkNumber(NAME, 'lr', opts.lr ?? 1e-3, { min: 0 }),
      beta1: checkNumber(NAME, 'beta1', opts.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
      beta2: checkNumber(NAME, 'beta2', opts.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
      eps: checkNumber(NAME, 'eps', opts.eps ?? 1e-8, { min: 0, minExclusive: true }),
      weightDecay: checkNumber(NAME, 'weightDecay', opts.weightDecay ?? 0, { min: 0 }),
      horizon: checkNumber(NAME, 'horizon', opts.horizon ?? 1000, { min: 1 }),
      form: residualForm(opts.form),
    };
    const grid = opts.shapes ? tensorGrid(opts.shapes) : undefined;
    const { form: _form, ...hp } = h;
    return makeOptimizer({
      name: NAME,
      hyperparams: { ...hp, ...(h.form ? { form: 'multiplicative' } : {}), thetaHash: thetaHash(th), shapes: grid ? grid.map(([r, c]) => `${r}x${c}`).join(',') : 'whole' },
      slots: SLOTS,
      scalars: { ...LOSS_SCALARS },
      nonFinite: nonFinitePolicy(NAME, opts.nonFinite),
      update(s, k, count, info) {
        const tensors = grid ?? [[1, s.size] as [number, number]];
        const total = tensors.reduce((a, [r, c]) => a + r * c, 0);
        if (total !== s.size) throw new MetaoptimError('LENGTH_MISMATCH', `${NAME}: shapes hold ${total} values, parameters are ${s.size}`);
        trackLoss(s.scalars, info?.loss);
        const r = runInputs(count, h.horizon, s.scalars);
        arStep(s, k, count, th, tensors, h, r, h.lr * Math.exp(scheduleLogScale(th, r)));
        return true;
      },
    });
  },
};

/** The kernel's form code (cfg[18]) of a `form` option: 0 additive (default), 1 multiplicative. Errors: INVALID_ARGUMENT. */
function residualForm(form: unknown): 0 | 1 {
  if (form === undefined || form === 'additive') return 0;
  if (form === 'multiplicative') return 1;
  throw new MetaoptimError('INVALID_ARGUMENT', `${NAME}: form must be 'additive' or 'multiplicative', got ${String(form)}`);
}

/** The kernel's cfg block (19 f32, see assembly/adam_residual.ts) for step count+1; `form` 0 additive, 1 multiplicative. */
export function adamResidualConfig(h: { beta1: number; beta2: number; eps: number; weightDecay: number; form?: number }, count: number, lrT: number, r: readonly number[]): Float32Array {
  return fillAdamResidualConfig(new Float32Array(AR_CFG_SIZE), h, count, lrT, r);
}
