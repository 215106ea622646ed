import { MetaoptimError } from '../core/errors.js';
import { checkStateMaker } from '../optim/base.js';
import type { OptState } from '../optim/state.js';
import type { GradientInput, Optimizer, StepInfo } from '../optim/types.js';

/**
 * Observers that look at a run without changing it (SPEC B.1.4 "baseline updates are found
 * by cloning the optimizer state and taking one step"; like optax `monitor`).
 *
 * `wouldUpdate(opt, state, grads, info)` returns Δθ = θ' − θ, the update `opt` WOULD apply
 * to `state` for `grads`, computed on a scratch copy: save → restore (same runtime) → step →
 * diff → dispose. `state` is untouched (bit for bit, including its step count). The
 * difference is taken in f64 (exact for f32 operands within 2^29 of each other's exponent).
 * Works for every optimizer built on the `Optimizer` interface, learned ones included.
 *
 * Errors: `STATE_MISMATCH` when `state` was made by another optimizer (another kind,
 * other hyper-parameters or another layout; see `Optimizer.step`), whatever `opt.step` raises
 * on the scratch state (e.g. `NON_FINITE_GRADIENT`), `INVALID_ARGUMENT` when the state is not live.
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { wouldUpdate } from 'metaoptim/analysis';
 * await ready();
 * const opt = adam({ lr: 0.1 });
 * const state = opt.init([1, 2]);
 * const { delta } = wouldUpdate(opt, state, [1, -1]); // the update Adam would apply
 * console.log(Array.from(delta, (v) => v.toFixed(2)), state.scalars.count); // [ '-0.10', '0.10' ] 0
 * state.dispose();
 * ```
 */
export function wouldUpdate(opt: Optimizer, state: OptState, grads?: GradientInput, info?: StepInfo): { delta: Float64Array; applied: boolean } {
  if (!state || typeof state.save !== 'function' || !state.maker) throw new MetaoptimError('INVALID_ARGUMENT', 'wouldUpdate: expected an optimizer state');
  checkStateMaker(opt, state, 'wouldUpdate');
  const scratch = opt.restore(state.save(), { runtime: state.runtime });
  try {
    // Without explicit grads the live state's gradient buffer is what step() would use.
    const applied = opt.step(scratch, grads ?? state.grads, info);
    const before = state.params;
    const after = scratch.params;
    const delta = new Float64Array(state.size);
    for (let i = 0; i < delta.length; i++) delta[i] = after[i]! - before[i]!;
    return { delta, applied };
  } finally {
    scratch.dispose();
  }
}

/**
 * Runs `wouldUpdate` for every gradient in `grads` (one per minibatch) from the same state.
 * @example
 * ```ts
 * import { lion, ready } from 'metaoptim';
 * import { wouldUpdates } from 'metaoptim/analysis';
 * await ready();
 * const opt = lion({ lr: 0.1 });
 * const state = opt.init([0, 0]);
 * const deltas = wouldUpdates(opt, state, [[1, -1], [-2, 0]]); // each from the same state
 * console.log(deltas.map((d) => Array.from(d))); // [ [ -0.1, 0.1 ], [ 0.1, 0 ] ] (f32 rounding aside)
 * state.dispose();
 * ```
 */
export function wouldUpdates(opt: Optimizer, state: OptState, grads: readonly GradientInput[], infos?: readonly (StepInfo | undefined)[]): Float64Array[] {
  return grads.map((g, i) => wouldUpdate(opt, state, g, infos?.[i]).delta);
}
