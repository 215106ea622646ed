// The optimizer conformance suite. Part 1: every hand-made optimizer (lionSgdInterp included)
// against its plain-TS reference, its composed chain where it has one, both builds, sizes and
// non-finite policies. Part 2 (the
// Optimizer contract, at the end): the learned optimizers (mlpLOpt, lstmLOpt, the pretrained
// `learned()`) and the DCO rules (DCOG, DCOM, DCOGD) pass every property that does not need a
// reference: SIMD build == scalar build, stable state and bit-exact save/restore/resume, the
// non-finite policies, STATE_MISMATCH, init/step/restore options, and descent where claimed.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { dcog, dcogd, dcom } from '../../src/dco/index.js';
import { learned, lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import * as api from '../../src/optim/index.js';
import type { NonFinitePolicy, OptState, Optimizer } from '../../src/optim/index.js';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';
import { RefOptimizer } from '../support/reference/optimizers.js';
import { checkNonFinitePolicies, checkSaveRestore, initRaw, runParabola } from '../support/conformance.js';
import { cases, firstDiff, sameBits } from '../support/optimizers.js';

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

/**
 * Runs whose states are valid checkpoints (restore refuses non-finite parameters and slots since
 * checkpoint format 2): |p|, |g| ≤ 1e15, so that g² (with coupled L2, (g + λp)²) stays finite in f32.
 */
const clamp15 = (x: number) => Math.max(-1e15, Math.min(1e15, x));
const savableRunArb = runArb.map(({ params, steps, lr }) => ({
  params: params.map((x) => (Number.isFinite(x) ? clamp15(x) : 1)),
  steps: steps.map((st) => ({ ...st, g: st.g.map(clamp15) })),
  lr,
}));

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
          // Policy 'zero': NaN/±Inf parameters (written through state.params, since init rejects
          // them) and overflowing results flow through every step; the reference models it.
          const ref = new RefOptimizer(c.ref(lr), params);
          const opt = withPolicy(c.make, lr, 'zero');
          const a = initRaw(opt, params, simd);
          const b = initRaw(opt, params, scalar);
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
          const fused = withPolicy(c.make, lr, 'zero');
          const comp = composed(lr, 'zero');
          const a = initRaw(fused, params, simd);
          const b = initRaw(comp, params, simd);
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
          const opt = withPolicy(c.make, 0, 'zero'); // overflowing coordinates keep their values
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
        fc.property(savableRunArb, ({ params, steps, lr }) => checkSaveRestore(withPolicy(c.make, lr, 'zero'), params, steps, simd, scalar)),
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
      // Parabola: L = ½ Σ a_i (x_i − 1)², a_i = 1 … 10
      const { L0, L } = runParabola(c.make(c.lr.parabola), 3000, simd);
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
      sr.dispose();
    });

    test("non-finite gradients: 'throw' and 'skip' change nothing, 'zero' equals zeroed gradients", () => {
      fc.assert(
        fc.property(savableRunArb.filter((r) => r.params.length > 0), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), ({ params, steps, lr }, where, bad) => {
          const g = Float32Array.from(steps[0]!.g);
          g[where % g.length] = bad;
          const finiteParams = params.map((x) => (Number.isFinite(x) ? Math.max(-1e6, Math.min(1e6, x)) : 1));
          const finiteFirst = { g: steps[0]!.g.map((x) => Math.max(-1e15, Math.min(1e15, x))), loss: steps[0]!.loss };
          checkNonFinitePolicies((policy) => withPolicy(c.make, lr, policy), finiteParams, finiteFirst, g, simd);
        }),
        { numRuns: 15 },
      );
    });
  });
}

function withPolicy(make: (lr: number) => Optimizer, lr: number, policy: NonFinitePolicy) {
  // Rebuild the optimizer with the same hyper-parameters plus the policy.
  const o = make(lr);
  const factory = ({ 'lion-sgd-interp': 'lionSgdInterp' } as Record<string, string>)[o.name] ?? o.name;
  return rebuild(factory, { ...o.hyperparams, nonFinite: policy });
}

