import type { Dataset, SplitDataset } from '../data/datasets.js';
import { MetaoptimError, checkNumber } from '../core/errors.js';
import type { Activation } from '../nn/layout.js';
import { Mlp } from '../nn/mlp.js';
import { adam } from '../optim/adam.js';
import { Region } from '../runtime/arena.js';
import { type Runtime, defaultRuntimeOrThrow, ready } from '../runtime/runtime.js';
import { Rng } from '../core/rng.js';
import { MlpTask } from './classification.js';
import { digitsSplit } from './digits.js';
import { MinibatchStream } from './minibatch.js';
import { train } from './train.js';
import type { Evaluation, Split, Task } from './types.js';

/**
 * Soft-prompt tuning, scaled down honestly (SPEC A.3: the task of Guo et al. 2024, where
 * 8 input-level prompt vectors in front of a frozen RoBERTa are the only parameters).
 *
 * The network. An MLP with input [p₁ … p_k ; x] — k prompt "tokens" of dimension d
 * followed by the 64 pixels of a digits image — and sizes [k·d + 64, …hidden, 10].
 *
 * Pretraining (inside the package, deterministic). The network is trained on the unshifted
 * digits split with the NEUTRAL prompt p = 0 in front of every image: `train` with
 * `adam({ lr: pretrainLr })` for `pretrainSteps` steps on an `MlpTask`, init and stream seed
 * `pretrainSeed`. The weights are cached per (runtime, architecture, steps, lr, seed), so
 * creating many tasks pretrains once. With p = 0 the prefix columns W₁ᵖ of the first layer get
 * no gradient and keep their seeded initial values.
 *
 * Tuning. The network is frozen; the task's parameters are ONLY the prompt, θ = p ∈ ℝ^{k·d}
 * (size = k·d). The shifted task is digits with a transformation (`shift`):
 *   'invert'    x ↦ 1 − x (white digits on black become black on white);
 *   'rotate'    the 8×8 image turned 90° clockwise;
 *   'translate' the image moved 1 pixel right (zero fill; the default);
 *   'labels'    the labels relabelled y ↦ (y + 1) mod 10.
 * Loss = mean softmax cross-entropy of the frozen network on [p ; x′] over the minibatch.
 * Gradient: the network's input gradient dX₀ = D₁·W₁ (`Mlp.inputGradAt`), summed over rows
 * on the k·d prefix columns (the prompt is shared by all rows): ∂L/∂p_j = Σ_r dX₀[r, j].
 * The network's weights are never written after construction.
 *
 * What a prompt can do here. Without attention, a prefix enters the first layer only as
 * Z₁ = W₁ˣ·x + W₁ᵖ·p + b₁: an input-independent shift of the first hidden pre-activations
 * inside the (≤ k·d)-dimensional column space of the frozen W₁ᵖ. Everything nonlinear about
 * its effect comes from the frozen layers above (ReLU gating). This is the scaled-down
 * analogue of an input-level soft prompt; it cannot rewrite the network, so tuning makes
 * real but incomplete progress on a shifted task.
 *
 * Minibatch stream: the same `MinibatchStream` as `MlpTask` (tasks/minibatch.ts) — batch b of
 * size B over the n shifted training rows is rows perm_e[jB … jB+B−1] of epoch e = ⌊b/⌊n/B⌋⌋,
 * j = b mod ⌊n/B⌋, perm_e the permutation of `new Rng(streamSeed).fork(e)`. `init(seed)`: p ~ N(0, initScale²) per coordinate from
 * `new Rng(seed)` (so multi-start draws differ; the neutral prompt is `new Float32Array(size)`).
 * `evaluate(p, split)`: mean loss and accuracy over the whole shifted train or test split of
 * the fixed digits split (1,400 / 397).
 *
 * Errors: INVALID_ARGUMENT (options, batch index, split), LENGTH_MISMATCH (params/grad),
 * DISPOSED.
 */
export type PromptShift = 'invert' | 'rotate' | 'translate' | 'labels';

export const PROMPT_SHIFTS: readonly PromptShift[] = ['invert', 'rotate', 'translate', 'labels'];

