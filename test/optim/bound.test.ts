// The bound passes of assembly/moments_bound.ts (the fast proof behind the fused kernels'
// all-or-nothing mode 3, which `step` uses under nonFinite 'throw' and 'skip'):
// - sound: whenever a bound says "every result finite", the exact reference count is 0, and the
//   SIMD and scalar builds decide alike (fast-check over hostile magnitudes and edge values);
// - effective: ordinary training values are proven clean (the fast path is the common path);
// - the fallback: when the bound cannot prove it, the exact check decides (clean → written,
//   bit for bit as the reference; not clean → nothing written);
// - user writes into params or slot views between steps are seen by the next step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { adam, adamw, sgd } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { rt as runtimeOf } from '../support/builds.js';
import { fuzzParams } from '../support/fuzz.js';
import { adamRef, lionRef, momentumRef, sgdRef } from '../support/reference/moments.js';
import { sameBits } from '../support/optimizers.js';

const simd = await runtimeOf('simd');
const scalar = await runtimeOf('scalar');
const nonFiniteResult = (e: unknown) => (e as { code?: string }).code === 'NON_FINITE_RESULT';

/** Copies `data` into `rt`'s memory, runs `body(ptrs)`, frees; returns body's result and the buffers. */
function onRuntime(rt: Runtime, data: ArrayLike<number>[], body: (ptrs: number[]) => number): { r: number; out: Float32Array[] } {
  const ptrs = data.map((d) => rt.arena.alloc(Math.max(1, d.length) * 4));
  data.forEach((d, j) => rt.arena.f32(ptrs[j]!, d.length).set(d));
  const r = body(ptrs);
  const out = data.map((d, j) => rt.arena.f32(ptrs[j]!, d.length).slice());
  ptrs.forEach((p) => rt.arena.release(p));
  return { r, out };
}

/** Magnitudes on both sides of the bounds' thresholds (1e18 for Adam's g', T = 1e37), and ordinary ones. */
const edgy = fc.oneof(
  { weight: 4, arbitrary: fc.float({ min: -8, max: 8, noNaN: true }) },
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-45, -1e-40, 9e17, 1e18, 1.1e18, -2e18, 1e36, 9e36, 1e37, 1.1e37, -3e37, 3e38, -3.4e38, NaN, Infinity, -Infinity),
);
const arrays = (k: number) =>
  fc.integer({ min: 0, max: 41 }).chain((n) => fc.tuple(...Array.from({ length: k }, () => fc.array(edgy, { minLength: n, maxLength: n }))));
const copies = (data: number[][]) => data.map((d) => Float32Array.from(d));

test('bound passes are sound (a proof implies a clean exact count) and both builds decide alike', () => {
  let proven = 0;
  fc.assert(
    fc.property(
      arrays(4),
      fc.constantFrom(0, 0.01, 1e20),
      fc.constantFrom(0, 0.1, 1e25),
      fc.constantFrom(1e-3, 1, 1e30, 0),
      fc.constantFrom(1e-8, 1e-45, 10),
      (data, l2, wd, lr, eps) => {
        const n = data[0]!.length;
        const sAdam = [0.9, 0.1, 0.999, 0.001, 10, 31.6, eps, l2, wd, lr] as const;
        const decide = (rt: Runtime) => ({
          adam: onRuntime(rt, data, ([p, g, m, v]) => rt.kernels.adam_safe_f32(p!, g!, m!, v!, n, ...sAdam)).r,
          sgd: onRuntime(rt, data, ([p, g]) => rt.kernels.sgd_safe_f32(p!, g!, n, l2, lr)).r,
          mom: onRuntime(rt, data, ([p, g, t]) => rt.kernels.momentum_safe_f32(p!, g!, t!, n, 0.9, l2, lr, wd > 0 ? 1 : 0)).r,
          lion: onRuntime(rt, data, ([p, g, m]) => rt.kernels.lion_safe_f32(p!, g!, m!, n, 0.9, 0.1, 0.99, 0.01, wd, lr)).r,
        });
        const a = decide(simd);
        assert.deepEqual(decide(scalar), a, 'the builds decide differently');
        const [p, g, m, v] = copies(data);
        if (a.adam === 1) assert.equal(adamRef(p!, g!, m!, v!, ...sAdam, 1), 0, 'adam: proven but not clean');
        if (a.sgd === 1) assert.equal(sgdRef(p!, g!, l2, lr, 1), 0, 'sgd: proven but not clean');
        if (a.mom === 1) assert.equal(momentumRef(p!, g!, m!, 0.9, l2, lr, wd > 0, 1), 0, 'momentum: proven but not clean');
        if (a.lion === 1) assert.equal(lionRef(p!, g!, m!, 0.9, 0.1, 0.99, 0.01, wd, lr, 1), 0, 'lion: proven but not clean');
        proven += a.adam + a.sgd + a.mom + a.lion;
      },
    ),
    fuzzParams(400),
  );
  assert.ok(proven > 0, 'no case was ever proven: the property tested nothing');
});

