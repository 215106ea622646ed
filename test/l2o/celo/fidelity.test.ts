import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import { type Runtime, createRuntime } from '../../../src/index.js';
import { celoAdamFromTheta, celoFromTheta, loadCeloTheta } from '../../../src/l2o/index.js';
import {
  SchedulerKernel, fractionalEmbed, initScheduler, lossDecays, lossFeatures, schedulerStep, schedulerWeights, updateLossBuffer,
} from '../../../src/l2o/celo/scheduler.js';
import { type Fac, LossBuffer, type Tensor, facInit, facUpdate, fractionalTanhEmbed, hkLstm, refInit, refUpdate, rnnForward } from '../../support/reference/celo.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
let rtP: Promise<Runtime> | undefined;
const rt = () => (rtP ??= createRuntime({ build: 'simd' }));

test('loss buffer: update (with the 2·|max| clip) and features equal the transcription', () => {
  const N = 300;
  const decays = lossDecays(N);
  const ref = new LossBuffer(N);
  decays.forEach((d, i) => close(d, ref.decays[i]!, 1e-15, `decay ${i}`));
  const s = initScheduler(schedulerWeightsStub());
  const losses = [2.3, 2.1, 2.2, 40, 1.7, 1.75, 1.2, 1.3, 0.9, 0.95, 0.7, 0.71, 0.69, 0.5, 2.0, 0.4];
  for (const l of losses) {
    updateLossBuffer(s, decays, l);
    ref.update(l);
    const f = lossFeatures(s, decays), g = ref.features();
    assert.equal(f.length, 9);
    f.forEach((v, i) => close(v, g[i]!, 1e-12, `feature ${i} at ${s.iteration}`));
    s.means.forEach((v, i) => close(v, ref.means[i]!, 1e-12, `mean ${i}`));
    s.runningMin.forEach((v, i) => close(v, ref.runningMin[i]!, 1e-12, `min ${i}`));
  }
  assert.ok(lossFeatures(s, decays).some((v) => v !== 0), 'features are informative after 3 steps');
});

test('fractional tanh embedding equals the transcription', () => {
  for (const x of [0, 0.01, 0.03, 0.25, 0.5, 0.999, 1, 1.3]) fractionalEmbed(x).forEach((v, i) => close(v, fractionalTanhEmbed(x)[i]!, 1e-15, `embed(${x})[${i}]`));
});

function schedulerWeightsStub() {
  const rng = new Rng(7);
  const f = (n: number, s = 0.3) => Float32Array.from({ length: n }, () => Math.fround(s * rng.normal()));
  return { w1: f(18 * 64), b1: f(64), w2: f(18 * 64), b2: f(64), wl: f(128 * 256, 0.1), bl: f(256), ws: f(64), bs: 0.2, h0: f(64), c0: f(64) };
}

for (const build of ['simd', 'scalar'] as const) test(`LSTM cell and the mixing layers equal hk.LSTM / _rnn_forward on hand-made weights and inputs (${build})`, async () => {
  const w = schedulerWeightsStub();
  const k = new SchedulerKernel(await createRuntime({ build }), w);
  const rng = new Rng(11);
  const x = Array.from({ length: 64 }, () => rng.normal());
  const h = Float64Array.from({ length: 64 }, () => rng.normal() * 0.5), c = Float64Array.from({ length: 64 }, () => rng.normal());
  const ref = hkLstm(x, Array.from(h), Array.from(c), w.wl, w.bl);
  k.lstmCell(x, h, c);
  h.forEach((v, j) => close(v, ref.h[j]!, 1e-12, `h[${j}]`));
  c.forEach((v, j) => close(v, ref.c[j]!, 1e-12, `c[${j}]`));
  // The whole scheduler on three identical tensor rows (the max over rows of the mix layer).
  const th = {
    'rnn_params/linear_1/w': w.w1, 'rnn_params/linear_1/b': w.b1, 'rnn_params/linear_2/w': w.w2, 'rnn_params/linear_2/b': w.b2,
    'rnn_params/rnn/linear/w': w.wl, 'rnn_params/rnn/linear/b': w.bl, 'rnn_params/step_size/w': w.ws, 'rnn_params/step_size/b': Float32Array.of(w.bs),
  };
  const feat = Array.from({ length: 18 }, () => rng.normal());
  const z = k.mixInput(feat);
  const s = initScheduler(w);
  const out = rnnForward(th, [feat, feat, feat], [0, 1, 2].map(() => Array.from(s.h)), [0, 1, 2].map(() => Array.from(s.c)));
  k.lstmCell(z, s.h, s.c);
  s.h.forEach((v, j) => close(v, out.h[1]![j]!, 1e-12, `scheduler h[${j}]`));
  k.dispose();
});

const SHAPES = [[3, 5], [5], [4, 3], [2, 1], [1, 6], [7], [1, 1]];
const split = (flat: Float32Array): Tensor[] => {
  const out: Tensor[] = [];
  let o = 0;
  for (const s of SHAPES) {
    if (s.length === 1) out.push(Array.from(flat.subarray(o, o + s[0]!)));
    else out.push(Array.from({ length: s[0]! }, (_, r) => Array.from(flat.subarray(o + r * s[1]!, o + (r + 1) * s[1]!))));
    o += s.reduce((a, b) => a * b, 1);
  }
  return out;
};

