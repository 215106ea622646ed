// The tiled Adam-residual kernels (assembly/adam_residual.ts) and the step path
// (src/l2o/adam-residual/kernel.ts) against the plain-TS reference, at sizes that span several
// tiles of the SIMD path (32 vectors of 4), its 4-vector groups and every tail, in both builds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/arena.js';
import type { Runtime } from '../../src/index.js';
import { AR_THETA_SIZE, adamResidualConfig, adamResidualLOpt, runInputs, scheduleLogScale } from '../../src/l2o/index.js';
import { AR_CFG_SIZE, fillAdamResidualConfig } from '../../src/l2o/adam-residual/kernel.js';
import { Rng } from '../../src/core/rng.js';
import { arFactorRef, arStepRef } from '../support/reference/adam-residual.js';
import { builds, rt, same } from '../support/builds.js';

const special = [0, -0, 1e-40, -3e-39, 1e30, -1e30, NaN, Infinity, -Infinity];
const CANARY = 0x5a;

/** Runs adam_residual_h_f32 on copies of `host` in `r` (scratch followed by a canary band) and returns the results. */
function runKernel(r: Runtime, host: Record<string, Float32Array>, n: number, theta: Float32Array, cfg: Float32Array, H: number) {
  const R = Object.fromEntries(Object.entries(host).map(([k, x]) => {
    const reg = new Region(r.arena, Float32Array, Math.max(n, 1));
    reg.view.set(x);
    return [k, reg];
  })) as Record<string, Region<Float32Array>>;
  const bytes = r.kernels.adam_residual_scratch_bytes(H);
  const thR = new Region(r.arena, Float32Array, theta.length), cR = new Region(r.arena, Float32Array, cfg.length), sc = new Region(r.arena, Uint8Array, bytes + 256);
  thR.view.set(theta);
  cR.view.set(cfg);
  sc.view.fill(CANARY);
  r.kernels.adam_residual_h_f32(R.p!.ptr, R.g!.ptr, R.m1!.ptr, R.m2!.ptr, R.m3!.ptr, R.v!.ptr, R.fr!.ptr, n, thR.ptr, cR.ptr, sc.ptr, H);
  const out = Object.fromEntries(['p', 'm1', 'm2', 'm3', 'v'].map((k) => [k, R[k]!.view.slice(0, n)]));
  const spill = sc.view.subarray(bytes).some((b) => b !== CANARY);
  same(thR.view, theta, 'θ unchanged');
  for (const x of [...Object.values(R), thR, cR, sc]) x.release();
  return { out, spill };
}

test('adam_residual_h_f32 == reference over several tiles, 4-vector groups and tails (both builds, both forms); scratch stays within adam_residual_scratch_bytes', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.constantFrom(1, 2, 5, 16, 32), fc.integer({ min: 0, max: 700 }), fc.integer(), fc.boolean(), (H, n, seed, withSpecials) => {
      const rng = new Rng(seed, 3);
      const theta = Float32Array.from({ length: 14 * H + 2 }, () => 0.5 * rng.normal());
      const val = (pos: boolean) => {
        const x = withSpecials && rng.uniform() < 0.03 ? special[rng.int(special.length)]! : 3 * rng.normal();
        return pos ? Math.abs(x) : x;
      };
      const host: Record<string, Float32Array> = {};
      for (const k of ['p', 'g', 'm1', 'm2', 'm3', 'v', 'fr']) host[k] = Float32Array.from({ length: n }, () => val(k === 'v' || k === 'fr'));
      const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: rng.uniform() < 0.5 ? 0 : 0.01, form: rng.int(2) }, rng.int(60), 0.01, [rng.uniform(), rng.normal(), rng.normal()]);
      const { out, spill } = runKernel(r, host, n, theta, cfg, H);
      assert.ok(!spill, `${b} H=${H}: the kernel wrote past adam_residual_scratch_bytes(${H})`);
      const ref = { p: host.p!.slice(), m1: host.m1!.slice(), m2: host.m2!.slice(), m3: host.m3!.slice(), v: host.v!.slice() };
      arStepRef(ref.p, host.g!, ref.m1, ref.m2, ref.m3, ref.v, host.fr!, theta, cfg, H);
      for (const k of ['p', 'm1', 'm2', 'm3', 'v'] as const) same(out[k]!, ref[k], `${b} H=${H} ${k} (n=${n})`);
    }), { numRuns: 40 });
  }
});

