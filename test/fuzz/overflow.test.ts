// Overflow never reaches the parameters unnoticed (issue 15 item 4): the fused kernels count
// non-finite results in the same pass (kernel == TS reference, both builds, check and write
// modes, NaN/±Inf/huge/denormal inputs); `nonFinite` covers results ('throw' and 'skip' change
// nothing, 'zero' keeps the affected coordinates); hyper-parameters certain to give NaN are
// INVALID_HYPERPARAMETER; init rejects non-finite and non-numeric parameters and θ.
// Fixed seed in CI; FUZZ_RUNS=<n> for longer runs.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import {
  type NonFinitePolicy,
  type Optimizer,
  adam,
  adamw,
  chain,
  eve,
  lion,
  lionSgdInterp,
  momentum,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  sgd,
} from '../../src/optim/index.js';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz.js';
import { adamRef, lionRef, momentumRef, sgdRef } from '../support/reference/moments.js';
import { sameBits } from '../support/optimizers.js';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

let simd: Runtime;
let scalar: Runtime;
before(async () => {
  simd = await createRuntime({ build: 'simd' });
  scalar = await createRuntime({ build: 'scalar' });
});

/** f32 values that overflow, underflow or are not finite, mixed with ordinary ones. */
const hostile = fc.oneof(
  fc.float({ min: -4, max: 4, noNaN: true }),
  fc.float({ noNaN: true, noDefaultInfinity: true }), // every magnitude: the check-mode screen's edges
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 1e19, -2e19, 1e20, 3e38, -3.4e38, 1e30),
);
const arrays = (k: number) =>
  fc.integer({ min: 0, max: 70 }).chain((n) => fc.tuple(...Array.from({ length: k }, () => fc.array(hostile, { minLength: n, maxLength: n }))));

/** Runs a kernel on copies of `data` in `rt`; returns the count and the buffers after. */
function onRuntime(rt: Runtime, data: number[][], body: (ptrs: number[]) => number): { bad: number; out: Float32Array[] } {
  const ptrs = data.map((d) => rt.arena.alloc(d.length * 4));
  data.forEach((d, j) => rt.arena.f32(ptrs[j]!, d.length).set(d));
  const bad = body(ptrs);
  const out = data.map((d, j) => rt.arena.f32(ptrs[j]!, d.length).slice());
  ptrs.forEach((p) => rt.arena.release(p));
  return { bad, out };
}

function assertSame(a: { bad: number; out: Float32Array[] }, b: { bad: number; out: Float32Array[] }, what: string): void {
  assert.equal(a.bad, b.bad, `${what}: count`);
  a.out.forEach((x, j) => assert.ok(sameBits(x, b.out[j]!), `${what}: buffer ${j}`));
}

test('fused kernels: count of non-finite results, guarded / check / trusted / all-or-nothing modes, kernel == reference in both builds', () => {
  fc.assert(
    fc.property(arrays(4), fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 0.01), fc.constantFrom(0, 0.1), fc.constantFrom(1e-3, 1e30, 0), (data, mode, l2, wd, lr) => {
      const n = data[0]!.length;
      const ref = (fn: (b: Float32Array[]) => number) => {
        const b = data.map((d) => Float32Array.from(d));
        return { bad: fn(b), out: b };
      };
      const sAdam = [0.9, 0.1, 0.999, 0.001, 1.7, 12.5, 1e-8, l2, wd, lr] as const;
      const want = ref(([p, g, m, v]) => adamRef(p!, g!, m!, v!, ...sAdam, mode));
      for (const rt of [simd, scalar]) {
        assertSame(onRuntime(rt, data, ([p, g, m, v]) => rt.kernels.adam_f32(p!, g!, m!, v!, n, ...sAdam, mode)), want, `adam ${rt.build}`);
      }
      const wantSgd = ref(([p, g]) => sgdRef(p!, g!, l2, lr, mode));
      const wantMom = ref(([p, g, t]) => momentumRef(p!, g!, t!, 0.9, l2, lr, wd > 0, mode));
      const wantLion = ref(([p, g, m]) => lionRef(p!, g!, m!, 0.9, 0.1, 0.99, 0.01, wd, lr, mode));
      for (const rt of [simd, scalar]) {
        const k = rt.kernels;
        assertSame(onRuntime(rt, data, ([p, g]) => k.sgd_f32(p!, g!, n, l2, lr, mode)), wantSgd, `sgd ${rt.build}`);
        assertSame(onRuntime(rt, data, ([p, g, t]) => k.momentum_f32(p!, g!, t!, n, 0.9, l2, lr, wd > 0 ? 1 : 0, mode)), wantMom, `momentum ${rt.build}`);
        assertSame(onRuntime(rt, data, ([p, g, m]) => k.lion_f32(p!, g!, m!, n, 0.9, 0.1, 0.99, 0.01, wd, lr, mode)), wantLion, `lion ${rt.build}`);
      }
      // Check mode writes nothing; write mode leaves every counted coordinate as it was.
      if (mode === 1) want.out.forEach((x, j) => assert.ok(sameBits(x, Float32Array.from(data[j]!))));
      // All or nothing: a positive count leaves every buffer as it was.
      for (const w of [want, wantSgd, wantMom, wantLion]) {
        if (mode === 3 && w.bad > 0) w.out.forEach((x, j) => assert.ok(sameBits(x, Float32Array.from(data[j]!)), 'mode 3 wrote'));
      }
    }),
    fuzzParams(300),
  );
});

