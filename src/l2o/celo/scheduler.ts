import { Region } from '../../runtime/arena.js';
import type { Runtime } from '../../runtime/runtime.js';
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

/** `BufferLossAccumulators.features`: 9 values in [−1, 1] (zeros while iteration ≤ 2), into `out` from `at` when given. */
export function lossFeatures(s: SchedulerState, decays: Float64Array, out: Float64Array = new Float64Array(LOSS_DECAYS - 1), at = 0): Float64Array {
  out.fill(0, at, at + LOSS_DECAYS - 1);
  if (s.iteration <= 2) return out;
  const t = s.iteration;
  let next = s.means[0]! / (1 - Math.pow(decays[0]!, t));
  for (let i = 0; i < LOSS_DECAYS - 1; i++) {
    const cur = next;
    next = s.means[i + 1]! / (1 - Math.pow(decays[i + 1]!, t));
    const den = Math.max(1e-8, next - s.runningMin[i]!);
    out[at + i] = Math.min(Math.max((cur - s.runningMin[i]!) / den - 1, -1), 1);
  }
  return out;
}

/** `_fractional_tanh_embed(x)`: tanh(10·(x − τ_j)) for the 9 timescales, into `out` at `at` when given. */
export function fractionalEmbed(x: number, out: Float64Array = new Float64Array(TIMESCALES.length), at = 0): Float64Array {
  for (let j = 0; j < TIMESCALES.length; j++) out[at + j] = Math.tanh((x - TIMESCALES[j]!) * 10);
  return out;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const H = LSTM_HIDDEN, G = 4 * H, I = 2 * H, NX = 18;
/** f64 offsets in the kernel's block: weights first, then the per-step scratch. */
const WL = 0, BL = WL + G * I, WM = BL + G, BM = WM + 2 * H * NX, XS = BM + 2 * H, ZH = XS + NX + 2, US = ZH + I, GS = US + 2 * H;
const BLOCK = GS + G;

/**
 * The weights re-laid for the products (made once per weights object, in TypeScript): f64,
 * output-major (row j holds the inputs of output j), rnn/linear as 256 rows × 128 inputs
 * ([z (64) | h (64)]), linear_1 (rows 0…63) and linear_2 (rows 64…127) as 128 rows × 18 inputs.
 */
const relaidOf = new WeakMap<SchedulerWeights, Float64Array>();
function relaid(w: SchedulerWeights): Float64Array {
  let a = relaidOf.get(w);
  if (a) return a;
  a = new Float64Array(XS);
  for (let r = 0; r < I; r++) for (let j = 0; j < G; j++) a[WL + j * I + r] = w.wl[r * G + j]!;
  a.set(w.bl, BL);
  for (let r = 0; r < NX; r++) {
    for (let j = 0; j < H; j++) {
      a[WM + j * NX + r] = w.w1[r * H + j]!;
      a[WM + (H + j) * NX + r] = w.w2[r * H + j]!;
    }
  }
  a.set(w.b1, BM);
  a.set(w.b2, BM + H);
  relaidOf.set(w, a);
  return a;
}

/**
 * The scheduler's LSTM on one runtime: the re-laid weights (≈ 281 kB f64) are copied ONCE into a
 * block of that runtime's arena, followed by the step's scratch (x, [z | h], u, gates); a step
 * copies 18 + 64 numbers in, runs one WebAssembly call (assembly/celo_lstm.ts
 * `celo_lstm_gates_f64`: both matrix–vector products, ≈ 35k multiply-adds, f64x2 in the SIMD build)
 * and the cell's σ/tanh in TypeScript; it allocates nothing.
 * Ownership: the kernel owns its block until `dispose()`; the Celo family makes one per optimizer
 * state and ties the block to the state (`OptState.own`), so `state.dispose()` frees it.
 * The products sum in another order than the reference's (x·W, input-major): the results differ
 * from the transcription by rounding only (≤ 1e−12 relative, test/l2o/celo/fidelity.test.ts), and
 * both builds agree bit for bit (the kernel's order, test/support/reference/celo-lstm.ts).
 */
export class SchedulerKernel {
  readonly weights: SchedulerWeights;
  readonly runtime: Runtime;
  /** The arena block: [wl | bl | wm | bm | x | zh | u | gates] (f64). */
  readonly block: Region<Float64Array>;
  private readonly ws: Float64Array;

  constructor(runtime: Runtime, w: SchedulerWeights) {
    this.weights = w;
    this.runtime = runtime;
    this.ws = Float64Array.from(w.ws);
    this.block = new Region(runtime.arena, Float64Array, BLOCK);
    this.block.view.set(relaid(w));
  }

  /** Frees the block (idempotent; `OptState.dispose` does it for the family's kernels). */
  dispose(): void {
    if (!this.runtime.disposed) this.block.release();
  }

  /** The block's view (re-derived after a memory growth). */
  private get v(): Float64Array {
    return this.block.view;
  }

  /** The gate product on zh = [z | h] already in the block, then the cell in place on (h, c). */
  cellFromGates(h: Float64Array, c: Float64Array): void {
    const v = this.v;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(v[GS + j]!), gg = Math.tanh(v[GS + H + j]!), f = sigmoid(v[GS + 2 * H + j]! + 1), o = sigmoid(v[GS + 3 * H + j]!);
      const cj = f * c[j]! + ig * gg;
      c[j] = cj;
      h[j] = o * Math.tanh(cj);
    }
  }

  /** One haiku LSTM(64) cell step on input z (64) in place on (h, c) (`hk.LSTM.__call__`). */
  lstmCell(z: ArrayLike<number>, h: Float64Array, c: Float64Array): void {
    const v = this.v, b = this.block.ptr;
    for (let j = 0; j < H; j++) {
      v[ZH + j] = z[j]!;
      v[ZH + H + j] = h[j]!;
    }
    this.runtime.kernels.celo_gemv_f64(b + 8 * WL, b + 8 * BL, b + 8 * ZH, I, G, b + 8 * GS);
    this.cellFromGates(h, c);
  }

  /** The LSTM input z = linear_2(x) + relu(linear_1(x)) for the 18 features x (`_rnn_forward`). */
  mixInput(x: ArrayLike<number>): Float64Array {
    const v = this.v, b = this.block.ptr;
    for (let r = 0; r < NX; r++) v[XS + r] = x[r]!;
    this.runtime.kernels.celo_gemv_f64(b + 8 * WM, b + 8 * BM, b + 8 * XS, NX, 2 * H, b + 8 * US);
    return Float64Array.from({ length: H }, (_, j) => v[US + H + j]! + Math.max(v[US + j]!, 0));
  }

  /**
   * One scheduler step: the loss buffer takes `loss` (null: kept as it is, the non-finite policy
   * 'zero'), then the LSTM runs on [embed(count/numSteps), loss features] and the step-size
   * multiplier lr_mult = 0.1·exp(h·w + b) is returned (as f32, the value the kernels use).
   */
  step(s: SchedulerState, decays: Float64Array, count: number, numSteps: number, loss: number | null): number {
    if (loss !== null) updateLossBuffer(s, decays, loss);
    const v = this.v, b = this.block.ptr;
    fractionalEmbed(Math.fround(count / numSteps), v, XS);
    lossFeatures(s, decays, v, XS + TIMESCALES.length);
    for (let j = 0; j < H; j++) v[ZH + H + j] = s.h[j]!;
    this.runtime.kernels.celo_lstm_gates_f64(b + 8 * WM, b + 8 * BM, b + 8 * XS, NX, b + 8 * WL, b + 8 * BL, b + 8 * ZH, H, b + 8 * US, b + 8 * GS);
    this.cellFromGates(s.h, s.c);
    let a = this.weights.bs;
    for (let j = 0; j < H; j++) a += s.h[j]! * this.ws[j]!;
    return Math.fround(Math.exp(a) * 0.1);
  }
}

