// The version-1 checkpoint fixtures (test/fixtures/checkpoint-v1-*.bin, written by the
// version-1 writer with test/fixtures/make-v1-checkpoints.mjs): which optimizer made each, and
// the run that produced it, so tests can recompute the expected bits with today's code.
import { readFileSync } from 'node:fs';
import {
  type OptState,
  type Optimizer,
  adam,
  chain,
  eve,
  lion,
  momentum,
  scaleByAdam,
  scaleByLearningRate,
  trace,
} from '../../src/optim/index.js';

/** Fixture name → the optimizer that wrote it (the same options as the fixture script). */
export const V1_FIXTURES: Readonly<Record<string, () => Optimizer>> = {
  adam: () => adam({ lr: 1e-2 }),
  'eve-clip': () => eve({ lr: 1e-2 }),
  'eve-thresholds': () => eve({ lr: 1e-2, variant: 'thresholds' }),
  momentum: () => momentum({ lr: 0.05 }),
  lion: () => lion({ lr: 1e-3 }),
  chain: () => chain(trace({ momentum: 0.5 }), scaleByAdam(), scaleByLearningRate(0.01)),
};

/** The bytes of fixture `name` (a fresh copy). */
export function readV1Fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../test/fixtures/checkpoint-v1-${name}.bin`, import.meta.url)));
}

/** The fixture script's run with today's code: 13 parameters, 4 steps. */
export function v1Run(opt: Optimizer): OptState {
  const s = opt.init(Float32Array.from({ length: 13 }, (_, i) => Math.sin(i + 1)));
  for (let k = 0; k < 4; k++) opt.step(s, Float32Array.from({ length: 13 }, (_, i) => Math.cos(i * 0.7 + k)), { loss: 3 / (k + 1) });
  return s;
}
