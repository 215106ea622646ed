import { checkNumber, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { formatVector } from './serialize.js';
import type { ProposalReply, ProposalRequest, Proposer } from './types.js';

/**
 * The paper's ablation baselines (SPEC A.3.2, Table 3), as proposers so that they go
 * through the same protocol, parser, scoring and budgets as an LLM:
 *
 * - `multiStartProposer()`: k fresh initializations `task.init(seedᵢ)`, the seeds drawn
 *   from the request's seed (random multi-start);
 * - `perturbationProposer({ sigma })`: k points current + σ·N(0, I) (perturbation of the
 *   current iterate; σ default 0.5).
 *
 * Both ignore the prompt; their replies are exact float32 vectors in the bracketed protocol.
 * @example
 * ```ts
 * import { sgd } from 'metaoptim';
 * import { multiStartProposer, type RestartOptions } from 'metaoptim/restart';
 * const options: RestartOptions = { optimizer: sgd({ lr: 2e-3 }), proposer: multiStartProposer(), rounds: 5, stepsPerRound: 40, finalSteps: 200 };
 * ```
 */
export function multiStartProposer(): Proposer {
  return {
    name: 'multi-start',
    async propose(req: ProposalRequest): Promise<ProposalReply> {
      const rng = new Rng(req.seed);
      const lines: string[] = [];
      for (let i = 0; i < req.k; i++) lines.push(formatVector(req.task.init(rng.u32())));
      return { text: lines.join('\n') };
    },
  };
}

export interface PerturbationOptions {
  /** Standard deviation of the Gaussian perturbation, per coordinate (default 0.5). */
  sigma?: number;
}

/**
 * The perturbation baseline (see above); unknown option keys throw UNKNOWN_OPTION.
 * @example
 * ```ts
 * import { sgd } from 'metaoptim';
 * import { perturbationProposer, type RestartOptions } from 'metaoptim/restart';
 * const options: RestartOptions = { optimizer: sgd({ lr: 2e-3 }), proposer: perturbationProposer(), rounds: 5, stepsPerRound: 40, finalSteps: 200 };
 * ```
 */
export function perturbationProposer(o: PerturbationOptions = {}): Proposer {
  checkOptions('perturbationProposer', o, ['sigma']);
  const sigma = checkNumber('perturbationProposer', 'sigma', o.sigma ?? 0.5, { min: 0 });
  return {
    name: `perturbation(σ=${sigma})`,
    async propose(req: ProposalRequest): Promise<ProposalReply> {
      const rng = new Rng(req.seed);
      const lines: string[] = [];
      for (let i = 0; i < req.k; i++) {
        const v = new Float32Array(req.dim);
        for (let j = 0; j < req.dim; j++) v[j] = req.current[j]! + sigma * rng.normal();
        lines.push(formatVector(v));
      }
      return { text: lines.join('\n') };
    },
  };
}
