import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.js';
import { type Runtime, createRuntime, simdSupported } from '../../src/runtime/index.js';
import {
  actBackwardRef,
  actForwardRef,
  biasAddRef,
  bnBackwardRef,
  bnForwardRef,
  colsumRef,
  gemmRef,
  mseRef,
  softmaxCeRef,
} from '../support/reference/nn.js';

const builds = (simdSupported() ? ['simd', 'scalar'] : ['scalar']) as ('simd' | 'scalar')[];
const runtimes = new Map<string, Runtime>();
async function rt(build: 'simd' | 'scalar'): Promise<Runtime> {
  let r = runtimes.get(build);
  if (!r) runtimes.set(build, (r = await createRuntime({ build })));
  return r;
}

/** Copies arrays into fresh allocations, runs fn with their pointers, returns the arrays read back, frees. */
function withMem<T>(r: Runtime, arrays: (Float32Array | Int32Array | Float64Array)[], fn: (ptrs: number[]) => T): { out: (Float32Array | Int32Array | Float64Array)[]; ret: T } {
  const a = r.arena;
  const ptrs = arrays.map((x) => a.alloc(Math.max(16, x.byteLength)));
  arrays.forEach((x, i) => new Uint8Array(a.memory.buffer, ptrs[i]!, x.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)));
  const ret = fn(ptrs);
  const out = arrays.map((x, i) => {
    const C = x.constructor as { new (b: ArrayBuffer, o: number, n: number): typeof x };
    return new C(a.memory.buffer, ptrs[i]!, x.length).slice();
  });
  for (const p of ptrs) a.release(p);
  return { out, ret };
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)))) assert.fail(`${what}[${i}]: ${x} !== ${y}`);
  }
}

/** Distance in units in the last place between two f32 values (0 for equal, NaN=NaN). */
function ulps(x: number, y: number): number {
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  if (x === y) return 0;
  const b = new Int32Array(new Float32Array([x, y]).buffer);
  const o = (v: number) => (v < 0 ? 0x80000000 - v : v);
  return Math.abs(o(b[0]!) - o(b[1]!));
}

function maxUlps(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, ulps(a[i]!, b[i]!));
  return m;
}

const specials = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-40, -3e-39, 3.4e38, 1e-7];
const f32val = (withSpecials: boolean) =>
  withSpecials
    ? fc.oneof({ weight: 8, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(...specials) })
    : fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
const vec = (n: number, withSpecials: boolean) => fc.array(f32val(withSpecials), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));

