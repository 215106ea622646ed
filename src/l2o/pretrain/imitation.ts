import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import { Loop, type LoopOptions } from '../../core/loop.js';
import { Rng } from '../../core/rng.js';
import { Mlp } from '../../nn/mlp.js';
import { adam } from '../../optim/adam.js';
import { cosineDecay } from '../../optim/schedules.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { DigitsMlpConfig, DigitsMlpFamily } from '../../tasks/digits.js';
import { MLP_LOPT_THETA_SIZE, mlpLOpt } from '../mlp.js';
import type { MlpTask } from '../../tasks/classification.js';
import { drain, runSteps } from './run.js';

/**
 * Imitation pre-fit of the MLP learned optimizer (`mlpLOpt`) to a hand-designed rule:
 * the starting point of the shipped pretrained optimizer (docs/l2o.md, "Pretrained optimizer").
 *
 * 1. Record: Adam (lr η) trains tasks sampled from the digits family for `steps` steps. At
 *    every step the 19 features the `mlp_lopt_f32` kernel would see are rebuilt in TypeScript
 *    (g, p and the six momenta m_d ← d·m_d + (1−d)·g, d ∈ {0.1, 0.5, 0.9, 0.99, 0.999, 0.9999},
 *    each divided by √(ε + mean over its tensor of x²), then tanh(t/τ − 1) for the 11 τ),
 *    for `perTensor` coordinates of every tensor drawn at random; the target is Adam's update
 *    in units of its (peak) learning rate, u = (p_t − p_{t+1})/η (and 0 for the magnitude
 *    output). With `cosineAlpha` the imitated Adam's lr decays as a cosine from η to α·η over the
 *    run, and the time features are what lets the network represent that schedule.
 * 2. Fit: the optimizer's own network shape (19 → 32 ReLU → 32 ReLU → 2) is trained as an `mlp`
 *    with mean squared error by Adam (lr 3e-3, cosine-decayed to 3e-5, batch 256) on the recorded rows.
 * 3. Convert: the weights become θ (input-major), and the direction output is scaled by
 *    η / 0.001 so that the optimizer's step d·exp(0.001·s)·0.001 ≈ η·u.
 * Everything is deterministic given `seed`.
 *
 * Loop contract (core/loop.ts): yields after every recorded or fitted step; progress
 * `{ label: 'imitation', done: fitting steps, total: fitSteps·(1 + daggerRounds), metrics: { loss } }`;
 * ABORTED details `{ iteration: fitting steps done, partial: undefined }` (nothing to resume:
 * the stage is deterministic and cheap to recompute).
 * Errors: `UNKNOWN_OPTION`, `INVALID_ARGUMENT`, `ABORTED`.
 */
export interface ImitationOptions extends LoopOptions {
  family: DigitsMlpFamily;
  runtime: Runtime;
  /** Family seeds of the recorded tasks. */
  taskSeeds: readonly number[];
  /** Learning rate η of the imitated Adam (its peak when `cosineAlpha` is set). */
  lr: number;
  /**
   * Per-task learning rates: each recorded task is run by Adam with the lr of this grid that
   * gives the lowest mean training loss on it (times `lrFactor`, default 1); `lr` then only
   * sets the unit of the targets (u = Δ/η) and of the output scale.
   */
  lrGrid?: readonly number[];
  lrFactor?: number;
  /** Imitate Adam with a cosine decay of its lr from η to α·η over `steps` (default: constant η). */
  cosineAlpha?: number;
  /** ε of the optimizer's feature normalizer (`mlpLOpt` option `normEps`, default 1e−5). */
  normEps?: number;
  /** Steps recorded per task (default 200). */
  steps?: number;
  /** Coordinates sampled per tensor and step (default 12). */
  perTensor?: number;
  /**
   * DAgger rounds (default 0): each records the same tasks again, stepped by the MLP optimizer
   * just fitted, labels them with Adam's update from the same gradient history, adds the rows
   * to the data and refits — so the fit also covers the states the learned optimizer visits.
   */
  daggerRounds?: number;
  /** Fitting steps (default 4000). */
  fitSteps?: number;
}

export const IMITATION_KEYS = optionKeys<ImitationOptions>({
  seed: 1, signal: 1, onProgress: 1, family: 1, runtime: 1, taskSeeds: 1, lr: 1, lrGrid: 1, lrFactor: 1, cosineAlpha: 1, normEps: 1, steps: 1, perTensor: 1,
  daggerRounds: 1, fitSteps: 1,
});

