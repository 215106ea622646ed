import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/arena.js';
import { type Runtime, MetaoptimError, adam, adamw, createRuntime } from '../../src/index.js';
import { AR_LR_BIAS, AR_THETA_SIZE, adamResidualConfig, adamResidualLOpt, augmentTask, runInputs, scheduleLogScale } from '../../src/l2o/index.js';
import { Rng } from '../../src/core/rng.js';
import { quadraticFamily } from '../../src/tasks/quadratic.js';
import { digitsMlpTask } from '../../src/tasks/digits.js';
import { arFactorRef, arStepRef } from '../support/reference/adam-residual.js';

const builds = ['simd', 'scalar'] as const;
const rts: Record<string, Runtime> = {};
const rt = async (b: 'simd' | 'scalar') => (rts[b] ??= await createRuntime({ build: b }));
const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** θ with a non-zero output layer and schedule, so the residual matters. */
function liveTheta(seed: number): Float32Array {
  const th = adamResidualLOpt.init(seed);
  const r = new Rng(seed, 9);
  for (let i = 192; i < AR_THETA_SIZE; i++) th[i] = 0.5 * r.normal();
  return th;
}
const special = fc.constantFrom(0, -0, 1e-40, -3e-39, 1e30, -1e30, NaN, Infinity, -Infinity);
const val = fc.oneof({ weight: 6, arbitrary: fc.float({ min: -5, max: 5, noNaN: true }) }, { weight: 1, arbitrary: special });

test('kernels == reference bit for bit (both builds; length 0, odd tails, matrices, NaN/±Inf, denormals)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 9 }), fc.array(val, { minLength: 200, maxLength: 200 }), fc.integer(), (rows, cols, tail, vals, seed) => {
      const n = rows * cols + tail;
      const rng = new Rng(seed);
      const arr = (k: number, pos = false) => Float32Array.from({ length: n }, (_, i) => { const x = vals[(i * 7 + k * 13) % 200]!; return pos ? Math.abs(x) : x; });
      const host = { p: arr(0), g: arr(1), m1: arr(2), m2: arr(3), m3: arr(4), v: arr(5, true), fac: arr(6, true).map(Math.abs) };
      const theta = liveTheta(seed);
      const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: rng.uniform() < 0.5 ? 0 : 0.01, form: rng.int(2) }, rng.int(50), 0.01, [rng.uniform(), rng.normal(), rng.normal()]);
      const R = Object.fromEntries(Object.entries(host).map(([k, x]) => { const reg = new Region(r.arena, Float32Array, Math.max(n, 1)); reg.view.set(x); return [k, reg]; })) as Record<string, Region<Float32Array>>;
      const frR = new Region(r.arena, Float32Array, Math.max(n, 1)), thR = new Region(r.arena, Float32Array, AR_THETA_SIZE), cR = new Region(r.arena, Float32Array, cfg.length), sc = new Region(r.arena, Uint8Array, r.kernels.adam_residual_scratch_bytes(16));
      thR.view.set(theta); cR.view.set(cfg);
      const frRef = new Float32Array(n);
      const parts: [number, number][] = [[rows, cols], [1, tail]];
      let off = 0;
      for (const [ro, co] of parts) {
        if (ro * co > 0) {
          r.kernels.adam_residual_factor_f32(R.g!.ptr + 4 * off, R.v!.ptr + 4 * off, R.fac!.ptr + 4 * off, frR.ptr + 4 * off, ro, co, cfg[6]!, cfg[7]!, cfg[11]!);
          const sub = (x: Float32Array) => x.subarray(off, off + ro * co);
          arFactorRef(sub(host.g), sub(host.v), sub(host.fac), sub(frRef), ro, co, cfg[6]!, cfg[7]!, cfg[11]!);
        }
        off += ro * co;
      }
      same(frR.view.subarray(0, n), frRef, `${b} factored RMS`);
      same(R.fac!.view.subarray(0, n), host.fac, `${b} factor EMAs`);
      r.kernels.adam_residual_f32(R.p!.ptr, R.g!.ptr, R.m1!.ptr, R.m2!.ptr, R.m3!.ptr, R.v!.ptr, frR.ptr, n, thR.ptr, cR.ptr, sc.ptr);
      arStepRef(host.p, host.g, host.m1, host.m2, host.m3, host.v, frRef, theta, cfg);
      for (const k of ['p', 'm1', 'm2', 'm3', 'v'] as const) same(R[k]!.view.subarray(0, n), host[k], `${b} ${k} (n=${n})`);
      for (const x of [...Object.values(R), frR, thR, cR, sc]) x.release();
    }), { numRuns: 150 });
  }
});

