import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../../src/runtime/arena.js';
import type { Runtime } from '../../../src/index.js';
import { loadCeloTheta } from '../../../src/l2o/index.js';
import { SchedulerKernel, initScheduler, lossDecays, schedulerWeights } from '../../../src/l2o/celo/scheduler.js';
import { builds, rt, same } from '../../support/builds.js';
import { celoGemvRef, celoLstmGatesRef } from '../../support/reference/celo-lstm.js';

// assembly/celo_lstm.ts: the scheduler's products, bit for bit against the plain-TS reference
// (the kernels' summation order) in both builds; the Celo scheduler on them; who owns the block.

const value = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 5e-324, -2.5e-310, 1e-300, 1, 1e150, -1e200, NaN, Infinity, -Infinity) },
);

/** Copies arrays into fresh f64 regions (NaN-poisoned outputs), runs `fn` on their pointers, returns the outputs, frees all. */
function withRegions(r: Runtime, ins: ArrayLike<number>[], outs: number[], fn: (p: number[]) => void): Float64Array[] {
  const regs = [...ins.map((a) => {
    const g = new Region(r.arena, Float64Array, Math.max(a.length, 1));
    g.view.set(a as ArrayLike<number>);
    return g;
  }), ...outs.map((n) => {
    const g = new Region(r.arena, Float64Array, Math.max(n, 1));
    g.view.fill(NaN);
    return g;
  })];
  fn(regs.map((g) => g.ptr));
  const res = regs.slice(ins.length).map((g, i) => g.view.slice(0, outs[i]));
  for (const g of regs) g.release();
  return res;
}

test('celo_gemv_f64 equals the reference bit for bit (n 0…41 incl. odd tails and the gate shape n = 128, any row count, NaN/±Inf, denormals; both builds)', async () => {
  for (const build of builds) {
    const r = await rt(build);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 41 }), fc.constant(128)), fc.integer({ min: 0, max: 11 }), fc.array(value, { minLength: 64, maxLength: 64 }), (n, rows, pool) => {
        const at = (i: number) => pool[(i * 7 + 3) % pool.length]!;
        const W = Float64Array.from({ length: rows * n }, (_, i) => at(i));
        const b = Float64Array.from({ length: rows }, (_, i) => at(i + 5));
        const x = Float64Array.from({ length: n }, (_, i) => at(i * 3 + 1));
        const [got] = withRegions(r, [W, b, x], [rows], ([pw, pb, px, po]) => r.kernels.celo_gemv_f64(pw!, pb!, px!, n, rows, po!));
        same(got!, celoGemvRef(W, b, x, n, rows), `${build} n=${n} rows=${rows}`);
      }),
      { numRuns: 150 },
    );
  }
});

test('celo_lstm_gates_f64 equals the reference bit for bit (H 0…9, odd feature counts, special values; both builds) and keeps h', async () => {
  for (const build of builds) {
    const r = await rt(build);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 19 }), fc.array(value, { minLength: 50, maxLength: 50 }), (H, nx, pool) => {
        const at = (i: number) => pool[(i * 11 + 1) % pool.length]!;
        const wm = Float64Array.from({ length: 2 * H * nx }, (_, i) => at(i)), bm = Float64Array.from({ length: 2 * H }, (_, i) => at(i + 2));
        const x = Float64Array.from({ length: nx }, (_, i) => at(i + 9));
        const wl = Float64Array.from({ length: 8 * H * H }, (_, i) => at(i + 4)), bl = Float64Array.from({ length: 4 * H }, (_, i) => at(i + 7));
        const h = Float64Array.from({ length: H }, (_, i) => at(i + 13));
        const zh0 = new Float64Array(2 * H).fill(NaN);
        zh0.set(h, H);
        const [zh, u, gates] = run(r, wm, bm, x, nx, wl, bl, zh0, H);
        const ref = celoLstmGatesRef(wm, bm, x, nx, wl, bl, h, H);
        same(u!, ref.u, `${build} u H=${H} nx=${nx}`);
        same(zh!, ref.zh, `${build} zh`);
        same(gates!, ref.gates, `${build} gates`);
      }),
      { numRuns: 120 },
    );
  }
});

function run(r: Runtime, wm: Float64Array, bm: Float64Array, x: Float64Array, nx: number, wl: Float64Array, bl: Float64Array, zh0: Float64Array, H: number): Float64Array[] {
  const ins = [wm, bm, x, wl, bl, zh0].map((a) => {
    const g = new Region(r.arena, Float64Array, Math.max(a.length, 1));
    g.view.set(a);
    return g;
  });
  const u = new Region(r.arena, Float64Array, Math.max(2 * H, 1)), gates = new Region(r.arena, Float64Array, Math.max(4 * H, 1));
  u.view.fill(NaN);
  gates.view.fill(NaN);
  const [pwm, pbm, px, pwl, pbl, pzh] = ins.map((g) => g.ptr);
  r.kernels.celo_lstm_gates_f64(pwm!, pbm!, px!, nx, pwl!, pbl!, pzh!, H, u.ptr, gates.ptr);
  const out = [ins[5]!.view.slice(0, 2 * H), u.view.slice(0, 2 * H), gates.view.slice(0, 4 * H)];
  for (const g of [...ins, u, gates]) g.release();
  return out;
}

test('the scheduler with the published θ: both builds give the same lr_mult and (h, c) bit for bit over 300 steps', async () => {
  const w = schedulerWeights(await loadCeloTheta('celo'));
  const traces = [];
  for (const build of builds) {
    const k = new SchedulerKernel(await rt(build), w);
    const s = initScheduler(w), d = lossDecays(300), out: number[] = [];
    for (let t = 0; t < 300; t++) out.push(k.step(s, d, t, 300, t % 7 === 3 ? null : 2 / (1 + t / 30) + 0.1 * Math.sin(t)));
    traces.push([...out, ...s.h, ...s.c]);
    k.dispose();
  }
  same(traces[0]!, traces[1]!, 'simd vs scalar');
  assert.ok(traces[0]!.slice(0, 300).every((v) => Number.isFinite(v) && v > 0));
});

test('ownership: the block is allocated once per kernel (never per step), freed by dispose(); a Celo state frees its own on dispose()', async () => {
  const r = await rt('simd');
  const theta = await loadCeloTheta('celo');
  const w = schedulerWeights(theta);
  const before = r.arena.stats().used;
  const k = new SchedulerKernel(r, w);
  const one = r.arena.stats().used - before;
  assert.ok(one >= 8 * 35000, `block of ${one} bytes holds the re-laid weights`);
  const s = initScheduler(w), d = lossDecays(10);
  for (let t = 0; t < 5; t++) k.step(s, d, t, 10, 1);
  assert.equal(r.arena.stats().used - before, one, 'steps allocate nothing');
  k.dispose();
  k.dispose();
  assert.equal(r.arena.stats().used, before, 'dispose frees the block (idempotent)');
  const { celoFromTheta } = await import('../../../src/l2o/index.js');
  const opt = celoFromTheta(theta, { numSteps: 10 });
  const base = r.arena.stats().used;
  const st = opt.init(new Float32Array(16), { runtime: r });
  opt.step(st, new Float32Array(16).fill(0.1), { loss: 1 });
  const live = r.arena.stats().used - base;
  assert.ok(live >= one, 'the state holds its scheduler block');
  st.dispose();
  assert.ok(r.arena.stats().used - base <= 0, 'state.dispose() frees the scheduler block with the slots');
});
