import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError, type Optimizer, lion, lionSgdInterp, momentum, ready } from '../../src/index.js';
import { wouldUpdate } from '../../src/analysis/index.js';

// lionSgdInterp (SPEC B.1.11): endpoints bit for bit, the f32 formula in between, options checked.
// The conformance suite (test/conformance.test.ts) runs it against its reference as well.
await ready();

function runSteps(opt: Optimizer, p0: Float32Array, grads: Float32Array[]): Float32Array {
  const s = opt.init(p0);
  try {
    for (const g of grads) opt.step(s, g);
    return s.params.slice();
  } finally {
    s.dispose();
  }
}

const f32 = fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const vecs = fc.integer({ min: 0, max: 37 }).chain((n) => fc.record({
  p: fc.array(f32, { minLength: n, maxLength: n }),
  gs: fc.array(fc.array(f32, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 4 }),
}));

test('Lion–SGD interpolation: λ = 0 is SGD-momentum and λ = 1 is Lion, bit for bit', () => {
  fc.assert(fc.property(vecs, fc.constantFrom(0.5, 0.01, 3), fc.constantFrom(0.005, 1e-4, 0.3), ({ p, gs }, sgdLr, lionLr) => {
    const p0 = Float32Array.from(p), g = gs.map((x) => Float32Array.from(x));
    const a = runSteps(lionSgdInterp({ lambda: 0, sgdLr, lionLr }), p0, g);
    const b = runSteps(momentum({ lr: sgdLr, momentum: 0.9 }), p0, g);
    const c = runSteps(lionSgdInterp({ lambda: 1, sgdLr, lionLr }), p0, g);
    const d = runSteps(lion({ lr: lionLr, beta1: 0.9, beta2: 0.99 }), p0, g);
    assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
    assert.deepEqual(new Uint32Array(c.buffer), new Uint32Array(d.buffer));
  }), { numRuns: 60 });
});

test('Lion–SGD interpolation: λ in between is the f32 convex combination; wouldUpdate sees it', () => {
  const lambda = 0.25, sgdLr = 0.5, lionLr = 0.005, n = 13;
  const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const g = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i) - (i === 4 ? Math.cos(12) : 0)); // g[4] = 0: sign(0) = 0
  const opt = lionSgdInterp({ lambda, sgdLr, lionLr });
  const s = opt.init(p);
  try {
    const seen = wouldUpdate(opt, s, g).delta;
    assert.deepEqual(s.params.slice(), p); // observing does not step
    opt.step(s, g);
    // First step from zero states: trace = g, Lion direction = sign(0.1·g).
    const f = Math.fround, a = f(lambda * lionLr), b = f((1 - lambda) * sgdLr);
    for (let i = 0; i < n; i++) {
      const want = f(p[i]! - f(f(a * Math.sign(f(f(0.1) * g[i]!))) + f(b * g[i]!)));
      assert.equal(s.params[i], want);
      assert.equal(seen[i], s.params[i]! - p[i]!);
    }
  } finally {
    s.dispose();
  }
  assert.throws(() => lionSgdInterp({ lambda: 1.5 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_HYPERPARAMETER');
});

test('Lion–SGD interpolation: unknown option keys are rejected with the closest valid key', () => {
  assert.throws(() => lionSgdInterp({ lambda: 0.5, lionLR: 0.01 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && /lionLr/.test(e.message));
});