test('optimizer steps == reference composition (both builds, both forms): factored moments per tensor, schedule, loss inputs', async () => {
  for (const [b, form] of [['simd', 'additive'], ['scalar', 'additive'], ['simd', 'multiplicative'], ['scalar', 'multiplicative']] as const) {
    const r = await rt(b);
    const shapes = [[7, 5], [5], [3, 4], [1, 6]];
    const n = 35 + 5 + 12 + 6;
    const theta = liveTheta(4);
    const opt = adamResidualLOpt.optimizer(theta, { lr: 0.02, shapes, horizon: 30, weightDecay: 0.001, form });
    const rng = new Rng(11);
    const p = rng.fillNormal(new Float32Array(n));
    const s = opt.init(p, { runtime: r });
    const ref = { p: p.slice(), m1: new Float32Array(n), m2: new Float32Array(n), m3: new Float32Array(n), v: new Float32Array(n), fac: new Float32Array(n) };
    const sc = { loss0: 0, lossFast: 0, lossSlow: 0, lossSeen: 0 };
    for (let t = 0; t < 12; t++) {
      const g = rng.fillNormal(new Float32Array(n));
      const loss = 2 / (t + 1);
      opt.step(s, g, { loss });
      if (t === 0) Object.assign(sc, { loss0: loss, lossFast: loss, lossSlow: loss, lossSeen: 1 });
      else Object.assign(sc, { lossFast: 0.9 * sc.lossFast + 0.1 * loss, lossSlow: 0.99 * sc.lossSlow + 0.01 * loss, lossSeen: sc.lossSeen + 1 });
      const ins = runInputs(t, 30, sc);
      const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.001, form: form === 'multiplicative' ? 1 : 0 }, t, 0.02 * Math.exp(scheduleLogScale(theta, ins)), ins);
      const frv = new Float32Array(n);
      let off = 0;
      for (const [ro, co] of [[7, 5], [1, 5], [3, 4], [1, 6]] as const) {
        const sub = (x: Float32Array) => x.subarray(off, off + ro * co);
        arFactorRef(sub(g), sub(ref.v), sub(ref.fac), sub(frv), ro, co, cfg[6]!, cfg[7]!, cfg[11]!);
        off += ro * co;
      }
      arStepRef(ref.p, g, ref.m1, ref.m2, ref.m3, ref.v, frv, theta, cfg);
    }
    same(s.params, ref.p, `${b} ${form} params`);
    same(s.view('fac'), ref.fac, `${b} fac`);
    assert.ok(s.params.some((x, i) => Math.abs(x - p[i]!) > 1e-3), 'the parameters moved');
    s.dispose();
  }
});

test('θ = 0 and init(seed) are Adam (and AdamW with weightDecay) bit for bit, in both forms and both builds', async () => {
  for (const b of builds) {
  const r = await rt(b);
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 1e-4, max: 0.1, noNaN: true }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('additive', 'multiplicative' as const), (n, lr, wd, seed, form) => {
    const rng = new Rng(seed);
    const p = rng.fillNormal(new Float32Array(n));
    const ref = wd ? adamw({ lr, weightDecay: 0.01 }) : adam({ lr });
    const thetas = [new Float32Array(AR_THETA_SIZE), adamResidualLOpt.init(seed)];
    const cols = n >= 4 ? Math.floor(n / 2) : n;
    const shapes = n >= 4 ? [[2, cols], [n - 2 * cols]].filter((s) => s[0]! * (s[1] ?? 1) > 0) : [[n]];
    const opts = thetas.map((th) => adamResidualLOpt.optimizer(th, { lr, shapes, weightDecay: wd ? 0.01 : 0, form }));
    const states = opts.map((o) => o.init(p, { runtime: r }));
    const sa = ref.init(p, { runtime: r });
    for (let t = 0; t < 15; t++) {
      const g = rng.fillNormal(new Float32Array(n));
      ref.step(sa, g);
      states.forEach((s, k) => opts[k]!.step(s, g, { loss: 1 + rng.uniform() }));
    }
    for (const s of states) {
      for (let i = 0; i < n; i++) assert.ok(s.params[i] === sa.params[i], `p[${i}] ${s.params[i]} vs adam ${sa.params[i]}`);
      s.dispose();
    }
    sa.dispose();
  }), { numRuns: 30 });
  }
});