test('ordinary values are proven clean in both builds, at every loop remainder', () => {
  for (const rt of [simd, scalar]) {
    const k = rt.kernels;
    for (const n of [0, 1, 7, 8, 9, 33, 1000]) {
      // p, g, m in [−4, 4]; v = (g/4)² ≥ 0.
      const data = [0, 1, 2, 3].map((j) => Array.from({ length: n }, (_, i) => (j === 3 ? Math.sin(3 * i + 1) ** 2 / 16 : 4 * Math.sin(3 * i + j))));
      assert.equal(onRuntime(rt, data, ([p, g, m, v]) => k.adam_safe_f32(p!, g!, m!, v!, n, 0.9, 0.1, 0.999, 0.001, 10, 31.6, 1e-8, 0, 0.01, 1e-3)).r, 1, `adam n=${n}`);
      assert.equal(onRuntime(rt, data, ([p, g]) => k.sgd_safe_f32(p!, g!, n, 1e-4, 0.1)).r, 1, `sgd n=${n}`);
      assert.equal(onRuntime(rt, data, ([p, g, t]) => k.momentum_safe_f32(p!, g!, t!, n, 0.9, 0, 0.1, 1)).r, 1, `momentum n=${n}`);
      assert.equal(onRuntime(rt, data, ([p, g, m]) => k.lion_safe_f32(p!, g!, m!, n, 0.9, 0.1, 0.99, 0.01, 0.1, 1e-4)).r, 1, `lion n=${n}`);
      // One entry past a threshold at the last position (the scalar tail or the last vector) is seen.
      if (n > 0) {
        const v = data[3]!.slice();
        v[n - 1] = -1;
        assert.equal(onRuntime(rt, [data[0]!, data[1]!, data[2]!, v], ([p, g, m, vv]) => k.adam_safe_f32(p!, g!, m!, vv!, n, 0.9, 0.1, 0.999, 0.001, 10, 31.6, 1e-8, 0, 0, 1e-3)).r, 0, `adam negative v n=${n}`);
        const pp = data[0]!.slice();
        pp[n - 1] = NaN;
        assert.equal(onRuntime(rt, [pp, data[1]!], ([p, g]) => k.sgd_safe_f32(p!, g!, n, 0, 0.1)).r, 0, `sgd NaN p n=${n}`);
      }
    }
  }
});

