/** @module metaoptim */
// metaoptim — the library's root export: the runtime, the optimizers, transforms, schedules,
// checkpoints, errors and `train`. Everything else has its own subpath export:
//   metaoptim/core      Rng, f64 linear algebra, statistics, the loop contract
//   metaoptim/nn        mlp() networks over one flat parameter vector
//   metaoptim/tasks     task families (digits MLPs, logistic, quadratics, test functions, …)
//   metaoptim/data      the shipped data sets and their fixed splits
//   metaoptim/analysis  update dynamics: symmetry, tail index, covariance, magnitudes
//   metaoptim/l2o       learned optimizers and their meta-training
//   metaoptim/dco       DCO optimizers (update rules that solve a differentiable QP)
//   metaoptim/qp        batched QP solve and backward
//   metaoptim/bilevel   PBGD-Free, PBGD, F2SA
//   metaoptim/restart   GD + proposer restarts (LLM or surrogate)
//   metaoptim/labs      the laboratory: every lab and its protocol toolkit
// See README.md for the tour and docs/ for each capability.
export { MetaoptimError } from './core/errors.js';
export type { AbortedDetails, LoopOptions, ProgressEvent } from './core/loop.js';
export {
  Runtime,
  type Build,
  type RuntimeInfo,
  type RuntimeOptions,
  createRuntime,
  ready,
  runtimeInfo,
  simdSupported,
} from './runtime/index.js';
export * from './optim/index.js';
export { type EvalPoint, type TrainOptions, type TrainResult, train } from './tasks/train.js';
export type { Evaluation, Split, Task, TaskFamily } from './tasks/types.js';