test('options: unknown keys, bad θ, shapes that do not fit, invalid hyper-parameters', async () => {
  await rt('simd');
  const th = new Float32Array(AR_THETA_SIZE);
  assert.throws(() => adamResidualLOpt.optimizer(th, { lrr: 1 } as never), (e: MetaoptimError) => e.code === 'UNKNOWN_OPTION' && /lr/.test(e.message));
  assert.throws(() => adamResidualLOpt.optimizer(new Float32Array(3)), (e: MetaoptimError) => e.code === 'LENGTH_MISMATCH');
  assert.throws(() => adamResidualLOpt.optimizer(th, { eps: 0 }), (e: MetaoptimError) => e.code === 'INVALID_HYPERPARAMETER');
  assert.throws(() => adamResidualLOpt.optimizer(th, { form: 'product' as never }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT' && /form/.test(e.message));
  assert.equal(adamResidualLOpt.optimizer(th, { form: 'multiplicative' }).hyperparams.form, 'multiplicative');
  assert.equal(adamResidualLOpt.optimizer(th).hyperparams.form, undefined, 'the additive default leaves the hyper-parameters as before');
  const o = adamResidualLOpt.optimizer(th, { shapes: [[2, 2]] });
  const s = o.init(new Float32Array(5), { runtime: rts.simd });
  assert.throws(() => o.step(s, new Float32Array(5)), (e: MetaoptimError) => e.code === 'LENGTH_MISMATCH');
  assert.throws(() => o.step(s, Float32Array.of(0, 0, NaN, 0, 0)), (e: MetaoptimError) => e.code === 'NON_FINITE_GRADIENT');
  s.dispose();
  const th2 = new Float32Array(AR_THETA_SIZE);
  th2[AR_LR_BIAS] = Math.log(2);
  assert.ok(Math.abs(scheduleLogScale(th2, [0.5, -1, 0]) - Math.log(2)) < 1e-7, 'c2 is ln of the lr multiplier');
});

test('reparameterization augmentation round-trips exactly (power-of-two scales)', async () => {
  await rt('simd');
  const f = quadraticFamily({ n: 6, condition: 10 });
  const base = f.task(f.sample(3));
  const scales = [2 ** -9];
  const aug = augmentTask(base, [[6]], scales);
  const d = await digitsMlpTask({ hidden: [8], runtime: rts.simd });
  const shapes = d.model.tensors.map((t) => [...t.shape]);
  const sc = shapes.map((_, i) => 2 ** ((i * 7) % 21 - 10));
  const augD = augmentTask(d, shapes, sc);
  for (const [t, a, s] of [[base, aug, scales], [d, augD, sc]] as const) {
    const p = t.init(5);
    const per = new Float32Array(t.size);
    let off = 0;
    (t === base ? [[6]] : shapes).forEach((sh, i) => { const len = sh.reduce((x, y) => x * y, 1); per.fill(s[i]!, off, off + len); off += len; });
    same(a.init(5), p.map((v, i) => v * per[i]!), 'init is scaled');
    const g = new Float32Array(t.size), ga = new Float32Array(t.size);
    const l = t.loss(p, 2, g);
    const la = a.loss(p.map((v, i) => v * per[i]!), 2, ga);
    assert.equal(la, l, 'same loss at the scaled point');
    same(ga, g.map((v, i) => v / per[i]!), 'gradient is un-scaled');
    same(ga.map((v, i) => v * per[i]!), g, 'and back');
  }
  assert.throws(() => augmentTask(base, [[6]], [1, 2]), (e: MetaoptimError) => e.code === 'LENGTH_MISMATCH');
  d.dispose();
});

test('adam_residual_h_f32 (any hidden width) == reference bit for bit in both builds; H = 16 is adam_residual_f32', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.constantFrom(1, 5, 16, 32), fc.integer({ min: 0, max: 41 }), fc.array(val, { minLength: 60, maxLength: 60 }), fc.integer(), (H, n, vals, seed) => {
      const rng = new Rng(seed, 5);
      const size = 11 * H + H + 2 * H + 2;
      const theta = Float32Array.from({ length: size }, () => 0.5 * rng.normal());
      const arr = (k: number, pos = false) => Float32Array.from({ length: n }, (_, i) => { const x = vals[(i * 7 + k * 13) % 60]!; return pos ? Math.abs(x) : x; });
      const host = { p: arr(0), g: arr(1), m1: arr(2), m2: arr(3), m3: arr(4), v: arr(5, true), fr: arr(6, true) };
      const cfg = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: rng.uniform() < 0.5 ? 0 : 0.01, form: rng.int(2) }, rng.int(50), 0.01, [rng.uniform(), rng.normal(), rng.normal()]);
      const run = (fn: (R: Record<string, Region<Float32Array>>, thP: number, cP: number, scP: number) => void) => {
        const R = Object.fromEntries(Object.entries(host).map(([k, x]) => { const reg = new Region(r.arena, Float32Array, Math.max(n, 1)); reg.view.set(x); return [k, reg]; })) as Record<string, Region<Float32Array>>;
        const thR = new Region(r.arena, Float32Array, size), cR = new Region(r.arena, Float32Array, cfg.length), sc = new Region(r.arena, Uint8Array, r.kernels.adam_residual_scratch_bytes(H));
        thR.view.set(theta); cR.view.set(cfg);
        fn(R, thR.ptr, cR.ptr, sc.ptr);
        const out = Object.fromEntries(['p', 'm1', 'm2', 'm3', 'v'].map((k) => [k, R[k]!.view.slice(0, n)]));
        for (const x of [...Object.values(R), thR, cR, sc]) x.release();
        return out;
      };
      const got = run((R, th, c, sc) => r.kernels.adam_residual_h_f32(R.p!.ptr, R.g!.ptr, R.m1!.ptr, R.m2!.ptr, R.m3!.ptr, R.v!.ptr, R.fr!.ptr, n, th, c, sc, H));
      const ref = { p: host.p.slice(), m1: host.m1.slice(), m2: host.m2.slice(), m3: host.m3.slice(), v: host.v.slice() };
      arStepRef(ref.p, host.g, ref.m1, ref.m2, ref.m3, ref.v, host.fr, theta, cfg, H);
      for (const k of ['p', 'm1', 'm2', 'm3', 'v'] as const) same(got[k]!, ref[k], `${b} H=${H} ${k} (n=${n})`);
      if (H === 16) {
        const fixed = run((R, th, c, sc) => r.kernels.adam_residual_f32(R.p!.ptr, R.g!.ptr, R.m1!.ptr, R.m2!.ptr, R.m3!.ptr, R.v!.ptr, R.fr!.ptr, n, th, c, sc));
        for (const k of ['p', 'm1', 'm2', 'm3', 'v'] as const) same(fixed[k]!, got[k]!, `${b} H=16 fixed vs generic ${k}`);
      }
    }), { numRuns: 60 });
  }
});

test('the multiplicative residual vanishes with Adam\'s direction: a coordinate with g ≡ 0 stays put (the additive one moves it)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    const theta = liveTheta(7);
    const n = 23;
    const moved = (form: 'additive' | 'multiplicative') => {
      const opt = adamResidualLOpt.optimizer(theta, { lr: 0.05, form });
      const s = opt.init(Float32Array.from({ length: n }, (_, i) => 0.1 * i), { runtime: r });
      for (let t = 0; t < 6; t++) opt.step(s, Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : Math.cos(i + t))), { loss: 1 / (t + 1) });
      const out = s.params.map((v, i) => v - Math.fround(0.1 * i));
      s.dispose();
      return out;
    };
    const mul = moved('multiplicative'), add = moved('additive');
    for (let i = 0; i < n; i += 3) assert.equal(mul[i], 0, `${b} multiplicative: p[${i}] moved by ${mul[i]}`);
    assert.ok([...add].some((v, i) => i % 3 === 0 && v !== 0), `${b} additive moves a zero-gradient coordinate`);
    assert.ok([...mul].some((v, i) => i % 3 !== 0 && v !== 0), `${b} the other coordinates move`);
  }
});
