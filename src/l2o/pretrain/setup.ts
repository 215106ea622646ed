// Setup module of the pretraining run: every meta-training worker (and the in-process path)
// imports it and builds its own runtime, the digits-MLP family and an MLP-optimizer unroll
// whose segments are the task's tensors.
import { createRuntime } from '../../runtime/runtime.js';
import { digitsMlpFamily } from '../../tasks/digits.js';
import type { MlpTask } from '../../tasks/classification.js';
import { mlpLOpt } from '../mlp.js';
import { type LoptRunState, loptUnroll } from '../outer/unroll.js';

export interface PretrainSetupArgs {
  innerSteps: number;
  normEps: number;
  /**
   * Meta-train only a subspace: θ = base + Σ_j scale_j·z_j·e_{index_j}; the unroll's
   * meta-parameters are then z (length index.length).
   */
  subspace?: { base: number[]; index: number[]; scale: number[] };
}

/** θ of a subspace point z (see `PretrainSetupArgs.subspace`). */
export function embedSubspace(sub: { base: ArrayLike<number>; index: ArrayLike<number>; scale: ArrayLike<number> }, z: ArrayLike<number>): Float32Array {
  const th = Float32Array.from(sub.base);
  for (let j = 0; j < sub.index.length; j++) th[sub.index[j]!] = th[sub.index[j]!]! + sub.scale[j]! * z[j]!;
  return th;
}

export async function createUnroll(args: PretrainSetupArgs) {
  const runtime = await createRuntime();
  const family = await digitsMlpFamily({ runtime });
  const full = loptUnroll({
    family,
    lopt: mlpLOpt,
    runtime,
    innerSteps: args.innerSteps,
    loptOptionsFor: (task) => ({ segments: (task as MlpTask).model.tensors.map((t) => t.length), normEps: args.normEps }),
  });
  const sub = args.subspace;
  if (!sub) return full;
  return {
    thetaSize: sub.index.length,
    start: (seed: number) => full.start(seed),
    unroll: (z: Float32Array, state: LoptRunState, steps: number) => full.unroll(embedSubspace(sub, z), state, steps),
  };
}