test('mode 3 falls back to the exact check: unproven but clean is written bit for bit; unproven and not clean writes nothing', () => {
  const n = 13;
  const base = [0, 1, 2, 3].map((j) => Array.from({ length: n }, (_, i) => Math.cos(i + j) * (j === 3 ? Math.cos(i + j) : 1)));
  const s = [0.9, 0.1, 0.999, 0.001, 10, 31.6, 1e-8, 0, 0, 1e-3] as const;
  // v = 2e37 is beyond the bound (T = 1e37) but the update stays finite.
  const clean = base.map((a) => a.slice());
  clean[3]![5] = 2e37;
  // m = 3e38 with c1 = 10: m·c1 overflows.
  const dirty = base.map((a) => a.slice());
  dirty[2]![11] = 3e38;
  for (const rt of [simd, scalar]) {
    const k = rt.kernels;
    assert.equal(onRuntime(rt, clean, ([p, g, m, v]) => k.adam_safe_f32(p!, g!, m!, v!, n, ...s)).r, 0);
    const want = copies(clean);
    assert.equal(adamRef(want[0]!, want[1]!, want[2]!, want[3]!, ...s, 2), 0);
    const got = onRuntime(rt, clean, ([p, g, m, v]) => k.adam_f32(p!, g!, m!, v!, n, ...s, 3));
    assert.equal(got.r, 0);
    got.out.forEach((x, j) => assert.ok(sameBits(x, want[j]!), `${rt.build}: clean fallback buffer ${j}`));
    assert.ok(!sameBits(got.out[0]!, Float32Array.from(clean[0]!)), 'the clean fallback wrote nothing');
    const bad = onRuntime(rt, dirty, ([p, g, m, v]) => k.adam_f32(p!, g!, m!, v!, n, ...s, 3));
    assert.equal(bad.r, 1);
    bad.out.forEach((x, j) => assert.ok(sameBits(x, Float32Array.from(dirty[j]!)), `${rt.build}: dirty buffer ${j} changed`));
  }
});

test('values written into params or slot views between steps are seen: throw changes nothing, a huge but safe value steps exactly', () => {
  for (const rt of [simd, scalar]) {
    // sgd: a parameter set to 3e38 through a view taken before the last step, then g = −3e38.
    const opt = sgd({ lr: 1 });
    const s = opt.init([1, 2, 3, 4, 5], { runtime: rt });
    const pv = s.params;
    opt.step(s, [0.1, 0.1, 0.1, 0.1, 0.1]);
    pv[1] = 3e38;
    const saved = s.save();
    assert.throws(() => opt.step(s, [0, -3e38, 0, 0, 0]), nonFiniteResult);
    assert.deepEqual(s.save(), saved, `${rt.build}: sgd state changed`);
    s.dispose();

    // adam: a huge m or a negative v written into the slot views.
    const a = adam({ lr: 1e-3 });
    for (const [slot, value] of [['m', 3e38], ['v', -1]] as const) {
      const st = a.init(Float32Array.from({ length: 11 }, (_, i) => Math.sin(i)), { runtime: rt });
      const view = st.slots[slot]!;
      a.step(st, new Float32Array(11).fill(0.5));
      view[10] = value;
      const before = st.save();
      assert.throws(() => a.step(st, new Float32Array(11).fill(0.01)), nonFiniteResult, `${rt.build} ${slot}`);
      assert.deepEqual(st.save(), before, `${rt.build}: adam ${slot} write, state changed`);
      st.dispose();
    }

    // adamw: a parameter of 3.4e38 defeats the bound but the step is finite: the same bits as
    // the guarded write of nonFinite 'zero', which takes no bound at all.
    const w = adamw({ lr: 1e-3, weightDecay: 0.1 });
    const wz = adamw({ lr: 1e-3, weightDecay: 0.1, nonFinite: 'zero' });
    const st = w.init(Float32Array.from({ length: 9 }, (_, i) => Math.cos(i)), { runtime: rt });
    w.step(st, new Float32Array(9).fill(0.3));
    st.params[4] = 3.4e38;
    const twin = wz.init(st.params.slice(), { runtime: rt });
    twin.slots.m!.set(st.slots.m!);
    twin.slots.v!.set(st.slots.v!);
    twin.scalars.count = st.scalars.count!;
    const g = Float32Array.from({ length: 9 }, (_, i) => Math.sin(i) / 2);
    assert.equal(w.step(st, g), true);
    assert.equal(wz.step(twin, g), true);
    assert.ok(sameBits(st.params, twin.params) && sameBits(st.slots.m!, twin.slots.m!) && sameBits(st.slots.v!, twin.slots.v!), rt.build);
    assert.ok(st.params[4]! < 3.4e38 && Number.isFinite(st.params[4]!));
    st.dispose();
    twin.dispose();
  }
});
