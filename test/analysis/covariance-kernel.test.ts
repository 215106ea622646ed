import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/arena.js';
import { type Runtime, createRuntime } from '../../src/index.js';
import { covariance } from '../../src/analysis/index.js';
import { Rng } from '../../src/core/rng.js';
import { packCenterRef, syrkPackedRef } from '../support/reference/covariance.js';

// assembly/covariance.ts: the packed centring and the blocked SYRK behind `covariance()`,
// bit for bit against the plain-TS reference (sequential row order) in both builds.

const builds = ['simd', 'scalar'] as const;
const runtimes: Record<string, Runtime> = {};
async function rt(build: 'simd' | 'scalar'): Promise<Runtime> {
  return (runtimes[build] ??= await createRuntime({ build }));
}

/** Runs pack_center + syrk_packed on `data` (rows × cols) and returns the packed panels, means and Σ. */
function run(r: Runtime, data: Float32Array | Float64Array, rows: number, cols: number, s: number) {
  const f32 = data instanceof Float32Array;
  const width = (cols + 3) & ~3;
  const x = f32 ? new Region(r.arena, Float32Array, data.length) : new Region(r.arena, Float64Array, data.length);
  (x.view as Float32Array | Float64Array).set(data);
  const mean = new Region(r.arena, Float64Array, cols);
  const packed = new Region(r.arena, Float64Array, rows * width);
  const work = new Region(r.arena, Float64Array, width * width);
  const out = new Region(r.arena, Float64Array, cols * cols);
  // Poison the outputs so that an entry the kernel forgets to write cannot pass as 0.
  packed.view.fill(NaN);
  out.view.fill(NaN);
  (f32 ? r.kernels.pack_center_f32 : r.kernels.pack_center_f64)(packed.ptr, x.ptr, mean.ptr, rows, cols);
  r.kernels.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, cols, rows, s);
  const res = { packed: packed.view.slice(), mean: mean.view.slice(), cov: out.view.slice() };
  for (const reg of [x, mean, packed, work, out]) reg.release();
  return res;
}

const value = fc.oneof(
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.constantFrom(0, -0, 5e-324, -2.5e-310, 1e-300, 1, 1e150, NaN, Infinity, -Infinity),
);

test('pack_center_* and syrk_packed_f64 equal the reference bit for bit (random shapes, odd tails, NaN/±Inf, denormals; both builds)', async () => {
  for (const build of builds) {
    const r = await rt(build);
    fc.assert(
      fc.property(
        // rows above 1024 cross the row blocks (parked accumulators); cols 1…13 covers every panel tail.
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 2100 })), fc.integer({ min: 1, max: 13 }), fc.array(value, { minLength: 97, maxLength: 97 }),
        fc.boolean(), fc.double({ min: 1e-3, max: 1, noNaN: true }),
        (rows, cols, pool, as32, s) => {
          const raw = Array.from({ length: rows * cols }, (_, i) => pool[(i * 31 + (i >> 3)) % pool.length]!);
          const data = as32 ? Float32Array.from(raw) : Float64Array.from(raw);
          const got = run(r, data, rows, cols, s);
          const ref = packCenterRef(data, rows, cols);
          assert.deepEqual(Array.from(got.mean), Array.from(ref.mean));
          assert.deepEqual(Array.from(got.packed), Array.from(ref.packed), 'panels, padded with +0');
          assert.deepEqual(Array.from(got.cov), Array.from(syrkPackedRef(ref.packed, cols, rows, s)));
        },
      ),
      { numRuns: 120 },
    );
  }
});

