// Bounds carried between Adam-family steps (assembly/moments_tracked.ts, src/optim/state.ts):
// - adam_tracked_f32 equals adam_f32 mode 3 (count, and bits of every buffer) whatever true
//   upper bounds it is given, in both builds, and the bounds it hands back are upper bounds of
//   what it stored (soundness of the carried values), over hostile magnitudes;
// - a carried bound that cannot prove the write (too loose) falls back to reading every array;
// - every way of handing out params or a slot (params, slots, view, ptr, ptrs) drops its bound,
//   so a NaN or huge value written through it afterwards is seen: 'throw' changes nothing;
//   save() hands nothing out; a state never handed out keeps finite bounds from step to step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { adam, adamw, eve, lion, momentum, sgd } from '../../src/optim/index.js';
import { adamScalars } from '../../src/optim/adam.js';
import { type OptState, rawView, takeBounds } from '../../src/optim/state.js';
import type { Runtime } from '../../src/runtime/index.js';
import { rt as runtimeOf } from '../support/builds.js';
import { fuzzParams } from '../support/fuzz.js';
import { adamRef, lionRef, momentumRef, sgdRef } from '../support/reference/moments.js';
import { sameBits } from '../support/optimizers.js';

const simd = await runtimeOf('simd');
const scalar = await runtimeOf('scalar');
const nonFiniteResult = (e: unknown) => (e as { code?: string }).code === 'NON_FINITE_RESULT';
const CARRIED = ['params', 'm', 'v'] as const;

/** Runs adam_tracked_f32 on copies of p, g, m, v in `rt`; returns the count, the buffers and the bounds handed back. */
function tracked(rt: Runtime, data: Float32Array[], s: readonly number[], b: readonly number[]) {
  const n = data[0]!.length;
  const ptrs = data.map((d) => rt.arena.alloc(Math.max(1, n) * 4));
  data.forEach((d, j) => rt.arena.f32(ptrs[j]!, n).set(d));
  const [p, g, m, v] = ptrs as [number, number, number, number];
  const k = rt.kernels;
  const bad = k.adam_tracked_f32(p, g, m, v, n, s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!, s[8]!, s[9]!, b[0]!, b[1]!, b[2]!);
  const out = ptrs.map((q) => rt.arena.f32(q, n).slice());
  ptrs.forEach((q) => rt.arena.release(q));
  return { bad, out, bounds: [0, 1, 2].map((i) => k.tracked_bound(i)) };
}

const maxAbs = (a: Float32Array) => a.reduce((x, y) => Math.max(x, Math.abs(y)), 0);

const edgy = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -8, max: 8, noNaN: true }) },
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-45, 9e17, 1.1e18, 1e36, 1e37, 3e38, NaN, Infinity, -Infinity),
);
const vEntry = fc.oneof({ weight: 6, arbitrary: fc.float({ min: 0, max: 64, noNaN: true }) }, fc.constantFrom(0, 1e36, 2e37, -1, NaN));

