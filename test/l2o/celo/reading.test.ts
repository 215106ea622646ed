// Items of the second, independent reading of the reference (docs/l2o.md "Fidelity: the second
// reading") that the f64 transcription could share with the port if both misread them: each is
// checked here against a property of the reference's equations, not against the transcription.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../../../src/index.js';
import { celoAdamFromTheta, celoFromTheta, loadCeloTheta } from '../../../src/l2o/index.js';
import { SchedulerKernel, initScheduler, lossDecays, schedulerStep, schedulerWeights } from '../../../src/l2o/celo/scheduler.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One Celo-family step on params p (one vector tensor) with gradient g and loss 1; returns the new params. */
async function oneStep(kind: 'celo' | 'celo-adam', p: Float32Array, g: Float32Array): Promise<Float32Array> {
  const rt = await createRuntime({ build: 'scalar' });
  const th = await loadCeloTheta(kind);
  const opt = kind === 'celo' ? celoFromTheta(th, { numSteps: 100 }) : celoAdamFromTheta(th, { numSteps: 100 });
  const s = opt.init(p, { runtime: rt });
  opt.step(s, g, { loss: 1 });
  const out = s.view('params').slice();
  s.dispose();
  return out;
}

test('reading: Celo-Adam\'s first step is lr·sign(g) with lr = 0.001·lr_mult, independent of the parameter scale (param_scale_mult = False)', async () => {
  const g = Float32Array.from([0.5, -2, 1e-3, 30]);
  const small = Float32Array.from([0.01, -0.02, 0.03, 0.04]);
  const big = Float32Array.from(small, (x) => Math.fround(x * 1000));
  const a = await oneStep('celo-adam', small, g), b = await oneStep('celo-adam', big, g);
  // lr_mult of the first step from θ by hand: the initial (h, c) is θ's lstm_init_state (not zeros),
  // x = [tanh(10·(0 − τ_j)), 0…0] (loss features are 0 for iteration ≤ 2), haiku gates i, g, f, o.
  const th = await loadCeloTheta('celo-adam');
  const sk = new SchedulerKernel(await createRuntime({ build: 'scalar' }), schedulerWeights(th));
  const lrm = schedulerStep(sk, initScheduler(sk.weights), lossDecays(100), 0, 100, 1);
  sk.dispose();
  const lr = Math.fround(lrm * Math.fround(0.001));
  for (let i = 0; i < 4; i++) {
    // bias-corrected Adam at t = 1: m̂ = g, v̂ = g² → step = lr·g/(1e−8 + √(g² + 1e−10)) ≈ lr·sign(g)
    const want = lr * g[i]! / (1e-8 + Math.sqrt(g[i]! * g[i]! + 1e-10));
    assert.ok(Math.abs((small[i]! - a[i]!) - want) <= 1e-5 * lr + Math.abs(small[i]!) * 2.4e-7, `small ${i}: ${small[i]! - a[i]!} vs ${want}`);
    assert.ok(Math.abs((big[i]! - b[i]!) - want) <= 1e-3 * lr + Math.abs(big[i]!) * 1.2e-7, `big ${i}: ${big[i]! - b[i]!} vs ${want}`);
  }
  // lr_mult = 0.1·exp(h·w + b) with one LSTM step from θ's initial state: recomputed here literally
  const w = (k: string) => th.arrays[k]!;
  const x = [0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1].map((t) => Math.tanh((0 - Math.fround(t)) * 10)).concat(new Array(9).fill(0));
  const lin = (v: number[], W: Float32Array, B: Float32Array) => Array.from(B, (b, j) => v.reduce((s, vi, i) => s + vi * W[i * B.length + j]!, b));
  const u = lin(x, w('rnn_params/linear_1/w'), w('rnn_params/linear_1/b')).map((v) => Math.max(v, 0));
  const z = lin(x, w('rnn_params/linear_2/w'), w('rnn_params/linear_2/b')).map((v, j) => v + u[j]!);
  const h0 = Array.from(w('lstm_init_state/hidden')), c0 = Array.from(w('lstm_init_state/cell'));
  const gates = lin([...z, ...h0], w('rnn_params/rnn/linear/w'), w('rnn_params/rnn/linear/b'));
  const h = c0.map((c, j) => {
    const c1 = sigmoid(gates[128 + j]! + 1) * c + sigmoid(gates[j]!) * Math.tanh(gates[64 + j]!);
    return sigmoid(gates[192 + j]!) * Math.tanh(c1);
  });
  const want = 0.1 * Math.exp(h.reduce((s, v, j) => s + v * w('rnn_params/step_size/w')[j]!, w('rnn_params/step_size/b')[0]!));
  assert.ok(Math.abs(lrm - want) <= 1e-6 * want, `lr_mult ${lrm} vs ${want}`);
});

test('reading: Celo\'s step is proportional to the tensor\'s parameter RMS ψ (param_scale_mult = True), exp_mult = step_mult = 0.001', async () => {
  const g = Float32Array.from([0.5, -2, 1e-3, 30, 0.1, -0.7]);
  // p and 2p (exact in f32) give the same normalized inputs up to the normalizer's ε = 1e−5
  // against mean p² ≈ 0.5 (p enters only through p/rms(p) and ψ).
  const p = Float32Array.from([0.5, -0.75, 1, 0.25, -0.5, 0.875]);
  const p2 = Float32Array.from(p, (x) => x * 2);
  const a = await oneStep('celo', p, g), b = await oneStep('celo', p2, g);
  // every input is normalized over the tensor, so p and 2p give identical MLP outputs; the step
  // scales with ψ = √(mean p² + 1e−9) ≈ RMS(p): twice as large for 2p.
  for (let i = 0; i < p.length; i++) {
    const sa = p[i]! - a[i]!, sb = p2[i]! - b[i]!;
    assert.ok(sa !== 0, `step ${i} is not zero`);
    assert.ok(Math.abs(sb / sa - 2) < 2e-3, `step ratio ${i}: ${sb / sa} (${sa}, ${sb})`);
  }
});