export interface ImitationResult {
  theta: Float32Array;
  rows: number;
  /** Mean squared error (in units of η²) on the last 200 fitting batches. */
  fitLoss: number;
}

const DECAYS = [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999];
const TAUS = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5];

/**
 * Rows of (19 features, 2 targets). The run is stepped by Adam itself (`policy` absent) or by
 * the MLP optimizer with θ = `policy` (a DAgger round); in both cases the target is the update
 * Adam would make from the same gradient history, u = (η_t/η)·m̂/(√v̂ + 1e−8) with Adam's
 * β = (0.9, 0.999) moments tracked in f64 beside the run.
 */
export async function recordAdamFeatures(o: ImitationOptions, policy?: Float32Array, round = 0): Promise<{ x: Float32Array; y: Float32Array; rows: number }> {
  checkOptions('recordAdamFeatures', o, IMITATION_KEYS);
  const loop = new Loop('recordAdamFeatures', o, { label: 'imitation: recording', total: o.taskSeeds.length });
  return record(o, policy, round, () => loop.tick(0));
}

type Data = { x: Float32Array; y: Float32Array; rows: number };

async function record(o: ImitationOptions, policy: Float32Array | undefined, round: number, pulse: () => Promise<void>): Promise<Data> {
  const steps = o.steps ?? 200;
  const per = o.perTensor ?? 12;
  const eps = o.normEps ?? 1e-5;
  const xs: number[] = [];
  const ys: number[] = [];
  const rng = new Rng(o.seed ?? 0).fork(0x696d69 + round);
  const alpha = o.cosineAlpha;
  for (const ts of o.taskSeeds) {
    const cfg: DigitsMlpConfig = o.family.sample(ts);
    const task = o.family.task(cfg);
    const peak = o.lrGrid ? (await bestAdamLr(task, o.lrGrid, steps, ts, pulse)) * (o.lrFactor ?? 1) : o.lr;
    const lrAt = alpha === undefined ? () => peak : cosineDecay({ init: peak, decaySteps: steps, alpha });
    const segs = task.model.tensors.map((t) => [t.offset, t.length] as const);
    const opt = policy ? mlpLOpt.optimizer(policy, { segments: segs.map((q) => q[1]), normEps: eps }) : adam({ lr: lrAt });
    const st = opt.init(task.init(ts), { runtime: task.runtime });
    try {
      const n = task.size;
      const m = DECAYS.map(() => new Float64Array(n));
      const am = new Float64Array(n), av = new Float64Array(n);
      for (let t = 0; t < steps; t++) {
        const loss = task.loss(st.params, t, st.grads);
        const g = st.grads.slice();
        const p = st.params.slice();
        if (!Number.isFinite(loss) || g.some((v) => !Number.isFinite(v))) break;
        for (let k = 0; k < DECAYS.length; k++) {
          const d = DECAYS[k]!, mk = m[k]!;
          for (let i = 0; i < n; i++) mk[i] = d * mk[i]! + (1 - d) * g[i]!;
        }
        for (let i = 0; i < n; i++) {
          am[i] = 0.9 * am[i]! + 0.1 * g[i]!;
          av[i] = 0.999 * av[i]! + 0.001 * g[i]! * g[i]!;
        }
        const c1 = 1 - 0.9 ** (t + 1), c2 = 1 - 0.999 ** (t + 1), f = lrAt(t) / o.lr;
        opt.step(st);
        const time = TAUS.map((tau) => Math.tanh(t / tau - 1));
        for (const [off, len] of segs) {
          const inv = (a: ArrayLike<number>) => {
            let s = 0;
            for (let i = off; i < off + len; i++) s += a[i]! * a[i]!;
            return 1 / Math.sqrt(eps + s / len);
          };
          const norms = [inv(g), inv(p), ...m.map(inv)];
          for (let r = 0; r < Math.min(per, len); r++) {
            const i = off + rng.int(len);
            xs.push(g[i]! * norms[0]!, p[i]! * norms[1]!, ...m.map((mk, k) => mk[i]! * norms[k + 2]!), ...time);
            ys.push((f * am[i]! / c1) / (Math.sqrt(av[i]! / c2) + 1e-8), 0);
          }
        }
        await pulse();
      }
    } finally {
      st.dispose();
      task.dispose();
    }
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), rows: ys.length / 2 };
}

