// Issue 15, item 1: a state knows its maker (kind, hyper-parameter hash, layout). Each "Why"
// case of the issue is reproduced here — on the code before this change each of these steps was
// accepted (and wrote through a missing slot pointer, or mixed up Eve's scalars).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wouldUpdate } from '../../src/analysis/index.js';
import { dcog } from '../../src/dco/index.js';
import { lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import {
  type Optimizer,
  adam,
  adamw,
  chain,
  cosineDecay,
  eve,
  lion,
  lionSgdInterp,
  momentum,
  optimizerOf,
  scaleByAdam,
  scaleByLearningRate,
  sgd,
  trace,
  warmupCosineDecay,
} from '../../src/optim/index.js';
import { MetaoptimError } from '../../src/core/errors.js';
import { createRuntime } from '../../src/runtime/index.js';

const mismatch = (e: unknown) => e instanceof MetaoptimError && e.code === 'STATE_MISMATCH';

/** Steps `a`'s state with `b`; must be STATE_MISMATCH naming both makers, nothing changed. */
function refuses(a: Optimizer, b: Optimizer, label: string, rt: Awaited<ReturnType<typeof createRuntime>>): void {
  const s = a.init(Float32Array.from({ length: 9 }, (_, i) => i - 4), { runtime: rt });
  a.step(s, new Float32Array(9).fill(0.5), { loss: 2 });
  const before = s.save();
  assert.throws(() => b.step(s, new Float32Array(9).fill(0.25), { loss: 1 }), (e: unknown) => {
    assert.ok(mismatch(e), `${label}: ${String(e)}`);
    const d = (e as MetaoptimError).details as { state: { hash: string; kind: string }; optimizer: { hash: string; kind: string } };
    assert.equal(d.state.kind, a.name, label);
    assert.equal(d.optimizer.kind, b.name, label);
    assert.ok((e as Error).message.includes(d.state.hash) && (e as Error).message.includes(d.optimizer.hash), `${label}: names both hashes`);
    return true;
  });
  assert.throws(() => wouldUpdate(b, s, new Float32Array(9).fill(0.25), { loss: 1 }), mismatch, `${label}: wouldUpdate`);
  assert.deepEqual(s.save(), before, `${label}: the state is unchanged`);
  s.dispose();
}

/** Two optimizers made with identical options share states both ways. */
function shares(a: Optimizer, b: Optimizer, label: string, rt: Awaited<ReturnType<typeof createRuntime>>): void {
  const s = a.init([1, 2, 3], { runtime: rt });
  b.step(s, [0.1, 0.2, 0.3], { loss: 1 });
  a.step(s, [0.1, 0.2, 0.3], { loss: 0.5 });
  assert.equal(s.scalars.count, 2, label);
  wouldUpdate(b, s, [1, 1, 1], { loss: 0.4 });
  s.dispose();
}

test('sgd momentum 0 vs 0.9 (and momentum(0) vs momentum()): STATE_MISMATCH, and no byte of memory outside the state changes', async () => {
  const rt = await createRuntime();
  const bystander = adam({ lr: 0.1 }).init(Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), { runtime: rt });
  const snapshot = () => new Uint8Array(rt.arena.memory.buffer).slice();
  for (const [a, b] of [
    [sgd({ momentum: 0 }), sgd({ momentum: 0.9 })],
    [momentum({ momentum: 0 }), momentum()],
  ] as const) {
    const s = a.init(new Float32Array(64).fill(1), { runtime: rt });
    const mem = snapshot();
    // Before issue 15 this step used the missing `trace` slot's pointer (undefined → 0) and wrote
    // 256 bytes into the module's static data.
    assert.throws(() => b.step(s, new Float32Array(64).fill(1)), mismatch);
    assert.deepEqual(snapshot(), mem, `${a.name}: memory unchanged`);
    s.dispose();
  }
  bystander.dispose();
  rt.dispose();
});

test('Eve clip state stepped by Eve thresholds, and the reverse: STATE_MISMATCH (no NaN parameters)', async () => {
  const rt = await createRuntime();
  refuses(eve({ lr: 0.01 }), eve({ lr: 0.01, variant: 'thresholds' }), 'clip → thresholds', rt);
  refuses(eve({ lr: 0.01, variant: 'thresholds' }), eve({ lr: 0.01 }), 'thresholds → clip', rt);
  rt.dispose();
});

