import { checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { LR_RANGE, WD_RANGE, makeOptimizer, nonFinitePolicy, scheduleOrNumber, valueAt } from './base.js';
import { putBounds, rawPtrs, takeBounds } from './state.js';

const LION_CARRIED = ['params', 'm'] as const;
import type { NonFinitePolicy, Optimizer, Schedule } from './types.js';

export interface LionOptions {
  /** Learning rate η, or a schedule (default 1e-4; guidance: 3–10× smaller than AdamW's). */
  lr?: number | Schedule;
  /** β1, interpolation for the update direction (default 0.9). */
  beta1?: number;
  /** β2, momentum decay (default 0.99). */
  beta2?: number;
  /** Decoupled weight decay λ, multiplied by η (default 0). */
  weightDecay?: number;
  nonFinite?: NonFinitePolicy;
}

/** The keys `lion` accepts (anything else is UNKNOWN_OPTION). */
export const LION_KEYS = optionKeys<LionOptions>({ lr: 1, beta1: 1, beta2: 1, weightDecay: 1, nonFinite: 1 });

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; SPEC B.1.10):
 *   c = β1·m + (1−β1)·g ;  p ← p − η·(sign(c) + λ·p) ;  m ← β2·m + (1−β2)·g
 * with sign(0) = 0. The first step from m = 0 is −η·sign(g); β1 = β2 = 0 is signSGD.
 * Equal bit for bit to `chain(scaleByLion(), addDecayedWeights(λ), scaleByLearningRate(η))`.
 * Defaults: lr 1e-4, β1 0.9, β2 0.99, weightDecay 0. Errors: `INVALID_HYPERPARAMETER`,
 * `UNKNOWN_OPTION`, and at `step` those of `adam`.
 * @example
 * ```ts
 * import { lion, ready } from 'metaoptim';
 * await ready();
 * const opt = lion({ lr: 0.01 });
 * const state = opt.init([1, -1, 0]);
 * opt.step(state, [0.3, -5, 0]); // the first step is −η·sign(g)
 * console.log(state.params); // ≈ Float32Array [0.99, -0.99, 0]
 * state.dispose();
 * ```
 */
export function lion(opts: LionOptions = {}): Optimizer {
  const name = 'lion';
  const o = checkOptions(name, opts, LION_KEYS);
  const h = {
    lr: scheduleOrNumber(name, 'lr', o.lr ?? 1e-4, LR_RANGE),
    beta1: checkNumber(name, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1 }),
    beta2: checkNumber(name, 'beta2', o.beta2 ?? 0.99, { min: 0, max: 1 }),
    weightDecay: checkNumber(name, 'weightDecay', o.weightDecay ?? 0, WD_RANGE),
  };
  return makeOptimizer({
    name,
    hyperparams: h,
    slots: ['m'],
    nonFinite: nonFinitePolicy(name, o.nonFinite),
    remake: (r, nonFinite) => lion({ ...r, nonFinite } as LionOptions),
    fused: true,
    update(s, k, count, _info, mode = 0) {
      const lr = valueAt(name, 'lr', h.lr, count, LR_RANGE);
      const P = rawPtrs(s);
      const [b1, ob1, b2, ob2] = [h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2];
      if (mode === 3) {
        // All or nothing with bounds carried between steps (see adam.ts `adamKernel`).
        const b = takeBounds(s, LION_CARRIED);
        const bad = k.lion_tracked_f32(P.params!, P.grads!, P.m!, s.size, b1, ob1, b2, ob2, h.weightDecay, lr, b[0]!, b[1]!);
        if (bad === 0) putBounds(s, LION_CARRIED, k);
        return bad;
      }
      takeBounds(s, LION_CARRIED);
      return k.lion_f32(P.params!, P.grads!, P.m!, s.size, b1, ob1, b2, ob2, h.weightDecay, lr, mode);
    },
  });
}
