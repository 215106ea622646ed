import { type CeloTheta, thetaArray } from './theta.js';

/**
 * Celo's learned LSTM scheduler (amoudgl/celo celo/optimizers/celo.py and celo_adam.py; the same
 * code in both), run once per step in TypeScript in f64 (the reference runs f32; the state is
 * stored exactly in the optimizer's f64 scalars). Per step, with t = applied steps, N = numSteps:
 *
 * Loss buffer (`BufferLossAccumulators`), 10 decays d_i = exp(−1/h_i), h = logspace(1, log10 N, 10):
 *   update(loss) (`BufferLossAccumulators.update`):
 *     approx_max = t₀ == 0 ? loss : max_i means_i/(1 − d_i^(t₀+1));  loss ← min(2·|approx_max|, loss)
 *     means_i ← d_i·means_i + (1 − d_i)·loss;  running_min_i ← min(running_min_i, means_i/(1 − d_i^(t₀+1)));  t₀ ← t₀ + 1
 *   features (`BufferLossAccumulators.features`), 9 values, with ĉ_i = means_i/(1 − d_i^t₀):
 *     f_i = clip((ĉ_i − min_i)/max(1e−8, ĉ_{i+1} − min_i) − 1, −1, 1), i = 0…8;  all 0 while t₀ ≤ 2
 * Fractional embedding (`_fractional_tanh_embed`): e_j = tanh(10·(t/N − τ_j)),
 *   τ = 0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1.
 * Input x = [e (9), f (9)] (`lstm_features_for_tensor`: keys sorted, fraction_left before loss_features).
 * `_rnn_forward` with mix_layers: u = relu(x·W_{linear_1} + b) (the first `linear` is computed and
 *   overwritten in the reference, so it never matters); the max over tensors of u equals u, since every
 *   tensor's LSTM row gets the same input from the same initial state; z = x·W_{linear_2} + b + u.
 * haiku LSTM(64) (`hk.LSTM`): [i, g, f, o] = [z, h]·W_{rnn/linear} + b;  c ← σ(f + 1)·c + σ(i)·tanh(g);
 *   h ← σ(o)·tanh(c).
 * Step-size output: lr_mult = 0.1·exp(h·w_{step_size} + b_{step_size}).
 * The initial (h, c) is θ's `lstm_init_state` (tiled over tensors in the reference).
 */
export const LOSS_DECAYS = 10;
export const LSTM_HIDDEN = 64;
const TIMESCALES = [0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1].map(Math.fround);

/** The scheduler's state (f64), saved in checkpoints as scalars. */
export interface SchedulerState {
  iteration: number;
  means: Float64Array;
  runningMin: Float64Array;
  h: Float64Array;
  c: Float64Array;
}

/** The scheduler's weights taken from θ (haiku Linear: y = x·W + b, W input-major). */
export interface SchedulerWeights {
  w1: Float32Array; b1: Float32Array; // linear_1: 18 → 64
  w2: Float32Array; b2: Float32Array; // linear_2: 18 → 64
  wl: Float32Array; bl: Float32Array; // rnn/linear: 128 → 256
  ws: Float32Array; bs: number; // step_size: 64 → 1
  h0: Float32Array; c0: Float32Array;
}

/** Reads the scheduler arrays out of θ (both published files hold them under the same paths). */
export function schedulerWeights(theta: CeloTheta): SchedulerWeights {
  const H = LSTM_HIDDEN;
  return {
    w1: thetaArray(theta, 'rnn_params/linear_1/w', 18 * H), b1: thetaArray(theta, 'rnn_params/linear_1/b', H),
    w2: thetaArray(theta, 'rnn_params/linear_2/w', 18 * H), b2: thetaArray(theta, 'rnn_params/linear_2/b', H),
    wl: thetaArray(theta, 'rnn_params/rnn/linear/w', 2 * H * 4 * H), bl: thetaArray(theta, 'rnn_params/rnn/linear/b', 4 * H),
    ws: thetaArray(theta, 'rnn_params/step_size/w', H), bs: thetaArray(theta, 'rnn_params/step_size/b', 1)[0]!,
    h0: thetaArray(theta, 'lstm_init_state/hidden', H), c0: thetaArray(theta, 'lstm_init_state/cell', H),
  };
}

/** The loss-buffer decays for a horizon of `numSteps` (`BufferLossAccumulators.init`). */
export function lossDecays(numSteps: number): Float64Array {
  const hi = Math.log10(numSteps);
  return Float64Array.from({ length: LOSS_DECAYS }, (_, i) => Math.exp(-1 / Math.pow(10, 1 + (i * (hi - 1)) / (LOSS_DECAYS - 1))));
}

/** A fresh scheduler state (`init`: means 0, running_min 999999999999, (h, c) from θ). */
export function initScheduler(w: SchedulerWeights): SchedulerState {
  return {
    iteration: 0,
    means: new Float64Array(LOSS_DECAYS),
    runningMin: new Float64Array(LOSS_DECAYS).fill(999999999999.0),
    h: Float64Array.from(w.h0),
    c: Float64Array.from(w.c0),
  };
}

/** `BufferLossAccumulators.update` in place. */
export function updateLossBuffer(s: SchedulerState, decays: Float64Array, loss: number): void {
  const t = s.iteration;
  let approxMax = -Infinity;
  for (let i = 0; i < LOSS_DECAYS; i++) approxMax = Math.max(approxMax, s.means[i]! / (1 - Math.pow(decays[i]!, t + 1)));
  if (t === 0) approxMax = loss;
  const l = Math.min(Math.abs(approxMax) * 2, loss);
  for (let i = 0; i < LOSS_DECAYS; i++) {
    const d = decays[i]!;
    s.means[i] = s.means[i]! * d + l * (1 - d);
    s.runningMin[i] = Math.min(s.runningMin[i]!, s.means[i]! / (1 - Math.pow(d, t + 1)));
  }
  s.iteration = t + 1;
}