function rebuild(name: string, h: Record<string, unknown>): Optimizer {
  const f = (api as unknown as Record<string, (o: Record<string, unknown>) => Optimizer>)[name];
  if (!f) throw new Error(`no factory ${name}`);
  return f(h);
}

// ---------------------------------------------------------------------------------------------
// Part 2: the Optimizer contract for optimizers without a plain-TS reference here (their own
// kernel-vs-reference tests live in test/l2o/ and test/dco/).

interface ContractCase {
  label: string;
  /** An optimizer for n parameters (n ≥ 1) with the given non-finite policy. */
  make(n: number, nonFinite?: NonFinitePolicy): Optimizer | Promise<Optimizer>;
  /** Steps after which the conformance parabola's loss must have fallen by `factor` (omit: no claim). */
  descends?: { steps: number; factor: number };
}

/** Random-θ learned optimizers make no descent claim; θ large enough for the output to matter. */
const randomTheta = (init: (seed: number) => Float32Array, seed: number) => {
  const theta = init(seed);
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! * 1.5;
  return theta;
};

const contractCases: ContractCase[] = [
  { label: 'mlpLOpt (random θ)', make: (_n, nonFinite) => mlpLOpt.optimizer(randomTheta((s) => mlpLOpt.init(s), 3), { nonFinite }) },
  { label: 'lstmLOpt (random θ)', make: (_n, nonFinite) => lstmLOpt.optimizer(randomTheta((s) => lstmLOpt.init(s), 4), { nonFinite }) },
  { label: "learned({ name: 'lolv2' }) (pretrained MLP optimizer)", make: (_n, nonFinite) => learned({ name: 'lolv2', nonFinite }), descends: { steps: 500, factor: 1e-2 } },
  { label: 'learned() (Adam-residual MLP)', make: (_n, nonFinite) => learned({ nonFinite }), descends: { steps: 500, factor: 1e-2 } },
  { label: 'DCOG (diagonal, GD start)', make: (n, nonFinite) => dcog.optimizer(dcog.init(1, n, { lr: 0.05, noise: 0.01 }), { nonFinite }), descends: { steps: 500, factor: 1e-6 } },
  { label: 'DCOG (full P, trust region)', make: (n, nonFinite) => dcog.optimizer(dcog.init(2, n, { lr: 0.05, parameterization: 'full' }), { nonFinite, trustRegion: 0.5 }), descends: { steps: 500, factor: 1e-6 } },
  { label: 'DCOM (heavy-ball start)', make: (n, nonFinite) => dcom.optimizer(dcom.init(3, n, { lr: 0.02, momentum: 0.5 }), { nonFinite }), descends: { steps: 500, factor: 1e-6 } },
  { label: 'DCOGD (GD start, noisy θ)', make: (n, nonFinite) => dcogd.optimizer(dcogd.init(4, n, { lr: 0.05, noise: 0.001 }), { nonFinite }), descends: { steps: 500, factor: 1e-6 } },
  // lionSgdInterp has an f32 reference (SPEC B.1.11): it runs in Part 1, against it.
];

/** Runs of a fixed size n ≥ 1 (DCO θ is made for n parameters). */
const contractRunArb = fc.integer({ min: 1, max: 23 }).chain((n) =>
  fc.record({
    params: fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a)),
    steps: fc.array(
      fc.record({ g: fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: n, maxLength: n }), loss: positiveLoss }),
      { minLength: 2, maxLength: 6 },
    ),
  }),
);

