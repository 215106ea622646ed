import { Rng } from '../../core/rng.js';

/**
 * θ layout and run-level pieces of the Adam-residual learned optimizer (`adamResidualLOpt`).
 *
 * θ (f32, input-major W[i][j]), 247 values:
 *   W1 11×16 (0…175), b1 16 (176…191)        per-parameter hidden layer (8 features + 3 run inputs)
 *   W2 16×2 (192…223), b2 2 (224, 225)        residual output (direction d, log-magnitude s)
 *   S1 3×4 (226…237), c1 4 (238…241), S2 4 (242…245), c2 1 (246)   learned lr schedule
 * The schedule: z_k = tanh(c1_k + Σ_i S1[i][k]·r_i), σ = clamp(c2 + Σ_k S2_k·z_k, −10, 5),
 * lr_t = lr·e^σ, in f64, with the run inputs r = (progress, loss ratio, loss trend) of
 * `runInputs`. With the schedule block zero, σ = 0 and lr_t = lr exactly.
 */
export const AR_HIDDEN = 16;
export const AR_INPUTS = 11;
export const AR_MLP_SIZE = AR_INPUTS * AR_HIDDEN + AR_HIDDEN + 2 * AR_HIDDEN + 2; // 226
export const AR_SCHEDULE_AT = AR_MLP_SIZE;
export const AR_THETA_SIZE = AR_MLP_SIZE + 3 * 4 + 4 + 4 + 1; // 247
/** Index of the schedule's output bias c2 (σ's constant: ln of the lr multiplier). */
export const AR_LR_BIAS = AR_THETA_SIZE - 1;

/** Loss statistics a state keeps (scalars): first loss, fast (0.9) and slow (0.99) EMAs, count. */
export interface LossTrack {
  loss0: number;
  lossFast: number;
  lossSlow: number;
  lossSeen: number;
}

/** The state scalars' initial values. */
export const LOSS_SCALARS: LossTrack = { loss0: 0, lossFast: 0, lossSlow: 0, lossSeen: 0 };

