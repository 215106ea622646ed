// The optimizer conformance suite: every optimizer passes every property here.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type OptState, type Runtime, createRuntime } from '../src/index.js';
import { RefOptimizer } from './support/reference/optimizers.js';
import { cases, firstDiff, sameBits } from './support/optimizers.js';

let simd: Runtime;
let scalar: Runtime;
before(async () => {
  simd = await createRuntime({ build: 'simd' });
  scalar = await createRuntime({ build: 'scalar' });
});

const f32 = (o: Parameters<typeof fc.float>[0] = {}) => fc.float(o);
/** Any f32, NaN, ±Inf, ±0 and denormals included. */
const anyF32 = f32();
/** Finite gradients, denormals and ±0 included. */
const finiteF32 = f32({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) });
const positiveLoss = fc.double({ min: 1e-3, max: 1e3, noNaN: true });

/** A run: initial params, then steps of (gradient, loss). */
const runArb = fc.integer({ min: 0, max: 37 }).chain((n) =>
  fc.record({
    params: fc.float32Array({ minLength: n, maxLength: n }),
    steps: fc.array(fc.record({ g: fc.array(finiteF32, { minLength: n, maxLength: n }), loss: positiveLoss }), { minLength: 1, maxLength: 4 }),
    lr: fc.constantFrom(1e-3, 0.1, 0.5),
  }),
);

function slotsOf(s: OptState): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(s.slots)) if (k !== 'updates') out[k.replace(/^\d+\./, '')] = v;
  return out;
}

