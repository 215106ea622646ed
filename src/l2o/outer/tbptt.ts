import { MetaoptimError, checkNumber } from '../../errors.js';
import { adam } from '../../optim/adam.js';
import type { OptState } from '../../optim/state.js';
import type { Optimizer } from '../../optim/types.js';
import { Region } from '../../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import { Rng } from '../../analysis/random.js';
import type { Task, TaskFamily } from '../../tasks/types.js';
import { LSTM_LOPT_THETA_SIZE, LSTM_TAPE_FIELDS, checkTheta, lstmLOpt, lstmStepOnState } from '../lstm.js';

/**
 * Truncated backprop for the LSTM optimizer (Sobotka et al. `l2o/training.py`; SPEC B.1.3).
 *
 * One window of K inner steps from parameters x₀ (detached) and LSTM state (detached):
 *   L_t = task loss on minibatch t at x_t,  g_t = ∇L_t (detached: ∂g/∂φ := 0),  x_{t+1} = x_t + η·o_t
 *   M = log Σ_{t<K} L_t
 * The meta-gradient flows only through the x-path: ∂M/∂o_s = (η/ΣL)·Σ_{t=s+1}^{K−1} g_t, which
 * the backward kernel (`lstm_lopt_backward_f32`) pushes through the recorded LSTM tape (f64).
 * `tbpttTrain` repeats windows over inner runs of `innerSteps` (default 200 = 10 windows of 20)
 * on tasks sampled from a family, taking one meta-optimizer step (default Adam, lr 1e-3) per
 * window. In-process (the LSTM's own kernels already batch over all parameters).
 *
 * Errors: `LENGTH_MISMATCH`, `INVALID_ARGUMENT`, `ABORTED` (with `details.theta`).
 */
export interface WindowResult {
  metaLoss: number;
  /** ∂M/∂φ (f64, LSTM_LOPT_THETA_SIZE). */
  grad: Float64Array;
  losses: number[];
  /** False when a loss or gradient was not finite (the window was cut short, no gradient). */
  ok: boolean;
}

/**
 * Runs one window on `state` (an `lstmLOpt` state whose params are the task's parameters),
 * advancing it by K steps, and returns the meta-loss and its first-order gradient.
 */
export function tbpttWindow(task: Task, state: OptState, theta: Float32Array, firstBatch: number, K: number, outScale = 0.1): WindowResult {
  checkTheta('tbpttWindow', theta);
  if (state.size !== task.size) throw new MetaoptimError('LENGTH_MISMATCH', `tbpttWindow: state has ${state.size} parameters, the task ${task.size}`);
  const rt = state.runtime;
  const n = state.size;
  const th = new Region(rt.arena, Float32Array, LSTM_LOPT_THETA_SIZE);
  const tape = new Region(rt.arena, Float32Array, LSTM_TAPE_FIELDS * n * K);
  const adj = new Region(rt.arena, Float32Array, n * K);
  const dth = new Region(rt.arena, Float64Array, LSTM_LOPT_THETA_SIZE);
  const work = new Region(rt.arena, Float64Array, 280);
  try {
    th.view.set(theta);
    const grads: Float32Array[] = [];
    const losses: number[] = [];
    for (let t = 0; t < K; t++) {
      const g = new Float32Array(n);
      const loss = task.loss(state.params.slice(), firstBatch + t, g);
      if (!Number.isFinite(loss) || g.some((v) => !Number.isFinite(v))) return { metaLoss: NaN, grad: new Float64Array(LSTM_LOPT_THETA_SIZE), losses, ok: false };
      losses.push(loss);
      grads.push(g);
      state.grads.set(g);
      lstmStepOnState(state, th.ptr, outScale, tape.ptr + 4 * t * LSTM_TAPE_FIELDS * n);
      state.scalars.count! += 1;
    }
    const S = losses.reduce((a, b) => a + b, 0);
    if (!(S > 0)) throw new MetaoptimError('INVALID_ARGUMENT', `tbpttWindow: the summed loss must be positive for log Σ L (got ${S})`);
    // Adjoints: suffix sums of the gradients, scaled by η/S; the last step's output has none.
    const suffix = new Float64Array(n);
    const a = adj.view;
    for (let s = K - 1; s >= 0; s--) {
      for (let j = 0; j < n; j++) a[s * n + j] = (outScale / S) * suffix[j]!;
      const g = grads[s]!;
      for (let j = 0; j < n; j++) suffix[j]! += g[j]!;
    }
    rt.kernels.lstm_lopt_backward_f32(th.ptr, tape.ptr, n, K, adj.ptr, dth.ptr, work.ptr);
    return { metaLoss: Math.log(S), grad: dth.view.slice(), losses, ok: true };
  } finally {
    for (const r of [th, tape, adj, dth, work]) r.release();
  }
}

export interface TbpttOptions {
  family: TaskFamily;
  theta: Float32Array;
  /** Inner runs (SPEC B.1.3: 50 epochs × 20 runs). */
  runs: number;
  innerSteps?: number;
  unroll?: number;
  outScale?: number;
  metaOptimizer?: Optimizer;
  seed?: number;
  runtime?: Runtime;
  onProgress?: (e: { label: string; done: number; total: number; metaLoss: number }) => void;
  signal?: AbortSignal;
}

export interface TbpttResult {
  theta: Float32Array;
  history: { run: number; window: number; metaLoss: number }[];
}

export function tbpttTrain(o: TbpttOptions): TbpttResult {
  checkTheta('tbpttTrain', o.theta);
  const rt = o.runtime ?? defaultRuntimeOrThrow();
  const runs = checkNumber('tbpttTrain', 'runs', o.runs, { min: 0 });
  const innerSteps = checkNumber('tbpttTrain', 'innerSteps', o.innerSteps ?? 200, { min: 1 });
  const K = checkNumber('tbpttTrain', 'unroll', o.unroll ?? 20, { min: 1 });
  const outScale = checkNumber('tbpttTrain', 'outScale', o.outScale ?? 0.1);
  const seed = o.seed ?? 0;
  const metaOpt = o.metaOptimizer ?? adam({ lr: 1e-3 });
  const meta = metaOpt.init(o.theta, { runtime: rt });
  const history: TbpttResult['history'] = [];
  try {
    for (let run = 0; run < runs; run++) {
      if (o.signal?.aborted) throw new MetaoptimError('ABORTED', `tbpttTrain: aborted after ${run} runs`, { theta: meta.params.slice(), run });
      const taskSeed = new Rng(seed, 3, run).u32();
      const task = o.family.task(o.family.sample(taskSeed));
      const inner = lstmLOpt.optimizer(meta.params.slice(), { outScale });
      const st = inner.init(task.init(taskSeed), { runtime: rt });
      try {
        for (let w = 0; w * K < innerSteps; w++) {
          const steps = Math.min(K, innerSteps - w * K);
          const r = tbpttWindow(task, st, meta.params.slice(), w * K, steps, outScale);
          if (!r.ok) break;
          metaOpt.step(meta, r.grad);
          history.push({ run, window: w, metaLoss: r.metaLoss });
        }
      } finally {
        st.dispose();
        task.dispose?.();
      }
      o.onProgress?.({ label: 'lstm truncated backprop', done: run + 1, total: runs, metaLoss: history[history.length - 1]?.metaLoss ?? NaN });
    }
    return { theta: meta.params.slice(), history };
  } finally {
    meta.dispose();
  }
}
