/** @module metaoptim/dco */
/**
 * DCO meta-learned first-order optimizers (Gautam, Pfrommer & Sojoudi 2023; SPEC B.3,
 * reconstructed). Each step solves δ* = argmin ½δᵀP_φδ + q_φᵀδ (closed form −P⁻¹q):
 * - `dcog`  q = g                         (P = I/α is gradient descent)
 * - `dcom`  q = g − M d                   (P = I/α, M = (β/α)I is heavy ball)
 * - `dcogd` q = W_g g + W_d d + W_x x + c (general linear first-order rule)
 * with P = diag(softplus(s)) + εI ('diagonal') or LLᵀ + εI ('full'), ε = 1e-6.
 *
 * θ lives outside optimizer states: `dcog.init(seed, n, { parameterization }) → θ`,
 * `await dcog.metaTrain(θ, { tasks, unroll, …, signal, onProgress }) → { theta, history, gradient }`
 * (async and cancellable on the core loop contract), `dcog.optimizer(θ) → Optimizer`.
 * The tasks are `Task`s or their f64 views (`F64Task`, `asF64Task`, `fromTask` in `tasks/f64.ts`).
 *
 * Meta-gradients are exact reverse mode through the unroll with the QP adjoint of B.3.2.
 * Which one is used: 'full' (through ∇²f·v) when every task provides `hvp` — the least-squares
 * and quadratic families do — else 'first-order' (∇f(x_t) treated as a constant; the iris/wine
 * logistic-regression families have no hvp, so they get this); choose with `gradient`. For
 * T = 1 from a fixed x₀ they coincide.
 *
 * Error codes: INVALID_ARGUMENT, INVALID_HYPERPARAMETER, UNKNOWN_OPTION (every options object
 * is checked), LENGTH_MISMATCH, QP_NOT_PD (P lost definiteness; raise ε), NON_FINITE_LOSS
 * (meta-loss overflowed), ABORTED (signal fired; details `{ iteration, partial }`, partial = the
 * `MetaTrainResult` so far, θ after `iteration` updates).
 */
import { MetaoptimError } from '../core/errors.js';
import type { Optimizer } from '../optim/types.js';
import { type DcoOptimizerOptions, dcoOptimizer } from './optimizer.js';
import { type DcoInitOptions, type DcoKind, type DcoTheta, initTheta } from './theta.js';
import { type MetaTrainOptions, type MetaTrainResult, metaTrain } from './train.js';

export interface DcoFamily {
  readonly kind: DcoKind;
  /** θ for n parameters, starting at GD with step `lr` (DCOM: heavy ball with `momentum`). */
  init(seed: number, n: number, opts?: DcoInitOptions): DcoTheta;
  /** An `Optimizer` that applies the rule with θ fixed. */
  optimizer(theta: DcoTheta, opts?: DcoOptimizerOptions): Optimizer;
  /** Meta-trains θ (a new θ is returned; the input is not modified). Async and cancellable. */
  metaTrain(theta: DcoTheta, opts: MetaTrainOptions): Promise<MetaTrainResult>;
}

function family(kind: DcoKind): DcoFamily {
  const check = (t: DcoTheta): DcoTheta => {
    if (!t || t.kind !== kind) throw new MetaoptimError('INVALID_ARGUMENT', `${kind}: θ was made by ${t?.kind ?? 'nothing'}`);
    return t;
  };
  return {
    kind,
    init: (seed, n, opts) => initTheta(kind, seed, n, opts),
    optimizer: (theta, opts) => dcoOptimizer(check(theta), opts),
    metaTrain: async (theta, opts) => metaTrain(check(theta), opts),
  };
}

export const dcog: DcoFamily = family('dcog');
export const dcom: DcoFamily = family('dcom');
export const dcogd: DcoFamily = family('dcogd');

export { DCO_OPTIMIZER_KEYS, type DcoOptimizerOptions } from './optimizer.js';
export { DCO_INIT_KEYS, type DcoInitOptions, type DcoKind, type DcoTheta, type Parameterization, materialize } from './theta.js';
export { META_TRAIN_KEYS, type MetaGradient, type MetaTrainOptions, type MetaTrainResult, metaLoss, metaTrain } from './train.js';
export { type UnrollOptions, unroll } from './unroll.js';
// The task families DCO is evaluated on live in tasks/; re-exported here for convenience.
export { type F64Task, type HasF64, asF64Task, fromTask } from '../tasks/f64.js';
export { LeastSquaresTask, type LeastSquaresConfig, type LeastSquaresFamily, type LeastSquaresOptions, leastSquaresFamily } from '../tasks/least-squares.js';
export { QuadraticTask, type QuadraticConfig, type QuadraticFamily, type QuadraticOptions, quadraticFamily } from '../tasks/quadratic.js';
export { type LogisticConfig, type LogisticDataset, type LogisticFamily, type LogisticFamilyOptions, LogisticTask, logisticFamily, logisticFamilyOf } from '../tasks/logistic.js';