export interface PromptTuningOptions {
  /** k: number of prompt vectors (default 8, as the paper's soft prompt). */
  tokens?: number;
  /** d: dimension of each prompt vector (default 8). */
  dim?: number;
  /** Hidden widths of the frozen network (default [32]). */
  hidden?: readonly number[];
  activation?: Activation;
  /** The shifted task (default 'translate'). */
  shift?: PromptShift;
  /** Adam steps of pretraining (default 400). */
  pretrainSteps?: number;
  /** Adam learning rate of pretraining (default 1e-2). */
  pretrainLr?: number;
  /** Init and stream seed of pretraining (default 0). */
  pretrainSeed?: number;
  /** Tuning minibatch size (default 128). */
  batchSize?: number;
  /** Seed of the tuning minibatch stream (default 0). */
  streamSeed?: number;
  /** Standard deviation of `init(seed)` prompts (default 1). */
  initScale?: number;
  /** Runtime (default: `await ready()`'s). */
  runtime?: Runtime;
}

/** The pretrained frozen network: weights and its accuracy on the UNSHIFTED split with p = 0. */
export interface PretrainedPromptNetwork {
  params: Float32Array;
  train: Evaluation;
  test: Evaluation;
  steps: number;
}

const cache = new WeakMap<Runtime, Map<string, Promise<PretrainedPromptNetwork>>>();

function withPrefix(d: Dataset, width: number): Dataset {
  const f = d.features + width;
  const x = new Float32Array(d.rows * f);
  for (let r = 0; r < d.rows; r++) x.set(d.x.subarray(r * d.features, (r + 1) * d.features), r * f + width);
  return { ...d, x, features: f };
}

/** The shifted copy of a digits data set (8×8 images, 10 classes). */
export function shiftDigits(d: Dataset, shift: PromptShift): Dataset {
  if (d.features !== 64 || d.classes !== 10) throw new MetaoptimError('INVALID_ARGUMENT', 'shiftDigits: expects 8×8 images in 10 classes');
  const x = new Float32Array(d.x.length);
  const y = Int32Array.from(d.y);
  for (let n = 0; n < d.rows; n++) {
    const o = n * 64;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const v = d.x[o + r * 8 + c]!;
        switch (shift) {
          case 'invert': x[o + r * 8 + c] = 1 - v; break;
          case 'rotate': x[o + c * 8 + (7 - r)] = v; break; // (r, c) → (c, 7 − r): 90° clockwise
          case 'translate': if (c + 1 < 8) x[o + r * 8 + c + 1] = v; break;
          case 'labels': x[o + r * 8 + c] = v; break;
        }
      }
    }
    if (shift === 'labels') y[n] = (d.y[n]! + 1) % 10;
  }
  return { ...d, name: `${d.name}/${shift}`, x, y };
}

interface Resolved {
  tokens: number;
  dim: number;
  hidden: number[];
  activation: Activation;
  shift: PromptShift;
  pretrainSteps: number;
  pretrainLr: number;
  pretrainSeed: number;
  batchSize: number;
  streamSeed: number;
  initScale: number;
}

function posInt(name: string, v: unknown, d: number, max = 1 << 20): number {
  const x = v ?? d;
  if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > max) throw new MetaoptimError('INVALID_ARGUMENT', `promptTuningTask: ${name} must be an integer in [1, ${max}], got ${String(v)}`);
  return x as number;
}

function resolve(o: PromptTuningOptions): Resolved {
  if (o === null || typeof o !== 'object') throw new MetaoptimError('INVALID_ARGUMENT', 'promptTuningTask: options must be an object');
  const shift = o.shift ?? 'translate';
  if (!PROMPT_SHIFTS.includes(shift)) throw new MetaoptimError('INVALID_ARGUMENT', `promptTuningTask: shift must be one of ${PROMPT_SHIFTS.join(', ')}, got ${String(o.shift)}`);
  const hidden = [...(o.hidden ?? [32])];
  if (hidden.length === 0) throw new MetaoptimError('INVALID_ARGUMENT', 'promptTuningTask: the frozen network needs at least one hidden layer');
  return {
    tokens: posInt('tokens', o.tokens, 8, 256),
    dim: posInt('dim', o.dim, 8, 256),
    hidden: hidden.map((h) => posInt('hidden width', h, 1)),
    activation: o.activation ?? 'relu',
    shift,
    pretrainSteps: posInt('pretrainSteps', o.pretrainSteps, 400),
    pretrainLr: checkNumber('promptTuningTask', 'pretrainLr', o.pretrainLr ?? 1e-2, { min: 0 }),
    pretrainSeed: (o.pretrainSeed ?? 0) >>> 0,
    batchSize: posInt('batchSize', o.batchSize, 128, 1400),
    streamSeed: (o.streamSeed ?? 0) >>> 0,
    initScale: checkNumber('promptTuningTask', 'initScale', o.initScale ?? 1, { min: 0 }),
  };
}

