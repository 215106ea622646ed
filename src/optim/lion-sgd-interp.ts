import { checkNumber, checkOptions } from '../core/errors.js';
import { LR_RANGE, makeOptimizer, nonFinitePolicy } from './base.js';
import type { NonFinitePolicy, Optimizer } from './types.js';

export interface LionSgdInterpOptions {
  /** λ_L ∈ [0, 1]: the weight of the Lion update (0 = SGD with momentum, 1 = Lion). */
  lambda: number;
  /** Learning rate of the SGD-momentum part (SPEC B.1.11: 0.5). */
  sgdLr?: number;
  /** Heavy-ball momentum μ of the SGD part (default 0.9). */
  momentum?: number;
  /** Learning rate of the Lion part (SPEC B.1.11: 0.005). */
  lionLr?: number;
  /** Lion β1, β2 (default 0.9, 0.99). */
  beta1?: number;
  beta2?: number;
  nonFinite?: NonFinitePolicy;
}

const LION_SGD_INTERP_KEYS = ['lambda', 'sgdLr', 'momentum', 'lionLr', 'beta1', 'beta2', 'nonFinite'];

/**
 * The Lion–SGD interpolation of Sobotka et al. (`scripts/opter_interp/local_utils.py`; SPEC B.1.11)
 * as one `Optimizer`: both optimizers see the same gradient g and advance their own state
 * every step, and the applied update is the convex combination of their updates,
 *   t ← μ·t + g                                  (SGD momentum trace, PyTorch dampening 0)
 *   c = β1·m + (1−β1)·g ;  m ← β2·m + (1−β2)·g     (Lion; sign(0) = 0)
 *   p ← p − (a·sign(c) + b·t),   a = f32(λ·η_Lion),  b = f32((1−λ)·η_SGD)
 * evaluated in f32 in this order (each product rounded, then the sum, then the subtraction).
 * At λ = 0 this is **bit for bit** `momentum({ lr: η_SGD, momentum: μ })` and at λ = 1 it is
 * bit for bit `lion({ lr: η_Lion, beta1, beta2 })` (a·sign(c) and b·t are exact zeros; the
 * kernels compute p − lr·u with the same f32 roundings). No weight decay.
 * Defaults: sgdLr 0.5, momentum 0.9, lionLr 0.005, beta1 0.9, beta2 0.99 (SPEC B.1.11 settings).
 * Errors: `INVALID_HYPERPARAMETER` (λ outside [0, 1], negative rates, β outside [0, 1]),
 * `UNKNOWN_OPTION` (a key not listed in `LionSgdInterpOptions`).
 * Reference: SPEC B.1.11; Sobotka et al., the optimizer-interpolation experiments.
 * @example
 * ```ts
 * import { lionSgdInterp, ready } from 'metaoptim';
 * await ready();
 * const opt = lionSgdInterp({ lambda: 0.5 }); // half Lion, half SGD with momentum
 * const s = opt.init([1, -1]);
 * opt.step(s, [0.2, -0.2]);
 * console.log(s.params);
 * s.dispose();
 * ```
 */
export function lionSgdInterp(o: LionSgdInterpOptions): Optimizer {
  const name = 'lion-sgd-interp';
  checkOptions(name, o, LION_SGD_INTERP_KEYS);
  const h = {
    lambda: checkNumber(name, 'lambda', o?.lambda, { min: 0, max: 1 }),
    sgdLr: checkNumber(name, 'sgdLr', o.sgdLr ?? 0.5, LR_RANGE),
    momentum: checkNumber(name, 'momentum', o.momentum ?? 0.9, { min: 0, max: 1 }),
    lionLr: checkNumber(name, 'lionLr', o.lionLr ?? 0.005, LR_RANGE),
    beta1: checkNumber(name, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1 }),
    beta2: checkNumber(name, 'beta2', o.beta2 ?? 0.99, { min: 0, max: 1 }),
  };
  const a = Math.fround(h.lambda * h.lionLr);
  const b = Math.fround((1 - h.lambda) * h.sgdLr);
  return makeOptimizer({
    name,
    hyperparams: h,
    // trace: SGD momentum buffer; m: Lion momentum; us/ul: this step's SGD / Lion directions.
    slots: ['trace', 'm', 'us', 'ul'],
    nonFinite: nonFinitePolicy(name, o.nonFinite),
    remake: (r, nonFinite) => lionSgdInterp({ ...r, nonFinite } as unknown as LionSgdInterpOptions),
    update(s, k) {
      const n = s.size;
      s.view('us').set(s.grads);
      s.view('ul').set(s.grads);
      k.trace_f32(s.ptrs.us!, s.ptrs.trace!, n, h.momentum, 0);
      k.scale_by_lion_f32(s.ptrs.ul!, s.ptrs.m!, n, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2);
      // Views re-derived after the kernel calls (they do not allocate, but stay safe).
      const p = s.params, us = s.view('us'), ul = s.view('ul');
      const f = Math.fround;
      for (let i = 0; i < n; i++) p[i] = f(p[i]! - f(f(a * ul[i]!) + f(b * us[i]!)));
      return true;
    },
  });
}
