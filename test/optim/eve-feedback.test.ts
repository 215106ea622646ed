// Eve's feedback as a transform (issue 13 item 4), the authors' ε placement (item 6), the
// documented edge-case semantics, and the overflow guards of the tracked losses (issue 15).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError } from '../../src/core/errors.js';
import {
  adamw,
  addDecayedWeights,
  chain,
  eve,
  eveFeedback,
  lion,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  scaleByLion,
  trace,
} from '../../src/optim/index.js';
import type { Optimizer } from '../../src/optim/types.js';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';
import { firstDiff, sameBits } from '../support/optimizers.js';

let builds: Runtime[] = [];
before(async () => {
  builds = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
});

/** Runs `steps` steps with the given gradients and losses; returns the parameters and d̃ after each step. */
function trajectory(opt: Optimizer, rt: Runtime, p0: Float32Array, grads: Float32Array[], losses: number[]) {
  const s = opt.init(p0, { runtime: rt });
  const out: { p: Float32Array; scalars: Record<string, number> }[] = [];
  for (let t = 0; t < grads.length; t++) {
    opt.step(s, grads[t]!, { loss: losses[t]! });
    out.push({ p: s.params.slice(), scalars: { ...s.scalars } });
  }
  s.dispose();
  return out;
}

const f32 = (n: number) => fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 });

test('chain(scaleByAdam(), eveFeedback(), scaleByLearningRate(lr)) equals the fused eve() bit for bit, in both builds', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 37 }).chain((n) => fc.tuple(f32(n), fc.array(f32(n), { minLength: 1, maxLength: 6 }))),
      fc.array(fc.oneof(fc.double({ min: -5, max: 50, noNaN: true }), fc.constantFrom(0, 1, 1e-300, 3e307)), { minLength: 6, maxLength: 6 }),
      fc.constantFrom(1e-3, 0.05, 0.3),
      fc.record({ c: fc.constantFrom(1, 2, 10, 100), beta3: fc.constantFrom(0, 0.9, 0.999), fStar: fc.constantFrom(0, -1, 0.5) }),
      ([p0, grads], losses, lr, fb) => {
        for (const rt of builds) {
          const fused = trajectory(eve({ lr, ...fb }), rt, p0, grads, losses);
          const composed = trajectory(chain(scaleByAdam(), eveFeedback(fb), scaleByLearningRate(lr)), rt, p0, grads, losses);
          const viaScaleByEve = trajectory(chain(scaleByEve(fb), scaleByLearningRate(lr)), rt, p0, grads, losses);
          for (let t = 0; t < grads.length; t++) {
            assert.ok(sameBits(fused[t]!.p, composed[t]!.p), `step ${t}: ${firstDiff(fused[t]!.p, composed[t]!.p)}`);
            assert.ok(sameBits(fused[t]!.p, viaScaleByEve[t]!.p), `step ${t} (scaleByEve): ${firstDiff(fused[t]!.p, viaScaleByEve[t]!.p)}`);
            assert.equal(composed[t]!.scalars['1.d'], fused[t]!.scalars.d);
          }
        }
      },
    ),
    { numRuns: 120, seed: 13 },
  );
});

test('eveFeedback with c = 1 is the identity: Lion, AdamW and momentum + feedback equal their base optimizers bit for bit', () => {
  const rt = builds[0]!;
  const p0 = Float32Array.from({ length: 19 }, (_, i) => Math.sin(i) * 2);
  const grads = Array.from({ length: 8 }, (_, t) => Float32Array.from({ length: 19 }, (_, i) => Math.cos(i * (t + 1))));
  const losses = [5, 4, 4.5, 3, 3, 1, 2, 0.5];
  const pairs: [Optimizer, Optimizer][] = [
    [lion({ lr: 0.01 }), chain(scaleByLion(), eveFeedback({ c: 1 }), scaleByLearningRate(0.01))],
    [adamw({ lr: 0.01, weightDecay: 0.1 }), chain(scaleByAdam(), addDecayedWeights(0.1), eveFeedback({ c: 1 }), scaleByLearningRate(0.01))],
    [chain(trace({ momentum: 0.9 }), scaleByLearningRate(0.01)), chain(trace({ momentum: 0.9 }), eveFeedback({ c: 1 }), scaleByLearningRate(0.01))],
  ];
  for (const [base, fb] of pairs) {
    const a = trajectory(base, rt, p0, grads, losses);
    const b = trajectory(fb, rt, p0, grads, losses);
    assert.ok(sameBits(a.at(-1)!.p, b.at(-1)!.p), `${fb.name}: ${firstDiff(a.at(-1)!.p, b.at(-1)!.p)}`);
  }
  // …and with the default c the feedback changes the trajectory (d̃ ≠ 1 after a loss change)
  const plain = trajectory(lion({ lr: 0.01 }), rt, p0, grads, losses).at(-1)!.p;
  const withFb = trajectory(chain(scaleByLion(), eveFeedback(), scaleByLearningRate(0.01)), rt, p0, grads, losses);
  assert.ok(!sameBits(plain, withFb.at(-1)!.p));
  assert.notEqual(withFb.at(-1)!.scalars['1.d'], 1);
});

