// Unknown options are errors: every exported factory of optim/, runtime/, nn/, data/ and the
// tasks modules below takes its options through checkOptions, so a bogus key throws (or
// rejects with) UNKNOWN_OPTION naming the closest valid key. The walk enumerates the modules'
// exports: a new exported function must be added to FACTORIES or to NO_OPTIONS, or this fails.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError } from '../src/core/errors.js';
import * as data from '../src/data/index.js';
import * as nn from '../src/nn/index.js';
import * as optim from '../src/optim/index.js';
import * as runtime from '../src/runtime/index.js';
import * as classification from '../src/tasks/classification.js';
import * as digits from '../src/tasks/digits.js';
import * as functions from '../src/tasks/functions.js';
import * as leastSquares from '../src/tasks/least-squares.js';
import * as logistic from '../src/tasks/logistic.js';
import * as quadratic from '../src/tasks/quadratic.js';
import * as uci from '../src/tasks/uci.js';

const modules: Record<string, Record<string, unknown>> = {
  optim, runtime, nn, data, 'tasks/classification': classification, 'tasks/digits': digits, 'tasks/functions': functions,
  'tasks/least-squares': leastSquares, 'tasks/logistic': logistic, 'tasks/quadratic': quadratic, 'tasks/uci': uci,
};

let rt: runtime.Runtime;
before(async () => {
  await runtime.ready();
  rt = await runtime.createRuntime();
});

/** Calls `name` with valid arguments plus the bogus option `key`. */
type Call = (key: string) => unknown;
const bogus = (key: string, extra: Record<string, unknown> = {}) => ({ ...extra, [key]: 1 });
const split = () => digits.digitsSplit();

const FACTORIES: Record<string, Call> = {
  // optim: optimizers, transforms with options, schedules, chain options.
  sgd: (k) => optim.sgd(bogus(k)),
  momentum: (k) => optim.momentum(bogus(k)),
  adam: (k) => optim.adam(bogus(k)),
  adamw: (k) => optim.adamw(bogus(k)),
  eve: (k) => optim.eve(bogus(k)),
  lion: (k) => optim.lion(bogus(k)),
  lionSgdInterp: (k) => optim.lionSgdInterp(bogus(k, { lambda: 0.5 }) as never),
  scaleByAdam: (k) => optim.scaleByAdam(bogus(k)),
  scaleByEve: (k) => optim.scaleByEve(bogus(k)),
  scaleByLion: (k) => optim.scaleByLion(bogus(k)),
  eveFeedback: (k) => optim.eveFeedback(bogus(k)),
  trace: (k) => optim.trace(bogus(k)),
  chain: (k) => optim.chain(optim.scaleByLearningRate(0.1), bogus(k)),
  linearSchedule: (k) => optim.linearSchedule(bogus(k, { init: 1, end: 0, steps: 10 }) as never),
  linearWarmup: (k) => optim.linearWarmup(bogus(k, { peak: 1, steps: 10 }) as never),
  cosineDecay: (k) => optim.cosineDecay(bogus(k, { init: 1, decaySteps: 10 }) as never),
  exponentialDecay: (k) => optim.exponentialDecay(bogus(k, { init: 1, transitionSteps: 10, decayRate: 0.5 }) as never),
  warmupCosineDecay: (k) => optim.warmupCosineDecay(bogus(k, { peak: 1, warmupSteps: 2, decaySteps: 10 }) as never),
  // runtime
  ready: (k) => runtime.ready(bogus(k)),
  createRuntime: (k) => runtime.createRuntime(bogus(k)),
  reclaimStats: (k) => runtime.reclaimStats(bogus(k)),
  // nn
  mlp: (k) => nn.mlp(bogus(k, { sizes: [2, 2], runtime: rt }) as never),
  // data
  splitDataset: async (k) => data.splitDataset(await data.loadIris(), bogus(k, { test: 10 }) as never),
  // tasks
  classificationTask: async (k) => classification.classificationTask(bogus(k, { data: await split(), runtime: rt }) as never),
  digitsMlpTask: (k) => digits.digitsMlpTask(bogus(k, { runtime: rt })),
  digitsLogisticTask: (k) => digits.digitsLogisticTask(bogus(k, { runtime: rt })),
  digitsVariantTask: (k) => digits.digitsVariantTask('relu', bogus(k, { runtime: rt })),
  digitsMlpFamily: (k) => digits.digitsMlpFamily(bogus(k, { runtime: rt })),
  irisTask: (k) => uci.irisTask(bogus(k, { runtime: rt })),
  wineTask: (k) => uci.wineTask(bogus(k, { runtime: rt })),
  logisticFamily: (k) => logistic.logisticFamily('iris', bogus(k)),
  logisticFamilyOf: async (k) => logistic.logisticFamilyOf('iris', await uci.irisSplit(), bogus(k)),
  quadraticTask: (k) => functions.quadraticTask(bogus(k)),
  quadraticFamily: (k) => quadratic.quadraticFamily(bogus(k)),
  leastSquaresFamily: (k) => leastSquares.leastSquaresFamily(bogus(k)),
};

