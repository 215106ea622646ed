import { adam, adamw } from '../optim/adam.js';
import { eve } from '../optim/eve.js';
import { lion } from '../optim/lion.js';
import { momentum, sgd } from '../optim/sgd.js';
import type { Optimizer } from '../optim/types.js';

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
 * The learning-rate grid: 10^(k/2) for k = −10…0 (1e-5 … 1, half-decade steps, 11 values);
 * `quick` keeps every other point (decades 1e-5 … 1, 6 values).
 */
export function lrGrid(quick: boolean): number[] {
  const g: number[] = [];
  for (let k = -10; k <= 0; k += quick ? 2 : 1) g.push(Number(Math.pow(10, k / 2).toPrecision(3)));
  return g;
}
