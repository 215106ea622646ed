import { checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { LR_RANGE, WD_RANGE, makeOptimizer, nonFinitePolicy, scheduleOrNumber, valueAt } from './base.js';
import { putBounds, rawPtrs, takeBounds } from './state.js';

const SGD_CARRIED = ['params'] as const;
const MOMENTUM_CARRIED = ['params', 'trace'] as const;
import type { NonFinitePolicy, Optimizer, Schedule } from './types.js';

export interface SgdOptions {
  /** Learning rate, or a schedule (default 1e-2). */
  lr?: number | Schedule;
  /** Momentum coefficient μ (default 0 for `sgd`, 0.9 for `momentum`). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** Coupled L2: λ·p is added to the gradient (PyTorch `SGD(weight_decay)`), default 0. */
  weightDecay?: number;
  nonFinite?: NonFinitePolicy;
}

/** The keys `sgd` and `momentum` accept (anything else is UNKNOWN_OPTION). */
export const SGD_KEYS = optionKeys<SgdOptions>({ lr: 1, momentum: 1, nesterov: 1, weightDecay: 1, nonFinite: 1 });

/**
 * Stochastic gradient descent, optionally with heavy-ball or Nesterov momentum
 * (PyTorch `SGD` with dampening 0; optax `sgd` = chain(trace, scale_by_learning_rate)):
 *   g' = g + λ·p ;  t ← μ·t + g' ;  u = nesterov ? g' + μ·t : t ;  p ← p − lr·u
 * With μ = 0 there is no trace buffer and the update is p ← p − lr·g'.
 * Defaults: lr 1e-2, momentum 0, nesterov false, weightDecay 0, nonFinite `'throw'`.
 * Errors: `INVALID_HYPERPARAMETER`, `UNKNOWN_OPTION`, and at `step` those of `adam`.
 * Reference: I. Sutskever et al., "On the importance of initialization and momentum in deep
 * learning", ICML 2013 (the momentum/Nesterov form used by PyTorch).
 * @example
 * ```ts
 * import { ready, sgd } from 'metaoptim';
 * await ready();
 * const opt = sgd({ lr: 0.1 });
 * const state = opt.init([1, 2]);
 * opt.step(state, [1, 1]); // p ← p − lr·g
 * console.log(state.params); // ≈ Float32Array [0.9, 1.9]
 * state.dispose();
 * ```
 */
export function sgd(o: SgdOptions = {}): Optimizer {
  return sgdFamily('sgd', o, 0);
}

/**
 * `sgd` with momentum 0.9 by default (heavy ball; `nesterov: true` for Nesterov).
 * The update is t ← μ·t + g′, p ← p − lr·t (Nesterov: p ← p − lr·(g′ + μ·t)), g′ = g + λ·p.
 * Defaults: lr 1e-2, momentum 0.9, nesterov false, weightDecay 0. Errors as `sgd`.
 * Reference: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
 * @example
 * ```ts
 * import { momentum, ready } from 'metaoptim';
 * await ready();
 * const opt = momentum({ lr: 0.1, momentum: 0.9, nesterov: true });
 * const state = opt.init([1]);
 * for (let t = 0; t < 100; t++) opt.step(state, [state.params[0]!]); // f(x) = ½x²
 * console.log(Math.abs(state.params[0]!) < 1e-3); // true
 * state.dispose();
 * ```
 */
export function momentum(o: SgdOptions = {}): Optimizer {
  return sgdFamily('momentum', o, 0.9);
}

function sgdFamily(name: string, opts: SgdOptions, defaultMu: number): Optimizer {
  const o = checkOptions(name, opts, SGD_KEYS);
  const h = {
    lr: scheduleOrNumber(name, 'lr', o.lr ?? 1e-2, LR_RANGE),
    momentum: checkNumber(name, 'momentum', o.momentum ?? defaultMu, { min: 0, max: 1 }),
    nesterov: !!o.nesterov,
    weightDecay: checkNumber(name, 'weightDecay', o.weightDecay ?? 0, WD_RANGE),
  };
  const withTrace = h.momentum > 0 || h.nesterov;
  return makeOptimizer({
    name,
    hyperparams: h,
    slots: withTrace ? ['trace'] : [],
    nonFinite: nonFinitePolicy(name, o.nonFinite),
    remake: (r, nonFinite) => sgdFamily(name, { ...r, nonFinite } as SgdOptions, defaultMu),
    fused: true,
    update(s, k, count, _info, mode = 0) {
      const lr = valueAt(name, 'lr', h.lr, count, LR_RANGE);
      const P = rawPtrs(s);
      const nest = h.nesterov ? 1 : 0;
      // Mode 3 (all or nothing) carries bounds between steps (see adam.ts `adamKernel`).
      if (withTrace) {
        if (mode === 3) {
          const b = takeBounds(s, MOMENTUM_CARRIED);
          const bad = k.momentum_tracked_f32(P.params!, P.grads!, P.trace!, s.size, h.momentum, h.weightDecay, lr, nest, b[0]!, b[1]!);
          if (bad === 0) putBounds(s, MOMENTUM_CARRIED, k);
          return bad;
        }
        takeBounds(s, MOMENTUM_CARRIED);
        return k.momentum_f32(P.params!, P.grads!, P.trace!, s.size, h.momentum, h.weightDecay, lr, nest, mode);
      }
      if (mode === 3) {
        const b = takeBounds(s, SGD_CARRIED);
        const bad = k.sgd_tracked_f32(P.params!, P.grads!, s.size, h.weightDecay, lr, b[0]!);
        if (bad === 0) putBounds(s, SGD_CARRIED, k);
        return bad;
      }
      takeBounds(s, SGD_CARRIED);
      return k.sgd_f32(P.params!, P.grads!, s.size, h.weightDecay, lr, mode);
    },
  });
}