for (const kind of ['celo', 'celo-adam'] as const) {
  test(`${kind}: whole steps with the published θ match the f64 transcription of the reference (scheduler, accumulators, factored moments, MLP)`, async () => {
    const r = await rt();
    const theta = await loadCeloTheta(kind);
    const n = SHAPES.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    const rng = new Rng(kind === 'celo' ? 3 : 4);
    const p0 = Float32Array.from({ length: n }, () => Math.fround(0.5 * rng.normal()));
    const N = 50;
    const opt = kind === 'celo' ? celoFromTheta(theta, { numSteps: N, shapes: SHAPES }) : celoAdamFromTheta(theta, { numSteps: N });
    const s = opt.init(p0, { runtime: r });
    const ref = refInit(theta.arrays as Record<string, Float32Array>, split(p0), N);
    for (let t = 0; t < 8; t++) {
      const g = Float32Array.from({ length: n }, (_, i) => Math.fround((i % 5 === 0 ? 3 : 0.2) * rng.normal() + 0.05 * Math.sin(t + i)));
      if (t === 2) g.fill(0, 20, 25); // a tensor with a zero gradient for a step
      const loss = 2.3 * Math.exp(-t / 4) + 0.1 * (t % 2);
      const before = s.params.slice();
      opt.step(s, g, { loss });
      refUpdate(theta.arrays as Record<string, Float32Array>, ref, split(g), loss, kind === 'celo-adam');
      const want = split(Float32Array.from(ref.params.flatMap((x) => (Array.isArray(x[0]) ? (x as number[][]).flat() : (x as number[])))));
      const got = split(s.params.slice());
      // Compare the steps (p' − p) per tensor, relative to the tensor's largest step.
      let o = 0;
      got.forEach((gt, ti) => {
        const a = (Array.isArray(gt[0]) ? (gt as number[][]).flat() : (gt as number[]));
        const b = (Array.isArray(want[ti]![0]) ? (want[ti] as number[][]).flat() : (want[ti] as number[]));
        const dRef = b.map((v, i) => v - before[o + i]!), dGot = a.map((v, i) => v - before[o + i]!);
        const scale = Math.max(...dRef.map(Math.abs), 1e-12);
        dGot.forEach((v, i) => assert.ok(Math.abs(v - dRef[i]!) <= 2e-3 * scale + 2e-7 * Math.abs(before[o + i]!), `${kind} step ${t} tensor ${ti} [${i}]: ${v} vs ${dRef[i]}`));
        o += a.length;
      });
    }
    if (kind === 'celo') {
      // Factored moments in the slots: [vr | vc] (or the long side of a thin matrix) against v_row / v_col.
      const f0 = s.view('f0');
      const fac0 = ref.fac.map((f) => f[0]!) as Fac[];
      const m34 = fac0[0]!; // [3, 5]: C ≥ R → v_row per row (3), v_col per column (5)
      m34.v_row.forEach((v, i) => close(f0[i]!, v, 1e-5, `vr[${i}]`));
      m34.v_col.forEach((v, i) => close(f0[3 + i]!, v, 1e-5, `vc[${i}]`));
      const m43 = fac0[2]!; // [4, 3] at offset 20: R > C → v_row per column (3) = vc, v_col per row (4) = vr
      m43.v_col.forEach((v, i) => close(f0[20 + i]!, v, 1e-5, `vr of [4,3] [${i}]`));
      m43.v_row.forEach((v, i) => close(f0[24 + i]!, v, 1e-5, `vc of [4,3] [${i}]`));
      assert.deepEqual(facInit([4, 3]).v_row.length, 3);
    }
    s.dispose();
  });
}

test('structure: with the published θ the scheduler output over a decreasing loss is finite and inside its bound', async () => {
  for (const kind of ['celo', 'celo-adam'] as const) {
    const w = schedulerWeights(await loadCeloTheta(kind));
    const k = new SchedulerKernel(await rt(), w);
    // |h| < 1, so lr_mult = 0.1·exp(h·w + b) lies in 0.1·exp(b ± Σ|w|).
    const bound = w.ws.reduce((a, v) => a + Math.abs(v), 0);
    const lo = 0.1 * Math.exp(w.bs - bound), hi = 0.1 * Math.exp(w.bs + bound);
    for (const N of [10, 1000, 100000]) {
      const s = initScheduler(w), d = lossDecays(N);
      for (let t = 0; t < Math.min(N, 2000); t++) {
        const l = schedulerStep(k, s, d, t, N, 3 / (1 + t / 50));
        assert.ok(Number.isFinite(l) && l >= Math.fround(lo) && l <= Math.fround(hi), `${kind} N=${N} t=${t}: ${l} not in [${lo}, ${hi}]`);
      }
    }
    k.dispose();
  }
});

test('structure: a parameter with zero gradient history gets a finite update (vector, matrix, thin matrix)', async () => {
  const r = await rt();
  const theta = await loadCeloTheta('celo');
  const opt = celoFromTheta(theta, { numSteps: 100, shapes: [[4, 6], [6], [1, 5]] });
  const n = 24 + 6 + 5;
  const s = opt.init(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), { runtime: r });
  for (let t = 0; t < 5; t++) {
    opt.step(s, new Float32Array(n), { loss: 1 });
    assert.ok(s.params.every(Number.isFinite), `step ${t}`);
  }
  const opt2 = celoFromTheta(theta, { numSteps: 10 });
  const z = opt2.init(new Float32Array(8), { runtime: r });
  opt2.step(z, new Float32Array(8), { loss: 0 });
  assert.ok(z.params.every(Number.isFinite), 'all-zero params and gradients');
  s.dispose();
  z.dispose();
});
