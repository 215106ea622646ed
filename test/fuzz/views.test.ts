// Views that cannot lie (issue 15 item 3): a view held across dispose or memory growth never
// writes into another state, a zero-copy step after a growth never silently uses a lost
// gradient (STALE_VIEW), copy-in from the same memory works, a failed init frees what it took,
// and a random program of init / dispose / held-view writes / growth keeps every live state
// equal to a plain-JS model. Fixed seed in CI; FUZZ_RUNS=<n> for longer runs.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { adam, lion, momentum, sgd } from '../../src/optim/index.js';
import type { OptState, Optimizer } from '../../src/optim/index.js';
import { solve } from '../../src/qp/index.js';
import { type Runtime, createRuntime, defaultRuntimeOrThrow, isStaleView, ready } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz.js';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

/**
 * Element-by-element writes, as user loops do: on a detached view they are silently dropped
 * (the typed-array methods `fill`/`set` throw a TypeError there instead).
 */
function writeEach(view: Float32Array, values: number[] | number): void {
  const len = typeof values === 'number' ? view.length : values.length;
  for (let i = 0; i < len; i++) view[i] = typeof values === 'number' ? values : values[i]!;
}

let rt: Runtime;
before(async () => {
  rt = await createRuntime({ initialPages: 1 });
  await ready();
});

test('a params view held across dispose never writes into the next state at that address', () => {
  const opt = adam();
  const s1 = opt.init(new Float32Array(64).fill(1), { runtime: rt });
  const held = s1.params;
  const heldGrads = s1.grads;
  s1.dispose();
  const s2 = opt.init(new Float32Array(64).fill(2), { runtime: rt });
  writeEach(held, 999); // the stale view: detached before s1's memory was reused
  writeEach(heldGrads, 999);
  assert.throws(() => held.fill(999), TypeError); // the typed-array methods refuse outright
  assert.ok(s2.params.every((x) => x === 2), 'a write through a disposed state\'s view reached another state');
  assert.ok(s2.grads.every((x) => x === 0));
  assert.equal(held.length, 0, 'the stale view is detached (length 0)');
  assert.ok(isStaleView(held));
  s2.dispose();
});

test('a zero-copy step after a memory growth throws STALE_VIEW instead of using a lost gradient', () => {
  const opt = sgd({ lr: 0.5 });
  const s = opt.init([1, 2, 3], { runtime: rt });
  const g = s.grads; // held across the growth below
  const big = opt.init(new Float32Array(1 << 20), { runtime: rt }); // grows memory: g is detached
  writeEach(g, [1, 1, 1]); // dropped by the engine
  assert.throws(() => opt.step(s), code('STALE_VIEW'));
  assert.deepEqual(Array.from(s.params), [1, 2, 3], 'nothing changed');
  // A fresh view works, and the error is gone.
  s.grads.set([1, 1, 1]);
  assert.equal(opt.step(s), true);
  assert.deepEqual(Array.from(s.params), [0.5, 1.5, 2.5]);
  // Passing a stale view as the gradient is STALE_VIEW too, not a length mismatch or a silent zero.
  const g2 = s.grads;
  const big2 = opt.init(new Float32Array(1 << 21), { runtime: rt });
  assert.throws(() => opt.step(s, g2), code('STALE_VIEW'));
  big.dispose();
  big2.dispose();
  s.dispose();
});

test('an unrelated qp.solve on the default runtime does not break a held state', () => {
  const opt = momentum({ lr: 0.1 });
  const s = opt.init([1, -1, 0.5, 2]);
  const held = s.grads;
  held.set([1, 1, 1, 1]);
  opt.step(s);
  const capacity = defaultRuntimeOrThrow().arena.stats().capacity;
  // A QP large enough to grow the default runtime's memory.
  const n = 300;
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 2 + i / n;
  const r = solve({ Q, p: new Float64Array(n).fill(-1), lb: new Float64Array(n).fill(-1), ub: new Float64Array(n).fill(1) });
  assert.equal(r.status, 'optimal');
  assert.ok(defaultRuntimeOrThrow().arena.stats().capacity > capacity, 'the solve grew memory (the case under test)');
  writeEach(held, [1, 1, 1, 1]); // may have been detached by the solve's growth
  if (held.length === 0) assert.throws(() => opt.step(s), code('STALE_VIEW'));
  else opt.step(s);
  // The state itself is intact: a fresh view and a copy-in step both work.
  const before = Array.from(s.params);
  s.grads.set([0, 0, 0, 0]);
  opt.step(s, [1, 1, 1, 1]);
  s.params.forEach((x, i) => assert.ok(x < before[i]!, `coordinate ${i} moved down`));
  s.dispose();
});

