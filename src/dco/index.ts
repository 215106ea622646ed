/**
 * DCO meta-learned first-order optimizers (Gautam, Pfrommer & Sojoudi 2023; SPEC B.3,
 * reconstructed). Each step solves δ* = argmin ½δᵀP_φδ + q_φᵀδ (closed form −P⁻¹q):
 * - `dcog`  q = g                         (P = I/α is gradient descent)
 * - `dcom`  q = g − M d                   (P = I/α, M = (β/α)I is heavy ball)
 * - `dcogd` q = W_g g + W_d d + W_x x + c (general linear first-order rule)
 * with P = diag(softplus(s)) + εI ('diagonal') or LLᵀ + εI ('full'), ε = 1e-6.
 *
 * θ lives outside optimizer states: `dcog.init(seed, n, { parameterization }) → θ`,
 * `dcog.metaTrain(θ, { tasks, unroll, … }) → { theta, history, gradient }`,
 * `dcog.optimizer(θ) → Optimizer`.
 *
 * Meta-gradients are exact reverse mode through the unroll with the QP adjoint of B.3.2.
 * Which one is used: 'full' (through ∇²f·v) when every task provides `hvp` — the least-squares
 * and quadratic families do — else 'first-order' (∇f(x_t) treated as a constant; the iris/wine
 * logistic-regression families have no hvp, so they get this); choose with `gradient`. For
 * T = 1 from a fixed x₀ they coincide.
 *
 * Error codes: INVALID_ARGUMENT, INVALID_HYPERPARAMETER, LENGTH_MISMATCH, QP_NOT_PD (P lost
 * definiteness; raise ε), NON_FINITE_LOSS (meta-loss overflowed), ABORTED (signal fired;
 * details.theta holds θ so far).
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
  /** Meta-trains θ (a new θ is returned; the input is not modified). */
  metaTrain(theta: DcoTheta, opts: MetaTrainOptions): MetaTrainResult;
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
    metaTrain: (theta, opts) => metaTrain(check(theta), opts),
  };
}

export const dcog: DcoFamily = family('dcog');
export const dcom: DcoFamily = family('dcom');
export const dcogd: DcoFamily = family('dcogd');

export type { DcoOptimizerOptions } from './optimizer.js';
export { type F64Task, fromTask } from './task.js';
export { type DcoInitOptions, type DcoKind, type DcoTheta, type Parameterization, materialize } from './theta.js';
export { type MetaGradient, type MetaTrainOptions, type MetaTrainResult, metaLoss, metaTrain } from './train.js';
export { type UnrollOptions, unroll } from './unroll.js';
export { LeastSquaresTask, type LeastSquaresConfig, type LeastSquaresFamily, type LeastSquaresOptions, leastSquaresFamily } from '../tasks/least-squares.js';
export { QuadraticTask, type QuadraticConfig, type QuadraticFamily, type QuadraticOptions, quadraticFamily } from '../tasks/quadratic.js';
export { type LogisticConfig, type LogisticDataset, type LogisticFamily, type LogisticFamilyOptions, LogisticTask, logisticFamily, logisticFamilyOf } from '../tasks/logistic.js';
export { dcoLab } from './lab.js';
export { type LogisticExperimentOptions, type LogisticExperimentResult, type LogisticRow, logisticExperiment } from './lab-logistic.js';
