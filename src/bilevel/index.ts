/** @module metaoptim/bilevel */
// Single-loop bilevel optimization (SPEC A.2): PBGD-Free with the PBGD and F2SA baselines,
// the problem API, and the problems they are compared on. See docs/bilevel.md.
export {
  type BilevelProblem,
  type BilevelProblemSpec,
  type Bounds as BilevelBounds,
  type GradCounts,
  type Oracle as BilevelOracle,
  defineProblem as defineBilevelProblem,
} from './problem.js';
export type { BilevelResult, SolveOptions as BilevelSolveOptions, TraceRecord as BilevelTraceRecord } from './run.js';
export { type PbgdFreeOptions, pbgdFree } from './pbgd-free.js';
export { type PbgdOptions, pbgd } from './pbgd.js';
export { type F2saOptions, f2sa } from './f2sa.js';
export {
  type QuadraticCoefficients as BilevelQuadraticCoefficients,
  type QuadraticProblem as BilevelQuadraticProblem,
  type Quadratic1dOptions,
  flatQuadratic,
  flatQuadratic1d,
  quadratic1d,
  quadraticProblem as bilevelQuadratic,
  ridgeQuadratic,
} from './problems/quadratic.js';
export { toyProblem as bilevelToyProblem } from './problems/toy.js';
export { type HyperCleaningOptions, type HyperCleaningProblem, hyperCleaning } from './problems/hypercleaning.js';
export { COARSE_DIGIT_GROUPS, type RepresentationOptions, type RepresentationProblem, representationSplit } from './problems/representation.js';