test('copy-in works when the source view lives in the memory that grows', async () => {
  const rt = await createRuntime({ initialPages: 1 });
  const opt = lion({ lr: 0.1 });
  const n = 4000;
  const small = opt.init(Float32Array.from({ length: n }, (_, i) => i), { runtime: rt });
  const src = small.params;
  const before = rt.arena.stats().capacity;
  // init from a view of another state's params, where this very init grows the memory.
  const copy = opt.init(src, { runtime: rt });
  assert.ok(rt.arena.stats().capacity > before, 'the init grew memory (the case under test)');
  assert.equal(copy.size, n);
  assert.ok(copy.params.every((x, i) => x === i));
  assert.throws(() => opt.init(src, { runtime: rt }), code('STALE_VIEW')); // src was detached by that growth
  // step(state, view) with a view of another state's params as the gradient.
  opt.step(copy, small.params);
  // Lion's first step from m = 0 is p − lr·sign(g): g_i = i, so every coordinate but 0 moves by 0.1.
  assert.ok(copy.params.every((x, i) => x === (i === 0 ? 0 : Math.fround(i - Math.fround(0.1)))));
  small.dispose();
  copy.dispose();
  rt.dispose();
});

test('a failed init frees what it took (no arena leak), for every kind of bad input', () => {
  const opt = adam();
  const base = rt.arena.stats();
  const bad: unknown[] = [
    Float32Array.of(1, NaN, 3),
    Float64Array.of(1, 1e39, 3), // +Inf in f32
    [1, Infinity],
    ['x', 1],
    { length: 3 },
    [1, null, 2],
  ];
  for (const b of bad) {
    assert.throws(() => opt.init(b as Float32Array, { runtime: rt }), code('INVALID_ARGUMENT'), String(b));
    const now = rt.arena.stats();
    assert.equal(now.used, base.used, `used bytes after ${String(b)}`);
    assert.equal(now.liveBlocks, base.liveBlocks);
  }
});

type Op =
  | { kind: 'init'; n: number; fill: number }
  | { kind: 'dispose'; which: number }
  | { kind: 'hold'; which: number }
  | { kind: 'writeHeld'; which: number; value: number }
  | { kind: 'step'; which: number; g: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('init' as const), n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 10_000, max: 200_000 })), fill: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('dispose' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('hold' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('writeHeld' as const), which: fc.nat(), value: fc.integer({ min: 100, max: 200 }) }),
  fc.record({ kind: fc.constant('step' as const), which: fc.nat(), g: fc.integer({ min: -3, max: 3 }) }),
);

test('random init / dispose / held-view writes / growth: live states always equal a plain-JS model', () => {
  const opt: Optimizer = sgd({ lr: 0.5 });
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => runProgram(opt, ops)),
    fuzzParams(40),
  );
});

/** Runs one program on the small runtime; asserts the model after every operation. */
function runProgram(opt: Optimizer, ops: Op[]): boolean {
  const live: { s: OptState; model: Float32Array }[] = [];
  const held: { view: Float32Array; owner: { s: OptState; model: Float32Array } }[] = [];
  for (const op of ops) {
    if (op.kind === 'init') {
      const p = new Float32Array(op.n).fill(op.fill);
      live.push({ s: opt.init(p, { runtime: rt }), model: p.slice() });
    } else if (live.length === 0) continue;
    else if (op.kind === 'dispose') {
      live.splice(op.which % live.length, 1)[0]!.s.dispose();
    } else if (op.kind === 'hold') {
      const o = live[op.which % live.length]!;
      held.push({ view: o.s.params, owner: o });
    } else if (op.kind === 'writeHeld') {
      if (held.length === 0) continue;
      const h = held[op.which % held.length]!;
      const valid = !isStaleView(h.view) && !h.owner.s.disposed;
      if (h.view.length > 0) h.view[0] = op.value;
      // A write through a valid view is a write to its own state; any other write lands nowhere
      // that a live state can see.
      if (valid) h.owner.model[0] = op.value;
    } else {
      const o = live[op.which % live.length]!;
      opt.step(o.s, new Float32Array(o.s.size).fill(op.g));
      for (let i = 0; i < o.model.length; i++) o.model[i] = Math.fround(o.model[i]! - Math.fround(0.5 * op.g));
    }
    for (const o of live) {
      const p = o.s.params;
      if (p[0] !== o.model[0] || p[p.length - 1] !== o.model[o.model.length - 1]) {
        throw new Error(`state of size ${o.s.size} diverged from its model after ${op.kind}: ${p[0]} vs ${o.model[0]}`);
      }
    }
  }
  for (const o of live) {
    assert.ok(o.s.params.every((x, i) => x === o.model[i]), 'full comparison');
    o.s.dispose();
  }
  return true;
}
