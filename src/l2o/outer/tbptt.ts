import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../../core/errors.js';
import { Loop, type LoopOptions } from '../../core/loop.js';
import { adam } from '../../optim/adam.js';
import type { OptState } from '../../optim/state.js';
import type { Optimizer } from '../../optim/types.js';
import { Region } from '../../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow } from '../../runtime/runtime.js';
import { Rng } from '../../core/rng.js';
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
 * Errors: `UNKNOWN_OPTION`, `LENGTH_MISMATCH`, `INVALID_ARGUMENT`, `ABORTED` (`details.partial`: θ and history so far).
 */
/**
 * Symmetry regularization of meta-training (SPEC B.1.5): the window's meta-loss becomes
 *   log Σ L_t + Σ_t β·R(ĝ_t, x_t),   ĝ_t = −η·o_t (the update's effective gradient), x_t before the update
 * with R = |D_R| (rescale), |D_S| (scale), |D_T,W| + |D_T,b| (translation), or
 * (|D_R| + |D_S| + |D_T,W| + |D_T,b|)/3 ('all'; our reading of "1/3-weighted sum" [derived]).
 * D_S and D_R are bilinear in (ĝ, x), so their gradient flows both directly through o_t and
 * through x_t = x₀ + η·Σ_{s<t} o_s (exact within the window); translation has no x term.
 * `layout` names the tensors W1, b1, W2, b2 (row-major W[out][in]) of the two-layer block.
 */
