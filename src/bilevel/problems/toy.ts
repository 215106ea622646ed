import { type BilevelProblem, defineProblem } from '../problem.js';

/**
 * The nonconvex toy of V-PBGD (Shen & Chen 2023, `V-PBGD/toy/toy.py`; SPEC A.2.2), x ∈ [0, 3]:
 *
 *   g(x, y) = (x + y)² + x·sin²(x + y)                 y*(x) = −x,  v(x) = min_y g = 0
 *   f(x, y) = cos(4y + 2)/(1 + e^{2−4x}) + ½·ln((4x − 2)² + 1)
 *   F(x)    = f(x, −x) = σ(x)·cos(2 − 4x) + ½·ln((4x − 2)² + 1),   σ(x) = 1/(1 + e^{2−4x})
 *
 * Gradients (u = x + y):  ∇_y g = 2u + x·sin 2u,  ∇ₓg = 2u + sin²u + x·sin 2u,
 * ∇_y f = −4σ·sin(4y + 2),  ∇ₓf = 4σ(1 − σ)·cos(4y + 2) + 4(4x − 2)/((4x − 2)² + 1).
 * The UL is not flat at y* (∇_y f(x, −x) = −4σ·sin(2 − 4x) ≠ 0 in general), so PBGD-Free's
 * fixed points are shifted from F's stationary points. Starting points: x ~ U[0, 3], y ~ U[−3, 0].
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { bilevelToyProblem, pbgdFree } from 'metaoptim/bilevel';
 * await ready();
 * const p = bilevelToyProblem();
 * const r = await pbgdFree(p, { iterations: 500 });
 * console.log(p.localMinima().length > 0, r.counts.total > 0); // true true
 * ```
 */
export function toyProblem(): BilevelProblem & { localMinima(): { x: number; F: number }[]; F(x: number): number } {
  const sig = (x: number) => 1 / (1 + Math.exp(2 - 4 * x));
  const F = (x: number) => sig(x) * Math.cos(2 - 4 * x) + 0.5 * Math.log((4 * x - 2) ** 2 + 1);
  const p = defineProblem({
    name: 'toy',
    dimX: 1,
    dimY: 1,
    bounds: { lo: 0, hi: 3 },
    description: 'nonconvex toy of V-PBGD: g = (x+y)² + x·sin²(x+y), f = cos(4y+2)/(1+e^{2−4x}) + ½ln((4x−2)²+1), x ∈ [0, 3]',
    upper(xv, yv, gx, gy) {
      const x = xv[0]!, y = yv[0]!;
      const s = sig(x);
      const c = Math.cos(4 * y + 2);
      const w = 4 * x - 2;
      if (gx) gx[0] = 4 * s * (1 - s) * c + (4 * w) / (w * w + 1);
      if (gy) gy[0] = -4 * s * Math.sin(4 * y + 2);
      return c * s + 0.5 * Math.log(w * w + 1);
    },
    lower(xv, yv, gx, gy) {
      const x = xv[0]!, u = x + yv[0]!;
      const sn = Math.sin(u);
      if (gx) gx[0] = 2 * u + sn * sn + x * Math.sin(2 * u);
      if (gy) gy[0] = 2 * u + x * Math.sin(2 * u);
      return u * u + x * sn * sn;
    },
    init: (rng) => ({ x: Float32Array.of(3 * rng.uniform()), y: Float32Array.of(-3 * rng.uniform()) }),
    lowerSolution: (x, out) => {
      out[0] = -x[0]!;
    },
    upperObjective: (x) => F(x[0]!),
  });
  return {
    ...p,
    F,
    /** Local minima of F on [0, 3] (grid of 30,001 points, refined by golden-section search). */
    localMinima() {
      const N = 30000;
      const out: { x: number; F: number }[] = [];
      const v = (i: number) => F((3 * i) / N);
      for (let i = 0; i <= N; i++) {
        const left = i === 0 ? Infinity : v(i - 1), right = i === N ? Infinity : v(i + 1), c = v(i);
        if (c <= left && c < right) {
          let a = Math.max(0, (3 * (i - 1)) / N), b = Math.min(3, (3 * (i + 1)) / N);
          const g = (Math.sqrt(5) - 1) / 2;
          for (let k = 0; k < 80; k++) {
            const x1 = b - g * (b - a), x2 = a + g * (b - a);
            if (F(x1) < F(x2)) b = x2;
            else a = x1;
          }
          const x = 0.5 * (a + b);
          out.push({ x, F: F(x) });
        }
      }
      return out;
    },
  };
}
