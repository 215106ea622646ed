import { MetaoptimError } from '../../core/errors.js';
import type { SplitDataset } from '../../data/datasets.js';
import { Rng } from '../../core/rng.js';
import type { Activation } from '../../nn/layout.js';
import { Mlp } from '../../nn/mlp.js';
import type { Runtime } from '../../runtime/runtime.js';
import { MlpTask } from '../../tasks/classification.js';
import { digitsSplit } from '../../tasks/digits.js';
import { irisSplit } from '../../tasks/uci.js';
import { leastSquaresFamily } from '../../tasks/least-squares.js';
import { quadraticFamily } from '../../tasks/quadratic.js';
import type { Evaluation, Task } from '../../tasks/types.js';

/**
 * The meta-training task distribution of the Adam-residual optimizer (wine is NOT in it: it is
 * kept for the held-out evaluation). `sampleMetaTask(seed)` draws, from `new Rng(seed, 0x6d74)`:
 *   40 % digits MLP: 1–3 hidden layers of one width in {8, 16, 32, 64, 128} (128 only with one
 *        layer, for cost), activation ∈ {relu, tanh, sigmoid, leaky_relu}, batch norm with p = ¼,
 *        batch ∈ {16, 32, 64, 128, 256}
 *   15 % digits logistic regression, batch ∈ {16, 32, 64, 128, 256}
 *   10 % iris logistic regression, batch ∈ {16, 32}
 *   15 % teacher–student MLP regression (MSE) on N(0, I) inputs: 8 → w → 4, w ∈ {8, 16, 32}, tanh
 *        teacher of width 16, batch 32
 *   10 % quadratic, n ∈ {10, 20, 50}, κ ∈ {10, 100, 1000}
 *   10 % least squares, n ∈ {10, 20}, m = 2n
 * and then, with probability `augmentProb`, per-tensor scales 2^k, k uniform in {−10 … 10}
 * (≈ 1e−3 … 1e3) — see `augmentTask`.
 */
export interface MetaTaskSpec {
  kind: 'digits-mlp' | 'digits-logreg' | 'iris-logreg' | 'teacher-student' | 'quadratic' | 'least-squares';
  hidden: number[];
  activation: Activation;
  batchNorm: boolean;
  batchSize: number;
  n: number;
  condition: number;
  streamSeed: number;
  /** Per-tensor scales (powers of two), or none. */
  scales?: number[];
}

/** A task, its tensor shapes (for `shapes`) and its spec. */
export interface MetaTask {
  task: Task;
  shapes: number[][];
  spec: MetaTaskSpec;
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(xs.length)]!;
const ACTS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'leaky_relu'];

/** The configuration of meta-training task `seed` (see the module comment). */
export function sampleMetaSpec(seed: number, augmentProb = 0.25): MetaTaskSpec {
  const r = new Rng(seed, 0x6d74);
  const u = r.uniform();
  const spec: MetaTaskSpec = { kind: 'digits-mlp', hidden: [], activation: 'relu', batchNorm: false, batchSize: 32, n: 0, condition: 1, streamSeed: r.u32() };
  if (u < 0.4) {
    const w = pick(r, [8, 16, 32, 64, 128]);
    const depth = w === 128 ? 1 : 1 + r.int(3);
    Object.assign(spec, { hidden: Array.from({ length: depth }, () => w), activation: pick(r, ACTS), batchNorm: r.uniform() < 0.25, batchSize: pick(r, [16, 32, 64, 128, 256]) });
  } else if (u < 0.55) Object.assign(spec, { kind: 'digits-logreg', batchSize: pick(r, [16, 32, 64, 128, 256]) });
  else if (u < 0.65) Object.assign(spec, { kind: 'iris-logreg', batchSize: pick(r, [16, 32]) });
  else if (u < 0.8) Object.assign(spec, { kind: 'teacher-student', hidden: [pick(r, [8, 16, 32])], activation: 'tanh' });
  else if (u < 0.9) Object.assign(spec, { kind: 'quadratic', n: pick(r, [10, 20, 50]), condition: pick(r, [10, 100, 1000]) });
  else Object.assign(spec, { kind: 'least-squares', n: pick(r, [10, 20]) });
  if (r.uniform() < augmentProb) spec.scales = [];
  return spec;
}

/**
 * Weight-reparameterization augmentation: the optimizer sees p' = s ⊙ p (one scale per tensor,
 * applied to the initial parameters) and the gradient ∂L/∂p' = g / s, i.e. the task is
 * L'(p') = L(p' / s). With power-of-two scales both directions are exact in f32 (away from
 * overflow and denormals), so `augmentTask(t, s).loss(s·p) === t.loss(p)` bit for bit.
 */