test('eveFeedback: needs the loss, rejects unknown options and a c below 1', () => {
  const opt = chain(scaleByAdam(), eveFeedback(), scaleByLearningRate(0.1));
  const s = opt.init([1, 2], { runtime: builds[0]! });
  assert.throws(() => opt.step(s, [1, 1]), (e: unknown) => e instanceof MetaoptimError && e.code === 'MISSING_LOSS');
  assert.deepEqual(Array.from(s.params), [1, 2]);
  s.dispose();
  assert.throws(() => eveFeedback({ c: 10, beta: 0.9 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION');
  assert.throws(() => eveFeedback({ c: 0.5 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_HYPERPARAMETER');
});

/**
 * The authors' formulas, straight from their Keras code, in f64:
 * rooa/eve (clip):  d = (|Δf| + τ)/(|min(f, f_prev) − f*| + τ), d̃ ← β3·d̃ + (1−β3)·clip(d, 1/c, c),
 *                   θ ← θ − α/d̃ · √(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)
 * sgd-feedback src/eve.py (thresholds): θ ← θ − α·√(1−β2ᵗ)/(1−β1ᵗ) · m/(d·√v + ε)
 */
function authorsTrace(variant: 'clip' | 'thresholds', lr: number, eps: number, p0: Float32Array, grads: Float32Array[], losses: number[]): Float64Array[] {
  const b1 = 0.9, b2 = 0.999, b3 = 0.999, c = 10, k = 0.1, K = 10, tau = Number.MIN_VALUE;
  const n = p0.length;
  const p = Float64Array.from(p0), m = new Float64Array(n), v = new Float64Array(n);
  let d = 1, fPrev = NaN;
  const out: Float64Array[] = [];
  for (let t = 1; t <= grads.length; t++) {
    const f = losses[t - 1]!;
    if (variant === 'clip') {
      if (t > 1) d = b3 * d + (1 - b3) * Math.min(Math.max((Math.abs(f - fPrev) + tau) / (Math.abs(Math.min(f, fPrev)) + tau), 1 / c), c);
      fPrev = f;
    } else if (t === 1) fPrev = f;
    else {
      const [lo, hi] = f > fPrev ? [1 + k, 1 + K] : [1 / (1 + K), 1 / (1 + k)];
      const ch = Math.min(Math.max(f / fPrev, lo), hi);
      const fNew = ch * fPrev;
      d = b3 * d + (1 - b3) * (Math.abs(fNew - fPrev) / Math.min(fNew, fPrev));
      fPrev = fNew;
    }
    const a = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < n; i++) {
      const g = grads[t - 1]![i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      p[i] -= variant === 'clip' ? ((a / d) * m[i]!) / (Math.sqrt(v[i]!) + eps) : (a * m[i]!) / (d * Math.sqrt(v[i]!) + eps);
    }
    out.push(p.slice());
  }
  return out;
}

test("epsMode 'uncorrected' follows the authors' ε placement (reference trace of their formula); the default does not", () => {
  const rt = builds[1]!;
  const n = 9;
  const p0 = Float32Array.from({ length: n }, (_, i) => 0.5 - i / 10);
  // gradients of the size of ε, so that where ε is added matters
  const grads = Array.from({ length: 30 }, (_, t) => Float32Array.from({ length: n }, (_, i) => 1e-3 * Math.sin(1 + i + 0.7 * t)));
  const losses = Array.from({ length: 30 }, (_, t) => 2 + Math.cos(t) + 1 / (t + 1));
  const eps = 1e-3, lr = 0.01;
  for (const variant of ['clip', 'thresholds'] as const) {
    const ref = authorsTrace(variant, lr, eps, p0, grads, losses);
    const ours = trajectory(eve({ lr, eps, variant, epsMode: 'uncorrected' }), rt, p0, grads, losses);
    const dflt = trajectory(eve({ lr, eps, variant }), rt, p0, grads, losses);
    let worst = 0, gap = 0;
    for (let t = 0; t < ref.length; t++) {
      // errors relative to the largest displacement from the start at that step
      let moved = 0, e1 = 0, e2 = 0;
      for (let i = 0; i < n; i++) {
        moved = Math.max(moved, Math.abs(ref[t]![i]! - p0[i]!));
        e1 = Math.max(e1, Math.abs(ours[t]!.p[i]! - ref[t]![i]!));
        e2 = Math.max(e2, Math.abs(dflt[t]!.p[i]! - ref[t]![i]!));
      }
      worst = Math.max(worst, e1 / moved);
      gap = Math.max(gap, e2 / moved);
    }
    assert.ok(worst < 1e-3, `${variant}: uncorrected vs the authors' trace: relative error of the displacement ${worst}`);
    assert.ok(gap > 0.05, `${variant}: the default placement should differ visibly, got ${gap}`);
  }
  assert.throws(() => eve({ epsMode: 'keras' as never }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_HYPERPARAMETER');
});

/** d̃ (or d) after feeding `losses` to a 1-parameter Eve. */
function scalarsAfter(o: Parameters<typeof eve>[0], losses: number[]): Record<string, number> {
  const opt = eve(o);
  const s = opt.init([1], { runtime: builds[0]! });
  for (const l of losses) opt.step(s, [0.5], { loss: l });
  const r = { ...s.scalars };
  assert.ok(Number.isFinite(s.params[0]!), `params finite after ${losses.join(', ')}`);
  s.dispose();
  return r;
}

test('documented semantics: losses at f*, below f*, ≤ 0 (thresholds) and a first loss of 0', () => {
  const b3 = 0.5;
  // 1. two consecutive losses exactly at f*: d = 0/0 → we clip to 1/c (largest step); the authors' τ gives 1
  assert.equal(scalarsAfter({ beta3: b3, c: 10, fStar: 2 }, [2, 2]).d, 0.5 + 0.5 * 0.1);
  // 2. a loss below f*: the denominator is guarded to ~0 → d = c (smallest step)
  assert.equal(scalarsAfter({ beta3: b3, c: 10, fStar: 2 }, [3, 1]).d, 0.5 + 0.5 * 10);
  // 3. thresholds: a loss ≤ 0 leaves d and f̂ unchanged
  const before = scalarsAfter({ variant: 'thresholds', beta3: b3 }, [4, 2]);
  const after = scalarsAfter({ variant: 'thresholds', beta3: b3 }, [4, 2, 0, -3]);
  assert.deepEqual([after.d, after.fHat], [before.d, before.fHat]);
  // 4. a first loss of 0: thresholds waits for a positive loss to start f̂; clip records f_prev = 0
  const thr = scalarsAfter({ variant: 'thresholds', beta3: b3 }, [0]);
  assert.ok(Number.isNaN(thr.fHat!) && thr.d === 1);
  assert.equal(scalarsAfter({ variant: 'thresholds', beta3: b3 }, [0, 3]).fHat, 3);
  const clip = scalarsAfter({ beta3: b3, c: 10 }, [0, 1]);
  assert.equal(clip.fPrev, 1);
  assert.equal(clip.d, 0.5 + 0.5 * 10); // |1 − 0| / max(0 − 0, tiny) → clipped to c
});

test('issue 15: tracked losses near the f64 overflow boundary keep d finite and the parameters finite', () => {
  // thresholds: f̂·(1 + k) would overflow to ∞ without the guard (then d = ∞ and NaN parameters)
  const big = [1e308, 1.7e308, 1.79e308, 1.797e308, 1.7976931348623157e308, 1.7976931348623157e308];
  const thr = scalarsAfter({ variant: 'thresholds' }, big);
  assert.ok(Number.isFinite(thr.d!) && thr.d! >= 0.1 && thr.d! <= 10, `d = ${thr.d}`);
  assert.ok(Number.isFinite(thr.fHat!), `f̂ = ${thr.fHat}`);
  // clip: |f − f_prev| = 1.9e308 overflows to ∞ without the halving, which made d_t = ∞ → c
  const c = scalarsAfter({ fStar: -1.7e308, c: 10, beta3: 0.5 }, [-0.2e308, 1.7e308]);
  const want = 0.5 + 0.5 * (0.95e308 / 0.75e308);
  assert.ok(Math.abs(c.d! - want) < 1e-12, `d = ${c.d}, want ${want}`);
  for (const [fStar, losses] of [
    [-1e308, [1.7e308, 1.6e308, 1.7e308]],
    [0, [1.7e308, -1.7e308, 1.7e308]],
  ] as [number, number[]][]) {
    const s = scalarsAfter({ fStar, c: 10 }, losses);
    assert.ok(Number.isFinite(s.d!) && s.d! >= 0.1 && s.d! <= 10, `fStar ${fStar}: d = ${s.d}`);
  }
});
