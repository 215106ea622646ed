import { MetaoptimError } from '../core/errors.js';
import { celoFromTheta } from '../l2o/celo/celo.js';
import { celoAdamFromTheta } from '../l2o/celo/celo-adam.js';
import { type CeloKind, type CeloTheta, loadCeloTheta } from '../l2o/celo/theta.js';
import { learned } from '../l2o/pretrain/learned.js';
import { adam, adamw } from '../optim/adam.js';
import { eve } from '../optim/eve.js';
import { lion } from '../optim/lion.js';
import { cosineDecay } from '../optim/schedules.js';
import { momentum, sgd } from '../optim/sgd.js';
import { addDecayedWeights, chain, eveFeedback, scaleByAdam, scaleByLearningRate, scaleByLion } from '../optim/transforms.js';
import type { Optimizer, Schedule } from '../optim/types.js';
import type { ProtocolContestant } from './protocol.js';

/**
 * The contestants of the benchmark suite (issue 13), used by `lab eve` and `race`. Each has the
 * library defaults for its one-shot run, its default lr as the centre of the small budget's grid,
 * and one extra hyper-parameter for the large budget. The list is extensible:
 * `registerContestants([...])` adds more (e.g. new learned optimizers); names must be unique.
 *
 * Adam with decays follows the Eve paper's k′ protocol (SPEC A.1.5 (c)): the decay strength is
 * chosen so that the lr at the last step is α/k′, k′ ∈ {1e4, 5e3, 1e3, 5e2, 1e2, 50, 10, 5}
 * (the large budget's extra grid; the default k′ = 10):
 *   exponential α·k′^(−t/T);  1/t: α/(1 + (k′ − 1)·t/T);  1/√t: α/√(1 + (k′² − 1)·t/T);
 *   cosine: optax cosine decay to α/k′ over T.
 * The eveFeedback combinations are chain(base, eveFeedback({ c }), scaleByLearningRate(lr)) with
 * c as their extra hyper-parameter (default 10, grid {2, 10, 50}).
 */
const K_PRIME = [1e4, 5e3, 1e3, 5e2, 1e2, 50, 10, 5] as const;
const C_GRID = [2, 10, 50] as const;

type Decay = (lr: number, kPrime: number, T: number) => Schedule;
const DECAYS: Record<string, [string, Decay]> = {
  cosine: ['cosine decay to α/k′', (lr, k, T) => cosineDecay({ init: lr, decaySteps: T, alpha: 1 / k })],
  exp: ['exponential α·k′^(−t/T)', (lr, k, T) => (t) => lr * Math.pow(k, -t / T)],
  inv: ['1/t: α/(1 + (k′−1)t/T)', (lr, k, T) => (t) => lr / (1 + ((k - 1) * t) / T)],
  invsqrt: ['1/√t: α/√(1 + (k′²−1)t/T)', (lr, k, T) => (t) => lr / Math.sqrt(1 + ((k * k - 1) * t) / T)],
};

const decayContestant = (key: string): ProtocolContestant => {
  const [desc, sched] = DECAYS[key]!;
  return {
    name: `adam-${key}`,
    config: `adam with ${desc} (k′ default 10)`,
    defaultLr: 1e-3,
    extra: { name: 'k′', values: K_PRIME, default: 10 },
    make: ({ lr, extra, steps }) => adam({ lr: sched(lr ?? 1e-3, extra ?? 10, Math.max(1, steps)) }),
  };
};

let learnedOpt: Optimizer | undefined;