for (const c of cases) {
  describe(`conformance: ${c.label}`, () => {
    test('reference == SIMD build == scalar build, bit for bit (NaN, ±Inf, denormals, any length)', () => {
      fc.assert(
        fc.property(runArb, ({ params, steps, lr }) => {
          const ref = new RefOptimizer(c.ref(lr), params);
          const opt = c.make(lr);
          const a = opt.init(params, { runtime: simd });
          const b = opt.init(params, { runtime: scalar });
          for (const st of steps) {
            const g = Float32Array.from(st.g);
            ref.step(g, st.loss);
            opt.step(a, g, { loss: st.loss });
            opt.step(b, g, { loss: st.loss });
          }
          assert.ok(sameBits(a.params, ref.p), `simd vs ref params: ${firstDiff(a.params, ref.p)}`);
          assert.ok(sameBits(b.params, ref.p), `scalar vs ref params: ${firstDiff(b.params, ref.p)}`);
          for (const [k, v] of Object.entries(ref.slots)) {
            assert.ok(sameBits(a.view(k), v), `simd vs ref ${k}: ${firstDiff(a.view(k), v)}`);
            assert.ok(sameBits(b.view(k), v), `scalar vs ref ${k}`);
          }
          assert.deepEqual(a.scalars, b.scalars);
          a.dispose();
          b.dispose();
        }),
        { numRuns: 60 },
      );
    });

    const composed = c.composed;
    if (composed) test('fused optimizer == its composed chain, bit for bit', () => {
      fc.assert(
        fc.property(runArb, ({ params, steps, lr }) => {
          const fused = c.make(lr);
          const comp = composed(lr);
          const a = fused.init(params, { runtime: simd });
          const b = comp.init(params, { runtime: simd });
          for (const st of steps) {
            const g = Float32Array.from(st.g);
            fused.step(a, g, { loss: st.loss });
            comp.step(b, g, { loss: st.loss });
          }
          assert.ok(sameBits(a.params, b.params), firstDiff(a.params, b.params));
          const sb = slotsOf(b);
          for (const [k, v] of Object.entries(a.slots)) assert.ok(sameBits(v, sb[k]!), `slot ${k}`);
          a.dispose();
          b.dispose();
        }),
        { numRuns: 40 },
      );
    });

    test('lr 0 leaves finite parameters unchanged (as values: p − 0·u may turn −0 into +0)', () => {
      fc.assert(
        fc.property(runArb, ({ params, steps }) => {
          const p = params.map((x) => (Number.isFinite(x) ? x : 1));
          const opt = c.make(0);
          const s = opt.init(p, { runtime: simd });
          for (const st of steps) opt.step(s, st.g, { loss: st.loss });
          s.params.forEach((x, i) => assert.ok(x === p[i], `index ${i}: ${p[i]} → ${x}`));
          s.dispose();
        }),
        { numRuns: 30 },
      );
    });

    test('state shape is stable and save/restore is bit-exact (across builds too)', () => {
      fc.assert(
        fc.property(runArb, ({ params, steps, lr }) => {
          const opt = c.make(lr);
          const s = opt.init(params, { runtime: simd });
          const names = s.bufferNames;
          const scalarKeys = Object.keys(s.scalars);
          const half = Math.ceil(steps.length / 2);
          for (const st of steps.slice(0, half)) opt.step(s, st.g, { loss: st.loss });
          assert.deepEqual(s.bufferNames, names);
          assert.deepEqual(Object.keys(s.scalars), scalarKeys);
          for (const nm of names) assert.equal(s.view(nm).length, params.length);
          const bytes = s.save();
          const r = opt.restore(bytes, { runtime: scalar });
          assert.ok(sameBits(r.params, s.params));
          for (const nm of Object.keys(s.slots)) assert.ok(sameBits(r.view(nm), s.view(nm)));
          assert.deepEqual(r.scalars, s.scalars);
          for (const st of steps.slice(half)) {
            opt.step(s, st.g, { loss: st.loss });
            opt.step(r, st.g, { loss: st.loss });
          }
          assert.ok(sameBits(r.params, s.params));
          assert.deepEqual(r.save(), s.save());
          s.dispose();
          r.dispose();
        }),
        { numRuns: 30 },
      );
    });

    test('sizes 0, 1, 3, 4, 5 and 1,000,003 match the reference', () => {
      for (const n of [0, 1, 3, 4, 5, 1_000_003]) {
        const p = new Float32Array(n);
        const g = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          p[i] = Math.sin(i * 0.37) * 3;
          g[i] = Math.cos(i * 0.11) * (i % 7 === 0 ? 1e-40 : 1); // denormals in the mix
        }
        const lr = 0.01;
        const ref = new RefOptimizer(c.ref(lr), p);
        const opt = c.make(lr);
        const s = opt.init(p, { runtime: simd });
        for (let k = 0; k < 2; k++) {
          ref.step(g, 2 - k);
          opt.step(s, g, { loss: 2 - k });
        }
        assert.ok(sameBits(s.params, ref.p), `n=${n}: ${firstDiff(s.params, ref.p)}`);
        s.dispose();
      }
    });

    test('converges on a parabola and on Rosenbrock', () => {
      // Parabola: L = ½ Σ a_i (x_i − 1)², a_i ∈ [1, 10]
      const n = 10;
      const a = Float64Array.from({ length: n }, (_, i) => 1 + i);
      const optP = c.make(c.lr.parabola);
      const sp = optP.init(new Float32Array(n), { runtime: simd });
      const parabola = (x: Float32Array, g: Float32Array) => {
        let L = 0;
        for (let i = 0; i < n; i++) {
          L += 0.5 * a[i]! * (x[i]! - 1) ** 2;
          g[i] = a[i]! * (x[i]! - 1);
        }
        return L;
      };
      let L0 = NaN;
      let L = NaN;
      for (let t = 0; t < 3000; t++) {
        L = parabola(sp.params, sp.grads);
        if (t === 0) L0 = L;
        optP.step(sp, undefined, { loss: L });
      }
      L = parabola(sp.params, sp.grads);
      assert.ok(L < 1e-3 * L0, `parabola: ${L0} → ${L}`);
      // Rosenbrock from (−1.2, 1): L = (1 − x)² + 100 (y − x²)²
      const optR = c.make(c.lr.rosenbrock);
      const sr = optR.init([-1.2, 1], { runtime: simd });
      const rosen = (p: Float32Array, g: Float32Array) => {
        const x = p[0]!;
        const y = p[1]!;
        g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        g[1] = 200 * (y - x * x);
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      };
      for (let t = 0; t < 20000; t++) {
        const l = rosen(sr.params, sr.grads);
        optR.step(sr, undefined, { loss: l });
      }
      const lr = rosen(sr.params, sr.grads);
      assert.ok(lr < 0.05, `rosenbrock: final loss ${lr} at (${sr.params[0]}, ${sr.params[1]})`);
      sp.dispose();
      sr.dispose();
    });

    test("non-finite gradients: 'throw' and 'skip' change nothing, 'zero' equals zeroed gradients", () => {
      fc.assert(
        fc.property(
          runArb.filter((r) => r.params.length > 0),
          fc.nat(),
          fc.constantFrom(NaN, Infinity, -Infinity),
          ({ params, steps, lr }, where, bad) => {
            for (const policy of ['throw', 'skip', 'zero'] as const) {
              const base = c.make(lr);
              const opt = withPolicy(c.make, lr, policy);
              const s = opt.init(params, { runtime: simd });
              opt.step(s, steps[0]!.g, { loss: steps[0]!.loss });
              const before = s.save();
              const g = Float32Array.from(steps[0]!.g);
              g[where % g.length] = bad;
              if (policy === 'throw') {
                assert.throws(() => opt.step(s, g, { loss: 1 }), (e: { code?: string }) => e.code === 'NON_FINITE_GRADIENT');
                assert.deepEqual(s.save(), before);
              } else if (policy === 'skip') {
                assert.equal(opt.step(s, g, { loss: 1 }), false);
                assert.equal(s.scalars.skipped, 1);
                const after = opt.restore(s.save(), { runtime: simd });
                after.scalars.skipped = 0;
                assert.deepEqual(after.save(), before);
                after.dispose();
              } else {
                const twin = opt.restore(before, { runtime: simd });
                assert.equal(opt.step(s, g, { loss: 1 }), true);
                const gz = g.map((x) => (Number.isFinite(x) ? x : 0));
                opt.step(twin, gz, { loss: 1 });
                assert.ok(sameBits(s.params, twin.params));
                twin.dispose();
              }
              void base;
              s.dispose();
            }
          },
        ),
        { numRuns: 15 },
      );
    });
  });
}

function withPolicy(make: (lr: number) => import('../src/index.js').Optimizer, lr: number, policy: 'throw' | 'skip' | 'zero') {
  // Rebuild the optimizer with the same hyper-parameters plus the policy.
  const o = make(lr);
  const factory = ({ 'lion-sgd-interp': 'lionSgdInterp' } as Record<string, string>)[o.name] ?? o.name;
  return rebuild(factory, { ...o.hyperparams, nonFinite: policy });
}

import * as api from '../src/index.js';
function rebuild(name: string, h: Record<string, unknown>): api.Optimizer {
  const f = (api as unknown as Record<string, (o: Record<string, unknown>) => api.Optimizer>)[name];
  if (!f) throw new Error(`no factory ${name}`);
  return f(h);
}
