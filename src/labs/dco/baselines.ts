// The hand-made first-order rules the DCO lab compares against, in f64 on an `F64Task` (the
// same view, and the same minibatch t at step t, as a DCO unroll), and their tuning.
//   gd          x ← x − lr·g
//   heavy-ball  x ← x − lr·g + β·(x − x_prev)
//   adam        core `adamF64Step` (β₁ 0.9, β₂ 0.999, ε 1e-8 outside the √)
// Divergence is the one rule of the library (`isDiverged` of tasks/train.ts, factor 1e8): a
// run diverges at the first non-finite gradient or loss, or a loss above 1e8·(|f(x₀)| + 1);
// a diverged run scores +∞ and is never picked by the tuning.
import { adamF64Init, adamF64Step } from '../../core/adam.js';
import type { F64Task } from '../../tasks/f64.js';
import { isDiverged } from '../../tasks/train.js';

export type BaselineRule = 'gd' | 'heavy-ball' | 'adam';

/** β grid of heavy-ball momentum in every tuning of the lab. */
export const BETA_GRID: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95];

export interface BaselineRun {
  /** x_T (the iterate reached when the run diverged). */
  x: Float64Array;
  /** f(x_T) evaluated at step T (+∞ when diverged). */
  finalLoss: number;
  /** Σ_{t=1..T} f_t(x_t)/T, the DCO meta-objective on the same minibatches (+∞ when diverged). */
  trajectory: number;
  diverged: boolean;
}

function allFinite(g: Float64Array): boolean {
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) return false;
  return true;
}

/** T steps of `rule` from `task.x0`, loss and gradient of minibatch t at step t. */
export function runBaseline(task: F64Task, T: number, rule: BaselineRule, lr: number, beta = 0): BaselineRun {
  const n = task.size;
  const x = task.x0.slice(), g = new Float64Array(n), prev = x.slice();
  const adam = rule === 'adam' ? adamF64Init(n) : undefined;
  let first = NaN, sum = 0;
  const diverged = (): BaselineRun => ({ x, finalLoss: Infinity, trajectory: Infinity, diverged: true });
  for (let t = 0; t < T; t++) {
    const l = task.loss(x, g, t);
    if (t === 0) first = l;
    if (isDiverged(l, first) || !allFinite(g)) return diverged();
    if (t > 0) sum += l;
    if (adam) adamF64Step(x, g, adam, { lr });
    else {
      for (let i = 0; i < n; i++) {
        const xi = x[i]!;
        x[i] = xi - lr * g[i]! + (rule === 'heavy-ball' ? beta * (xi - prev[i]!) : 0);
        prev[i] = xi;
      }
    }
  }
  const l = task.loss(x, undefined, T);
  if (T > 0 && isDiverged(l, first)) return diverged();
  return { x, finalLoss: l, trajectory: T > 0 ? (sum + l) / T : l, diverged: false };
}

/** The one divergence rule over a loss curve f(x₀), f(x₁), …: true when any loss diverges. */
export function curveDiverged(losses: ArrayLike<number>): boolean {
  for (let t = 0; t < losses.length; t++) if (isDiverged(losses[t]!, losses[0]!)) return true;
  return false;
}

export interface TunedRule {
  lr: number;
  /** β (heavy ball; 0 otherwise). */
  beta: number;
  /** Mean score over the tuning tasks at the chosen point (+∞ when every point diverged). */
  score: number;
}

/**
 * Grid search of `rule` over `grid` (× `BETA_GRID` for heavy ball): each point is scored by the
 * mean of `score(task, run)` over `tasks` (a diverged run scores +∞), the smallest mean wins,
 * the first in grid order on ties. `tick` is awaited after every grid point (yield and abort).
 * When every point diverged the first grid point is returned with score +∞.
 */
export async function tuneBaseline(
  rule: BaselineRule,
  tasks: readonly F64Task[],
  T: number,
  grid: readonly number[],
  score: (task: F64Task, run: BaselineRun, index: number) => number,
  tick: () => Promise<void>,
): Promise<TunedRule> {
  let best: TunedRule = { lr: grid[0]!, beta: rule === 'heavy-ball' ? BETA_GRID[0]! : 0, score: Infinity };
  for (const lr of grid) {
    for (const beta of rule === 'heavy-ball' ? BETA_GRID : [0]) {
      let s = 0;
      for (const [i, task] of tasks.entries()) {
        const run = runBaseline(task, T, rule, lr, beta);
        const v = run.diverged ? Infinity : score(task, run, i);
        s += Number.isNaN(v) ? Infinity : v;
      }
      const v = s / tasks.length;
      if (v < best.score) best = { lr, beta, score: v };
      await tick();
    }
  }
  return best;
}
