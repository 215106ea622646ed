/**
 * One f64 Adam for the small vectors that JavaScript owns: meta-parameters θ (DCO, learned
 * optimizers), baseline rules in the labs, surrogate fits. The f32 WASM `adam()` of `optim/`
 * is for model parameters; this one is for when precision decides and n is small.
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  t ← t + 1
 *   x ← x − lr·scale · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)        (ε outside the √, as Kingma & Ba 2015)
 *
 * Defaults: β₁ 0.9, β₂ 0.999, ε 1e-8.
 */
export interface AdamF64State {
  m: Float64Array;
  v: Float64Array;
  /** Steps taken so far. */
  t: number;
}

export interface AdamF64Options {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Zero moments for a vector of length n.
 * @example
 * ```ts
 * import { adamF64Init } from 'metaoptim/core';
 * const s = adamF64Init(3);
 * console.log(s.m.length, s.v.length, s.t); // 3 3 0
 * ```
 */
export function adamF64Init(n: number): AdamF64State {
  return { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
}

/**
 * One Adam step on x in place (see the module comment); advances `state.t`.
 * @example
 * ```ts
 * import { adamF64Init, adamF64Step } from 'metaoptim/core';
 * const x = Float64Array.of(1, -1);
 * const state = adamF64Init(2);
 * for (let t = 0; t < 500; t++) adamF64Step(x, Array.from(x), state, { lr: 0.05 }); // f(x) = ½‖x‖²
 * console.log(Math.abs(x[0]!) < 1e-2, state.t); // true 500
 * ```
 */
export function adamF64Step(x: Float64Array, g: ArrayLike<number>, state: AdamF64State, o: AdamF64Options): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const t = ++state.t;
  const c1 = 1 - Math.pow(b1, t);
  const c2 = 1 - Math.pow(b2, t);
  const { m, v } = state;
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * gi;
    v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
    x[i] = x[i]! - (o.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
  }
}
