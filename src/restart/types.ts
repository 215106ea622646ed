import type { Evaluation, Task } from '../tasks/types.js';

// Shared records of the restart driver (SPEC A.3): what a proposer receives and returns,
// what one round of the driver keeps for inspection, and the driver's result.

/** One recorded iterate of the gradient phase (or a scored candidate). */
export interface TrajectoryPoint {
  /** Global gradient-step count at which the point was recorded (candidates: the step of their round). */
  step: number;
  /** Round that produced it (0-based; the final stage is round N). */
  round: number;
  /** `gd`: an iterate of gradient descent (loss = minibatch loss at that step); `candidate`: a scored proposal (loss = score). */
  kind: 'gd' | 'candidate';
  params: Float32Array;
  loss: number;
  accuracy?: number;
  /** Minibatch gradient at `params` (gradient iterates only). */
  grad?: Float32Array;
}

/** A row of the meta-prompt: rounded values exactly as the proposer saw them. */
export interface PromptRow {
  params: number[];
  loss: number;
  accuracy?: number;
}

/** The two chat messages sent to a proposer. Nothing else is ever sent. */
export interface Prompt {
  system: string;
  user: string;
}

export interface ProposalRequest {
  prompt: Prompt;
  /** How many vectors the prompt asks for. */
  k: number;
  /** Length of each vector. */
  dim: number;
  /** Round number (0-based). */
  round: number;
  /** Seed for this call, derived from the run's seed and the round. */
  seed: number;
  /** The rows serialized into the prompt, worst first (as rounded in the prompt). */
  rows: readonly PromptRow[];
  /** Every recorded point so far at full precision (local proposers may use it; network proposers do not send it). */
  trajectory: readonly TrajectoryPoint[];
  /** The current iterate (a copy). */
  current: Float32Array;
  /** The task being optimized (local proposers may draw fresh initializations from it). */
  task: Task;
  signal?: AbortSignal;
}

/** Token counts reported by the server (OpenAI `usage`), when it reports them. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

export interface ProposalReply {
  /** Raw reply text; parsed strictly by the driver, never evaluated. */
  text: string;
  usage?: Usage;
}

/** Anything that turns a meta-prompt into candidate vectors written as text. */
export interface Proposer {
  readonly name: string;
  propose(request: ProposalRequest): Promise<ProposalReply>;
}

/** How a reply's bracketed groups were classified (they add up to `groups`). */
export interface ParseCounts {
  /** Bracketed groups found in the reply. */
  groups: number;
  accepted: number;
  /** A group that is not a comma-separated list of plain decimal numbers. */
  malformed: number;
  /** Numbers parsed but the length differs from the task's dimension. */
  wrongLength: number;
  /** A NaN/Inf token, or a number that overflows float32. */
  nonFinite: number;
  /** Same float32 vector as an earlier accepted group of the same reply. */
  duplicate: number;
  /** Valid groups beyond the `maxCandidates` limit (not scored). */
  overLimit: number;
}

// What the driver (driver.ts) keeps per round and returns.

export type RoundDecision =
  | { kind: 'restart'; candidate: number; score?: number; currentScore?: number }
  | { kind: 'keep'; reason: 'no-candidates' | 'current-better'; currentScore?: number }
  | { kind: 'budget'; reason: string }
  | { kind: 'error'; code: string; message: string };

export interface RoundRecord {
  round: number;
  /** Gradient steps done before the proposer call. */
  step: number;
  prompt?: Prompt;
  reply?: string;
  usage?: Usage;
  /** Tokens charged for this call (server `usage.totalTokens`, else the estimate). */
  tokens: number;
  tokensEstimated: boolean;
  counts?: ParseCounts;
  candidates: { params: number[]; score?: number }[];
  decision: RoundDecision;
  scoringEvaluations: number;
  /** Gradient evaluations spent polishing this round's candidates. */
  polishSteps: number;
  /** Proposer overhead of this round in ms. */
  timing: { serializeMs: number; proposerMs: number; parseMs: number; scoreMs: number };
}

export interface RestartResult {
  proposer: string;
  optimizer: string;
  task: string;
  seed: number;
  params: Float32Array;
  /** Evaluation of the final parameters on the train and test splits. */
  final: { train: Evaluation; test: Evaluation };
  /** Lowest loss recorded anywhere in the run (minibatch or score). */
  best: { loss: number; step: number; params: Float32Array };
  trajectory: TrajectoryPoint[];
  rounds: RoundRecord[];
  counts: {
    gradientSteps: number;
    /** Gradient evaluations spent polishing candidates (`polishSteps` each). */
    polishSteps: number;
    scoringEvaluations: number;
    trajectoryEvaluations: number;
    proposerCalls: number;
    tokens: number;
    restarts: number;
  };
  /** Why proposing stopped early, if it did. */
  stopped?: string;
  /** Wall time of the whole run in ms. */
  elapsedMs: number;
}

/** The `partial` of an aborted run: everything of `RestartResult` but the final evaluation. */
export type RestartPartial = Omit<RestartResult, 'final'>;