/**
 * Pretrains (or returns the cached) frozen network of a prompt-tuning configuration on the
 * unshifted digits split with the neutral prompt p = 0. Deterministic given the options.
 */
export async function pretrainPromptNetwork(o: PromptTuningOptions = {}): Promise<PretrainedPromptNetwork> {
  const c = resolve(o);
  const runtime = o.runtime ?? (await ready(), defaultRuntimeOrThrow());
  const key = JSON.stringify([c.tokens * c.dim, c.hidden, c.activation, c.pretrainSteps, c.pretrainLr, c.pretrainSeed]);
  let m = cache.get(runtime);
  if (!m) cache.set(runtime, (m = new Map()));
  let p = m.get(key);
  if (!p) {
    p = (async () => {
      const split = await digitsSplit();
      const w = c.tokens * c.dim;
      const data: SplitDataset = { train: withPrefix(split.train, w), test: withPrefix(split.test, w), description: split.description };
      const task = new MlpTask({ data, hidden: c.hidden, activation: c.activation, batchSize: 128, streamSeed: c.pretrainSeed, runtime, name: 'digits-prompt-pretrain' });
      try {
        const r = await train(task, adam({ lr: c.pretrainLr }), { steps: c.pretrainSteps, seed: c.pretrainSeed, evalSplits: ['train', 'test'] });
        return { params: r.params, train: r.final.train!, test: r.final.test!, steps: c.pretrainSteps };
      } finally {
        task.dispose();
      }
    })();
    m.set(key, p);
    p.catch(() => m!.delete(key));
  }
  const r = await p;
  return { ...r, params: r.params.slice() };
}

/** A soft-prompt tuning `Task` (see the module comment). */
export class PromptTuningTask implements Task {
  readonly name: string;
  /** k·d: the prompt is the only parameter vector. */
  readonly size: number;
  readonly tokens: number;
  readonly dim: number;
  readonly shift: PromptShift;
  readonly batchSize: number;
  readonly streamSeed: number;
  readonly initScale: number;
  readonly runtime: Runtime;
  /** The frozen network (its `params` hold the pretrained weights and are never written). */
  readonly model: Mlp;
  /** The pretrained network's evaluation on the UNSHIFTED split with the neutral prompt. */
  readonly pretrained: { train: Evaluation; test: Evaluation; steps: number };
  private readonly width: number;
  private readonly nIn: number;
  private readonly rows: { train: number; test: number };
  private readonly stream: MinibatchStream;
  private readonly test: { x: Region<Float32Array>; y: Region<Int32Array> };
  private readonly dx: Region<Float32Array>;
  private _disposed = false;

  constructor(c: Resolved, split: SplitDataset, net: PretrainedPromptNetwork, runtime: Runtime) {
    this.tokens = c.tokens;
    this.dim = c.dim;
    this.width = c.tokens * c.dim;
    this.size = this.width;
    this.nIn = this.width + 64;
    this.shift = c.shift;
    this.batchSize = c.batchSize;
    this.streamSeed = c.streamSeed;
    this.initScale = c.initScale;
    this.runtime = runtime;
    this.name = `digits-prompt-${c.shift}-${c.tokens}x${c.dim}`;
    this.pretrained = { train: net.train, test: net.test, steps: net.steps };
    const tr = withPrefix(shiftDigits(split.train, c.shift), this.width);
    const te = withPrefix(shiftDigits(split.test, c.shift), this.width);
    this.rows = { train: tr.rows, test: te.rows };
    const a = runtime.arena;
    const owned: { release(): void }[] = [];
    const keep = <T extends { release(): void }>(r: T): T => {
      owned.push(r);
      return r;
    };
    let model: Mlp | undefined;
    try {
      model = new Mlp({ sizes: [this.nIn, ...c.hidden, 10], activation: c.activation, runtime, maxBatch: Math.max(this.batchSize, tr.rows, te.rows) });
      this.model = model;
      this.stream = keep(new MinibatchStream({ x: tr.x, y: tr.y, features: this.nIn, batchSize: this.batchSize, streamSeed: this.streamSeed, runtime, owner: this.name }));
      this.test = { x: keep(new Region(a, Float32Array, te.x.length)), y: keep(new Region(a, Int32Array, te.rows)) };
      this.dx = keep(new Region(a, Float32Array, this.batchSize * this.nIn));
    } catch (err) {
      model?.dispose();
      for (const r of owned) r.release();
      throw err;
    }
    this.model.params.set(net.params);
    this.test.x.view.set(te.x);
    this.test.y.view.set(te.y);
  }