const BUILT_IN: readonly ProtocolContestant[] = [
  { name: 'sgd', config: 'sgd()', defaultLr: 1e-2, make: ({ lr }) => sgd({ lr }) },
  { name: 'momentum', config: 'momentum({ momentum: 0.9 })', defaultLr: 1e-2, extra: { name: 'momentum', values: [0.5, 0.9, 0.99], default: 0.9 }, make: ({ lr, extra }) => momentum({ lr, momentum: extra }) },
  { name: 'nesterov', config: 'momentum({ momentum: 0.9, nesterov: true })', defaultLr: 1e-2, extra: { name: 'momentum', values: [0.5, 0.9, 0.99], default: 0.9 }, make: ({ lr, extra }) => momentum({ lr, momentum: extra, nesterov: true }) },
  { name: 'adam', config: 'adam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 })', defaultLr: 1e-3, extra: { name: 'β2', values: [0.99, 0.999, 0.9999], default: 0.999 }, make: ({ lr, extra }) => adam({ lr, beta2: extra }) },
  { name: 'adamw', config: 'adamw({ weightDecay: 1e-2 }) (decoupled, × lr)', defaultLr: 1e-3, extra: { name: 'weight decay', values: [1e-4, 1e-2, 1e-1], default: 1e-2 }, make: ({ lr, extra }) => adamw({ lr, weightDecay: extra }) },
  decayContestant('cosine'),
  decayContestant('exp'),
  decayContestant('inv'),
  decayContestant('invsqrt'),
  { name: 'eve', config: "eve({ variant: 'clip', c: 10, beta3: 0.999, fStar: 0 })", defaultLr: 1e-3, extra: { name: 'c', values: C_GRID, default: 10 }, make: ({ lr, extra }) => eve({ lr, c: extra }) },
  { name: 'eve-thresholds', config: "eve({ variant: 'thresholds', k: 0.1, K: 10, beta3: 0.999 })", defaultLr: 1e-3, extra: { name: 'β3', values: [0.9, 0.999, 0.9999], default: 0.999 }, make: ({ lr, extra }) => eve({ lr, variant: 'thresholds', beta3: extra }) },
  { name: 'lion', config: 'lion({ beta1: 0.9, beta2: 0.99 })', defaultLr: 1e-4, extra: { name: 'β1', values: [0.8, 0.9, 0.95], default: 0.9 }, make: ({ lr, extra }) => lion({ lr, beta1: extra }) },
  {
    name: 'learned',
    config: 'learned() (shipped θ; no learning rate: one-shot in every budget)',
    defaultLr: null,
    prepare: async () => {
      learnedOpt ??= await learned();
    },
    make: () => learnedOpt!,
  },
  { name: 'sgd+feedback', config: 'chain(eveFeedback({ c: 10 }), scaleByLearningRate(lr))', defaultLr: 1e-2, extra: { name: 'c', values: C_GRID, default: 10 }, make: ({ lr, extra }) => chain(eveFeedback({ c: extra }), scaleByLearningRate(lr ?? 1e-2)) },
  { name: 'adamw+feedback', config: 'chain(scaleByAdam(), addDecayedWeights(1e-2), eveFeedback({ c: 10 }), scaleByLearningRate(lr))', defaultLr: 1e-3, extra: { name: 'c', values: C_GRID, default: 10 }, make: ({ lr, extra }) => chain(scaleByAdam(), addDecayedWeights(1e-2), eveFeedback({ c: extra }), scaleByLearningRate(lr ?? 1e-3)) },
  { name: 'lion+feedback', config: 'chain(scaleByLion(), eveFeedback({ c: 10 }), scaleByLearningRate(lr))', defaultLr: 1e-4, extra: { name: 'c', values: C_GRID, default: 10 }, make: ({ lr, extra }) => chain(scaleByLion(), eveFeedback({ c: extra }), scaleByLearningRate(lr ?? 1e-4)) },
];

const celoThetas: Partial<Record<CeloKind, CeloTheta>> = {};

/**
 * The published learned optimizers (issue 16), untuned (`defaultLr: null`: one run per budget, no
 * lr grid): Celo and Celo-Adam with the authors' θ, `numSteps` = the run's horizon and the task's
 * tensor shapes (`ContestantTask`; a task without tensors is one vector). Without a
 * `ContestantTask` (a bare `make({ steps })`), numSteps = steps and the vector is one tensor.
 */
const celoContestant = (kind: CeloKind): ProtocolContestant => ({
  name: kind,
  config: `${kind === 'celo' ? 'celo()' : 'celoAdam()'} (published θ, untuned: no learning rate; numSteps = the run length, the task's tensor shapes)`,
  defaultLr: null,
  prepare: async () => {
    celoThetas[kind] ??= await loadCeloTheta(kind);
  },
  make: ({ steps, task }) => {
    const theta = celoThetas[kind];
    if (!theta) throw new MetaoptimError('INVALID_ARGUMENT', `contestant ${kind}: call prepare() before make() (it loads the published θ)`);
    const o = { numSteps: task?.numSteps ?? Math.max(1, steps), ...(task ? { shapes: task.shapes } : {}) };
    return kind === 'celo' ? celoFromTheta(theta, o) : celoAdamFromTheta(theta, o);
  },
});

const PUBLISHED: readonly ProtocolContestant[] = [celoContestant('celo'), celoContestant('celo-adam')];

const registered: ProtocolContestant[] = [];

/** The suite's contestants: built-in, the published learned optimizers (celo, celo-adam), then registered ones. */
export function suiteContestants(): ProtocolContestant[] {
  return [...BUILT_IN, ...PUBLISHED, ...registered];
}

/**
 * Lab eve's default contestants: the suite's without the published learned optimizers (its
 * published results predate them and are kept as they are; `--contestants celo,…` adds them).
 */
export function eveContestants(): ProtocolContestant[] {
  return [...BUILT_IN, ...registered];
}

/** Adds contestants (e.g. celo or a new learned family). Errors: INVALID_ARGUMENT on a duplicate name. */
export function registerContestants(list: readonly ProtocolContestant[]): void {
  for (const c of list) {
    if (suiteContestants().some((x) => x.name === c.name)) throw new MetaoptimError('INVALID_ARGUMENT', `registerContestants: a contestant named ${c.name} exists`);
    registered.push(c);
  }
}

/** Contestants by name, in the order given. Errors: INVALID_ARGUMENT naming the known ones. */
export function pickContestants(names: readonly string[]): ProtocolContestant[] {
  const all = suiteContestants();
  return names.map((n) => {
    const c = all.find((x) => x.name === n);
    if (!c) throw new MetaoptimError('INVALID_ARGUMENT', `unknown contestant "${n}" (known: ${all.map((x) => x.name).join(', ')})`);
    return c;
  });
}