/** Exported functions and classes that take no options object, and why. */
const NO_OPTIONS: Record<string, string> = {
  OptState: 'made by optimizers; init/step/restore options are walked below',
  readCheckpoint: 'takes bytes only',
  optimizerOf: 'takes a state only',
  checkStateMaker: 'takes (optimizer, state, caller name)',
  orthogonal: 'takes (n, rng)',
  scale: 'takes one number',
  scaleByLearningRate: 'takes one number or schedule',
  addDecayedWeights: 'takes one number',
  clipByGlobalNorm: 'takes one number',
  clipByValue: 'takes one number',
  constantSchedule: 'takes one number',
  joinSchedules: 'takes arrays of schedules and boundaries',
  Arena: 'low-level: (memory, heap base)',
  Region: 'low-level: (arena, array type, length)',
  isStaleView: 'takes one value',
  isWasmView: 'takes one value',
  isDevelopment: 'takes nothing',
  Runtime: 'made by createRuntime',
  defaultRuntimeOrThrow: 'no arguments',
  runtimeInfo: 'no arguments',
  simdSupported: 'no arguments',
  Mlp: 'constructor of mlp(), walked through mlp',
  mlpLayout: 'takes (sizes, batchNorm)',
  loadDigits: 'no arguments',
  loadIris: 'no arguments',
  loadWine: 'no arguments',
  readDataText: 'takes (file, base)',
  standardize: 'takes a split',
  subset: 'takes (data, indices, name)',
  MlpTask: 'constructor of classificationTask(), walked through it',
  digitsSplit: 'no arguments',
  irisSplit: 'no arguments',
  wineSplit: 'no arguments',
  LogisticTask: 'made by a family from a sampled config',
  QuadraticTask: 'made by a family from a sampled config',
  LeastSquaresTask: 'made by a family from a sampled config',
  rosenbrockTask: 'no arguments',
};

test('every exported function of the walked modules is a known factory or takes no options', () => {
  const missing: string[] = [];
  for (const [m, exports] of Object.entries(modules)) {
    for (const [name, v] of Object.entries(exports)) {
      if (typeof v === 'function' && !(name in FACTORIES) && !(name in NO_OPTIONS)) missing.push(`${m}.${name}`);
    }
  }
  assert.deepEqual(missing, [], `add these to FACTORIES (with a bogus-key call) or NO_OPTIONS: ${missing.join(', ')}`);
  const exported = new Set(Object.values(modules).flatMap((e) => Object.keys(e)));
  for (const name of [...Object.keys(FACTORIES), ...Object.keys(NO_OPTIONS)]) assert.ok(exported.has(name), `${name} is no longer exported`);
});

const isUnknown = (key: string, suggestion?: string) => (e: unknown) => {
  assert.ok(e instanceof MetaoptimError, `expected a MetaoptimError, got ${String(e)}`);
  assert.equal(e.code, 'UNKNOWN_OPTION', e.message);
  assert.equal((e.details as { key: string }).key, key);
  if (suggestion !== undefined) assert.equal((e.details as { suggestion?: string }).suggestion, suggestion, e.message);
  return true;
};

for (const [name, call] of Object.entries(FACTORIES)) {
  test(`${name} rejects an unknown option with UNKNOWN_OPTION`, async () => {
    await assert.rejects(async () => call('bogusOption'), isUnknown('bogusOption'));
  });
}

test("adam({ learningRate: 0.1 }) throws UNKNOWN_OPTION suggesting 'lr'; other typos name their key", async () => {
  assert.throws(() => optim.adam({ learningRate: 0.1 } as never), isUnknown('learningRate', 'lr'));
  assert.throws(() => optim.sgd({ moment: 0.9 } as never), isUnknown('moment', 'momentum'));
  assert.throws(() => optim.eve({ beta_3: 0.9 } as never), isUnknown('beta_3', 'beta3'));
  assert.throws(() => optim.lion({ weight_decay: 0.1 } as never), isUnknown('weight_decay', 'weightDecay'));
  assert.throws(() => optim.chain(optim.scaleByLearningRate(1), { nonfinite: 'skip' } as never), isUnknown('nonfinite', 'nonFinite'));
  assert.throws(() => optim.cosineDecay({ init: 1, decay_steps: 10 } as never), isUnknown('decay_steps', 'decaySteps'));
  await assert.rejects(runtime.createRuntime({ initialPage: 4 } as never), isUnknown('initialPage', 'initialPages'));
  assert.throws(() => nn.mlp({ sizes: [2, 2], activations: 'tanh', runtime: rt } as never), isUnknown('activations', 'activation'));
  await assert.rejects(digits.digitsMlpTask({ batchsize: 32, runtime: rt } as never), isUnknown('batchsize', 'batchSize'));
  // Options a fixed-architecture task does not take are unknown there.
  await assert.rejects(digits.digitsLogisticTask({ hidden: [4], runtime: rt } as never), isUnknown('hidden'));
});

test('optimizer init / step / restore reject unknown option keys and leave the state unchanged', () => {
  for (const opt of [optim.sgd(), optim.adam(), optim.eve(), optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(0.1))]) {
    assert.throws(() => opt.init([1, 2], { runtime: rt, runtme: rt } as never), isUnknown('runtme', 'runtime'));
    const s = opt.init([1, 2], { runtime: rt });
    const before = s.save();
    assert.throws(() => opt.step(s, [0.5, 0.5], { loss: 1, lose: 2 } as never), isUnknown('lose', 'loss'));
    assert.throws(() => opt.step(s, [0.5, 0.5], { Loss: 1 } as never), isUnknown('Loss', 'loss'));
    assert.deepEqual(s.save(), before);
    assert.throws(() => opt.restore(before, { runtime: rt, build: 'simd' } as never), isUnknown('build'));
    assert.equal(opt.step(s, [0.5, 0.5], { loss: 1 }), true);
    s.dispose();
  }
});
