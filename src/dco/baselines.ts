// The hand-made first-order rules the DCO labs compare against, in f64 on flat vectors:
// one step of GD, heavy ball or Adam (β1 0.9, β2 0.999, ε 1e-8, ε outside the √), in place.

export type BaselineRule = 'gd' | 'heavy-ball' | 'adam';

/** Per-run state of a baseline rule: the previous iterate (heavy ball) and Adam's moments. */
export interface BaselineState {
  prev: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
}

export function baselineState(x0: Float64Array): BaselineState {
  return { prev: x0.slice(), m1: new Float64Array(x0.length), m2: new Float64Array(x0.length) };
}

/**
 * x ← one step of `rule` with gradient g at step t (0-based):
 *   gd          x ← x − lr·g
 *   heavy-ball  x ← x − lr·g + β·(x − x_prev)
 *   adam        m ← 0.9m + 0.1g, v ← 0.999v + 0.001g², x ← x − lr·m̂/(√v̂ + 1e-8)
 */
export function baselineStep(rule: BaselineRule, x: Float64Array, g: Float64Array, s: BaselineState, t: number, lr: number, beta: number): void {
  const { prev, m1, m2 } = s;
  for (let i = 0; i < x.length; i++) {
    if (rule === 'gd') x[i] = x[i]! - lr * g[i]!;
    else if (rule === 'heavy-ball') {
      const xi = x[i]!;
      x[i] = xi - lr * g[i]! + beta * (xi - prev[i]!);
      prev[i] = xi;
    } else {
      m1[i] = 0.9 * m1[i]! + 0.1 * g[i]!;
      m2[i] = 0.999 * m2[i]! + 0.001 * g[i]! * g[i]!;
      const mh = m1[i]! / (1 - 0.9 ** (t + 1)), vh = m2[i]! / (1 - 0.999 ** (t + 1));
      x[i] = x[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
}
