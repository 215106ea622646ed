import type { CeloLoadOptions } from './celo.js';
import { type CeloOptimizer, type CeloOptions, celoFamily } from './family.js';
import { loadCeloTheta, type CeloTheta } from './theta.js';

const fr = Math.fround;

/**
 * Celo-Adam (same paper as `celo`): Celo's learned LSTM scheduler driving Adam
 * (amoudgl/celo celo/optimizers/celo_adam.py `_ff_mod`, configuration `get_optimizer("celo_adam")`:
 * β1 = 0.9, β2 = 0.999, ε = 1e−8, step_mult = 0.001, bias correction on). Per step, t = count + 1:
 *   lr = 0.001·lr_mult (lr_mult from the scheduler, see `celo`);  g ← clip(g, ±1000)
 *   m ← 0.9·m + 0.1·g,  v ← 0.999·v + 0.001·g²,  p ← p − (m/(1 − 0.9ᵗ))·lr/(1e−8 + √(v/(1 − 0.999ᵗ) + 1e−10))
 * (the reference also keeps Adafactor accumulators that its update never reads; they are omitted).
 * `init(params, { numSteps })`; shapes are accepted and checked but not needed. Slots m, v.
 * Errors: as `celo`.
 */
export async function celoAdam(opts: CeloLoadOptions = {}): Promise<CeloOptimizer> {
  const { base, ...rest } = opts;
  return celoAdamFromTheta(await loadCeloTheta('celo-adam', base), rest);
}

/** `celoAdam` with θ already loaded (`loadCeloTheta('celo-adam')`): synchronous. */
export function celoAdamFromTheta(theta: CeloTheta, opts: CeloOptions = {}): CeloOptimizer {
  return celoFamily({
    name: 'celo-adam',
    theta,
    slots: ['m', 'v'],
    apply(s, k, _tensors, count, lrm) {
      const t = count + 1;
      const bc1 = fr(1 - fr(Math.pow(fr(0.9), t))), bc2 = fr(1 - fr(Math.pow(fr(0.999), t)));
      k.celo_adam_f32(s.ptrs.params!, s.ptrs.grads!, s.ptrs.m!, s.ptrs.v!, s.size, bc1, bc2, fr(lrm * fr(0.001)));
    },
  }, opts);
}
