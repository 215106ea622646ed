import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Evaluation, Task, TaskFamily } from './types.js';

/**
 * A tiny synthetic task family for meta-training tests and examples (learned_optimization
 * `tasks/quadratics.py` in spirit): a noisy diagonal quadratic
 *   L_b(x) = ½·Σ_i h_i·(x_i − c_i − s·z_{b,i})²,   z_{b,i} ~ N(0, 1) per minibatch b,
 * with curvatures h_i log-uniform in [hMin, hMax], centers c_i ~ N(0, 1), x₀ ~ N(0, 1), all
 * from the configuration's seed; `evaluate` gives the noise-free loss. Gradient: h·(x − c − s·z).
 */
export interface NoisyQuadraticConfig {
  dim: number;
  seed: number;
  hMin: number;
  hMax: number;
  noise: number;
}

export interface NoisyQuadraticFamilyOptions {
  dim?: number;
  hMin?: number;
  hMax?: number;
  noise?: number;
}

const FAMILY_KEYS = optionKeys<NoisyQuadraticFamilyOptions>({ dim: 1, hMin: 1, hMax: 1, noise: 1 });

/**
 * The family (defaults: dim 16, h ∈ [0.1, 10], noise s = 0.1); configurations are seeds.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { noisyQuadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const family = noisyQuadraticFamily({ dim: 16 });
 * const task = family.task(family.sample(3)); // a fresh curvature and noise draw per seed
 * const run = await train(task, adam({ lr: 0.05 }), { steps: 300, evalSplits: [] });
 * console.log(run.losses[299]! < run.losses[0]!); // true
 * ```
 */
export function noisyQuadraticFamily(o: NoisyQuadraticFamilyOptions = {}): TaskFamily<NoisyQuadraticConfig> {
  checkOptions('noisyQuadraticFamily', o, FAMILY_KEYS);
  const dim = o.dim ?? 16, hMin = o.hMin ?? 0.1, hMax = o.hMax ?? 10, noise = o.noise ?? 0.1;
  if (!Number.isInteger(dim) || dim < 1 || !(hMin > 0) || !(hMax >= hMin) || !(noise >= 0)) {
    throw new MetaoptimError('INVALID_ARGUMENT', 'noisyQuadraticFamily: need dim ≥ 1, 0 < hMin ≤ hMax, noise ≥ 0');
  }
  return {
    name: `quadratic-${dim}`,
    sample: (seed: number) => ({ dim, seed, hMin, hMax, noise }),
    task: (c: NoisyQuadraticConfig) => noisyQuadraticTask(c),
  };
}

/**
 * The task of one configuration (see the module comment).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { noisyQuadraticTask } from 'metaoptim/tasks';
 * await ready();
 * const task = noisyQuadraticTask({ dim: 4, seed: 0, hMin: 0.1, hMax: 10, noise: 0.1 });
 * console.log(task.size, task.loss(task.init(0), 0) > 0); // 4 true
 * ```
 */
export function noisyQuadraticTask(c: NoisyQuadraticConfig): Task {
  const rng = new Rng(c.seed, 0x71);
  const h = Float64Array.from({ length: c.dim }, () => Math.exp(Math.log(c.hMin) + rng.uniform() * Math.log(c.hMax / c.hMin)));
  const center = Float64Array.from({ length: c.dim }, () => rng.normal());
  const value = (x: Float32Array, batch: number | undefined, grad?: Float32Array): number => {
    if (x.length !== c.dim) throw new MetaoptimError('LENGTH_MISMATCH', `quadratic: params have ${x.length} entries, expected ${c.dim}`);
    const z = batch === undefined ? undefined : new Rng(c.seed, 0x72, batch);
    let l = 0;
    for (let i = 0; i < c.dim; i++) {
      const d = x[i]! - center[i]! - (z ? c.noise * z.normal() : 0);
      l += 0.5 * h[i]! * d * d;
      if (grad) grad[i] = h[i]! * d;
    }
    return l;
  };
  return {
    name: `quadratic-${c.dim}-${c.seed}`,
    size: c.dim,
    init: (seed: number) => new Rng(seed, 0x73).fillNormal(new Float32Array(c.dim)) as Float32Array,
    loss: (params, batch, grad) => value(params, batch, grad),
    evaluate: (params): Evaluation => ({ loss: value(params, undefined) }),
  };
}