test('adam_tracked_f32 = adam_f32 mode 3 bit for bit given true bounds, in both builds; the bounds it returns hold', () => {
  let carriedOut = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 37 }).chain((n) =>
        fc.tuple(fc.array(edgy, { minLength: n, maxLength: n }), fc.array(edgy, { minLength: n, maxLength: n }),
          fc.array(edgy, { minLength: n, maxLength: n }), fc.array(vEntry, { minLength: n, maxLength: n }))),
      fc.tuple(fc.constantFrom(Infinity, 1, 1.5, 1e3), fc.constantFrom(Infinity, 1, 2), fc.constantFrom(Infinity, 1, 10)),
      fc.constantFrom(0, 0.01), fc.constantFrom(0, 0.1), fc.constantFrom(1e-3, 1, 0), fc.constantFrom(1e-8, 10),
      (arrs, slack, l2, wd, lr, eps) => {
        const data = arrs.map((a) => Float32Array.from(a));
        const s = [0.9, 0.1, 0.999, 0.001, 10, 31.6, eps, l2, wd, lr];
        // A bound is carried only if it is a true upper bound (every v ≥ +0 for v's): else +∞.
        const vOk = data[3]!.every((x) => x >= 0 && !Object.is(x, -0));
        const bound = (a: Float32Array, f: number, ok: boolean) => (ok && a.every(Number.isFinite) ? maxAbs(a) * f : Infinity);
        const b = [bound(data[0]!, slack[0], true), bound(data[2]!, slack[1], true), bound(data[3]!, slack[2], vOk)];
        const want = data.map((a) => a.slice());
        const wantBad = adamRef(want[0]!, want[1]!, want[2]!, want[3]!, ...(s as [number, number, number, number, number, number, number, number, number, number]), 3);
        for (const rt of [simd, scalar]) {
          const got = tracked(rt, data, s, b);
          assert.equal(got.bad, wantBad, `${rt.build}: count`);
          got.out.forEach((x, j) => assert.ok(sameBits(x, want[j]!), `${rt.build}: buffer ${j}`));
          if (got.bad === 0 && got.bounds[0]! < Infinity) {
            carriedOut++;
            assert.ok(maxAbs(got.out[0]!) <= got.bounds[0]!, `${rt.build}: p bound`);
            assert.ok(maxAbs(got.out[2]!) <= got.bounds[1]!, `${rt.build}: m bound`);
            assert.ok(got.out[3]!.every((x) => x >= 0 && !Object.is(x, -0) && x <= got.bounds[2]!), `${rt.build}: v bound`);
          }
        }
      },
    ),
    fuzzParams(300),
  );
  assert.ok(carriedOut > 0, 'no call ever handed bounds back: the property tested nothing');
});

test('a carried bound too loose to prove the write falls back to reading every array (same bits as mode 3)', () => {
  const n = 21;
  const data = [0, 1, 2, 3].map((j) => Float32Array.from({ length: n }, (_, i) => (j === 3 ? Math.cos(i) ** 2 : Math.sin(i + j))));
  const s = [0.9, 0.1, 0.999, 0.001, 10, 31.6, 1e-8, 0, 0, 1e-3];
  for (const rt of [simd, scalar]) {
    const want = data.map((a) => a.slice());
    adamRef(want[0]!, want[1]!, want[2]!, want[3]!, 0.9, 0.1, 0.999, 0.001, 10, 31.6, 1e-8, 0, 0, 1e-3, 3);
    // M = 1e30 carried: U = M'·c1/ε exceeds T, so the carried proof fails; the real m is small.
    const got = tracked(rt, data, s, [1, 1e30, 1]);
    assert.equal(got.bad, 0);
    got.out.forEach((x, j) => assert.ok(sameBits(x, want[j]!), `${rt.build}: buffer ${j}`));
    assert.ok(got.bounds.every((b) => b === Infinity), 'a fallback write hands no bounds back');
    // A carried m bound that hides a real 3e38 in m is not a true bound: never passed by state.ts,
    // but an out-of-range carried value (> T) is treated as unknown and the array is read.
    const dirty = data.map((a) => a.slice());
    dirty[2]![7] = 3e38;
    const bad = tracked(rt, dirty, s, [1, 2e37, 1]);
    assert.equal(bad.bad, 1);
    bad.out.forEach((x, j) => assert.ok(sameBits(x, dirty[j]!), `${rt.build}: dirty buffer ${j} changed`));
  }
});

/** A fresh Adam-family state stepped `k` times with a fixed gradient, nothing handed out. */
function stepped(opt: ReturnType<typeof adam>, rt: Runtime, k: number, loss?: boolean): OptState {
  const s = opt.init(Float32Array.from({ length: 19 }, (_, i) => Math.sin(i)), { runtime: rt });
  const g = Float32Array.from({ length: 19 }, (_, i) => Math.cos(i) / 2);
  for (let t = 0; t < k; t++) opt.step(s, g, loss ? { loss: 1 + t } : undefined);
  return s;
}