test('syrk_packed_f64: several 1024-row blocks and panels, rows = 0, and the two builds agree', async () => {
  const results: Float64Array[] = [];
  for (const build of builds) {
    const r = await rt(build);
    for (const [rows, cols] of [[2100, 19], [1025, 8], [1024, 5], [1, 1]] as const) {
      const data = new Rng(rows * cols).fillNormal(new Float64Array(rows * cols)) as Float64Array;
      for (let i = 0; i < data.length; i += 7) data[i]! *= 1e-310; // denormal products
      const got = run(r, data, rows, cols, 1 / rows);
      const ref = packCenterRef(data, rows, cols);
      assert.deepEqual(Array.from(got.cov), Array.from(syrkPackedRef(ref.packed, cols, rows, 1 / rows)), `${rows}×${cols}`);
      for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) assert.ok(Object.is(got.cov[i * cols + j], got.cov[j * cols + i]));
      results.push(got.cov);
    }
    // rows = 0: no products, s·0 everywhere (the n × n output is still written).
    const out = new Region(r.arena, Float64Array, 9), none = new Region(r.arena, Float64Array, 0), work = new Region(r.arena, Float64Array, 16);
    out.view.fill(NaN);
    r.kernels.syrk_packed_f64(out.ptr, none.ptr, work.ptr, 3, 0, 2);
    assert.deepEqual(Array.from(out.view), new Array(9).fill(0));
    for (const reg of [out, none, work]) reg.release();
  }
  for (let q = 0; q < results.length / 2; q++) assert.deepEqual(Array.from(results[q]!), Array.from(results[q + results.length / 2]!), 'simd = scalar');
});

test('covariance() is the packed kernel: equal to the reference bit for bit; NaN/±Inf still rejected, mean overflow still computed', async () => {
  for (const build of builds) {
    const r = await rt(build);
    const rows = 1030, cols = 10;
    const data = new Rng(7).fillNormal(new Float64Array(rows * cols)) as Float64Array;
    const { cov, mean, dim } = covariance({ data, rows, cols }, { runtime: r });
    const ref = packCenterRef(data, rows, cols);
    assert.equal(dim, cols);
    assert.deepEqual(Array.from(mean), Array.from(ref.mean));
    assert.deepEqual(Array.from(cov), Array.from(syrkPackedRef(ref.packed, cols, rows, 1 / rows)));
    const f32 = Float32Array.from(data);
    const ref32 = packCenterRef(f32, rows, cols);
    assert.deepEqual(Array.from(covariance({ data: f32, rows, cols }, { runtime: r }).cov), Array.from(syrkPackedRef(ref32.packed, cols, rows, 1 / rows)));
    for (const bad of [NaN, Infinity, -Infinity]) {
      const d = data.slice();
      d[37] = bad;
      d[38] = bad;
      assert.throws(() => covariance({ data: d, rows, cols }, { runtime: r }), (e: { code?: string; details?: { count?: number } }) => e.code === 'NON_FINITE_INPUT' && e.details?.count === 2);
      assert.throws(() => covariance({ data: Float32Array.from(d), rows, cols }, { runtime: r }), { code: 'NON_FINITE_INPUT' });
    }
    // Finite samples whose column sum overflows: the mean is ±Inf but nothing is rejected.
    const big = Float64Array.of(1.5e308, 1, 1.5e308, 2);
    const o = covariance({ data: big, rows: 2, cols: 2 }, { runtime: r });
    assert.equal(o.mean[0], Infinity);
    assert.equal(o.mean[1], 1.5);
  }
});

test('covariance() reads no stale arena memory: freed blocks poisoned with NaN and garbage give the same bits (both builds)', async () => {
  // covariance() allocates its buffers without zero-fill; every one must be written before it
  // is read. Poison the free blocks the next allocations will reuse, then compare with the reference.
  for (const build of builds) {
    const r = await rt(build);
    for (const [rows, cols] of [[1030, 10], [37, 13], [1, 1], [8, 4]] as const) {
      const data = new Rng(rows + cols).fillNormal(new Float64Array(rows * cols)) as Float64Array;
      const ref = packCenterRef(data, rows, cols);
      const want = Array.from(syrkPackedRef(ref.packed, cols, rows, 1 / rows));
      for (const poison of [NaN, 1e300, -0]) {
        const width = (cols + 3) & ~3;
        const sizes = [rows * cols, cols, rows * width, rows > 1024 ? width * width : 16, cols * cols];
        const junk = sizes.map((n) => new Region(r.arena, Float64Array, n));
        for (const j of junk) j.view.fill(poison);
        for (const j of junk) j.release();
        const got = covariance({ data, rows, cols }, { runtime: r });
        assert.deepEqual(Array.from(got.cov), want, `${build} ${rows}×${cols} poison ${poison}`);
        assert.deepEqual(Array.from(got.mean), Array.from(ref.mean));
      }
    }
  }
});