for (const build of builds) {
  test(`[${build}] gemm equals the reference bit for bit: all transposes, accumulate, odd sizes, specials`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    const dims = fc.oneof(fc.integer({ min: 0, max: 13 }), fc.constantFrom(16, 17, 31, 33));
    await fc.assert(
      fc.property(
        fc.record({ M: dims, N: dims, K: dims, tA: fc.boolean(), tB: fc.boolean(), acc: fc.boolean(), sp: fc.boolean() }).chain((d) =>
          fc.tuple(fc.constant(d), vec(d.M * d.K, d.sp), vec(d.K * d.N, d.sp), vec(d.M * d.N, d.sp)),
        ),
        ([d, A, B, C]) => {
          const want = C.slice();
          gemmRef(d.tA, d.tB, d.M, d.N, d.K, A, B, want, d.acc);
          const work = new Float32Array(Math.max(4, k.gemm_work_bytes(d.K, d.N) / 4));
          const { out } = withMem(r, [A, B, C, work], ([a, b, c, w]) => k.gemm_f32(+d.tA, +d.tB, d.M, d.N, d.K, a!, b!, c!, +d.acc, w!));
          sameValues(out[2]!, want, `C ${JSON.stringify(d)}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  test(`[${build}] gemm at network shapes (64×128×100, 19×37×65) matches the reference exactly`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    const rng = new Rng(5);
    for (const [M, N, K] of [[64, 128, 100], [19, 37, 65]] as const) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const A = Float32Array.from({ length: M * K }, () => rng.normal());
          const B = Float32Array.from({ length: K * N }, () => rng.normal());
          const C = Float32Array.from({ length: M * N }, () => rng.normal());
          const want = C.slice();
          gemmRef(tA, tB, M, N, K, A, B, want, true);
          const work = new Float32Array(k.gemm_work_bytes(K, N) / 4 + 4);
          const { out } = withMem(r, [A, B, C, work], ([a, b, c, w]) => k.gemm_f32(+tA, +tB, M, N, K, a!, b!, c!, 1, w!));
          sameValues(out[2]!, want, `C ${M}x${N}x${K} ${tA} ${tB}`);
        }
      }
    }
  });

  test(`[${build}] bias add and column sums equal the reference bit for bit`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(
        fc.record({ M: fc.integer({ min: 0, max: 9 }), N: fc.integer({ min: 0, max: 19 }), acc: fc.boolean() }).chain((d) =>
          fc.tuple(fc.constant(d), vec(d.M * d.N, true), vec(d.N, true)),
        ),
        ([d, z, b]) => {
          const wz = z.slice();
          biasAddRef(wz, b, d.M, d.N);
          const { out } = withMem(r, [z, b], ([pz, pb]) => k.bias_add_f32(pz!, pb!, d.M, d.N));
          sameValues(out[0]!, wz, 'bias');
          const ws = b.slice();
          colsumRef(z, d.M, d.N, ws, d.acc);
          const o2 = withMem(r, [z, b], ([pz, pb]) => k.colsum_f32(pz!, d.M, d.N, pb!, +d.acc)).out;
          sameValues(o2[1]!, ws, 'colsum');
        },
      ),
      { numRuns: 200 },
    );
  });

  test(`[${build}] activations: ReLU/LeakyReLU/identity exact, sigmoid/tanh ≤ 1 ULP; backward exact`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 23 }).chain((n) => fc.tuple(vec(n, true), vec(n, true))), (kind, [z, dh]) => {
        const h = actForwardRef(kind, z);
        const { out } = withMem(r, [z, new Float32Array(z.length)], ([pz, ph]) => k.act_forward_f32(kind, pz!, ph!, z.length));
        if (kind === 1 || kind === 2) assert.ok(maxUlps(out[1]!, h) <= 1, `kind ${kind}: ${maxUlps(out[1]!, h)} ulps`);
        else sameValues(out[1]!, h, `forward ${kind}`);
        const want = actBackwardRef(kind, z, h, dh);
        const o2 = withMem(r, [z, h, dh, new Float32Array(z.length)], ([pz, ph, pd, po]) => k.act_backward_f32(kind, pz!, ph!, pd!, po!, z.length)).out;
        sameValues(o2[3]!, want, `backward ${kind}`);
      }),
      { numRuns: 300 },
    );
  });

  test(`[${build}] batch norm forward/backward equal the reference (≤ 1 ULP) and normalize each column`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(
        fc.record({ M: fc.integer({ min: 2, max: 9 }), N: fc.integer({ min: 1, max: 7 }) }).chain((d) =>
          fc.tuple(fc.constant(d), vec(d.M * d.N, false), vec(d.N, false), vec(d.N, false), vec(d.M * d.N, false)),
        ),
        ([d, z, g, b, dy]) => {
          const { M, N } = d;
          const ref = bnForwardRef(z, g, b, M, N, 1e-5);
          const f = withMem(r, [z, new Float32Array(M * N), new Float32Array(M * N), new Float64Array(N), g, b], ([pz, py, px, pr, pg, pb]) =>
            k.bn_forward_f32(pz!, py!, px!, pr!, pg!, pb!, M, N, 1e-5),
          ).out;
          assert.ok(maxUlps(f[1]!, ref.y) <= 1 && maxUlps(f[2]!, ref.xhat) <= 1, 'forward');
          sameValues(f[3]!, ref.rstd, 'rstd');
          // x̂ has zero mean per column (and unit variance unless the column is constant).
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let i = 0; i < M; i++) s += ref.xhat[i * N + j]!;
            assert.ok(Math.abs(s / M) < 1e-5);
          }
          const want = bnBackwardRef(dy, ref.xhat, ref.rstd, g, M, N);
          const o = withMem(r, [dy, ref.xhat, ref.rstd, g, new Float32Array(M * N), new Float32Array(N), new Float32Array(N)], ([a, x, rs, pg, dz, dg, db]) =>
            k.bn_backward_f32(a!, x!, rs!, pg!, dz!, dg!, db!, M, N),
          ).out;
          assert.ok(maxUlps(o[4]!, want.dz) <= 1, 'dz');
          assert.ok(maxUlps(o[5]!, want.dgamma) <= 1 && maxUlps(o[6]!, want.dbeta) <= 1, 'dgamma/dbeta');
        },
      ),
      { numRuns: 200 },
    );
  });

  test(`[${build}] softmax cross-entropy: reference, stable at huge logits, per-example gradient rows sum to zero`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(
        fc.record({ M: fc.integer({ min: 1, max: 8 }), C: fc.integer({ min: 2, max: 12 }), big: fc.boolean() }).chain((d) =>
          fc.tuple(fc.constant(d), vec(d.M * d.C, false), fc.array(fc.integer({ min: 0, max: d.C - 1 }), { minLength: d.M, maxLength: d.M })),
        ),
        ([d, z0, lab]) => {
          const z = d.big ? z0.map((v) => v * 1e4) : z0;
          const y = Int32Array.from(lab);
          const ref = softmaxCeRef(z, y, d.M, d.C, 1);
          const { out, ret } = withMem(r, [z, y, new Float32Array(d.M * d.C), new Float32Array(d.M)], ([pz, py, pd, pl]) =>
            k.softmax_ce_f32(pz!, py!, d.M, d.C, pd!, pl!, 1),
          );
          assert.ok(Number.isFinite(ret) && ret >= 0);
          assert.ok(Math.abs(ret - ref.total) <= 1e-12 * Math.max(1, ref.total));
          assert.ok(maxUlps(out[2]!, ref.dz) <= 1 && maxUlps(out[3]!, ref.losses) <= 1);
          const dz = out[2]!;
          for (let i = 0; i < d.M; i++) {
            let s = 0;
            for (let c = 0; c < d.C; c++) s += dz[i * d.C + c]!;
            assert.ok(Math.abs(s) <= 4e-7 * d.C, `row ${i} sums to ${s}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test(`[${build}] MSE equals the reference`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(
        fc.record({ M: fc.integer({ min: 0, max: 8 }), D: fc.integer({ min: 1, max: 6 }) }).chain((d) =>
          fc.tuple(fc.constant(d), vec(d.M * d.D, false), vec(d.M * d.D, false)),
        ),
        ([d, p, t]) => {
          const ref = mseRef(p, t, d.M, d.D, 0.5);
          const { out, ret } = withMem(r, [p, t, new Float32Array(d.M * d.D), new Float32Array(d.M)], ([pp, pt, pd, pl]) =>
            k.mse_f32(pp!, pt!, d.M, d.D, pd!, pl!, 0.5),
          );
          assert.equal(ret, ref.total);
          sameValues(out[2]!, ref.dp, 'dp');
          sameValues(out[3]!, ref.losses, 'losses');
        },
      ),
      { numRuns: 100 },
    );
  });

  test(`[${build}] xoshiro128** kernels reproduce the TypeScript Rng exactly`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 40 }), (seed, n) => {
        const ts = new Rng(seed);
        const st = r.arena.alloc(16);
        const buf = r.arena.alloc(Math.max(16, n * 4));
        try {
          k.rng_seed(st, seed);
          for (let i = 0; i < 5; i++) assert.equal(k.rng_u32(st) >>> 0, ts.u32());
          assert.equal(k.rng_uniform(st), ts.uniform());
          k.rng_fill_uniform_f32(st, buf, n, -0.25, 0.75);
          const want = Float32Array.from({ length: n }, () => -0.25 + 1 * ts.uniform());
          sameValues(r.arena.f32(buf, n), want, 'uniform fill');
          k.rng_permutation_i32(st, buf, n);
          sameValues(r.arena.i32(buf, n), ts.permutation(n), 'permutation');
        } finally {
          r.arena.release(st);
          r.arena.release(buf);
        }
      }),
      { numRuns: 100 },
    );
  });

  test(`[${build}] gathers and argmax counting`, async () => {
    const r = await rt(build);
    const k = r.kernels;
    const x = Float32Array.from({ length: 5 * 3 }, (_, i) => i);
    const y = Int32Array.from([10, 11, 12, 13, 14]);
    const idx = Int32Array.from([4, 0, 4, 2]);
    const { out } = withMem(r, [x, y, idx, new Float32Array(12), new Int32Array(4)], ([px, py, pi, po, pl]) => {
      k.gather_rows_f32(px!, pi!, 4, 3, po!);
      k.gather_i32(py!, pi!, 4, pl!);
    });
    sameValues(out[3]!, [12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8], 'rows');
    sameValues(out[4]!, [14, 10, 14, 12], 'labels');
    const z = Float32Array.from([0, 2, 1, /**/ 5, 5, 0, /**/ NaN, 1, 0]);
    const lab = Int32Array.from([1, 1, 1]);
    const c = withMem(r, [z, lab], ([pz, pl]) => k.count_correct(pz!, pl!, 3, 3)).ret;
    // row 0: argmax 1 = label; row 1: a tie goes to the first index (0); row 2: nothing beats a leading NaN (0).
    assert.equal(c, 1);
  });
}