/** Every fused optimizer (and a chain, a learned one and lionSgdInterp through the generic path). */
const makers: Array<[string, (nf: NonFinitePolicy) => Optimizer, boolean]> = [
  ['adam', (nonFinite) => adam({ nonFinite }), false],
  ['adamw', (nonFinite) => adamw({ nonFinite }), false],
  ['eve', (nonFinite) => eve({ nonFinite }), true],
  ['sgd', (nonFinite) => sgd({ lr: 0.1, nonFinite }), false],
  ['momentum', (nonFinite) => momentum({ lr: 0.1, nonFinite }), false],
  ['lion', (nonFinite) => lion({ nonFinite }), false],
  ['chain(scaleByAdam, lr)', (nonFinite) => chain(scaleByAdam(), scaleByLearningRate(1e-3), { nonFinite }), false],
  ['lionSgdInterp', (nonFinite) => lionSgdInterp({ lambda: 0.5, nonFinite }), false],
  ['mlpLOpt', (nonFinite) => mlpLOpt.optimizer(mlpLOpt.init(1), { nonFinite }), false],
  ['chain(scaleByEve, lr)', (nonFinite) => chain(scaleByEve(), scaleByLearningRate(1e-3), { nonFinite }), true],
];

/** One overflowing gradient per optimizer family: g² overflows f32 in Adam's v; the rest overflow p. */
function overflowing(name: string, n: number, where: number): Float32Array {
  const g = Float32Array.from({ length: n }, (_, i) => 0.25 * Math.sin(i + 1));
  g[where] = name.startsWith('adam') || name.startsWith('eve') || name.startsWith('chain') ? 1e20 : 3e38;
  return g;
}

test("g = 1e20 (g² overflows f32): 'throw' throws NON_FINITE_RESULT and changes nothing; 'skip' skips; 'zero' keeps that coordinate", () => {
  // The chains take the generic path (backup, scan, restore): Eve's feedback scalars too.
  for (const [name, make, needsLoss] of [makers[0]!, makers[1]!, makers[2]!, makers[6]!, makers[9]!]) {
    const n = 9;
    const where = 4;
    const info = needsLoss ? { loss: 1 } : undefined;
    for (const policy of ['throw', 'skip', 'zero'] as const) {
      const opt = make(policy);
      const s = opt.init(Float32Array.from({ length: n }, (_, i) => i / 4), { runtime: simd });
      opt.step(s, new Float32Array(n).fill(0.5), needsLoss ? { loss: 2 } : undefined);
      const before = s.save();
      const p0 = s.params.slice();
      const g = overflowing(name, n, where);
      if (policy === 'throw') {
        assert.throws(() => opt.step(s, g, info), code('NON_FINITE_RESULT'), `${name}`);
        assert.deepEqual(s.save(), before, `${name}: throw changed the state`);
      } else if (policy === 'skip') {
        assert.equal(opt.step(s, g, info), false);
        assert.equal(s.scalars.skipped, 1);
        assert.ok(sameBits(s.params, p0), `${name}: skip changed params`);
      } else {
        assert.equal(opt.step(s, g, info), true);
        assert.equal(s.params[where], p0[where], `${name}: the overflowing coordinate moved`);
        for (const [k, v] of Object.entries(s.slots)) if (!k.endsWith('updates')) assert.ok(v.every(Number.isFinite), `${name}: slot ${k} non-finite`);
        assert.ok(s.params.every(Number.isFinite));
        assert.ok(s.params.some((x, i) => i !== where && x !== p0[i]), `${name}: the other coordinates were updated`);
      }
      s.dispose();
    }
  }
});

test('g = 3e38 makes every Adam v infinite: NON_FINITE_RESULT, nothing changed', () => {
  const opt = adam();
  const s = opt.init([1, 2, 3, 4, 5], { runtime: simd });
  const before = s.save();
  assert.throws(() => opt.step(s, new Float32Array(5).fill(3e38)), code('NON_FINITE_RESULT'));
  assert.deepEqual(s.save(), before);
  assert.ok(s.slots.v!.every((x) => x === 0));
  s.dispose();
});

