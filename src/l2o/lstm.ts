import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { makeOptimizer, nonFinitePolicy } from '../optim/base.js';
import type { OptState } from '../optim/state.js';
import type { Optimizer } from '../optim/types.js';
import { Region } from '../runtime/arena.js';
import { Rng } from '../core/rng.js';
import { type LearnedOptimizer, type LearnedOptimizerOptions, checkThetaFinite, thetaHash } from './types.js';

/**
 * Coordinate-wise two-layer LSTM optimizer (Andrychowicz et al. 2016, as used by Sobotka et
 * al. 2023; SPEC B.1.2), run by the `lstm_lopt_f32` kernel over all parameters at once.
 *
 * Per scalar parameter, with its own recurrent state (zero at `init`):
 *   x = (ln(|g| + 1e−8)/10, sign g)  if |g| ≥ e^{−10},  else  (−1, e^{10}·g)      (p = 10)
 *   (h1, c1) = LSTMCell(2→20)(x);  (h2, c2) = LSTMCell(20→20)(h1);  o = W_out·h2 + b_out
 *   θ ← θ + η_out·o,  η_out = 0.1 (`outScale`). No minus sign: the sign is learned.
 * LSTMCell follows PyTorch (gate rows i, f, g, o; biases b_ih and b_hh both present).
 * Meta-parameter layout (5,301 f32): W_ih1 80×2, W_hh1 80×20, b_ih1 80, b_hh1 80, W_ih2 80×20,
 * W_hh2 80×20, b_ih2 80, b_hh2 80, W_out 20, b_out 1. `init(seed)`: every entry U(−1/√20, 1/√20)
 * (PyTorch's LSTMCell and Linear(20→1) defaults). State slots: h1_00…h1_19, c1_…, h2_…, c2_….
 * The exp/log/σ/tanh inside are the kernel's f32 polynomials (≤ 2 ulp; see assembly/l2o.ts).
 *
 * Errors: `LENGTH_MISMATCH` (θ size), `INVALID_HYPERPARAMETER` (outScale), plus the `Optimizer` codes.
 */
export const LSTM_LOPT_THETA_SIZE = 5301;
/** f32 rows per parameter per step in the backward tape. */
export const LSTM_TAPE_FIELDS = 282;
export const LSTM_SLOTS: readonly string[] = ['h1', 'c1', 'h2', 'c2'].flatMap((p) => Array.from({ length: 20 }, (_, i) => `${p}_${String(i).padStart(2, '0')}`));

export interface LstmLOptOptions extends LearnedOptimizerOptions {
  /** η_out (default 0.1). */
  outScale?: number;
}

export const lstmLOpt: LearnedOptimizer<LstmLOptOptions> = {
  name: 'lstm-lopt',
  thetaSize: LSTM_LOPT_THETA_SIZE,

  init(seed: number): Float32Array {
    const rng = new Rng(seed, 0x6c73746d);
    const b = 1 / Math.sqrt(20);
    return Float32Array.from({ length: LSTM_LOPT_THETA_SIZE }, () => (2 * rng.uniform() - 1) * b);
  },

  optimizer(theta: Float32Array, opts: LstmLOptOptions = {}): Optimizer {
    const name = 'lstm-lopt';
    checkOptions(name, opts, optionKeys<LstmLOptOptions>({ nonFinite: 1, outScale: 1 }));
    checkTheta(name, theta);
    const th = theta.slice();
    const outScale = checkNumber(name, 'outScale', opts.outScale ?? 0.1);
    return makeOptimizer({
      name,
      hyperparams: { thetaHash: thetaHash(th), outScale },
      slots: LSTM_SLOTS,
      nonFinite: nonFinitePolicy(name, opts.nonFinite),
      update(s) {
        const thR = new Region(s.runtime.arena, Float32Array, LSTM_LOPT_THETA_SIZE);
        try {
          thR.view.set(th);
          lstmStepOnState(s, thR.ptr, outScale, 0);
        } finally {
          thR.release();
        }
        return true;
      },
    });
  },
};

export function checkTheta(name: string, theta: Float32Array): void {
  if (!(theta instanceof Float32Array) || theta.length !== LSTM_LOPT_THETA_SIZE) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${name}: θ must be a Float32Array of ${LSTM_LOPT_THETA_SIZE}`, { got: theta?.length });
  }
  checkThetaFinite(name, theta);
}

/**
 * Runs the LSTM kernel on a state made by an `lstmLOpt` optimizer with θ already in WASM
 * memory at `thetaPtr`; `tapePtr` ≠ 0 records LSTM_TAPE_FIELDS·n f32 for the backward pass.
 * Reads `state.grads`; does not touch the step count (the caller's `Optimizer.step` does).
 */
export function lstmStepOnState(s: OptState, thetaPtr: number, outScale: number, tapePtr: number): void {
  const arena = s.runtime.arena;
  const table = new Region(arena, Int32Array, 80);
  const scratch = new Region(arena, Uint8Array, 80 * 16 + 160 * 4);
  try {
    table.view.set(LSTM_SLOTS.map((m) => s.ptr(m)));
    s.runtime.kernels.lstm_lopt_f32(s.ptr('params'), s.ptr('grads'), table.ptr, s.size, thetaPtr, outScale, tapePtr, scratch.ptr);
  } finally {
    table.release();
    scratch.release();
  }
}