test('a state never handed out carries finite bounds; save() keeps them; the steps equal a state that was handed out', () => {
  for (const rt of [simd, scalar]) {
    for (const [opt, loss] of [[adam({ lr: 1e-2 }), false], [adamw({ lr: 1e-2 }), false], [eve({ lr: 1e-2 }), true]] as const) {
      const s = stepped(opt, rt, 5, loss);
      s.save();
      const b = takeBounds(s, CARRIED);
      assert.ok(b.every((x) => x > 0 && x < Infinity), `${rt.build} ${opt.name}: bounds ${b}`);
      assert.ok(takeBounds(s, CARRIED).every((x) => x === Infinity), 'takeBounds forgets');
      // Same bits as a state whose buffers were handed out before every step (always read).
      const t = stepped(opt, rt, 0);
      const g = Float32Array.from({ length: 19 }, (_, i) => Math.cos(i) / 2);
      for (let k = 0; k < 5; k++) {
        void t.slots;
        opt.step(t, g, loss ? { loss: 1 + k } : undefined);
      }
      const u = stepped(opt, rt, 5, loss);
      assert.ok(sameBits(t.params, u.params) && sameBits(t.slots.m!, u.slots.m!) && sameBits(t.slots.v!, u.slots.v!), `${rt.build} ${opt.name}`);
      for (const x of [s, t, u]) x.dispose();
    }
  }
});

test('every way of handing out params or a slot drops its bound: a value written afterwards is seen (throw changes nothing)', () => {
  const handOut: Record<string, (s: OptState) => (i: number, x: number) => void> = {
    params: (s) => { const v = s.params; return (i, x) => { v[i] = x; }; },
    slots: (s) => { const v = s.slots.m!; return (i, x) => { v[i] = x; }; },
    view: (s) => { const v = s.view('v'); return (i, x) => { v[i] = x; }; },
    ptr: (s) => { const at = s.ptr('m'); return (i, x) => { s.runtime.arena.f32(at, s.size)[i] = x; }; },
    ptrs: (s) => { const at = s.ptrs.v!; return (i, x) => { s.runtime.arena.f32(at, s.size)[i] = x; }; },
  };
  let threw = 0;
  for (const rt of [simd, scalar]) {
    const opt = adam({ lr: 1e-3 });
    for (const [how, take] of Object.entries(handOut)) {
      for (const value of [NaN, 3e38, -1, Infinity]) {
        const s = stepped(opt, rt, 3);
        const write = take(s); // handed out after steps that carried bounds
        write(17, value);
        const g = new Float32Array(19).fill(0.25);
        const want = [rawView(s, 'params').slice(), g.slice(), rawView(s, 'm').slice(), rawView(s, 'v').slice()];
        const a = adamScalars(0.9, 0.999, 3);
        const bad = adamRef(want[0]!, want[1]!, want[2]!, want[3]!, 0.9, a.ob1, 0.999, a.ob2, a.c1, a.r2, 1e-8, 0, 0, 1e-3, 3);
        const before = s.save();
        if (bad > 0) {
          threw++;
          assert.throws(() => opt.step(s, g), nonFiniteResult, `${rt.build}: ${how} ${value}`);
          assert.deepEqual(s.save(), before, `${rt.build}: ${how} ${value}: state changed`);
        } else {
          assert.equal(opt.step(s, g), true);
          for (const [j, name] of [[0, 'params'], [2, 'm'], [3, 'v']] as const) {
            assert.ok(sameBits(rawView(s, name), want[j]!), `${rt.build}: ${how} ${value}: ${name}`);
          }
        }
        s.dispose();
      }
    }
  }
  assert.ok(threw >= 10, `only ${threw} cases threw: the test lost its teeth`);
});