for (const c of contractCases) {
  describe(`conformance (Optimizer contract): ${c.label}`, () => {
    test('SIMD build == scalar build, bit for bit; the same inputs give the same run', async () => {
      await fc.assert(
        fc.asyncProperty(contractRunArb, async ({ params, steps }) => {
          const opt = await c.make(params.length);
          const a = opt.init(params, { runtime: simd });
          const b = opt.init(params, { runtime: scalar });
          const a2 = opt.init(params, { runtime: simd });
          for (const st of steps) {
            for (const s of [a, b, a2]) opt.step(s, st.g, { loss: st.loss });
          }
          assert.ok(sameBits(a.params, b.params), `simd vs scalar: ${firstDiff(a.params, b.params)}`);
          assert.ok(sameBits(a.params, a2.params), 'two runs on one build');
          for (const nm of Object.keys(a.slots)) assert.ok(sameBits(a.view(nm), b.view(nm)), `slot ${nm}`);
          assert.deepEqual(a.scalars, b.scalars);
          assert.equal(a.scalars.count, steps.length);
          for (const s of [a, b, a2]) s.dispose();
        }),
        { numRuns: 20 },
      );
    });

    test('state shape is stable; save/restore is bit-exact across builds, and resume == uninterrupted', async () => {
      await fc.assert(
        fc.asyncProperty(contractRunArb, async ({ params, steps }) => {
          const opt = await c.make(params.length);
          checkSaveRestore(opt, params, steps, simd, scalar);
          // A fresh optimizer object of the same kind restores the state too (θ is not in the state).
          const s = opt.init(params, { runtime: simd });
          opt.step(s, steps[0]!.g, { loss: steps[0]!.loss });
          const again = (await c.make(params.length)).restore(s.save(), { runtime: scalar });
          assert.ok(sameBits(again.params, s.params));
          assert.deepEqual(again.save(), s.save());
          s.dispose();
          again.dispose();
        }),
        { numRuns: 15 },
      );
    });

    test("non-finite gradients: 'throw' and 'skip' change nothing, 'zero' equals zeroed gradients", async () => {
      await fc.assert(
        fc.asyncProperty(contractRunArb, fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), async ({ params, steps }, where, bad) => {
          const g = Float32Array.from(steps[1]!.g);
          g[where % g.length] = bad;
          const made = new Map<NonFinitePolicy, Optimizer>();
          for (const policy of ['throw', 'skip', 'zero'] as const) made.set(policy, await c.make(params.length, policy));
          checkNonFinitePolicies((policy) => made.get(policy)!, params, steps[0]!, g, simd);
        }),
        { numRuns: 10 },
      );
    });

    test('refuses a state made by another optimizer (STATE_MISMATCH) and unknown init/step/restore options', async () => {
      const opt = await c.make(3);
      const other = api.sgd({ lr: 0.1 });
      const foreign = other.init([1, 2, 3], { runtime: simd });
      assert.throws(() => opt.step(foreign, [1, 1, 1], { loss: 1 }), (e: { code?: string }) => e.code === 'STATE_MISMATCH');
      const s = opt.init([1, 2, 3], { runtime: simd });
      assert.throws(() => other.step(s, [1, 1, 1]), (e: { code?: string }) => e.code === 'STATE_MISMATCH');
      assert.throws(() => opt.restore(foreign.save()), (e: { code?: string }) => e.code === 'BAD_CHECKPOINT');
      const code = (k: string) => (e: unknown) => (e as { code?: string }).code === 'UNKNOWN_OPTION' && (e as { details: { key: string } }).details.key === k;
      assert.throws(() => opt.init([1, 2, 3], { runtime: simd, seed: 1 } as never), code('seed'));
      assert.throws(() => opt.step(s, [1, 1, 1], { loss: 1, lr: 2 } as never), code('lr'));
      assert.throws(() => opt.restore(s.save(), { runtime: simd, strict: true } as never), code('strict'));
      assert.throws(() => opt.step(s, [1, 1], { loss: 1 }), (e: { code?: string }) => e.code === 'LENGTH_MISMATCH');
      foreign.dispose();
      s.dispose();
    });

    if (c.descends) {
      const { steps, factor } = c.descends;
      test(`descends on the conformance parabola (loss × ${factor} in ${steps} steps)`, async () => {
        const { L0, L } = runParabola(await c.make(10), steps, simd);
        assert.ok(L <= factor * L0, `${L0} → ${L}`);
      });
    }
  });
}
