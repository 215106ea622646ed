// The performance-tuned loops of assembly/moments.ts (16 elements per iteration, then 4,
// then a scalar tail) and the screened count_nonfinite_f32 of assembly/vector.ts:
// the SIMD build must agree bit for bit with the scalar build and with plain TS references
// for every size (so every loop path and remainder is hit), every flag variant, and inputs
// with NaN, ±Inf, ±0 and denormals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';

const f = Math.fround;

/** Writes `data` arrays into fresh arena blocks, runs `body(ptrs)`, returns the blocks' contents. */
function onRuntime(rt: Runtime, data: Float32Array[], body: (ptrs: number[]) => void): Float32Array[] {
  const ptrs = data.map((d) => rt.arena.alloc(d.length * 4));
  data.forEach((d, j) => rt.arena.f32(ptrs[j]!, d.length).set(d));
  body(ptrs);
  const out = data.map((d, j) => rt.arena.f32(ptrs[j]!, d.length).slice());
  ptrs.forEach((p) => rt.arena.release(p));
  return out;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function assertSameBits(a: Float32Array[], b: Float32Array[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, j) => assert.deepEqual(bits(x), bits(b[j]!), `${what}: buffer ${j} differs`));
}

/** Finite f32 values of mixed magnitude, including ±0 and denormals. */
const finite = fc.oneof(
  fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-40, -1e-40, 1e-30, 3e5),
);

const sized = (min: number) =>
  fc.integer({ min, max: 70 }).chain((n) =>
    fc.tuple(
      fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true, min: -3, max: 3 }),
      fc.array(finite, { minLength: n, maxLength: n }),
      fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      fc.array(fc.float({ min: 0, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
    ),
  );

function adamRef(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: number[]): void {
  const [b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr] = s.map(f) as number[];
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    let gi = g[i]!;
    if (l2 !== 0) gi = f(gi + f(l2! * pi));
    const mi = f(f(b1! * m[i]!) + f(ob1! * gi));
    const vi = f(f(b2! * v[i]!) + f(ob2! * f(gi * gi)));
    let u = f(f(mi * c1!) / f(f(f(Math.sqrt(vi)) * r2!) + eps!));
    if (wd !== 0) u = f(u + f(wd! * pi));
    m[i] = mi;
    v[i] = vi;
    p[i] = f(pi - f(lr! * u));
  }
}

test('adam_f32: SIMD build = scalar build = TS reference, all flag variants, sizes 0–70', async () => {
  const simd = await createRuntime({ build: 'simd' });
  const scalar = await createRuntime({ build: 'scalar' });
  fc.assert(
    fc.property(sized(0), fc.constantFrom(0, 0.01), fc.constantFrom(0, 0.1), ([p, g, m, v], l2, wd) => {
      const data = [p, Float32Array.from(g), Float32Array.from(m), Float32Array.from(v)];
      const s = [0.9, 0.1, 0.999, 0.001, 1.7, 12.5, 1e-8, l2, wd, 0.01];
      const run = (rt: Runtime) =>
        onRuntime(rt, data, ([pp, gg, mm, vv]) => rt.kernels.adam_f32(pp!, gg!, mm!, vv!, p.length, ...(s as [number, number, number, number, number, number, number, number, number, number]), 0));
      const a = run(simd);
      const b = run(scalar);
      const ref = data.map((d) => d.slice());
      adamRef(ref[0]!, ref[1]!, ref[2]!, ref[3]!, s);
      assertSameBits(a, b, 'simd vs scalar');
      assertSameBits(a, ref, 'simd vs reference');
    }),
    { numRuns: 150 },
  );
});

test('lion_f32 and momentum_f32: SIMD build = scalar build = TS reference, sizes 0–70', async () => {
  const simd = await createRuntime({ build: 'simd' });
  const scalar = await createRuntime({ build: 'scalar' });
  fc.assert(
    fc.property(sized(0), fc.constantFrom(0, 0.1), fc.boolean(), ([p, g, m], wd, nesterov) => {
      const data = [p, Float32Array.from(g), Float32Array.from(m)];
      const n = p.length;
      const lion = (rt: Runtime) => onRuntime(rt, data, ([pp, gg, mm]) => rt.kernels.lion_f32(pp!, gg!, mm!, n, 0.9, 0.1, 0.99, 0.01, wd, 1e-3, 0));
      const lionRef = data.map((d) => d.slice());
      for (let i = 0; i < n; i++) {
        const [pi, gi, mi] = [lionRef[0]![i]!, lionRef[1]![i]!, lionRef[2]![i]!];
        const c = f(f(f(0.9) * mi) + f(f(0.1) * gi));
        let u = c > 0 ? 1 : c < 0 ? -1 : 0;
        if (wd !== 0) u = f(u + f(f(wd) * pi));
        lionRef[0]![i] = f(pi - f(f(1e-3) * u));
        lionRef[2]![i] = f(f(f(0.99) * mi) + f(f(0.01) * gi));
      }
      const la = lion(simd);
      assertSameBits(la, lion(scalar), 'lion simd vs scalar');
      assertSameBits(la, lionRef, 'lion simd vs reference');

      const l2 = wd;
      const mom = (rt: Runtime) => onRuntime(rt, data, ([pp, gg, tt]) => rt.kernels.momentum_f32(pp!, gg!, tt!, n, 0.9, l2, 0.01, nesterov ? 1 : 0, 0));
      const momRef = data.map((d) => d.slice());
      for (let i = 0; i < n; i++) {
        const pi = momRef[0]![i]!;
        let gi = momRef[1]![i]!;
        if (l2 !== 0) gi = f(gi + f(f(l2) * pi));
        const ti = f(f(f(0.9) * momRef[2]![i]!) + gi);
        const u = nesterov ? f(gi + f(f(0.9) * ti)) : ti;
        momRef[2]![i] = ti;
        momRef[0]![i] = f(pi - f(f(0.01) * u));
      }
      const ma = mom(simd);
      assertSameBits(ma, mom(scalar), 'momentum simd vs scalar');
      assertSameBits(ma, momRef, 'momentum simd vs reference');
    }),
    { numRuns: 150 },
  );
});