test('states made with other hyper-parameters are refused, for every optimizer kind', async () => {
  const rt = await createRuntime();
  const th1 = mlpLOpt.init(1), th2 = mlpLOpt.init(2);
  const ls1 = lstmLOpt.init(1), ls2 = lstmLOpt.init(2);
  const d1 = dcog.init(1, 9, { lr: 0.05 }), d2 = dcog.init(1, 9, { lr: 0.06 });
  const pairs: [string, () => Optimizer, () => Optimizer][] = [
    ['adam lr 0.1 vs 1000', () => adam({ lr: 0.1 }), () => adam({ lr: 1000 })],
    ['sgd lr', () => sgd({ lr: 0.1 }), () => sgd({ lr: 0.2 })],
    ['nesterov vs heavy ball', () => momentum({ nesterov: true }), () => momentum()],
    ['adamw weight decay', () => adamw({ weightDecay: 0.1 }), () => adamw()],
    ['adam vs adamw', () => adam(), () => adamw({ weightDecay: 0 })],
    ['eve c', () => eve({ c: 10 }), () => eve({ c: 5 })],
    ['lion betas', () => lion({ beta1: 0.9 }), () => lion({ beta1: 0.8 })],
    ['lionSgdInterp λ', () => lionSgdInterp({ lambda: 0.3 }), () => lionSgdInterp({ lambda: 0.4 })],
    ['chain lr', () => chain(scaleByAdam(), scaleByLearningRate(0.1)), () => chain(scaleByAdam(), scaleByLearningRate(0.2))],
    ['chain trace momentum', () => chain(trace({ momentum: 0.5 }), scaleByLearningRate(0.1)), () => chain(trace({ momentum: 0.9 }), scaleByLearningRate(0.1))],
    ['schedules', () => adam({ lr: cosineDecay({ init: 0.1, decaySteps: 100 }) }), () => adam({ lr: cosineDecay({ init: 0.1, decaySteps: 200 }) })],
    ['schedule vs constant', () => adam({ lr: cosineDecay({ init: 0.1, decaySteps: 100 }) }), () => adam({ lr: 0.1 })],
    ['mlpLOpt θ', () => mlpLOpt.optimizer(th1), () => mlpLOpt.optimizer(th2)],
    ['mlpLOpt segments', () => mlpLOpt.optimizer(th1, { segments: [4, 5] }), () => mlpLOpt.optimizer(th1)],
    ['lstmLOpt θ', () => lstmLOpt.optimizer(ls1), () => lstmLOpt.optimizer(ls2)],
    ['DCO θ', () => dcog.optimizer(d1), () => dcog.optimizer(d2)],
  ];
  for (const [label, a, b] of pairs) refuses(a(), b(), label, rt);
  rt.dispose();
});

test('optimizers made with identical options share states (schedules and chains included); other closures do not', async () => {
  const rt = await createRuntime();
  const th = mlpLOpt.init(3);
  const same: [string, () => Optimizer][] = [
    ['adam', () => adam({ lr: 0.1 })],
    ['sgd with nonFinite policies', () => sgd({ lr: 0.1 })],
    ['eve thresholds', () => eve({ variant: 'thresholds', k: 0.2 })],
    ['warmup-cosine schedule', () => adamw({ lr: warmupCosineDecay({ peak: 0.1, warmupSteps: 10, decaySteps: 100 }) })],
    ['chain', () => chain(trace({ momentum: 0.5 }), scaleByAdam({ beta2: 0.99 }), scaleByLearningRate(cosineDecay({ init: 0.1, decaySteps: 50 })))],
    ['mlpLOpt same θ values', () => mlpLOpt.optimizer(th.slice())],
    ['DCO same θ', () => dcog.optimizer(dcog.init(5, 3, { lr: 0.05 }))],
  ];
  for (const [label, make] of same) shares(make(), make(), label, rt);
  shares(sgd({ lr: 0.1, nonFinite: 'skip' }), sgd({ lr: 0.1, nonFinite: 'zero' }), 'nonFinite is a policy, not a hyper-parameter', rt);
  // Two closures with the same source text may capture different values: refused within a process.
  const mk = (base: number) => adam({ lr: (t: number) => base / (1 + t) });
  refuses(mk(0.1), mk(1000), 'closures', rt);
  const f = (t: number) => 0.1 / (1 + t);
  shares(adam({ lr: f }), adam({ lr: f }), 'the same function object', rt);
  rt.dispose();
});

test('optimizerOf names the optimizer that made or restored a state', async () => {
  const rt = await createRuntime();
  const a = adam({ lr: 0.1 });
  const s = a.init([1, 2], { runtime: rt });
  assert.equal(optimizerOf(s), a);
  const b = adam({ lr: 0.1 });
  const r = b.restore(s.save(), { runtime: rt });
  assert.equal(optimizerOf(r), b);
  assert.equal(r.maker.hash, s.maker.hash);
  assert.match(s.maker.hash, /^[0-9a-f]{8}$/);
  s.dispose();
  r.dispose();
  rt.dispose();
});