export interface SymmetryRegularizer {
  kind: 'rescale' | 'scale' | 'translation' | 'all';
  beta: number;
  layout: readonly { name: string; offset: number; length: number }[];
}

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
export function tbpttWindow(task: Task, state: OptState, theta: Float32Array, firstBatch: number, K: number, outScale = 0.1, reg?: SymmetryRegularizer): WindowResult {
  const steps = windowSteps(task, state, theta, firstBatch, K, outScale, reg);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `tbpttWindow` as a generator that yields after each forward step (so `tbpttTrain` can yield
 * to the event loop inside a window); its scratch memory is released when it finishes or when
 * the caller calls `return()`.
 */
function* windowSteps(task: Task, state: OptState, theta: Float32Array, firstBatch: number, K: number, outScale: number, reg?: SymmetryRegularizer): Generator<void, WindowResult> {
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
    const xs: Float32Array[] = [];
    for (let t = 0; t < K; t++) {
      xs.push(state.params.slice());
      const g = new Float32Array(n);
      const loss = task.loss(state.params.slice(), firstBatch + t, g);
      if (!Number.isFinite(loss) || g.some((v) => !Number.isFinite(v))) return { metaLoss: NaN, grad: new Float64Array(LSTM_LOPT_THETA_SIZE), losses, ok: false };
      losses.push(loss);
      grads.push(g);
      state.grads.set(g);
      lstmStepOnState(state, th.ptr, outScale, tape.ptr + 4 * t * LSTM_TAPE_FIELDS * n);
      state.scalars.count! += 1;
      yield;
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
    let regLoss = 0;
    if (reg) {
      xs.push(state.params.slice());
      regLoss = addRegularizer(reg, xs, outScale, a, n);
    }
    rt.kernels.lstm_lopt_backward_f32(th.ptr, tape.ptr, n, K, adj.ptr, dth.ptr, work.ptr);
    return { metaLoss: Math.log(S) + regLoss, grad: dth.view.slice(), losses, ok: true };
  } finally {
    for (const r of [th, tape, adj, dth, work]) r.release();
  }
}

/**
 * Adds the regularizer's adjoints to `adj` (K×n, ∂/∂o_t) and returns Σ_t β·R_t. `xs` holds
 * x_0 … x_K (so o_t = (x_{t+1} − x_t)/η).
 */
function addRegularizer(reg: SymmetryRegularizer, xs: Float32Array[], eta: number, adj: Float32Array, n: number): number {
  const K = xs.length - 1;
  const beta = checkNumber('tbpttWindow', 'beta', reg.beta, { min: 0 });
  const t = new Map(reg.layout.map((v) => [v.name, v]));
  for (const name of ['W1', 'b1', 'W2', 'b2']) {
    const v = t.get(name);
    if (!v || v.offset < 0 || v.offset + v.length > n) throw new MetaoptimError('INVALID_ARGUMENT', `tbpttWindow: regularizer layout needs a tensor ${name} inside the ${n} parameters`);
  }
  // Weight vectors: D = Σ_j w_j·ĝ_j·x_j (scale, rescale) or Σ_j w_j·ĝ_j (translation parts).
  const wS = new Float64Array(n), wR = new Float64Array(n), wTW = new Float64Array(n), wTb = new Float64Array(n);
  const fill = (w: Float64Array, name: string, v: number) => { const r = t.get(name)!; w.fill(v, r.offset, r.offset + r.length); };
  fill(wS, 'W1', 1); fill(wS, 'b1', 1);
  fill(wR, 'W1', 1); fill(wR, 'b1', 1); fill(wR, 'W2', -1);
  fill(wTW, 'W2', 1); fill(wTb, 'b2', 1);
  const parts: { w: Float64Array; bilinear: boolean; weight: number }[] =
    reg.kind === 'scale' ? [{ w: wS, bilinear: true, weight: 1 }]
    : reg.kind === 'rescale' ? [{ w: wR, bilinear: true, weight: 1 }]
    : reg.kind === 'translation' ? [{ w: wTW, bilinear: false, weight: 1 }, { w: wTb, bilinear: false, weight: 1 }]
    : reg.kind === 'all' ? [{ w: wR, bilinear: true, weight: 1 / 3 }, { w: wS, bilinear: true, weight: 1 / 3 }, { w: wTW, bilinear: false, weight: 1 / 3 }, { w: wTb, bilinear: false, weight: 1 / 3 }]
    : (() => { throw new MetaoptimError('INVALID_ARGUMENT', `tbpttWindow: unknown regularizer ${String(reg.kind)}`); })();
  let total = 0;
  // dθ-path carry: Σ_{t > s} ∂R_t/∂x_t, times η, reaches o_s.
  const carry = new Float64Array(n);
  const extra = new Float64Array(K * n);
  for (let s = K - 1; s >= 0; s--) {
    const x = xs[s]!, xn = xs[s + 1]!;
    for (let j = 0; j < n; j++) extra[s * n + j] = eta * carry[j]!;
    for (const { w, bilinear, weight } of parts) {
      // ĝ_j = −(x_{s+1} − x_s)_j  (= −η·o_s).
      let D = 0;
      for (let j = 0; j < n; j++) if (w[j]) D += w[j]! * -(xn[j]! - x[j]!) * (bilinear ? x[j]! : 1);
      total += beta * weight * Math.abs(D);
      const sg = beta * weight * Math.sign(D);
      if (sg === 0) continue;
      for (let j = 0; j < n; j++) {
        if (!w[j]) continue;
        // ∂D/∂o_s = −η·w·(x or 1);  ∂D/∂x_s = w·ĝ (bilinear only).
        extra[s * n + j]! += sg * -eta * w[j]! * (bilinear ? x[j]! : 1);
        if (bilinear) carry[j]! += sg * w[j]! * -(xn[j]! - x[j]!);
      }
    }
  }
  for (let i = 0; i < K * n; i++) adj[i] = adj[i]! + extra[i]!;
  return total;
}

export interface TbpttOptions extends LoopOptions {
  family: TaskFamily;
  theta: Float32Array;
  /** Inner runs (SPEC B.1.3: 50 epochs × 20 runs). */
  runs: number;
  /** Steps per inner run (default 200). */
  innerSteps?: number;
  /** Window length K (default 20). */
  unroll?: number;
  /** η_out of the LSTM optimizer (default 0.1). */
  outScale?: number;
  /** Meta-optimizer (default adam({ lr: 1e-3 })). */
  metaOptimizer?: Optimizer;
  runtime?: Runtime;
  /** Symmetry regularization (SPEC B.1.5), e.g. { kind: 'rescale', beta: 0.1, layout }. */
  regularizer?: SymmetryRegularizer;
}

export const TBPTT_TRAIN_KEYS = optionKeys<TbpttOptions>({
  seed: 1, signal: 1, onProgress: 1, family: 1, theta: 1, runs: 1, innerSteps: 1, unroll: 1, outScale: 1, metaOptimizer: 1, runtime: 1, regularizer: 1,
});

export interface TbpttResult {
  theta: Float32Array;
  history: { run: number; window: number; metaLoss: number }[];
  elapsedMs: number;
}

/**
 * Meta-trains the LSTM optimizer by truncated backprop over `runs` inner runs (see the module
 * comment). Loop contract: yields between forward steps; progress `{ label: 'lstm truncated
 * backprop', done: runs completed, total: runs, metrics: { metaLoss } }`; ABORTED details
 * `{ iteration: runs completed, partial: { theta, history, elapsedMs } }` (θ after the last
 * completed window). Task seeds: run r uses `Rng(seed, 3, r).u32()`.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { lstmLOpt, tbpttTrain } from 'metaoptim/l2o';
 * import { noisyQuadraticFamily } from 'metaoptim/tasks';
 * await ready();
 * const r = await tbpttTrain({ family: noisyQuadraticFamily({ dim: 4 }), theta: lstmLOpt.init(0), runs: 2, innerSteps: 10, unroll: 5, seed: 1 });
 * console.log(r.history.length, Number.isFinite(r.history[0]!.metaLoss)); // 4 true (2 runs × 2 windows)
 * ```
 */
export async function tbpttTrain(o: TbpttOptions): Promise<TbpttResult> {
  const name = 'tbpttTrain';
  checkOptions(name, o, TBPTT_TRAIN_KEYS);
  checkTheta(name, o.theta);
  const rt = o.runtime ?? defaultRuntimeOrThrow();
  const runs = checkNumber(name, 'runs', o.runs, { min: 0 });
  const innerSteps = checkNumber(name, 'innerSteps', o.innerSteps ?? 200, { min: 1 });
  const K = checkNumber(name, 'unroll', o.unroll ?? 20, { min: 1 });
  const outScale = checkNumber(name, 'outScale', o.outScale ?? 0.1);
  const seed = o.seed ?? 0;
  const metaOpt = o.metaOptimizer ?? adam({ lr: 1e-3 });
  const loop = new Loop(name, o, { label: 'lstm truncated backprop', total: runs });
  const meta = metaOpt.init(o.theta, { runtime: rt });
  const history: TbpttResult['history'] = [];
  const partial = (): TbpttResult => ({ theta: meta.params.slice(), history: history.slice(), elapsedMs: loop.elapsedMs });
  const metrics = () => ({ metaLoss: history[history.length - 1]?.metaLoss ?? NaN });
  try {
    loop.progress(0);
    for (let run = 0; run < runs; run++) {
      const taskSeed = new Rng(seed, 3, run).u32();
      const task = o.family.task(o.family.sample(taskSeed));
      const inner = lstmLOpt.optimizer(meta.params.slice(), { outScale });
      const st = inner.init(task.init(taskSeed), { runtime: rt });
      try {
        for (let w = 0; w * K < innerSteps; w++) {
          const steps = Math.min(K, innerSteps - w * K);
          const gen = windowSteps(task, st, meta.params.slice(), w * K, steps, outScale, o.regularizer);
          let r: IteratorResult<void, WindowResult>;
          try {
            while (!(r = gen.next()).done) await loop.tick(run, partial, metrics);
          } finally {
            gen.return(undefined as never);
          }
          if (!r.value.ok) break;
          metaOpt.step(meta, r.value.grad);
          history.push({ run, window: w, metaLoss: r.value.metaLoss });
        }
      } finally {
        st.dispose();
        task.dispose?.();
      }
      await loop.tick(run + 1, partial, metrics);
    }
    const result = partial();
    loop.finish(runs, metrics());
    return result;
  } finally {
    meta.dispose();
  }
}