/** The lr of `grid` with the lowest mean training loss of Adam on `task` over `steps` steps. */
async function bestAdamLr(task: MlpTask, grid: readonly number[], steps: number, initSeed: number, pulse: () => Promise<void>): Promise<number> {
  let best = grid[0]!, bestLoss = Infinity;
  for (const lr of grid) {
    const l = (await drain(runSteps(task, adam({ lr }), steps, initSeed), pulse)).meanLoss;
    if (l < bestLoss) [best, bestLoss] = [lr, l];
  }
  return best;
}

/** Records Adam's updates and fits θ to them (see the module comment). */
export async function imitationTheta(o: ImitationOptions): Promise<ImitationResult> {
  checkOptions('imitationTheta', o, IMITATION_KEYS);
  if (!(o.lr > 0)) throw new MetaoptimError('INVALID_ARGUMENT', 'imitationTheta: lr must be > 0');
  const fitSteps = o.fitSteps ?? 4000;
  const loop = new Loop('imitationTheta', o, { label: 'imitation', total: fitSteps * (1 + (o.daggerRounds ?? 0)) });
  let fitted = 0;
  const pulse = () => loop.tick(fitted);
  const fitPulse = (loss: number) => loop.tick(++fitted, undefined, () => ({ loss }));
  loop.progress(0);
  let data = await record(o, undefined, 0, pulse);
  if (data.rows < 1) throw new MetaoptimError('INVALID_ARGUMENT', 'imitationTheta: no rows recorded');
  let fit = await fitTheta(o, data, fitPulse);
  for (let round = 1; round <= (o.daggerRounds ?? 0); round++) {
    const more = await record(o, fit.theta, round, pulse);
    data = { x: concat(data.x, more.x), y: concat(data.y, more.y), rows: data.rows + more.rows };
    fit = await fitTheta(o, data, fitPulse);
  }
  loop.finish(fitted, { loss: fit.fitLoss });
  return fit;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function fitTheta(o: ImitationOptions, data: Data, pulse: (loss: number) => Promise<void>): Promise<ImitationResult> {
  const B = 256;
  const model = new Mlp({ sizes: [19, 32, 32, 2], activation: 'relu', loss: 'mse', maxBatch: B, init: 'glorot', runtime: o.runtime });
  const fitSteps = o.fitSteps ?? 4000;
  const opt = adam({ lr: cosineDecay({ init: 3e-3, decaySteps: fitSteps, alpha: 0.01 }) });
  const st = opt.init(model.init(o.seed ?? 0), { runtime: o.runtime });
  const rng = new Rng(o.seed ?? 0).fork(0x666974);
  const bx = new Float32Array(B * 19), by = new Float32Array(B * 2);
  let tail = 0, tailN = 0;
  try {
    for (let s = 0; s < fitSteps; s++) {
      for (let r = 0; r < B; r++) {
        const i = rng.int(data.rows);
        bx.set(data.x.subarray(19 * i, 19 * i + 19), 19 * r);
        by.set(data.y.subarray(2 * i, 2 * i + 2), 2 * r);
      }
      const loss = model.loss(st.params, { x: bx, y: by }, st.grads);
      opt.step(st);
      if (s >= fitSteps - 200) {
        tail += loss;
        tailN++;
      }
      await pulse(loss);
    }
    const v = model.views(st.params.slice());
    const theta = new Float32Array(MLP_LOPT_THETA_SIZE);
    const put = (at: number, w: Float32Array, nOut: number, nIn: number, scaleRow0 = 1) => {
      for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) theta[at + i * nOut + j] = w[j * nIn + i]! * (j === 0 ? scaleRow0 : 1);
    };
    const scale = o.lr / 0.001;
    put(0, v.W1!, 32, 19);
    theta.set(v.b1!, 608);
    put(640, v.W2!, 32, 32);
    theta.set(v.b2!, 1664);
    put(1696, v.W3!, 2, 32, scale);
    theta[1760] = v.b3![0]! * scale;
    theta[1761] = v.b3![1]!;
    return { theta, rows: data.rows, fitLoss: tailN ? tail / tailN : NaN };
  } finally {
    st.dispose();
    model.dispose();
  }
}