/** `kernel.step(...)`: one scheduler step (see `SchedulerKernel.step`). */
export function schedulerStep(k: SchedulerKernel, s: SchedulerState, decays: Float64Array, count: number, numSteps: number, loss: number | null): number {
  return k.step(s, decays, count, numSteps, loss);
}

const MEAN_KEYS = Array.from({ length: LOSS_DECAYS }, (_, i) => `lossMean${i}`);
const MIN_KEYS = Array.from({ length: LOSS_DECAYS }, (_, i) => `lossMin${i}`);
const H_KEYS = Array.from({ length: LSTM_HIDDEN }, (_, j) => `h${String(j).padStart(2, '0')}`);
const C_KEYS = Array.from({ length: LSTM_HIDDEN }, (_, j) => `c${String(j).padStart(2, '0')}`);
/** Scalar names of the scheduler state in checkpoints: lossIter, lossMean0…9, lossMin0…9, h00…h63, c00…c63. */
export const SCHEDULER_SCALARS: readonly string[] = ['lossIter', ...MEAN_KEYS, ...MIN_KEYS, ...H_KEYS, ...C_KEYS];

/** Writes a scheduler state into named scalars. */
export function schedulerToScalars(s: SchedulerState, out: Record<string, number>): void {
  out.lossIter = s.iteration;
  for (let i = 0; i < LOSS_DECAYS; i++) {
    out[MEAN_KEYS[i]!] = s.means[i]!;
    out[MIN_KEYS[i]!] = s.runningMin[i]!;
  }
  for (let j = 0; j < LSTM_HIDDEN; j++) {
    out[H_KEYS[j]!] = s.h[j]!;
    out[C_KEYS[j]!] = s.c[j]!;
  }
}

/** Reads a scheduler state from named scalars (into `into` when given: no allocation). */
export function schedulerFromScalars(sc: Readonly<Record<string, number>>, into?: SchedulerState): SchedulerState {
  const s = into ?? {
    iteration: 0, means: new Float64Array(LOSS_DECAYS), runningMin: new Float64Array(LOSS_DECAYS),
    h: new Float64Array(LSTM_HIDDEN), c: new Float64Array(LSTM_HIDDEN),
  };
  s.iteration = sc.lossIter!;
  for (let i = 0; i < LOSS_DECAYS; i++) {
    s.means[i] = sc[MEAN_KEYS[i]!]!;
    s.runningMin[i] = sc[MIN_KEYS[i]!]!;
  }
  for (let j = 0; j < LSTM_HIDDEN; j++) {
    s.h[j] = sc[H_KEYS[j]!]!;
    s.c[j] = sc[C_KEYS[j]!]!;
  }
  return s;
}