  /** p ~ N(0, initScale²) per coordinate, from `new Rng(seed)`. */
  init(seed: number): Float32Array {
    this.live();
    const r = new Rng(seed);
    const p = new Float32Array(this.size);
    for (let i = 0; i < p.length; i++) p[i] = this.initScale * r.normal();
    return p;
  }

  loss(params: Float32Array, batch: number, grad?: Float32Array): number {
    this.live();
    this.check('params', params);
    if (grad !== undefined) this.check('grad', grad);
    const b = this.stream;
    b.gather(batch);
    this.writePrompt(b.x, this.batchSize, params);
    const pp = this.model.paramsPtr;
    if (grad === undefined) return this.model.lossAt(pp, b.x.ptr, b.y.ptr, this.batchSize);
    const loss = this.model.inputGradAt(pp, b.x.ptr, b.y.ptr, this.batchSize, this.dx.ptr);
    const dx = this.dx.view;
    const acc = new Float64Array(this.width);
    for (let r = 0; r < this.batchSize; r++) {
      const o = r * this.nIn;
      for (let j = 0; j < this.width; j++) acc[j]! += dx[o + j]!;
    }
    for (let j = 0; j < this.width; j++) grad[j] = acc[j]!;
    return loss;
  }

  /** Mean loss and accuracy of the frozen network with prompt `params` over a whole shifted split (default 'test'). */
  evaluate(params: Float32Array, split: Split = 'test'): Evaluation {
    this.live();
    if (split !== 'train' && split !== 'test') throw new MetaoptimError('INVALID_ARGUMENT', `evaluate: split must be train or test, got ${String(split)}`);
    this.check('params', params);
    const x = split === 'train' ? this.stream.trainX : this.test.x;
    const y = split === 'train' ? this.stream.trainY : this.test.y;
    const rows = this.rows[split];
    this.writePrompt(x, rows, params);
    const r = this.model.correctAt(this.model.paramsPtr, x.ptr, y.ptr, rows);
    return { loss: r.loss / rows, accuracy: r.correct / rows };
  }

  /** Training-row indices of minibatch `batch` (a copy). */
  batchRows(batch: number): Int32Array {
    this.live();
    return this.stream.batchRows(batch);
  }

  get disposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.model.dispose();
    if (this.runtime.disposed) return;
    this.stream.release();
    for (const r of [this.test.x, this.test.y, this.dx]) r.release();
  }

  private writePrompt(x: Region<Float32Array>, rows: number, p: Float32Array): void {
    const v = x.view;
    for (let r = 0; r < rows; r++) v.set(p, r * this.nIn);
  }

  private check(what: string, a: unknown): asserts a is Float32Array {
    if (!(a instanceof Float32Array)) throw new MetaoptimError('INVALID_ARGUMENT', `${this.name}: ${what} must be a Float32Array`);
    if (a.length !== this.size) throw new MetaoptimError('LENGTH_MISMATCH', `${this.name}: ${what} has ${a.length} values, expected ${this.size}`, { expected: this.size, got: a.length });
  }

  private live(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', `${this.name} used after dispose()`);
  }
}

/**
 * A soft-prompt tuning task on shifted digits in front of a frozen, package-pretrained network
 * (see the module comment). The first call for a configuration pretrains (≈ 0.1–0.5 s);
 * later calls reuse the cached weights. The task owns WebAssembly memory: `dispose()` it.
 * @example
 * ```ts
 * import { adam, ready, train } from 'metaoptim';
 * import { promptTuningTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await promptTuningTask(); // an 8 × 8 prompt in front of a frozen digits MLP
 * const run = await train(task, adam({ lr: 5e-2 }), { steps: 100, evalSplits: ['test'] });
 * console.log(task.size, run.losses[99]! < run.losses[0]!); // 64 true
 * ```
 */
export async function promptTuningTask(o: PromptTuningOptions = {}): Promise<PromptTuningTask> {
  const c = resolve(o);
  const runtime = o.runtime ?? (await ready(), defaultRuntimeOrThrow());
  const net = await pretrainPromptNetwork({ ...o, runtime });
  return new PromptTuningTask(c, await digitsSplit(), net, runtime);
}