test('lion_f32 sign: ±0, NaN and ±Inf momentum agree across builds (sign(0) = sign(NaN) = 0)', async () => {
  const simd = await createRuntime({ build: 'simd' });
  const scalar = await createRuntime({ build: 'scalar' });
  const mVals = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 0.5, -0.5, 3e38, -3e38];
  const gVals = [0, -0, 1e-45, -1e-45, 2, -2];
  const m: number[] = [];
  const g: number[] = [];
  for (const a of mVals) for (const b of gVals) {
    m.push(a);
    g.push(b);
  }
  const n = m.length; // 66: four 16-blocks and a tail of 2
  const data = [Float32Array.from({ length: n }, (_, i) => (i % 7) - 3), Float32Array.from(g), Float32Array.from(m)];
  for (const wd of [0, 0.25]) {
    const run = (rt: Runtime) => onRuntime(rt, data, ([pp, gg, mm]) => rt.kernels.lion_f32(pp!, gg!, mm!, n, 0.9, 0.1, 0.99, 0.01, wd, 0.5, 0));
    const a = run(simd);
    assertSameBits(a, run(scalar), `lion specials wd=${wd}`);
    // With wd = 0 the step is exactly −lr·sign(c): c = 0 or NaN leaves p unchanged. A coordinate
    // whose new momentum is non-finite (m = NaN, ±Inf) keeps its old p and m (non-finite results).
    if (wd === 0) {
      for (let i = 0; i < n; i++) {
        const c = f(f(f(0.9) * data[2]![i]!) + f(f(0.1) * data[1]![i]!));
        const sign = c > 0 ? 1 : c < 0 ? -1 : 0;
        const mNew = f(f(f(0.99) * data[2]![i]!) + f(f(0.01) * data[1]![i]!));
        const want = Number.isFinite(mNew) ? f(data[0]![i]! - f(0.5 * sign)) : data[0]![i]!;
        assert.equal(a[0]![i], want, `element ${i}`);
      }
    }
  }
});

test('count_nonfinite_f32: exact count in both builds, non-finite anywhere (block, vector or tail)', async () => {
  const simd = await createRuntime({ build: 'simd' });
  const scalar = await createRuntime({ build: 'scalar' });
  const special = fc.constantFrom(NaN, Infinity, -Infinity);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 90 }).chain((n) =>
        fc.tuple(fc.array(finite, { minLength: n, maxLength: n }), fc.array(fc.tuple(fc.nat(), special), { maxLength: 6 })),
      ),
      ([vals, bad]) => {
        const x = Float32Array.from(vals);
        for (const [i, s] of bad) if (x.length > 0) x[i % x.length] = s;
        const want = x.reduce((c, xi) => c + (Number.isFinite(xi) ? 0 : 1), 0);
        for (const rt of [simd, scalar]) {
          const ptr = rt.arena.alloc(x.length * 4);
          rt.arena.f32(ptr, x.length).set(x);
          assert.equal(rt.kernels.count_nonfinite_f32(ptr, x.length), want, `${rt.build} n=${x.length}`);
          // The scan never writes.
          assert.deepEqual(bits(rt.arena.f32(ptr, x.length).slice()), bits(x));
          rt.arena.release(ptr);
        }
      },
    ),
    { numRuns: 400 },
  );
  // Every position of a large array, one non-finite value at a time, including the last.
  // Fill 0.5: the screen must catch each position. Fill 1e38: the finite sum overflows, the
  // screen fires on an all-finite array and the exact count must still say 0.
  const n = 1000;
  for (const rt of [simd, scalar]) {
    const ptr = rt.arena.alloc(n * 4);
    const view = () => rt.arena.f32(ptr, n);
    for (const fillValue of [0.5, 1e38, -3e38]) {
      view().fill(fillValue);
      assert.equal(rt.kernels.count_nonfinite_f32(ptr, n), 0, `${rt.build}: all finite (${fillValue})`);
      for (let i = 0; i < n; i++) {
        view()[i] = i % 3 === 0 ? NaN : i % 3 === 1 ? Infinity : -Infinity;
        assert.equal(rt.kernels.count_nonfinite_f32(ptr, n), 1, `${rt.build}: position ${i}, fill ${fillValue}`);
        view()[i] = fillValue;
      }
      view()[0] = Infinity;
      view()[n - 1] = -Infinity; // +Inf and −Inf together: the sum is NaN, still caught
      assert.equal(rt.kernels.count_nonfinite_f32(ptr, n), 2);
    }
    rt.arena.release(ptr);
  }
});
