// The optimizer cases every conformance property runs over: the fused optimizer, its
// reference configuration, and its composed form (chain of transforms).
import {
  type NonFinitePolicy,
  type Optimizer,
  adam,
  adamw,
  addDecayedWeights,
  chain,
  eve,
  lion,
  lionSgdInterp,
  momentum,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  scaleByLion,
  sgd,
  trace,
} from '../../src/optim/index.js';
import type { RefConfig } from './reference/optimizers.js';

export interface Case {
  label: string;
  make(lr: number): Optimizer;
  /** Its composed form (a chain of transforms), with a non-finite policy; absent when none exists (lionSgdInterp). */
  composed?(lr: number, nonFinite?: NonFinitePolicy): Optimizer;
  ref(lr: number): RefConfig;
  needsLoss: boolean;
  /** A learning rate that converges on the conformance parabola and Rosenbrock. */
  lr: { parabola: number; rosenbrock: number };
}

export const cases: Case[] = [
  {
    label: 'sgd',
    make: (lr) => sgd({ lr }),
    composed: (lr, nonFinite) => chain(scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'sgd', lr, momentum: 0, nesterov: false, weightDecay: 0 }),
    needsLoss: false,
    lr: { parabola: 0.1, rosenbrock: 1e-3 },
  },
  {
    label: 'sgd+l2',
    make: (lr) => sgd({ lr, weightDecay: 0.01 }),
    composed: (lr, nonFinite) => chain(addDecayedWeights(0.01), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'sgd', lr, momentum: 0, nesterov: false, weightDecay: 0.01 }),
    needsLoss: false,
    lr: { parabola: 0.1, rosenbrock: 1e-3 },
  },
  {
    label: 'momentum',
    make: (lr) => momentum({ lr, momentum: 0.9 }),
    composed: (lr, nonFinite) => chain(trace({ momentum: 0.9 }), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'sgd', lr, momentum: 0.9, nesterov: false, weightDecay: 0 }),
    needsLoss: false,
    lr: { parabola: 0.02, rosenbrock: 2e-4 },
  },
  {
    label: 'nesterov+l2',
    make: (lr) => momentum({ lr, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
    composed: (lr, nonFinite) => chain(addDecayedWeights(1e-3), trace({ momentum: 0.9, nesterov: true }), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'sgd', lr, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
    needsLoss: false,
    lr: { parabola: 0.02, rosenbrock: 2e-4 },
  },
  {
    label: 'adam',
    make: (lr) => adam({ lr }),
    composed: (lr, nonFinite) => chain(scaleByAdam(), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'adam', lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }),
    needsLoss: false,
    lr: { parabola: 0.05, rosenbrock: 0.02 },
  },
  {
    label: 'adam+l2',
    make: (lr) => adam({ lr, weightDecay: 0.01, beta2: 0.99 }),
    composed: (lr, nonFinite) => chain(addDecayedWeights(0.01), scaleByAdam({ beta2: 0.99 }), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'adam', lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 }),
    needsLoss: false,
    lr: { parabola: 0.05, rosenbrock: 0.02 },
  },
  {
    label: 'adamw',
    make: (lr) => adamw({ lr, weightDecay: 1e-3 }),
    composed: (lr, nonFinite) => chain(scaleByAdam(), addDecayedWeights(1e-3), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'adamw', lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 }),
    needsLoss: false,
    lr: { parabola: 0.05, rosenbrock: 0.02 },
  },
  {
    label: 'eve-clip',
    make: (lr) => eve({ lr }),
    composed: (lr, nonFinite) => chain(scaleByEve(), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({
      kind: 'eve', lr, beta1: 0.9, beta2: 0.999, beta3: 0.999, eps: 1e-8, weightDecay: 0,
      variant: 'clip', c: 10, fStar: 0, k: 0.1, K: 10,
    }),
    needsLoss: true,
    lr: { parabola: 0.05, rosenbrock: 0.02 },
  },
  {
    label: 'eve-thresholds',
    make: (lr) => eve({ lr, variant: 'thresholds', beta3: 0.99 }),
    composed: (lr, nonFinite) => chain(scaleByEve({ variant: 'thresholds', beta3: 0.99 }), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({
      kind: 'eve', lr, beta1: 0.9, beta2: 0.999, beta3: 0.99, eps: 1e-8, weightDecay: 0,
      variant: 'thresholds', c: 10, fStar: 0, k: 0.1, K: 10,
    }),
    needsLoss: true,
    lr: { parabola: 0.05, rosenbrock: 0.005 },
  },
  {
    label: 'lion',
    make: (lr) => lion({ lr }),
    composed: (lr, nonFinite) => chain(scaleByLion(), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'lion', lr, beta1: 0.9, beta2: 0.99, weightDecay: 0 }),
    needsLoss: false,
    lr: { parabola: 0.01, rosenbrock: 1e-3 },
  },
  {
    label: 'lion+wd',
    make: (lr) => lion({ lr, weightDecay: 0.1 }),
    composed: (lr, nonFinite) => chain(scaleByLion(), addDecayedWeights(0.1), scaleByLearningRate(lr), { nonFinite }),
    ref: (lr) => ({ kind: 'lion', lr, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 }),
    needsLoss: false,
    lr: { parabola: 0.01, rosenbrock: 1e-3 },
  },
  {
    label: 'lion-sgd-interp',
    make: (lr) => lionSgdInterp({ lambda: 0.5, sgdLr: lr, lionLr: lr }),
    ref: (lr) => ({ kind: 'lion-sgd-interp', lambda: 0.5, sgdLr: lr, lionLr: lr, momentum: 0.9, beta1: 0.9, beta2: 0.99 }),
    needsLoss: false,
    lr: { parabola: 0.01, rosenbrock: 4e-4 },
  },
];

/** Bitwise equality of f32 arrays, with every NaN equal to every NaN. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  }
  return true;
}

export function firstDiff(a: Float32Array, b: Float32Array): string {
  for (let i = 0; i < a.length; i++) {
    if (!sameBits(a.subarray(i, i + 1), b.subarray(i, i + 1))) return `index ${i}: ${a[i]} vs ${b[i]}`;
  }
  return a.length === b.length ? 'none' : `lengths ${a.length} vs ${b.length}`;
}
