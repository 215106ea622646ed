import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Region } from '../../src/runtime/arena.js';
import { type Runtime, MetaoptimError, readCheckpoint } from '../../src/index.js';
import { lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import { Rng } from '../../src/core/rng.js';
import { LSTM_SLOTS, LSTM_TAPE_FIELDS, lstmStepOnState } from '../../src/l2o/lstm.js';
import { F32, F64, LSTM_THETA, expf, logf, lstmBackwardRef, lstmStepRef, mlpMomentaRef, mlpStepRef, sigmoidf, tanhf } from '../support/reference/l2o.js';
import { builds, rt, same } from '../support/builds.js';

const f32 = fc.float({ noNaN: true, noDefaultInfinity: true });

test('polynomial exp/log/σ/tanh: kernel == reference bit for bit, and accurate', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.array(fc.oneof(f32, fc.float({ min: -100, max: 100, noNaN: true })), { maxLength: 41 }), fc.integer({ min: 0, max: 3 }), (xs, which) => {
      const input = Float32Array.from(xs, (v) => (which === 1 ? Math.max(Math.abs(v), 1.2e-38) : v));
      const x = new Region(r.arena, Float32Array, input.length), out = new Region(r.arena, Float32Array, input.length);
      x.view.set(input);
      r.kernels.lopt_math_f32(out.ptr, x.ptr, input.length, which);
      const f = [expf, logf, sigmoidf, tanhf][which]!;
      same(out.view, Array.from(input, f), ['exp', 'log', 'sig', 'tanh'][which]!);
      x.release(); out.release();
    }), { numRuns: 200 });
  }
  for (let v = -87; v <= 88; v += 0.0137) {
    const x = Math.fround(v);
    assert.ok(Math.abs(expf(x) - Math.exp(x)) <= 2.5e-7 * Math.exp(x), `exp(${x})`);
    const y = Math.fround(Math.exp(v / 2));
    assert.ok(Math.abs(logf(y) - Math.log(y)) <= 2.5e-7 * Math.max(1, Math.abs(Math.log(y))), `log(${y})`);
    assert.ok(Math.abs(tanhf(x / 20) - Math.tanh(x / 20)) <= 2e-7);
  }
});

function sumsqRef(x: Float32Array): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, i = 0;
  for (; i + 4 <= x.length; i += 4) { a0 += x[i]! ** 2; a1 += x[i + 1]! ** 2; a2 += x[i + 2]! ** 2; a3 += x[i + 3]! ** 2; }
  let s = (a0 + a1) + (a2 + a3);
  for (; i < x.length; i++) s += x[i]! ** 2;
  return s;
}

test('MLP optimizer: fused kernel == TS reference bit for bit (both builds, segments, odd sizes)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 9 }), fc.integer(), (n, cut, seed) => {
      const rng = new Rng(seed);
      const theta = mlpLOpt.init(seed);
      for (let i = 1696; i < 1762; i++) theta[i] = 3 * rng.normal(); // make the output large enough to matter
      const segs = cut > 0 && cut < n ? [cut, n - cut] : [n];
      const opt = mlpLOpt.optimizer(theta, { segments: segs });
      const p0 = rng.fillNormal(new Float32Array(n)) as Float32Array;
      const s = opt.init(p0, { runtime: r });
      const p = p0.slice(), m = Array.from({ length: 6 }, () => new Float32Array(n));
      for (let t = 0; t < 3; t++) {
        const g = rng.fillNormal(new Float32Array(n), t === 1 ? 1e-3 : 1) as Float32Array;
        if (t === 2) g[0] = 0;
        // Reference: momenta, then per segment the features and the step.
        mlpMomentaRef(g, m);
        let start = 0;
        const pBefore = p.slice();
        for (const len of segs) {
          const sl = (x: Float32Array) => x.subarray(start, start + len);
          const feat = new Float32Array(19);
          [g, pBefore, ...m].forEach((x, i) => (feat[i] = 1 / Math.sqrt(1e-5 + sumsqRef(sl(x)) / len)));
          [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5].forEach((tau, i) => (feat[8 + i] = Math.tanh(t / tau - 1)));
          mlpStepRef(sl(p), sl(g), m.map(sl), theta, feat);
          start += len;
        }
        opt.step(s, g);
        same(s.params, p, `params step ${t}`);
        for (let k = 0; k < 6; k++) same(s.view(`m${k}`), m[k]!, `m${k}`);
      }
      s.dispose();
    }), { numRuns: 25 });
  }
});