test('sgd, momentum and lion tracked kernels = their mode 3 bit for bit given true bounds, in both builds; returned bounds hold', () => {
  let carriedOut = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 37 }).chain((n) => fc.tuple(...[0, 1, 2].map(() => fc.array(edgy, { minLength: n, maxLength: n })))),
      fc.tuple(fc.constantFrom(Infinity, 1, 3), fc.constantFrom(Infinity, 1, 2)),
      fc.constantFrom(0, 0.01), fc.constantFrom(1e-3, 1, 0), fc.boolean(),
      (arrs, slack, l2, lr, nest) => {
        const data = arrs.map((a) => Float32Array.from(a));
        const bound = (a: Float32Array, f: number) => (a.every(Number.isFinite) ? maxAbs(a) * f : Infinity);
        const b = [bound(data[0]!, slack[0]), bound(data[2]!, slack[1])];
        const n = data[0]!.length;
        const cases = [
          { name: 'sgd', k: 2, ref: (d: Float32Array[]) => sgdRef(d[0]!, d[1]!, l2, lr, 3),
            run: (rt: Runtime, q: number[]) => rt.kernels.sgd_tracked_f32(q[0]!, q[1]!, n, l2, lr, b[0]!) },
          { name: 'momentum', k: 3, ref: (d: Float32Array[]) => momentumRef(d[0]!, d[1]!, d[2]!, 0.9, l2, lr, nest, 3),
            run: (rt: Runtime, q: number[]) => rt.kernels.momentum_tracked_f32(q[0]!, q[1]!, q[2]!, n, 0.9, l2, lr, nest ? 1 : 0, b[0]!, b[1]!) },
          { name: 'lion', k: 3, ref: (d: Float32Array[]) => lionRef(d[0]!, d[1]!, d[2]!, 0.9, 0.1, 0.99, 0.01, l2, lr, 3),
            run: (rt: Runtime, q: number[]) => rt.kernels.lion_tracked_f32(q[0]!, q[1]!, q[2]!, n, 0.9, 0.1, 0.99, 0.01, l2, lr, b[0]!, b[1]!) },
        ];
        for (const c of cases) {
          const want = data.slice(0, c.k).map((a) => a.slice());
          const wantBad = c.ref(want);
          for (const rt of [simd, scalar]) {
            const q = want.map(() => rt.arena.alloc(Math.max(1, n) * 4));
            data.slice(0, c.k).forEach((d, j) => rt.arena.f32(q[j]!, n).set(d));
            const bad = c.run(rt, q);
            const out = q.map((x) => rt.arena.f32(x, n).slice());
            q.forEach((x) => rt.arena.release(x));
            assert.equal(bad, wantBad, `${rt.build} ${c.name}: count`);
            out.forEach((x, j) => assert.ok(sameBits(x, want[j]!), `${rt.build} ${c.name}: buffer ${j}`));
            const tb = [0, 1].map((i) => rt.kernels.tracked_bound(i));
            if (bad === 0 && tb[0]! < Infinity) {
              carriedOut++;
              assert.ok(maxAbs(out[0]!) <= tb[0]!, `${rt.build} ${c.name}: p bound`);
              if (c.k === 3) assert.ok(maxAbs(out[2]!) <= tb[1]!, `${rt.build} ${c.name}: slot bound`);
            }
          }
        }
      },
    ),
    fuzzParams(200),
  );
  assert.ok(carriedOut > 0, 'no call ever handed bounds back');
});

test('sgd, momentum and lion states carry bounds; params handed out and set to NaN afterwards: throw, nothing changed', () => {
  for (const rt of [simd, scalar]) {
    for (const [opt, names] of [[sgd({ lr: 0.1 }), ['params']], [momentum({ lr: 0.1 }), ['params', 'trace']], [sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), ['params', 'trace']], [lion({ lr: 1e-3 }), ['params', 'm']]] as const) {
      const s = opt.init(Float32Array.from({ length: 19 }, (_, i) => Math.sin(i)), { runtime: rt });
      const g = Float32Array.from({ length: 19 }, (_, i) => Math.cos(i));
      for (let t = 0; t < 3; t++) opt.step(s, g);
      const b = takeBounds(s, names);
      assert.ok(b.every((x) => x > 0 && x < Infinity), `${rt.build} ${opt.name}: bounds ${b}`);
      opt.step(s, g); // carries them again
      const pv = s.params;
      pv[5] = NaN;
      const before = s.save();
      assert.throws(() => opt.step(s, g), nonFiniteResult, `${rt.build} ${opt.name}`);
      assert.deepEqual(s.save(), before, `${rt.build} ${opt.name}: state changed`);
      s.dispose();
    }
  }
});
