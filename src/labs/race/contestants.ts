import { adam, adamw } from '../../optim/adam.js';
import { eve } from '../../optim/eve.js';
import { lion } from '../../optim/lion.js';
import { momentum, sgd } from '../../optim/sgd.js';
import type { Optimizer } from '../../optim/types.js';
import { lrGrid } from '../protocol.js';

/** An optimizer in the race: everything fixed at its library default except the learning rate. */
export interface Contestant {
  name: string;
  /** The configuration, as shown in the report. */
  config: string;
  make(lr: number): Optimizer;
}

export const contestants: readonly Contestant[] = [
  { name: 'sgd', config: 'sgd()', make: (lr) => sgd({ lr }) },
  { name: 'momentum', config: 'momentum({ momentum: 0.9 })', make: (lr) => momentum({ lr }) },
  { name: 'nesterov', config: 'momentum({ momentum: 0.9, nesterov: true })', make: (lr) => momentum({ lr, nesterov: true }) },
  { name: 'adam', config: 'adam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 })', make: (lr) => adam({ lr }) },
  { name: 'adamw', config: 'adamw({ weightDecay: 1e-2 }) (decoupled, × lr)', make: (lr) => adamw({ lr }) },
  { name: 'eve', config: "eve({ variant: 'clip', c: 10, beta3: 0.999, fStar: 0 })", make: (lr) => eve({ lr }) },
  { name: 'eve-thresholds', config: "eve({ variant: 'thresholds', k: 0.1, K: 10, beta3: 0.999 })", make: (lr) => eve({ lr, variant: 'thresholds' }) },
  { name: 'lion', config: 'lion({ beta1: 0.9, beta2: 0.99 })', make: (lr) => lion({ lr }) },
];

/**
 * The race's learning-rate grid, from the protocol toolkit's `lrGrid`: 10^(k/2) for
 * k = −10…0 (1e-5 … 1 in half decades, 11 values, `lrGrid({ min: 1e-5, max: 1, perDecade: 2 })`);
 * `quick` keeps the decades (1e-5 … 1, 6 values, `perDecade: 1`). Wider than the toolkit's
 * 7-point default because the race's tasks span five orders of magnitude of good rates.
 */
export function raceLrGrid(quick: boolean): number[] {
  return lrGrid({ min: 1e-5, max: 1, perDecade: quick ? 1 : 2 });
}