test('LSTM optimizer: fused kernel == TS reference bit for bit (tiny, zero and large gradients)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 1, max: 11 }), fc.integer(), (n, seed) => {
      const rng = new Rng(seed);
      const theta = lstmLOpt.init(seed);
      const opt = lstmLOpt.optimizer(theta);
      const p = rng.fillNormal(new Float32Array(n)) as Float32Array;
      const s = opt.init(p, { runtime: r });
      const st = Array.from({ length: 80 }, () => new Float32Array(n));
      for (let t = 0; t < 3; t++) {
        const g = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1e-6 : i % 5 === 1 ? 0 : 10) * rng.normal());
        lstmStepRef(F32, p, g, st, theta, 0.1);
        opt.step(s, g);
        same(s.params, p, `params ${t}`);
        LSTM_SLOTS.forEach((name, k) => same(s.view(name), st[k]!, name));
      }
      s.dispose();
    }), { numRuns: 20 });
  }
});

test('conformance: zero-output θ is the identity; save/restore round trip is bit-exact; bad θ is rejected', async () => {
  const r = await rt('simd');
  const rng = new Rng(3);
  const zMlp = mlpLOpt.init(1);
  zMlp.fill(0, 1696);
  const zLstm = lstmLOpt.init(1);
  zLstm.fill(0, 5280);
  for (const opt of [mlpLOpt.optimizer(zMlp), lstmLOpt.optimizer(zLstm)]) {
    const p = rng.fillNormal(new Float32Array(37)) as Float32Array;
    const s = opt.init(p, { runtime: r });
    for (let t = 0; t < 4; t++) opt.step(s, rng.fillNormal(new Float32Array(37)));
    same(s.params, p, `${opt.name} identity`);
    s.dispose();
  }
  for (const opt of [mlpLOpt.optimizer(mlpLOpt.init(2)), lstmLOpt.optimizer(lstmLOpt.init(2))]) {
    const s = opt.init(rng.fillNormal(new Float32Array(21)), { runtime: r });
    for (let t = 0; t < 3; t++) opt.step(s, rng.fillNormal(new Float32Array(21)));
    const c = opt.restore(s.save(), { runtime: r });
    assert.equal(c.scalars.count, 3);
    assert.match(String(opt.hyperparams.thetaHash), /^[0-9a-f]{8}$/);
    assert.equal(readCheckpoint(s.save()).hyperparams.thetaHash, opt.hyperparams.thetaHash);
    const g = rng.fillNormal(new Float32Array(21));
    opt.step(s, g);
    opt.step(c, g);
    for (const name of s.bufferNames.filter((x) => x !== 'grads')) same(c.view(name), s.view(name), `${opt.name}.${name}`);
    assert.throws(() => opt.step(s, new Float32Array(21).fill(NaN)), { code: 'NON_FINITE_GRADIENT' });
    s.dispose(); c.dispose();
  }
  assert.throws(() => mlpLOpt.optimizer(new Float32Array(5)), (e: unknown) => e instanceof MetaoptimError && e.code === 'LENGTH_MISMATCH');
  assert.throws(() => lstmLOpt.optimizer(new Float32Array(5)), { code: 'LENGTH_MISMATCH' });
  const segOpt = mlpLOpt.optimizer(mlpLOpt.init(0), { segments: [3, 3] });
  const s = segOpt.init(new Float32Array(7), { runtime: r });
  assert.throws(() => segOpt.step(s, new Float32Array(7)), { code: 'LENGTH_MISMATCH' });
  s.dispose();
});