/** `BufferLossAccumulators.features`: 9 values in [−1, 1] (zeros while iteration ≤ 2). */
export function lossFeatures(s: SchedulerState, decays: Float64Array): Float64Array {
  const out = new Float64Array(LOSS_DECAYS - 1);
  if (s.iteration <= 2) return out;
  const cor = Float64Array.from(s.means, (m, i) => m / (1 - Math.pow(decays[i]!, s.iteration)));
  for (let i = 0; i < LOSS_DECAYS - 1; i++) {
    const den = Math.max(1e-8, cor[i + 1]! - s.runningMin[i]!);
    out[i] = Math.min(Math.max((cor[i]! - s.runningMin[i]!) / den - 1, -1), 1);
  }
  return out;
}

/** `_fractional_tanh_embed(x)`: tanh(10·(x − τ_j)) for the 9 timescales. */
export function fractionalEmbed(x: number): Float64Array {
  return Float64Array.from(TIMESCALES, (tau) => Math.tanh((x - tau) * 10));
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One haiku LSTM(64) cell step on input z (64) in place on (h, c) (`hk.LSTM.__call__`). */
export function lstmCell(w: SchedulerWeights, z: ArrayLike<number>, h: Float64Array, c: Float64Array): void {
  const H = LSTM_HIDDEN;
  const gates = Float64Array.from(w.bl);
  for (let r = 0; r < 2 * H; r++) {
    const x = r < H ? z[r]! : h[r - H]!;
    if (x === 0) continue;
    const row = r * 4 * H;
    for (let j = 0; j < 4 * H; j++) gates[j] += x * w.wl[row + j]!;
  }
  for (let j = 0; j < H; j++) {
    const i = sigmoid(gates[j]!), g = Math.tanh(gates[H + j]!), f = sigmoid(gates[2 * H + j]! + 1), o = sigmoid(gates[3 * H + j]!);
    c[j] = f * c[j]! + i * g;
    h[j] = o * Math.tanh(c[j]!);
  }
}

/** The LSTM input z = linear_2(x) + relu(linear_1(x)) for the 18 features x (`_rnn_forward`). */
export function mixInput(w: SchedulerWeights, x: ArrayLike<number>): Float64Array {
  const H = LSTM_HIDDEN;
  const u = Float64Array.from(w.b1), z = Float64Array.from(w.b2);
  for (let r = 0; r < 18; r++) {
    for (let j = 0; j < H; j++) {
      u[j] += x[r]! * w.w1[r * H + j]!;
      z[j] += x[r]! * w.w2[r * H + j]!;
    }
  }
  for (let j = 0; j < H; j++) z[j] += Math.max(u[j]!, 0);
  return z;
}

/**
 * One scheduler step: the loss buffer takes `loss` (null: kept as it is, the non-finite policy
 * 'zero'), then the LSTM runs on [embed(count/numSteps), loss features] and the step-size
 * multiplier lr_mult = 0.1·exp(h·w + b) is returned (as f32, the value the kernels use).
 */
export function schedulerStep(w: SchedulerWeights, s: SchedulerState, decays: Float64Array, count: number, numSteps: number, loss: number | null): number {
  if (loss !== null) updateLossBuffer(s, decays, loss);
  const x = [...fractionalEmbed(Math.fround(count / numSteps)), ...lossFeatures(s, decays)];
  lstmCell(w, mixInput(w, x), s.h, s.c);
  let a = w.bs;
  for (let j = 0; j < LSTM_HIDDEN; j++) a += s.h[j]! * w.ws[j]!;
  return Math.fround(Math.exp(a) * 0.1);
}

/** Scalar names of the scheduler state in checkpoints: lossIter, lossMean0…9, lossMin0…9, h00…h63, c00…c63. */
export const SCHEDULER_SCALARS: readonly string[] = [
  'lossIter',
  ...Array.from({ length: LOSS_DECAYS }, (_, i) => `lossMean${i}`),
  ...Array.from({ length: LOSS_DECAYS }, (_, i) => `lossMin${i}`),
  ...Array.from({ length: LSTM_HIDDEN }, (_, i) => `h${String(i).padStart(2, '0')}`),
  ...Array.from({ length: LSTM_HIDDEN }, (_, i) => `c${String(i).padStart(2, '0')}`),
];

/** Writes a scheduler state into named scalars. */
export function schedulerToScalars(s: SchedulerState, out: Record<string, number>): void {
  out.lossIter = s.iteration;
  for (let i = 0; i < LOSS_DECAYS; i++) {
    out[`lossMean${i}`] = s.means[i]!;
    out[`lossMin${i}`] = s.runningMin[i]!;
  }
  for (let j = 0; j < LSTM_HIDDEN; j++) {
    const k = String(j).padStart(2, '0');
    out[`h${k}`] = s.h[j]!;
    out[`c${k}`] = s.c[j]!;
  }
}

/** Reads a scheduler state from named scalars. */
export function schedulerFromScalars(sc: Readonly<Record<string, number>>): SchedulerState {
  return {
    iteration: sc.lossIter!,
    means: Float64Array.from({ length: LOSS_DECAYS }, (_, i) => sc[`lossMean${i}`]!),
    runningMin: Float64Array.from({ length: LOSS_DECAYS }, (_, i) => sc[`lossMin${i}`]!),
    h: Float64Array.from({ length: LSTM_HIDDEN }, (_, j) => sc[`h${String(j).padStart(2, '0')}`]!),
    c: Float64Array.from({ length: LSTM_HIDDEN }, (_, j) => sc[`c${String(j).padStart(2, '0')}`]!),
  };
}