test('every optimizer: an overflowing step under throw/skip changes nothing; a non-finite gradient is still NON_FINITE_GRADIENT', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.integer({ min: 0, max: makers.length - 1 }), (n, w, which) => {
      const [name, make, needsLoss] = makers[which]!;
      const where = w % n;
      const info = needsLoss ? { loss: 1.5 } : undefined;
      for (const policy of ['throw', 'skip'] as const) {
        const opt = make(policy);
        const s = opt.init(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), { runtime: scalar });
        opt.step(s, new Float32Array(n).fill(0.1), needsLoss ? { loss: 2 } : undefined);
        const before = s.save();
        // Adam-family: 1e20 overflows v. Others: 3e38 at p ≈ 3.4e38 overflows p itself.
        s.params[where] = 3.4e38;
        const saved = s.save();
        const g = overflowing(name, n, where);
        g[where] = name.startsWith('adam') || name.startsWith('eve') || name.startsWith('chain') ? 1e20 : -3e38;
        const r = (() => {
          try {
            return opt.step(s, g, info);
          } catch (e) {
            assert.ok(code('NON_FINITE_RESULT')(e), `${name}: ${String(e)}`);
            return 'threw';
          }
        })();
        if (r !== 'threw' && r !== false) {
          // Not every optimizer overflows on this input (a learned one may step by a bounded amount).
          assert.ok(s.params.every(Number.isFinite), `${name}: stepped into a non-finite parameter`);
        } else {
          if (policy === 'skip') s.scalars.skipped! -= 1;
          assert.deepEqual(s.save(), saved, `${name} ${policy}: state changed`);
        }
        assert.notDeepEqual(before, saved);
        const gBad = new Float32Array(n).fill(0.1);
        gBad[where] = NaN;
        if (policy === 'throw') assert.throws(() => opt.step(s, gBad, info), code('NON_FINITE_GRADIENT'), name);
        s.dispose();
      }
    }),
    fuzzParams(60),
  );
});

test('hyper-parameters certain to produce NaN or ±Inf are INVALID_HYPERPARAMETER', () => {
  const bad: Array<[string, () => unknown]> = [
    ['adam eps 0', () => adam({ eps: 0 })],
    ['adamw eps 0', () => adamw({ eps: 0 })],
    ['eve eps 0', () => eve({ eps: 0 })],
    ['scaleByAdam eps 0', () => scaleByAdam({ eps: 0 })],
    ['adam eps 1e-50 (0 in f32)', () => adam({ eps: 1e-50 })],
    ['sgd lr 1e39', () => sgd({ lr: 1e39 })],
    ['sgd lr 1e31', () => sgd({ lr: 1e31 })],
    ['momentum lr 1e39', () => momentum({ lr: 1e39 })],
    ['adam lr 1e39', () => adam({ lr: 1e39 })],
    ['lion lr 1e39', () => lion({ lr: 1e39 })],
    ['adamw weightDecay 1e39', () => adamw({ weightDecay: 1e39 })],
    ['sgd weightDecay 1e31', () => sgd({ weightDecay: 1e31 })],
    ['lion weightDecay 1e39', () => lion({ weightDecay: 1e39 })],
    ['scaleByLearningRate 1e39', () => scaleByLearningRate(1e39)],
    ['lionSgdInterp sgdLr 1e39', () => lionSgdInterp({ lambda: 0.5, sgdLr: 1e39 })],
  ];
  for (const [what, f] of bad) assert.throws(f, code('INVALID_HYPERPARAMETER'), what);
  // A schedule that leaves the range is caught at the step that reaches it; nothing changes.
  const opt = sgd({ lr: (t) => (t < 1 ? 0.1 : 1e39) });
  const s = opt.init([1, 2], { runtime: simd });
  opt.step(s, [1, 1]);
  const before = s.save();
  assert.throws(() => opt.step(s, [1, 1]), code('INVALID_HYPERPARAMETER'));
  assert.deepEqual(s.save(), before);
  s.dispose();
  // The boundary values themselves are accepted.
  for (const ok of [() => sgd({ lr: 1e30 }), () => adam({ eps: 1e-45 }), () => adamw({ weightDecay: 1e30 })]) ok();
});

test('adam eps 0 used to give NaN at a zero gradient coordinate: the smallest accepted eps does not', () => {
  const opt = adam({ eps: 1e-45 });
  const s = opt.init([1, 2, 3], { runtime: simd });
  opt.step(s, [0, 1, 0]);
  assert.ok(s.params.every(Number.isFinite));
  assert.deepEqual(Array.from(s.params).map((x, i) => x === [1, 2, 3][i]), [true, false, true]);
  s.dispose();
});

test('init rejects non-finite and non-numeric parameters; learned optimizers reject a non-finite θ', () => {
  const opt = sgd();
  for (const bad of [[NaN], [1, Infinity], [-Infinity], ['x', 1], { length: 3 }, Float32Array.of(0, NaN), Float64Array.of(1e39), [1n]]) {
    assert.throws(() => opt.init(bad as unknown as number[], { runtime: simd }), code('INVALID_ARGUMENT'), String(bad));
  }
  for (const lo of [lstmLOpt, mlpLOpt]) {
    const theta = lo.init(1);
    theta[7] = NaN;
    assert.throws(() => lo.optimizer(theta), code('INVALID_HYPERPARAMETER'), lo.name);
    theta[7] = Infinity;
    assert.throws(() => lo.optimizer(theta), code('INVALID_HYPERPARAMETER'), lo.name);
  }
});
