import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Runtime, createRuntime } from '../../src/index.js';
import * as L from '../support/reference/linear.js';
import * as P from '../support/reference/penalty.js';

const runtimes: Promise<Runtime[]> = Promise.all([createRuntime({ build: 'simd' }), createRuntime({ build: 'scalar' })]);

/** Copies arrays into fresh arena blocks, runs `call` with their pointers, reads them back, frees. */
function withBuffers<T extends (Float32Array | Int32Array)[]>(rt: Runtime, arrays: T, call: (ptrs: number[]) => number | void): { out: T; ret: number | void } {
  const ptrs = arrays.map((a) => {
    const p = rt.arena.alloc(Math.max(4, a.length * 4));
    (a instanceof Float32Array ? rt.arena.f32(p, a.length) : rt.arena.i32(p, a.length)).set(a as never);
    return p;
  });
  const ret = call(ptrs);
  const out = arrays.map((a, i) => (a instanceof Float32Array ? rt.arena.f32(ptrs[i]!, a.length).slice() : rt.arena.i32(ptrs[i]!, a.length).slice())) as T;
  ptrs.forEach((p) => rt.arena.release(p));
  return { out, ret };
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: kernel ${a[i]} vs reference ${b[i]}`);
  }
}

const anyF32 = (n: number) => fc.float32Array({ minLength: n, maxLength: n });
const f32 = (x: number) => Math.fround(x);
const scalar = fc.oneof(fc.float({ noNaN: true, min: -4, max: 4 }), fc.constantFrom(0, -0, 1e-40, 1, f32(1 / 3)));

test('penalty_y_step_f32 matches the reference bit for bit (SIMD and scalar, NaN/Inf/denormals, odd tails)', async () => {
  for (const rt of await runtimes) {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 37 }).chain((n) => fc.tuple(anyF32(n), anyF32(n), anyF32(n))), scalar, scalar, scalar, ([y, a, b], ca, cb, eta) => {
        const want = y.slice();
        P.penaltyYStep(want, a, b, ca, cb, eta);
        const { out } = withBuffers(rt, [y, a, b], ([py, pa, pb]) => rt.kernels.penalty_y_step_f32(py!, pa!, pb!, y.length, ca, cb, eta));
        sameBits(out[0], want, `${rt.build} y`);
        sameBits(out[1], a, 'a untouched');
      }),
      { numRuns: 150 },
    );
  }
});

test('penalty_x_step_f32 and step_box_f32 match the reference bit for bit and respect the box', async () => {
  for (const rt of await runtimes) {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 37 }).chain((n) => fc.tuple(anyF32(n), anyF32(n), anyF32(n), anyF32(n))),
        scalar, scalar, fc.constantFrom([-Infinity, Infinity], [0, 1], [-2, 3], [0, 0]),
        ([x, fx, gxy, gxz], gamma, eta, [lo, hi]) => {
          const want = x.slice();
          P.penaltyXStep(want, fx, gxy, gxz, gamma, eta, lo!, hi!);
          const { out } = withBuffers(rt, [x, fx, gxy, gxz], ([px, a, b, c]) =>
            rt.kernels.penalty_x_step_f32(px!, a!, b!, c!, x.length, gamma, eta, lo!, hi!));
          sameBits(out[0], want, `${rt.build} x`);
          for (const v of out[0]) if (!Number.isNaN(v)) assert.ok(v >= lo! && v <= hi!, `${v} outside [${lo}, ${hi}]`);
          const want2 = x.slice();
          P.stepBox(want2, fx, eta, lo!, hi!);
          const r2 = withBuffers(rt, [x, fx], ([px, a]) => rt.kernels.step_box_f32(px!, a!, x.length, eta, lo!, hi!));
          sameBits(r2.out[0], want2, `${rt.build} step_box`);
        },
      ),
      { numRuns: 150 },
    );
  }
});

test('penalty steps are the gradient step they claim (finite inputs, f64 check) and gamma = 0 reduces to plain descent', async () => {
  for (const rt of await runtimes) {
    const n = 11;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const fx = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const g1 = Float32Array.from({ length: n }, (_, i) => 0.5 * i);
    const g2 = Float32Array.from({ length: n }, (_, i) => 0.25 * i - 1);
    const { out } = withBuffers(rt, [x.slice(), fx, g1, g2], ([px, a, b, c]) => rt.kernels.penalty_x_step_f32(px!, a!, b!, c!, n, 0, 0.1, -Infinity, Infinity));
    const { out: out2 } = withBuffers(rt, [x.slice(), fx], ([px, a]) => rt.kernels.step_box_f32(px!, a!, n, 0.1, -Infinity, Infinity));
    sameBits(out[0], out2[0], 'gamma 0 = plain step');
    const { out: out3 } = withBuffers(rt, [x.slice(), fx, g1, g2], ([px, a, b, c]) => rt.kernels.penalty_x_step_f32(px!, a!, b!, c!, n, 3, 0.1, -Infinity, Infinity));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(out3[0][i]! - (x[i]! - 0.1 * (fx[i]! + 3 * (g1[i]! - g2[i]!)))) < 1e-5);
  }
});

test('project_box_f32 matches the reference, is idempotent and keeps points inside the box', async () => {
  for (const rt of await runtimes) {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 29 }).chain((n) => fc.tuple(anyF32(n), fc.float32Array({ minLength: n, maxLength: n, noNaN: true }), fc.float32Array({ minLength: n, maxLength: n, noNaN: true }))), ([x, a, b]) => {
        const lo = a.map((v, i) => Math.min(v, b[i]!));
        const hi = a.map((v, i) => Math.max(v, b[i]!));
        const want = x.slice();
        P.projectBox(want, lo, hi);
        const { out } = withBuffers(rt, [x, lo, hi], ([px, pl, ph]) => rt.kernels.project_box_f32(px!, pl!, ph!, x.length));
        sameBits(out[0], want, `${rt.build} box`);
        const again = withBuffers(rt, [out[0], lo, hi], ([px, pl, ph]) => rt.kernels.project_box_f32(px!, pl!, ph!, x.length));
        sameBits(again.out[0], out[0], 'idempotent');
        out[0].forEach((v, i) => Number.isNaN(v) || assert.ok(v >= lo[i]! && v <= hi[i]!));
      }),
      { numRuns: 120 },
    );
  }
});

const small = (n: number) => fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true, min: -3, max: 3 });

test('linear forward/backward kernels match the reference bit for bit', async () => {
  for (const rt of await runtimes) {
    fc.assert(
      fc.property(
        fc.record({ rows: fc.integer({ min: 0, max: 6 }), d: fc.integer({ min: 0, max: 13 }), c: fc.integer({ min: 1, max: 5 }), bias: fc.boolean() })
          .chain(({ rows, d, c, bias }) => fc.tuple(fc.constant({ rows, d, c, bias }), small(rows * d), small(c * d), small(c), small(rows * c))),
        ([{ rows, d, c, bias }, x, w, b, dz]) => {
          const z = new Float32Array(rows * c);
          L.linearFwd(z, x, w, bias ? b : null, rows, d, c);
          const fwd = withBuffers(rt, [new Float32Array(rows * c), x, w, b], ([pz, px, pw, pb]) => rt.kernels.linear_fwd_f32(pz!, px!, pw!, bias ? pb! : 0, rows, d, c));
          sameBits(fwd.out[0], z, `${rt.build} fwd`);
          const gw = new Float32Array(c * d), gb = new Float32Array(c);
          L.linearBwdW(gw, gb, dz, x, rows, d, c);
          const bw = withBuffers(rt, [new Float32Array(c * d).fill(7), new Float32Array(c).fill(7), dz, x], ([a, bb, pdz, px]) => rt.kernels.linear_bwd_w_f32(a!, bb!, pdz!, px!, rows, d, c));
          sameBits(bw.out[0], gw, 'gW');
          sameBits(bw.out[1], gb, 'gb');
          const dx = new Float32Array(rows * d);
          L.linearBwdX(dx, dz, w, rows, d, c);
          const bx = withBuffers(rt, [new Float32Array(rows * d).fill(7), dz, w], ([a, pdz, pw]) => rt.kernels.linear_bwd_x_f32(a!, pdz!, pw!, rows, d, c));
          sameBits(bx.out[0], dx, 'dX');
        },
      ),
      { numRuns: 100 },
    );
  }
});

test('softmax_nll_f32 matches the reference, its gradient rows sum to 0, identity groups give cross-entropy', async () => {
  for (const rt of await runtimes) {
    fc.assert(
      fc.property(
        fc.record({ rows: fc.integer({ min: 0, max: 6 }), c: fc.integer({ min: 2, max: 7 }), weighted: fc.boolean(), scale: fc.double({ min: 0.01, max: 3, noNaN: true }) })
          .chain(({ rows, c, weighted, scale }) => fc.tuple(
            fc.constant({ rows, c, weighted, scale }),
            fc.float32Array({ minLength: rows * c, maxLength: rows * c, noNaN: true, noDefaultInfinity: true, min: -60, max: 60 }),
            fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: rows, maxLength: rows }),
            fc.float32Array({ minLength: rows, maxLength: rows, noNaN: true, noDefaultInfinity: true, min: 0, max: 2 }),
            fc.array(fc.boolean(), { minLength: c * c, maxLength: c * c }),
          )),
        ([{ rows, c, weighted, scale }, z, lab, w, bits]) => {
          const labels = Int32Array.from(lab);
          // Random groups, each containing its own class at least.
          const mask = Int32Array.from(bits, (bit, i) => (bit || Math.floor(i / c) === i % c ? 1 : 0));
          const want = z.slice(), wantLoss = new Float32Array(rows);
          const total = L.softmaxNll(want, labels, mask, rows, c, weighted ? w : null, scale, wantLoss);
          const r = withBuffers(rt, [z.slice(), labels, mask, w, new Float32Array(rows)], ([pz, pl, pm, pw, pls]) =>
            rt.kernels.softmax_nll_f32(pz!, pl!, pm!, c, rows, c, weighted ? pw! : 0, scale, pls!));
          // f32 exp/log may differ from JS's rounded f64 ones by an ULP: ≤ 5e-7 per row, weighted by s·w_r.
          let sw = 0;
          for (let i = 0; i < rows; i++) sw += scale * (weighted ? w[i]! : 1);
          assert.ok(Math.abs((r.ret as number) - total) <= 1e-6 * sw + 1e-12, `total ${r.ret} vs ${total}`);
          const dz = r.out[0] as Float32Array;
          for (let i = 0; i < dz.length; i++) assert.ok(Math.abs(dz[i]! - Math.fround(want[i]!)) <= 1e-6 * (1 + Math.abs(want[i]!)), `dZ[${i}]`);
          for (let i = 0; i < rows; i++) {
            const l = (r.out[4] as Float32Array)[i]!;
            assert.ok(l >= 0 && Math.abs(l - wantLoss[i]!) <= 1e-6 * (1 + l));
            let s = 0;
            for (let k = 0; k < c; k++) s += dz[i * c + k]!;
            assert.ok(Math.abs(s) < 1e-5 * (1 + scale * 2), `row ${i} sums to ${s}`);
          }
        },
      ),
      { numRuns: 100 },
    );
    // Identity groups: ℓ = logsumexp(z) − z_y, computed without underflow even for a hopeless label.
    const z = Float32Array.from([0, 80, -80]);
    const eye = Int32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = withBuffers(rt, [z, Int32Array.from([2]), eye, new Float32Array(1)], ([pz, pl, pm, pls]) => rt.kernels.softmax_nll_f32(pz!, pl!, pm!, 3, 1, 3, 0, 1, pls!));
    assert.ok(Math.abs((r.ret as number) - 160) < 1e-9);
    assert.ok(Math.abs((r.out[0] as Float32Array)[2]! + 1) < 1e-7);
  }
});
