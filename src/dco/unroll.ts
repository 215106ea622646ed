// T-step unroll of a DCO optimizer on one task and its exact reverse-mode meta-gradient
// (SPEC B.3.2, B.3.4). Forward, from x₀ with d₀ = 0:
//   g_t = ∇f(x_t);  q_t = W_g g_t + W_d d_t + W_x x_t + c;  δ_t = −P⁻¹q_t;
//   x_{t+1} = x_t + δ_t;  d_{t+1} = δ_t.
// Step t evaluates the task with its step index (`task.loss(x, g, t)`: minibatch t of a stochastic task).
// Meta-loss ℓ = Σ_{t=1..T} w_t f(x_t) / f(x₀)^[normalize], w_t = 1 ('all') or only t = T ('last').
// Backward with a = ∂ℓ/∂x_{t+1}, e = ∂ℓ/∂d_{t+1}: v = a + e is ∂ℓ/∂δ_t; the unconstrained QP
// adjoint gives w = P⁻¹v, ∂ℓ/∂q_t = −w, ∂ℓ/∂P += −½(w δ_tᵀ + δ_t wᵀ); then
//   ∂ℓ/∂W_g += −w g_tᵀ, ∂ℓ/∂W_d += −w d_tᵀ, ∂ℓ/∂W_x += −w x_tᵀ, ∂ℓ/∂c += −w,
//   a ← a − W_xᵀw − [full] ∇²f(x_t) W_gᵀw + w_t ∇f(x_t) (t ≥ 1),   e ← −W_dᵀw.
// 'first-order' treats g_t as a constant (drops the Hessian term); 'full' needs task.hvp.
import { addOuter, cholSolve, matTVec } from '../core/linalg.js';
import type { F64Task } from '../tasks/f64.js';
import type { DenseGrads, Materialized } from './theta.js';

export interface UnrollOptions {
  steps: number;
  weights: 'all' | 'last';
  normalize: boolean;
  full: boolean;
}

/** One DCO step from (x, d, g): returns δ = −P⁻¹q (q also written to `q`). */
export function dcoDelta(m: Materialized, x: ArrayLike<number>, d: ArrayLike<number>, g: ArrayLike<number>, q: Float64Array): Float64Array {
  const n = m.n;
  for (let i = 0; i < n; i++) {
    let s = m.c ? m.c[i]! : 0;
    if (m.Wg) for (let j = 0; j < n; j++) s += m.Wg[i * n + j]! * g[j]!;
    else s += g[i]!;
    if (m.Wd) for (let j = 0; j < n; j++) s += m.Wd[i * n + j]! * d[j]!;
    if (m.Wx) for (let j = 0; j < n; j++) s += m.Wx[i * n + j]! * x[j]!;
    q[i] = s;
  }
  const delta = Float64Array.from(q, (v) => -v);
  return cholSolve(m.cholP, n, delta);
}

/**
 * Runs the unroll; accumulates ∂ℓ/∂(matrices) into `grads` (when given) and returns ℓ and the losses f(x_t).
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as dco from 'metaoptim/dco';
 * await ready();
 * const family = dco.leastSquaresFamily({ n: 4, m: 8, seed: 1 });
 * const task = dco.asF64Task(family.task(family.sample(0)));
 * const theta = dco.dcog.init(0, 4, { parameterization: 'full', lr: 0.3 });
 * const r = dco.unroll(dco.materialize(theta), task, { steps: 5, weights: 'all', normalize: true, full: false });
 * console.log(r.losses.length, r.losses[4]! < r.losses[0]!); // 6 true: x₀ … x₅
 * ```
 */
export function unroll(m: Materialized, task: F64Task, o: UnrollOptions, grads?: DenseGrads): { metaLoss: number; losses: number[]; x: Float64Array } {
  const n = m.n, T = o.steps;
  const xs: Float64Array[] = [task.x0.slice()];
  const ds: Float64Array[] = [new Float64Array(n)];
  const gs: Float64Array[] = [];
  const deltas: Float64Array[] = [];
  const losses: number[] = [];
  const q = new Float64Array(n);
  for (let t = 0; t <= T; t++) {
    const g = new Float64Array(n);
    losses.push(task.loss(xs[t]!, g, t));
    gs.push(g);
    if (t === T) break;
    const delta = dcoDelta(m, xs[t]!, ds[t]!, g, q);
    deltas.push(delta);
    xs.push(xs[t]!.map((v, i) => v + delta[i]!));
    ds.push(delta);
  }
  const scale = o.normalize ? 1 / Math.max(losses[0]!, 1e-300) : 1;
  const wt = (t: number): number => (o.weights === 'all' || t === T ? scale : 0);
  let metaLoss = 0;
  for (let t = 1; t <= T; t++) metaLoss += wt(t) * losses[t]!;
  if (!grads) return { metaLoss, losses, x: xs[T]! };
  let a = gs[T]!.map((v) => v * wt(T));
  let e = new Float64Array(n);
  const tmp = new Float64Array(n), hv = new Float64Array(n);
  for (let t = T - 1; t >= 0; t--) {
    const w = a.map((v, i) => v + e[i]!);
    cholSolve(m.cholP, n, w);
    const delta = deltas[t]!;
    addOuter(grads.P, n, -0.5, w, delta);
    addOuter(grads.P, n, -0.5, delta, w);
    if (grads.Wg) addOuter(grads.Wg, n, -1, w, gs[t]!);
    if (grads.Wd) addOuter(grads.Wd, n, -1, w, ds[t]!);
    if (grads.Wx) addOuter(grads.Wx, n, -1, w, xs[t]!);
    if (grads.c) for (let i = 0; i < n; i++) grads.c[i] = grads.c[i]! - w[i]!;
    const next = a.slice();
    if (m.Wx) {
      matTVec(m.Wx, n, n, w, tmp);
      for (let i = 0; i < n; i++) next[i] = next[i]! - tmp[i]!;
    }
    if (o.full && task.hvp) {
      const u = m.Wg ? matTVec(m.Wg, n, n, w, new Float64Array(n)) : w;
      task.hvp(xs[t]!, u, hv, t);
      for (let i = 0; i < n; i++) next[i] = next[i]! - hv[i]!;
    }
    if (t >= 1) {
      const c = wt(t);
      if (c !== 0) for (let i = 0; i < n; i++) next[i] = next[i]! + c * gs[t]![i]!;
    }
    e = m.Wd ? matTVec(m.Wd, n, n, w, new Float64Array(n)).map((v) => -v) : new Float64Array(n);
    a = next;
  }
  return { metaLoss, losses, x: xs[T]! };
}
