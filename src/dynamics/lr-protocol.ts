import { MetaoptimError } from '../core/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Optimizer } from '../optim/types.js';
import type { Task } from '../tasks/types.js';

/** The learning-rate grid of SPEC B.1.1 (`find_best_lr_normal`). */
export const LR_GRID: readonly number[] = [1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 3];

export interface LrProtocolOptions {
  /** Candidate learning rates (default `LR_GRID`). */
  grid?: readonly number[];
  /** Runs per candidate, each from a fresh init (default 3). */
  runs?: number;
  /** Steps per run (default 50). */
  steps?: number;
  /** Run r starts from `task.init(seed + r)` (default seed 0). */
  seed?: number;
  runtime?: Runtime;
  signal?: AbortSignal;
}

export interface LrProtocolResult {
  lr: number;
  /** Summed training loss per candidate, in grid order (Infinity for a diverged candidate). */
  scores: number[];
  grid: number[];
}

/**
 * The learning-rate pick of SPEC B.1.1 (Sobotka et al. `find_best_lr_normal`): for every lr in
 * the grid, `runs` runs of `steps` steps from fresh inits (run r uses init seed `seed + r` and
 * minibatch t at step t), score = Σ_runs Σ_t L_t (the minibatch training losses seen by the
 * optimizer); the pick is the lr with the smallest score (first in grid order on ties). A run
 * whose loss or gradient becomes non-finite scores Infinity.
 * `score(lr)` can be replaced (see `pickByScore`) — the argmin rule is the same.
 * Errors: `INVALID_ARGUMENT` (empty grid, runs/steps not positive integers, every candidate diverged).
 */
export function pickLearningRate(make: (lr: number) => Optimizer, task: Task, o: LrProtocolOptions = {}): LrProtocolResult {
  const runs = o.runs ?? 3, steps = o.steps ?? 50, seed = o.seed ?? 0;
  for (const [k, v] of [['runs', runs], ['steps', steps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MetaoptimError('INVALID_ARGUMENT', `pickLearningRate: ${k} must be a positive integer, got ${v}`);
  }
  return pickByScore(o.grid ?? LR_GRID, (lr) => {
    let total = 0;
    for (let r = 0; r < runs; r++) {
      if (o.signal?.aborted) throw new MetaoptimError('ABORTED', 'pickLearningRate: aborted');
      total += summedLoss(make(lr), task, seed + r, steps, o.runtime);
      if (!Number.isFinite(total)) return Infinity;
    }
    return total;
  });
}

/** Σ_t L_t over `steps` steps of `opt` from `task.init(seed)`; Infinity on a non-finite loss/gradient. */
export function summedLoss(opt: Optimizer, task: Task, seed: number, steps: number, runtime?: Runtime): number {
  const st = opt.init(task.init(seed), runtime ? { runtime } : undefined);
  const g = new Float32Array(task.size);
  let sum = 0;
  try {
    for (let t = 0; t < steps; t++) {
      const loss = task.loss(st.params.slice(), t, g);
      let finite = Number.isFinite(loss);
      for (let i = 0; finite && i < g.length; i++) finite = Number.isFinite(g[i]!);
      if (!finite) return Infinity;
      sum += loss;
      opt.step(st, g, { loss });
    }
    return sum;
  } finally {
    st.dispose();
  }
}

/** argmin over `grid` of `score` (first on ties; NaN counts as Infinity). */
export function pickByScore(grid: readonly number[], score: (lr: number) => number): LrProtocolResult {
  if (!grid.length) throw new MetaoptimError('INVALID_ARGUMENT', 'pickLearningRate: the grid is empty');
  const scores = grid.map((lr) => {
    const s = score(lr);
    return Number.isNaN(s) ? Infinity : s;
  });
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!) && (best < 0 || scores[i]! < scores[best]!)) best = i;
  if (best < 0) throw new MetaoptimError('INVALID_ARGUMENT', 'pickLearningRate: every learning rate diverged');
  return { lr: grid[best]!, scores, grid: [...grid] };
}
