// Vector kernels against their references; transforms and schedules.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import {
  adam,
  chain,
  clipByGlobalNorm,
  clipByValue,
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  linearWarmup,
  scale,
  scaleByLearningRate,
  warmupCosineDecay,
} from '../../src/optim/index.js';
import { Region, type Runtime, createRuntime } from '../../src/runtime/index.js';
import { clipRef, countNonFiniteRef, sumsqRef } from '../support/reference/moments.js';
import { RefOptimizer } from '../support/reference/optimizers.js';
import { sameBits } from '../support/optimizers.js';

let builds: Runtime[] = [];
before(async () => {
  builds = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
});

function inWasm(rt: Runtime, x: Float32Array): Region<Float32Array> {
  const r = new Region(rt.arena, Float32Array, x.length);
  r.view.set(x);
  return r;
}

test('sumsq, count_nonfinite, zero_nonfinite and clip match their references in both builds', () => {
  fc.assert(
    fc.property(fc.float32Array({ maxLength: 67 }), fc.float({ noNaN: true, min: 0, max: 100 }), (x, c) => {
      for (const rt of builds) {
        const k = rt.kernels;
        const r = inWasm(rt, x);
        const finite = x.map((v) => (Number.isFinite(v) ? v : 0));
        const rf = inWasm(rt, finite);
        assert.equal(k.sumsq_f32(rf.ptr, x.length), sumsqRef(finite));
        assert.equal(k.count_nonfinite_f32(r.ptr, x.length), countNonFiniteRef(x));
        assert.equal(k.zero_nonfinite_f32(r.ptr, x.length), countNonFiniteRef(x));
        assert.ok(sameBits(r.view, x.map((v) => (Number.isFinite(v) ? v : 0))));
        const want = x.slice();
        clipRef(want, -c, c);
        const rc = inWasm(rt, x);
        k.clip_f32(rc.ptr, x.length, -c, c);
        assert.ok(sameBits(rc.view, want));
        [r, rf, rc].forEach((z) => z.release());
      }
    }),
    { numRuns: 300 },
  );
});

test('clipByGlobalNorm bounds the update norm and leaves small updates alone', () => {
  fc.assert(
    fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }), { minLength: 1, maxLength: 50 }), (g) => {
      const opt = chain(clipByGlobalNorm(1), scale(-1));
      const s = opt.init(new Float32Array(g.length), { runtime: builds[0] });
      opt.step(s, g);
      const norm = Math.hypot(...Array.from(s.params));
      const gnorm = Math.hypot(...g);
      // p = 0 + (−g): equal to −g as values (0 + (−0) is +0).
      if (gnorm <= 1) s.params.forEach((v, i) => assert.ok(v === -Math.fround(g[i]!)));
      else assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
      s.dispose();
    }),
  );
});

test('clipByValue clamps every coordinate of the update', () => {
  const opt = chain(clipByValue(0.5), scaleByLearningRate(1));
  const s = opt.init([0, 0, 0, 0, 0], { runtime: builds[1] });
  opt.step(s, [-3, -0.25, 0, 0.25, 7]);
  assert.deepEqual(Array.from(s.params), [0.5, 0.25, 0, -0.25, -0.5]);
});

test('schedules follow the optax formulas', () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(constantSchedule(0.3)(1000), 0.3);
  const lin = linearSchedule({ init: 1, end: 0, steps: 10, begin: 5 });
  [lin(0), lin(5), lin(10), lin(15), lin(99)].forEach((v, i) => close(v, [1, 1, 0.5, 0, 0][i]!));
  const w = linearWarmup({ peak: 2, steps: 4 });
  [w(0), w(1), w(4), w(10)].forEach((v, i) => close(v, [0, 0.5, 2, 2][i]!));
  const cd = cosineDecay({ init: 1, decaySteps: 100, alpha: 0.1 });
  close(cd(0), 1);
  close(cd(50), 0.1 + 0.9 * 0.5);
  close(cd(100), 0.1);
  close(cd(1000), 0.1);
  const ed = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5 });
  close(ed(10), 0.5);
  close(ed(15), Math.pow(0.5, 1.5));
  close(exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, staircase: true })(15), 0.5);
  close(exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, end: 0.2 })(10), 0.2);
  const j = joinSchedules([constantSchedule(1), linearSchedule({ init: 1, end: 0, steps: 10 })], [5]);
  close(j(4), 1);
  close(j(10), 0.5);
  const wc = warmupCosineDecay({ peak: 1, warmupSteps: 10, decaySteps: 110, end: 0 });
  close(wc(5), 0.5);
  close(wc(10), 1);
  close(wc(60), 0.5);
  close(wc(110), 0);
});

test('an optimizer with a schedule uses lr(count) at each step', () => {
  const sched = warmupCosineDecay({ init: 0.001, peak: 0.1, warmupSteps: 3, decaySteps: 8 });
  const opt = adam({ lr: sched });
  const p = Float32Array.from([1, -2, 3, 0.5]);
  const s = opt.init(p, { runtime: builds[0] });
  const ref = new RefOptimizer({ kind: 'adam', lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, p);
  for (let t = 0; t < 10; t++) {
    const g = Float32Array.from([Math.sin(t), Math.cos(t), 0.5, -1]);
    (ref.cfg as { lr: number }).lr = sched(t);
    ref.step(g);
    opt.step(s, g);
  }
  assert.ok(sameBits(s.params, ref.p));
});

test('the zero-copy path: gradients written into state.grads, no grads argument', () => {
  const opt = adam({ lr: 0.1 });
  const a = opt.init([1, 2, 3], { runtime: builds[0] });
  const b = opt.init([1, 2, 3], { runtime: builds[0] });
  a.grads.set([0.5, -1, 2]);
  opt.step(a);
  opt.step(b, [0.5, -1, 2]);
  opt.step(b, b.grads); // passing the state's own view is also copy-free
  a.grads.set([0.5, -1, 2]);
  opt.step(a);
  assert.ok(sameBits(a.params, b.params));
});
