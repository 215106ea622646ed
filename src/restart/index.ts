/** @module metaoptim/restart */
// GD with proposer restarts (SPEC A.3): driver, serialization/parsing protocol, proposers.
export { type PerturbationOptions, multiStartProposer, perturbationProposer } from './baselines.js';
export type { ProposerBudget } from './budget.js';
export { type RestartOptions, runRestarts } from './driver.js';
export { type OpenAICompatibleOptions, openAICompatible } from './openai.js';
export { type ParseResult, parseCandidates } from './parse.js';
export { type SerializeOptions, buildPrompt, estimateTokens, formatVector, selectRows } from './serialize.js';
export { type SurrogateFit, type SurrogateOptions, surrogateProposer } from './surrogate.js';
export type { ParseCounts, Prompt, PromptRow, ProposalReply, ProposalRequest, Proposer, RestartPartial, RestartResult, RoundDecision, RoundRecord, TrajectoryPoint, Usage } from './types.js';