export function augmentTask(task: Task, shapes: readonly (readonly number[])[], scales: readonly number[]): Task {
  if (scales.length !== shapes.length) throw new MetaoptimError('LENGTH_MISMATCH', `augmentTask: ${scales.length} scales for ${shapes.length} tensors`);
  const per = new Float32Array(task.size);
  let off = 0;
  shapes.forEach((sh, i) => {
    const len = sh.reduce((a, b) => a * b, 1);
    per.fill(scales[i]!, off, off + len);
    off += len;
  });
  if (off !== task.size) throw new MetaoptimError('LENGTH_MISMATCH', `augmentTask: shapes hold ${off} values, the task has ${task.size}`);
  const unscale = (p: Float32Array) => p.map((v, i) => v / per[i]!);
  return {
    name: `${task.name}+reparam`,
    size: task.size,
    init: (seed) => task.init(seed).map((v, i) => v * per[i]!),
    loss(p, batch, grad) {
      const l = task.loss(unscale(p), batch, grad);
      if (grad) for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! / per[i]!;
      return l;
    },
    evaluate: (p, split) => task.evaluate(unscale(p), split),
    dispose: () => task.dispose?.(),
  };
}

/** Teacher–student regression: student MLP (MSE) fitted to a fixed random tanh teacher's outputs on N(0, I) inputs. */
class TeacherStudentTask implements Task {
  readonly name: string;
  readonly size: number;
  readonly model: Mlp;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  constructor(hidden: number, seed: number, runtime: Runtime) {
    const rows = 512;
    const rng = new Rng(seed, 0x7473);
    this.x = Float32Array.from({ length: rows * 8 }, () => rng.normal());
    const teacher = new Mlp({ sizes: [8, 16, 4], activation: 'tanh', loss: 'mse', runtime, maxBatch: rows });
    try {
      const tp = teacher.init(seed ^ 0x5a5a).map((v) => 2 * v);
      this.y = teacher.predict(tp, this.x);
    } finally {
      teacher.dispose();
    }
    this.model = new Mlp({ sizes: [8, hidden, 4], activation: 'tanh', loss: 'mse', runtime, maxBatch: rows });
    this.size = this.model.size;
    this.name = `teacher-student-8-${hidden}-4`;
  }
  init(seed: number): Float32Array {
    return this.model.init(seed, new Float32Array(this.size));
  }
  private batch(b: number): { x: Float32Array; y: Float32Array } {
    const rng = new Rng(0x6274, b);
    const x = new Float32Array(32 * 8), y = new Float32Array(32 * 4);
    for (let r = 0; r < 32; r++) {
      const i = rng.int(512);
      x.set(this.x.subarray(i * 8, i * 8 + 8), r * 8);
      y.set(this.y.subarray(i * 4, i * 4 + 4), r * 4);
    }
    return { x, y };
  }
  loss(p: Float32Array, b: number, grad?: Float32Array): number {
    return this.model.loss(p, this.batch(b), grad);
  }
  evaluate(p: Float32Array): Evaluation {
    return { loss: this.model.loss(p, { x: this.x, y: this.y }) };
  }
  dispose(): void {
    this.model.dispose();
  }
}

/** The data sets the distribution uses (digits and iris; never wine). */
export interface MetaData {
  digits: SplitDataset;
  iris: SplitDataset;
}

/** Loads `MetaData` (cached by the data modules). */
export async function loadMetaData(): Promise<MetaData> {
  return { digits: await digitsSplit(), iris: await irisSplit() };
}

/** Builds meta-training task `seed` (see the module comment) on `runtime`. */
export function metaTask(seed: number, runtime: Runtime, data: MetaData, augmentProb = 0.25): MetaTask {
  const spec = sampleMetaSpec(seed, augmentProb);
  let task: Task, shapes: number[][];
  if (spec.kind === 'digits-mlp' || spec.kind === 'digits-logreg' || spec.kind === 'iris-logreg') {
    const d = spec.kind === 'iris-logreg' ? data.iris : data.digits;
    const t = new MlpTask({ data: d, runtime, hidden: spec.hidden, activation: spec.activation, batchNorm: spec.batchNorm, batchSize: spec.batchSize, streamSeed: spec.streamSeed });
    task = t;
    shapes = t.model.tensors.map((x) => [...x.shape]);
  } else if (spec.kind === 'teacher-student') {
    const t = new TeacherStudentTask(spec.hidden[0]!, spec.streamSeed, runtime);
    task = t;
    shapes = t.model.tensors.map((x) => [...x.shape]);
  } else if (spec.kind === 'quadratic') {
    const f = quadraticFamily({ n: spec.n, condition: spec.condition, seed: spec.streamSeed % 7 });
    task = f.task(f.sample(spec.streamSeed));
    shapes = [[spec.n]];
  } else {
    const f = leastSquaresFamily({ n: spec.n, m: 2 * spec.n, seed: spec.streamSeed % 7 });
    task = f.task(f.sample(spec.streamSeed));
    shapes = [[spec.n]];
  }
  if (spec.scales) {
    const r = new Rng(seed, 0x7363);
    spec.scales = shapes.map(() => Math.pow(2, r.int(21) - 10));
    task = augmentTask(task, shapes, spec.scales);
  }
  return { task, shapes, spec };
}
