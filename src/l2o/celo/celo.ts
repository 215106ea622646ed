import { type CeloOptimizer, type CeloOptions, celoFamily } from './family.js';
import { loadCeloTheta, type CeloTheta } from './theta.js';
import { celoUpdateBatched } from './batched.js';
import { CELO_SLOTS, celoUpdate, ffWeights } from './update.js';

/** Options of `celo()`: those of every Celo optimizer, plus where the shipped θ lives. */
export interface CeloLoadOptions extends CeloOptions {
  /** Folder (URL) holding celo-theta.json and the .bin files instead of the package's data/learned/. */
  base?: string | URL;
}

/**
 * Celo (Moudgil, Knyazev, Lajoie, Belilovsky, "Celo: Training Versatile Learned Optimizers on a
 * Compute Diet", TMLR 2025), with the authors' published meta-parameters (MIT; data/learned/).
 * Untuned: no learning rate. Per step, with the minibatch loss:
 *   1. scheduler (src/l2o/celo/scheduler.ts): loss buffer + fractional-progress embedding → LSTM(64)
 *      → lr_mult = 0.1·exp(·), the same for every tensor;
 *   2. per tensor (src/l2o/celo/update.ts, kernels assembly/celo.ts): g ← clip(g, ±1000); momenta at
 *      0.9/0.99/0.999, rms at 0.999, Adafactor row/column accumulators at 0.9/0.99/0.999; 30
 *      normalized features → MLP 30→4→4→3; p ← p − lr_mult·d·ψ·exp(0.001·s)·0.001, ψ = RMS of p.
 * `init(params, { numSteps, shapes | tensors })`: the horizon N (the reference's `num_steps`) and the
 * tensor shapes ([n], [rows, cols], or rank > 2 with the two largest axes last, e.g. a conv
 * kernel of shape `[3, 3, Cin, Cout]`, factored per trailing matrix in src/l2o/celo/batched.ts;
 * `tensors: mlp().tensors` works); without shapes the vector is one 1-D tensor. `step(state, grads, { loss })` needs the loss. Slots m0, m1, m2, v, f0, f1, f2.
 * Errors: DATA_UNAVAILABLE / BAD_CHECKPOINT (θ files), INVALID_ARGUMENT (numSteps, shapes),
 * LENGTH_MISMATCH (shapes vs params), MISSING_LOSS, NON_FINITE_LOSS, plus the Optimizer codes.
 */
export async function celo(opts: CeloLoadOptions = {}): Promise<CeloOptimizer> {
  const { base, ...rest } = opts;
  return celoFromTheta(await loadCeloTheta('celo', base), rest);
}

/** `celo` with θ already loaded (`loadCeloTheta('celo')`): synchronous. */
export function celoFromTheta(theta: CeloTheta, opts: CeloOptions = {}): CeloOptimizer {
  const ff = ffWeights(theta);
  return celoFamily({
    name: 'celo',
    theta,
    slots: CELO_SLOTS,
    apply(s, k, tensors, _count, lrm) {
      const flat = tensors.filter((t) => t.batch === 1);
      celoUpdate(s, k, flat, ff, lrm);
      if (flat.length < tensors.length) celoUpdateBatched(s, k, tensors.filter((t) => t.batch > 1), ff, lrm);
    },
  }, opts);
}