test('a hidden sum of −0 goes through the ReLU as +0 in both builds (the reference’s max(h, 0)), visible in p', async () => {
  // g = m1 = p = −0, other state +0: a = −0 and every feature·weight product is −0 (weights +0
  // where the feature is −0 or non-zero, −0.5 where it is +0), b1 = −0 and run inputs 0, so the
  // reference's hidden sums are −0 and its ReLU makes them +0. A ReLU that kept −0 would give
  // d = −0 + (−0)·w = −0, u = a + d·e = −0, and p = −0 − lr·u = +0 instead of −0.
  const H = 16, n = 37;
  const theta = new Float32Array(14 * H + 2);
  for (const q of [2, 3, 4, 8, 9, 10]) for (let j = 0; j < H; j++) theta[q * H + j] = -0.5;
  for (let j = 0; j < H; j++) theta[11 * H + j] = -0;
  for (let j = 0; j < 2 * H; j++) theta[12 * H + j] = 0.25;
  theta[14 * H] = -0;
  theta[14 * H + 1] = -1;
  const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, 3, 0.01, [0, 0, 0]);
  for (const b of builds) {
    const r = await rt(b);
    const host: Record<string, Float32Array> = {};
    for (const k of ['p', 'g', 'm1', 'm2', 'm3', 'v', 'fr']) host[k] = new Float32Array(n);
    for (const k of ['p', 'g', 'm1']) host[k]!.fill(-0);
    const { out } = runKernel(r, host, n, theta, cfg, H);
    const ref = { p: host.p!.slice(), m1: host.m1!.slice(), m2: host.m2!.slice(), m3: host.m3!.slice(), v: host.v!.slice() };
    arStepRef(ref.p, host.g!, ref.m1, ref.m2, ref.m3, ref.v, host.fr!, theta, cfg, H);
    assert.ok(ref.p.every((x) => Object.is(x, -0)), 'the reference keeps p = −0');
    for (const k of ['p', 'm1', 'm2', 'm3', 'v'] as const) same(out[k]!, ref[k], `${b} ${k}`);
  }
});

test('adam_residual_factor_f32 == reference on matrices with vector columns and tails, and on long vectors (both builds)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer(), (rows, cols, seed) => {
      const rng = new Rng(seed, 4);
      const n = rows * cols;
      const g = Float32Array.from({ length: n }, () => (rng.uniform() < 0.02 ? special[rng.int(special.length)]! : rng.normal()));
      const v = Float32Array.from({ length: n }, () => Math.abs(rng.normal()));
      const fac = Float32Array.from({ length: n }, () => Math.abs(rng.normal()));
      const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, rng.int(40), 1e-3, [0, 0, 0]);
      const regs = [g, v, fac, new Float32Array(n)].map((x) => {
        const reg = new Region(r.arena, Float32Array, n);
        reg.view.set(x);
        return reg;
      });
      const [gR, vR, facR, frR] = regs as [Region<Float32Array>, Region<Float32Array>, Region<Float32Array>, Region<Float32Array>];
      r.kernels.adam_residual_factor_f32(gR.ptr, vR.ptr, facR.ptr, frR.ptr, rows, cols, cfg[6]!, cfg[7]!, cfg[11]!);
      const frRef = new Float32Array(n), facRef = fac.slice();
      arFactorRef(g, v, facRef, frRef, rows, cols, cfg[6]!, cfg[7]!, cfg[11]!);
      same(frR.view, frRef, `${b} fr ${rows}×${cols}`);
      same(facR.view, facRef, `${b} fac ${rows}×${cols}`);
      same(gR.view, g, `${b} g unchanged`);
      for (const x of regs) x.release();
    }), { numRuns: 60 });
  }
});

test('the step path: optimizer steps over several tiles == reference composition (both builds), and its config block is adamResidualConfig’s', async () => {
  const shapes = [[23, 17], [17], [9, 30]];
  const parts: [number, number][] = [[23, 17], [1, 17], [9, 30]];
  const n = 23 * 17 + 17 + 270;
  const th = adamResidualLOpt.init(2);
  const tr = new Rng(8);
  for (let i = 192; i < AR_THETA_SIZE; i++) th[i] = 0.3 * tr.normal();
  for (const b of builds) {
    const r = await rt(b);
    const opt = adamResidualLOpt.optimizer(th, { shapes, lr: 0.01, horizon: 20, form: b === 'simd' ? 'additive' : 'multiplicative' });
    const rng = new Rng(9);
    const p = rng.fillNormal(new Float32Array(n));
    const s = opt.init(p, { runtime: r });
    const ref = { p: p.slice(), m1: new Float32Array(n), m2: new Float32Array(n), m3: new Float32Array(n), v: new Float32Array(n), fac: new Float32Array(n) };
    const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, form: b === 'simd' ? 0 : 1 };
    for (let t = 0; t < 4; t++) {
      const g = rng.fillNormal(new Float32Array(n));
      opt.step(s, g); // no loss: the loss inputs are 0
      const ins = runInputs(t, 20, { loss0: 0, lossFast: 0, lossSlow: 0, lossSeen: 0 });
      const cfg = adamResidualConfig(h, t, 0.01 * Math.exp(scheduleLogScale(th, ins)), ins);
      same(fillAdamResidualConfig(new Float32Array(AR_CFG_SIZE), h, t, 0.01 * Math.exp(scheduleLogScale(th, ins)), ins), cfg, 'config');
      const frv = new Float32Array(n);
      let off = 0;
      for (const [ro, co] of parts) {
        const sub = (x: Float32Array) => x.subarray(off, off + ro * co);
        arFactorRef(sub(g), sub(ref.v), sub(ref.fac), sub(frv), ro, co, cfg[6]!, cfg[7]!, cfg[11]!);
        off += ro * co;
      }
      arStepRef(ref.p, g, ref.m1, ref.m2, ref.m3, ref.v, frv, th, cfg);
    }
    same(s.params, ref.p, `${b} params`);
    same(s.view('fac'), ref.fac, `${b} fac`);
    assert.ok(s.params.some((x, i) => Math.abs(x - p[i]!) > 1e-4), 'the parameters moved');
    s.dispose();
  }
});