/** Runs K kernel steps with tapes; returns the tapes (copied) and the gradient sequence. */
function kernelTapes(r: Runtime, theta: Float32Array, p0: Float32Array, grads: Float32Array[]) {
  const opt = lstmLOpt.optimizer(theta);
  const s = opt.init(p0, { runtime: r });
  const n = p0.length;
  const th = new Region(r.arena, Float32Array, theta.length);
  th.view.set(theta);
  const tape = new Region(r.arena, Float32Array, LSTM_TAPE_FIELDS * n * grads.length);
  grads.forEach((g, t) => {
    s.grads.set(g);
    lstmStepOnState(s, th.ptr, 0.1, tape.ptr + 4 * t * LSTM_TAPE_FIELDS * n);
  });
  return { s, th, tape };
}

test('LSTM backward kernel == f64 reference on the same tape; the reference matches finite differences', async () => {
  for (const b of builds) {
    const r = await rt(b);
    const n = 6, K = 4;
    const rng = new Rng(8);
    const theta = lstmLOpt.init(4);
    const p0 = rng.fillNormal(new Float32Array(n)) as Float32Array;
    const grads = Array.from({ length: K }, () => rng.fillNormal(new Float32Array(n)) as Float32Array);
    grads[1]![2] = 1e-7;
    const adj = Array.from({ length: K }, () => rng.fillNormal(new Float32Array(n)) as Float32Array);
    const { s, th, tape } = kernelTapes(r, theta, p0, grads);
    const adjR = new Region(r.arena, Float32Array, K * n);
    adj.forEach((a, t) => adjR.view.set(a, t * n));
    const dth = new Region(r.arena, Float64Array, LSTM_THETA);
    const work = new Region(r.arena, Float64Array, 280);
    r.kernels.lstm_lopt_backward_f32(th.ptr, tape.ptr, n, K, adjR.ptr, dth.ptr, work.ptr);
    const tapes = Array.from({ length: K }, (_, t) => tape.view.slice(t * LSTM_TAPE_FIELDS * n, (t + 1) * LSTM_TAPE_FIELDS * n));
    const ref = new Float64Array(LSTM_THETA);
    lstmBackwardRef(theta, tapes, n, adj, ref);
    same(dth.view, ref, `backward (${b})`);
    for (const x of [th, tape, adjR, dth, work]) x.release();
    s.dispose();
  }
  // Finite differences of J(θ) = Σ_t ⟨adj_t, o_t(θ)⟩ in exact f64 arithmetic (F64 model).
  const n = 3, K = 3;
  const rng = new Rng(12);
  const theta = Float64Array.from(lstmLOpt.init(6));
  const grads = Array.from({ length: K }, () => rng.fillNormal(new Float64Array(n)));
  const adj = Array.from({ length: K }, () => rng.fillNormal(new Float64Array(n)));
  const J = (th: Float64Array, tapes?: Float64Array[]) => {
    const st = Array.from({ length: 80 }, () => new Float64Array(n));
    let j = 0;
    for (let t = 0; t < K; t++) {
      const p = new Float64Array(n);
      const tp = tapes ? (tapes[t] = new Float64Array(LSTM_TAPE_FIELDS * n)) : undefined;
      lstmStepRef(F64, p, grads[t]!, st, th, 1, tp);
      for (let i = 0; i < n; i++) j += adj[t]![i]! * p[i]!;
    }
    return j;
  };
  const tapes: Float64Array[] = [];
  J(theta, tapes);
  const grad = new Float64Array(LSTM_THETA);
  lstmBackwardRef(theta, tapes, n, adj, grad);
  const h = 1e-6;
  for (const idx of [0, 1, 161, 700, 1765, 1845, 2000, 3600, 5150, 5210, 5285, 5300]) {
    const tp = theta.slice(), tm = theta.slice();
    tp[idx]! += h;
    tm[idx]! -= h;
    const fd = (J(tp) - J(tm)) / (2 * h);
    assert.ok(Math.abs(fd - grad[idx]!) <= 1e-5 * (1 + Math.abs(fd)), `θ[${idx}]: fd ${fd} vs backward ${grad[idx]}`);
  }
});
