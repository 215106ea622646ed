// The SPEC's checks for Eve (A.1) and Lion (B.1.10).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { type Runtime, adam, createRuntime, eve, lion } from '../src/index.js';
import { sameBits } from './support/optimizers.js';

let rt: Runtime;
before(async () => {
  rt = await createRuntime({ build: 'simd' });
});

const finite = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e6), max: Math.fround(1e6) });
const run = fc.integer({ min: 1, max: 23 }).chain((n) =>
  fc.record({
    p: fc.array(finite, { minLength: n, maxLength: n }),
    steps: fc.array(
      fc.record({ g: fc.array(finite, { minLength: n, maxLength: n }), loss: fc.double({ min: 1e-6, max: 1e6, noNaN: true }) }),
      { minLength: 1, maxLength: 12 },
    ),
    beta3: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
  }),
);

test('Eve thresholds with k = K = 1 and clip with c = 1 are exactly Adam (same bits)', () => {
  fc.assert(
    fc.property(run, ({ p, steps, beta3 }) => {
      const a = adam({ lr: 0.01 });
      const e1 = eve({ lr: 0.01, variant: 'thresholds', k: 1, K: 1, beta3 });
      const e2 = eve({ lr: 0.01, variant: 'clip', c: 1, beta3 });
      const sa = a.init(p, { runtime: rt });
      const s1 = e1.init(p, { runtime: rt });
      const s2 = e2.init(p, { runtime: rt });
      for (const st of steps) {
        a.step(sa, st.g);
        e1.step(s1, st.g, { loss: st.loss });
        e2.step(s2, st.g, { loss: st.loss });
      }
      assert.equal(s1.scalars.d, 1);
      assert.equal(s2.scalars.d, 1);
      assert.ok(sameBits(s1.params, sa.params));
      assert.ok(sameBits(s2.params, sa.params));
      assert.ok(sameBits(s1.view('v'), sa.view('v')));
      [sa, s1, s2].forEach((s) => s.dispose());
    }),
    { numRuns: 100 },
  );
});

test('Eve clip is invariant to a constant added to the loss when f* moves with it; thresholds is not', () => {
  // Dyadic losses and shift keep every subtraction exact, so the invariance is exact.
  const losses = [5, 4.5, 4.75, 3, 3.25, 2, 2.5, 1.75, 1.5, 1.625];
  const shift = 64;
  const g = [0.5, -0.25, 1];
  const runEve = (variant: 'clip' | 'thresholds', add: number, fStar: number) => {
    const o = eve({ lr: 0.01, variant, fStar });
    const s = o.init([1, 2, 3], { runtime: rt });
    for (const L of losses) o.step(s, g, { loss: L + add });
    const out = { p: s.params.slice(), d: s.scalars.d! };
    s.dispose();
    return out;
  };
  const a = runEve('clip', 0, 0);
  const b = runEve('clip', shift, shift);
  assert.equal(a.d, b.d);
  assert.ok(sameBits(a.p, b.p));
  assert.notEqual(a.d, 1, 'the feedback must actually be active');
  const t1 = runEve('thresholds', 0, 0);
  const t2 = runEve('thresholds', shift, 0);
  assert.notEqual(t1.d, t2.d, 'thresholds (v1) has no f* and is not shift-invariant');
});

test('a constant loss drives Eve to its largest step: d → 1/c (clip) and d → k (thresholds)', () => {
  const steps = 400;
  const beta3 = 0.9;
  const clip = eve({ variant: 'clip', c: 10, beta3 });
  const thr = eve({ variant: 'thresholds', k: 0.1, K: 10, beta3 });
  const sc = clip.init([1, 1], { runtime: rt });
  const st = thr.init([1, 1], { runtime: rt });
  for (let t = 0; t < steps; t++) {
    clip.step(sc, [0.1, -0.1], { loss: 0.7 });
    thr.step(st, [0.1, -0.1], { loss: 0.7 });
  }
  assert.ok(Math.abs(sc.scalars.d! - 0.1) < 1e-12, `clip d = ${sc.scalars.d}`);
  assert.ok(Math.abs(st.scalars.d! - 0.1) < 1e-9, `thresholds d = ${st.scalars.d}`);
  // The largest step: c·α (clip) — the step direction m̂/(√v̂+ε) is ±1 here.
  const before = sc.params.slice();
  clip.step(sc, [0.1, -0.1], { loss: 0.7 });
  const step = Math.abs(sc.params[0]! - before[0]!);
  assert.ok(Math.abs(step - 10 * 1e-3) < 1e-6, `step ${step}`);
  sc.dispose();
  st.dispose();
});

test('Eve thresholds follows the corrected branches: a rising loss shrinks the step, a falling one grows it', () => {
  const o = eve({ variant: 'thresholds', beta3: 0 });
  const s = o.init([0], { runtime: rt });
  o.step(s, [1], { loss: 1 });
  o.step(s, [1], { loss: 4 }); // up by 4× → ratio clipped to [1.1, 11] → 4 → r = 3
  assert.equal(s.scalars.d, 3);
  assert.equal(s.scalars.fHat, 4);
  o.step(s, [1], { loss: 3.9 }); // down a little → ratio clipped to [1/11, 1/1.1] → 1/1.1 → r = 0.1
  assert.ok(Math.abs(s.scalars.d! - 0.1) < 1e-12);
  s.dispose();
});

test('Lion: the first step from m = 0 is −η·sign(g); β1 = β2 = 0 is signSGD', () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 40 }), fc.array(finite, { minLength: 1, maxLength: 40 }), (p0, g0) => {
      const n = Math.min(p0.length, g0.length);
      const p = Float32Array.from(p0.slice(0, n));
      // (1−β1)·g must not underflow to 0 for sign(c) = sign(g): keep |g| normal or exactly 0.
      const g = Float32Array.from(g0.slice(0, n), (x) => (Math.abs(x) < 1e-37 ? 0 : x));
      const eta = 0.125;
      const o = lion({ lr: eta });
      const s = o.init(p, { runtime: rt });
      o.step(s, g);
      s.params.forEach((x, i) => assert.ok(x === Math.fround(p[i]! - eta * Math.sign(g[i]!)), `index ${i}`));
      s.dispose();
      const sign = lion({ lr: eta, beta1: 0, beta2: 0 });
      const t = sign.init(p, { runtime: rt });
      const q = Float64Array.from(p);
      for (let k = 0; k < 3; k++) {
        const gk = g.map((x, i) => (k % 2 ? -x : x) + i * 0.5);
        sign.step(t, gk);
        for (let i = 0; i < n; i++) q[i] = Math.fround(q[i]! - Math.fround(eta * Math.sign(gk[i]!)));
      }
      t.params.forEach((x, i) => assert.ok(x === q[i], `index ${i}`));
      t.dispose();
    }),
    { numRuns: 100 },
  );
});