/** Folds a finite step loss into the tracked statistics (first loss, EMAs with β 0.9 and 0.99). */
export function trackLoss(s: Record<string, number>, loss: number | undefined): void {
  if (loss === undefined || !Number.isFinite(loss)) return;
  if (s.lossSeen! === 0) {
    s.loss0 = loss;
    s.lossFast = loss;
    s.lossSlow = loss;
  } else {
    s.lossFast = 0.9 * s.lossFast! + 0.1 * loss;
    s.lossSlow = 0.99 * s.lossSlow! + 0.01 * loss;
  }
  s.lossSeen = s.lossSeen! + 1;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/**
 * Run-level inputs: progress t/T clamped to [0, 2] (T = `horizon`), ln(fast EMA / first loss)
 * clamped to [−10, 5], ln(fast EMA / slow EMA) clamped to [−5, 5]. A ratio whose terms are not
 * both positive (no loss given, or a loss ≤ 0) is 0.
 */
export function runInputs(count: number, horizon: number, s: Record<string, number>): [number, number, number] {
  const ratio = (a: number, b: number, lo: number, hi: number) => (a > 0 && b > 0 ? clamp(Math.log(a / b), lo, hi) : 0);
  return [clamp(count / horizon, 0, 2), ratio(s.lossFast!, s.loss0!, -10, 5), ratio(s.lossFast!, s.lossSlow!, -5, 5)];
}

/** σ of the learned schedule at run inputs r (see the module comment); lr_t = lr·e^σ. */
export function scheduleLogScale(theta: Float32Array, r: readonly number[]): number {
  const at = AR_SCHEDULE_AT;
  let sigma = theta[AR_LR_BIAS]!;
  for (let k = 0; k < 4; k++) {
    let z = theta[at + 12 + k]!;
    for (let i = 0; i < 3; i++) z += theta[at + i * 4 + k]! * r[i]!;
    sigma += theta[at + 16 + k]! * Math.tanh(z);
  }
  return clamp(sigma, -10, 5);
}

/**
 * θ₀ for seed: W1 ~ N(0, 1/11), b1 = 0.1, S1 ~ N(0, 1), everything else 0 — so the optimizer
 * it makes is exactly Adam (zero output layer W2, b2 and zero S2, c2: σ = 0) while both hidden
 * layers already respond to their inputs (so perturbations of W2 and S2 change the update at
 * first order, which PES needs).
 */
export function adamResidualInit(seed: number): Float32Array {
  const rng = new Rng(seed, 0x617273);
  const th = new Float32Array(AR_THETA_SIZE);
  const sd = 1 / Math.sqrt(AR_INPUTS);
  for (let i = 0; i < AR_INPUTS * AR_HIDDEN; i++) th[i] = sd * rng.normal();
  for (let j = 0; j < AR_HIDDEN; j++) th[AR_INPUTS * AR_HIDDEN + j] = 0.1;
  for (let i = 0; i < 12; i++) th[AR_SCHEDULE_AT + i] = rng.normal();
  return th;
}

const range = (a: number, b: number, step = 1) => Array.from({ length: Math.ceil((b - a) / step) }, (_, i) => a + i * step);
const W2_AT = AR_INPUTS * AR_HIDDEN + AR_HIDDEN; // 192

/**
 * θ's blocks by index (for per-block meta-gradient diagnostics and per-block σ): the hidden
 * layer (W1, b1), the output layer's direction column with its bias (W2[·][0], b2_0), its
 * log-magnitude column with its bias (W2[·][1], b2_1), and the lr schedule (S1, c1, S2, c2).
 */
export const AR_BLOCKS: Readonly<Record<'W1' | 'b1' | 'out-d' | 'out-s' | 'schedule', readonly number[]>> = {
  W1: range(0, AR_INPUTS * AR_HIDDEN),
  b1: range(AR_INPUTS * AR_HIDDEN, W2_AT),
  'out-d': [...range(W2_AT, W2_AT + 2 * AR_HIDDEN, 2), W2_AT + 2 * AR_HIDDEN],
  'out-s': [...range(W2_AT + 1, W2_AT + 2 * AR_HIDDEN, 2), W2_AT + 2 * AR_HIDDEN + 1],
  schedule: range(AR_SCHEDULE_AT, AR_THETA_SIZE),
};

/**
 * A meta-training start with the residual switched on: a copy of θ whose output layer's 32
 * weights W2 are N(0, scale²) draws (`new Rng(seed, 0x727369)`), biases b2 unchanged. With W2 = 0
 * (the Adam start) a perturbation of W1, b1 or the log-magnitude column changes the update only
 * at second order, so PES sees no signal for 193 of the 226 MLP values (docs/l2o.md, "Why PES
 * did not move the MLP"); a small random W2 gives every MLP value a first-order effect. scale 0
 * returns θ unchanged (an exact copy).
 */
export function arResidualStart(theta: Float32Array, seed: number, scale: number): Float32Array {
  const th = theta.slice();
  if (scale === 0) return th;
  const rng = new Rng(seed, 0x727369);
  for (let j = 0; j < 2 * AR_HIDDEN; j++) th[W2_AT + j] = scale * rng.normal();
  return th;
}

/**
 * The schedule block's weights (c1, S1's progress row, S2, c2 — the loss rows stay 0) whose σ(p)
 * fits ln max(½(1 + cos πp), floor) on p = 0, 0.01 … 1 (least squares; full-batch Adam in f64,
 * lr 0.01, 20,000 steps from a fixed start: deterministic). The fitted σ stays within ≈ 0.14 of
 * the target for floor 0.02. Used by `arCosineStart`.
 */
export function cosineScheduleFit(floor = 0.02): { c1: number[]; progress: number[]; s2: number[]; c2: number } {
  const P = Array.from({ length: 101 }, (_, i) => i / 100);
  const tgt = P.map((p) => Math.log(Math.max(0.5 * (1 + Math.cos(Math.PI * p)), floor)));
  const w = [-1, -2, -3, -4, 2, 3, 4, 5, -1, -1, -1, -1, 0]; // c1 (4), progress row (4), S2 (4), c2
  const m = new Array<number>(13).fill(0), v = new Array<number>(13).fill(0);
  for (let it = 1; it <= 20000; it++) {
    const g = new Array<number>(13).fill(0);
    for (let i = 0; i < P.length; i++) {
      let s = w[12]!;
      const z: number[] = [];
      for (let k = 0; k < 4; k++) {
        z[k] = Math.tanh(w[k]! + w[4 + k]! * P[i]!);
        s += w[8 + k]! * z[k]!;
      }
      const e = (s - tgt[i]!) / P.length;
      g[12] = g[12]! + e;
      for (let k = 0; k < 4; k++) {
        g[8 + k] = g[8 + k]! + e * z[k]!;
        const dz = e * w[8 + k]! * (1 - z[k]! ** 2);
        g[k] = g[k]! + dz;
        g[4 + k] = g[4 + k]! + dz * P[i]!;
      }
    }
    for (let j = 0; j < 13; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * g[j]! ** 2;
      w[j] = w[j]! - (0.01 * (m[j]! / (1 - 0.9 ** it))) / (Math.sqrt(v[j]! / (1 - 0.999 ** it)) + 1e-12);
    }
  }
  return { c1: w.slice(0, 4), progress: w.slice(4, 8), s2: w.slice(8, 12), c2: w[12]! };
}

/**
 * A meta-training start whose schedule is cosine decay: a copy of θ with the schedule block set
 * to `cosineScheduleFit(floor)` (its loss rows 0) and c2 shifted by ln(peakLr/lr), so the optimizer
 * is Adam (if θ's output layer is 0) with lr_t ≈ peakLr·max(½(1 + cos π t/T), floor) — Adam with
 * cosine decay, the hand-designed schedule that beats tuned constant-lr Adam on most held-out pairs.
 */
export function arCosineStart(theta: Float32Array, peakLr: number, lr: number, floor = 0.02): Float32Array {
  const th = theta.slice();
  const f = cosineScheduleFit(floor);
  const at = AR_SCHEDULE_AT;
  for (let k = 0; k < 4; k++) {
    th[at + k] = f.progress[k]!;
    th[at + 4 + k] = 0;
    th[at + 8 + k] = 0;
    th[at + 12 + k] = f.c1[k]!;
    th[at + 16 + k] = f.s2[k]!;
  }
  th[AR_LR_BIAS] = f.c2 + Math.log(peakLr / lr);
  return th;
}
