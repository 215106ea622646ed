import { MetaoptimError, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Mlp } from '../nn/mlp.js';
import { type Runtime, defaultRuntimeOrThrow, ready } from '../runtime/runtime.js';
import { digitsSplit } from './digits.js';
import { orthogonal } from './functions.js';
import type { Evaluation, Split, Task } from './types.js';

/**
 * The benchmark suite's tasks that no other module provides (tasks/suite.ts lists them all).
 * Each is seeded: `init(seed)` draws the start, the minibatch index addresses the data stream.
 * Errors: UNKNOWN_OPTION, INVALID_ARGUMENT (sizes), LENGTH_MISMATCH (params/grad of the wrong
 * length), DISPOSED (autoencoder after dispose).
 */

function checkLen(name: string, n: number, p: Float32Array, g?: Float32Array): void {
  if (p.length !== n || (g !== undefined && g.length !== n)) {
    throw new MetaoptimError('LENGTH_MISMATCH', `${name}: params/grad must have ${n} entries`, { expected: n, got: g && g.length !== n ? g.length : p.length });
  }
}

/**
 * Beale's function (Beale 1958) in 2-D:
 *   f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²
 * Minimum 0 at (3, 0.5). `init(seed)` = (1, 1) + U(−0.5, 0.5)² from the seed (f ≈ 14 near (1, 1)).
 */
export function bealeTask(): Task {
  const c = [1.5, 2.25, 2.625];
  const f = (p: Float32Array, g?: Float32Array): number => {
    const x = p[0]!, y = p[1]!;
    let v = 0, gx = 0, gy = 0;
    for (let i = 0; i < 3; i++) {
      const yi = Math.pow(y, i + 1);
      const r = c[i]! - x + x * yi;
      v += r * r;
      gx += 2 * r * (yi - 1);
      gy += 2 * r * x * (i + 1) * Math.pow(y, i);
    }
    if (g) {
      g[0] = gx;
      g[1] = gy;
    }
    return v;
  };
  return {
    name: 'beale',
    size: 2,
    init(seed) {
      const r = new Rng(seed, 0xbea1e);
      return Float32Array.of(1 + r.uniform() - 0.5, 1 + r.uniform() - 0.5);
    },
    loss(p, _b, g) {
      checkLen('beale', 2, p, g);
      return f(p, g);
    },
    evaluate(p) {
      checkLen('beale', 2, p);
      return { loss: f(p) };
    },
  };
}

/**
 * A noisy quadratic with the spectrum of DeepOBS `quadratic_deep` (Schneider et al. 2019):
 * n = 100, H = Qᵀ diag(λ) Q with 90 eigenvalues U(0, 1) and 10 eigenvalues U(30, 60), Q a seeded
 * rotation. Minibatch b of size B has the loss L_b(θ) = ½(θ − z_b)ᵀH(θ − z_b), z_b ~ N(0, I/B)
 * (the mean of B unit-variance noise draws), ∇ = H(θ − z_b); `evaluate` gives ½θᵀHθ (noise-free).
 * Start: θ₀ = 10·1 + N(0, I) from the seed (DeepOBS starts at 10·1). Structure seed 0.
 */
export function deepNoisyQuadraticTask(o: { n?: number; batchSize?: number } = {}): Task {
  checkOptions('deepNoisyQuadraticTask', o, ['n', 'batchSize']);
  const n = o.n ?? 100;
  const B = o.batchSize ?? 16;
  if (!Number.isInteger(n) || n < 10 || !Number.isInteger(B) || B < 1) throw new MetaoptimError('INVALID_ARGUMENT', 'deepNoisyQuadraticTask: need an integer n ≥ 10 and batchSize ≥ 1');
  const rng = new Rng(0, 0xdee9);
  const q = orthogonal(n, rng.fork(1));
  const er = rng.fork(2);
  const lam = Float64Array.from({ length: n }, (_, i) => (i < n - Math.round(n / 10) ? er.uniform() : 30 + 30 * er.uniform()));
  const H = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      const a = lam[k]! * q[k * n + i]!;
      for (let j = 0; j < n; j++) H[i * n + j] += a * q[k * n + j]!;
    }
  }
  const d = new Float64Array(n);
  const value = (p: Float32Array, batch: number | null, g?: Float32Array): number => {
    const z = batch === null ? null : new Rng(0, 0xdee9, batch);
    const s = 1 / Math.sqrt(B);
    for (let i = 0; i < n; i++) d[i] = p[i]! - (z ? s * z.normal() : 0);
    let f = 0;
    for (let i = 0; i < n; i++) {
      let hi = 0;
      for (let j = 0; j < n; j++) hi += H[i * n + j]! * d[j]!;
      f += d[i]! * hi;
      if (g) g[i] = hi;
    }
    return 0.5 * f;
  };
  return {
    name: 'noisy-quadratic-deep',
    size: n,
    init(seed) {
      const r = new Rng(seed, 0xdee8);
      return Float32Array.from({ length: n }, () => 10 + r.normal());
    },
    loss(p, b, g) {
      checkLen('noisy-quadratic-deep', n, p, g);
      return value(p, b, g);
    },
    evaluate(p) {
      checkLen('noisy-quadratic-deep', n, p);
      return { loss: value(p, null) };
    },
  };
}

/**
 * Teacher–student regression: a fixed random teacher y = w₂ᵀ tanh(W₁x + b₁) + b₂ (8 inputs,
 * 16 hidden units, weights N(0, 1/fan_in) from structure seed 0) labels x ~ N(0, I₈) with noise
 * N(0, 0.05²); the student has the same architecture. Loss: mean ½(ŷ − y)² over a batch of B
 * (default 32) fresh draws per minibatch index; `evaluate` uses a fixed set of 1,024 draws
 * ('train') or another 1,024 ('test'). Student init: N(0, 1/fan_in) from the seed.
 * Parameters: W₁ (16×8), b₁ (16), w₂ (16), b₂ (1) = 161. Computed in f64.
 */
export function teacherStudentTask(o: { batchSize?: number } = {}): Task {
  checkOptions('teacherStudentTask', o, ['batchSize']);
  const D = 8, Hd = 16, B = o.batchSize ?? 32;
  if (!Number.isInteger(B) || B < 1) throw new MetaoptimError('INVALID_ARGUMENT', `teacherStudentTask: batchSize must be a positive integer, got ${B}`);
  const size = Hd * D + Hd + Hd + 1;
  const initParams = (r: Rng): Float32Array => {
    const p = new Float32Array(size);
    for (let i = 0; i < Hd * D; i++) p[i] = r.normal() / Math.sqrt(D);
    for (let i = 0; i < Hd; i++) p[Hd * D + Hd + i] = r.normal() / Math.sqrt(Hd);
    return p;
  };
  const teacher = initParams(new Rng(0, 0x7eac));
  const h = new Float64Array(Hd);
  const forward = (p: Float32Array, x: Float64Array): number => {
    let y = p[size - 1]!;
    for (let j = 0; j < Hd; j++) {
      let a = p[Hd * D + j]!;
      for (let i = 0; i < D; i++) a += p[j * D + i]! * x[i]!;
      h[j] = Math.tanh(a);
      y += p[Hd * D + Hd + j]! * h[j]!;
    }
    return y;
  };
  const draw = (r: Rng) => {
    const x = Float64Array.from({ length: D }, () => r.normal());
    return { x, y: forward(teacher, x) + 0.05 * r.normal() };
  };
  const fixed = (k: number) => Array.from({ length: 1024 }, (_, i) => draw(new Rng(0, 0x7e57, k, i)));
  const sets: Record<Split, ReturnType<typeof fixed> | undefined> = { train: undefined, test: undefined };
  const mean = (p: Float32Array, data: { x: Float64Array; y: number }[], g?: Float32Array): number => {
    const acc = g ? new Float64Array(size) : null;
    let f = 0;
    for (const { x, y } of data) {
      const e = forward(p, x) - y;
      f += 0.5 * e * e;
      if (acc) {
        acc[size - 1] += e;
        for (let j = 0; j < Hd; j++) {
          acc[Hd * D + Hd + j] += e * h[j]!;
          const da = e * p[Hd * D + Hd + j]! * (1 - h[j]! * h[j]!);
          acc[Hd * D + j] += da;
          for (let i = 0; i < D; i++) acc[j * D + i] += da * x[i]!;
        }
      }
    }
    if (g && acc) for (let i = 0; i < size; i++) g[i] = acc[i]! / data.length;
    return f / data.length;
  };
  return {
    name: 'teacher-student',
    size,
    init: (seed) => initParams(new Rng(seed, 0x57d)),
    loss(p, b, g) {
      checkLen('teacher-student', size, p, g);
      const r = new Rng(0, 0xba7c, b);
      return mean(p, Array.from({ length: B }, () => draw(r)), g);
    },
    evaluate(p, split: Split = 'test'): Evaluation {
      checkLen('teacher-student', size, p);
      const set = (sets[split] ??= fixed(split === 'train' ? 1 : 2));
      return { loss: mean(p, set) };
    },
  };
}

/**
 * A 64-16-64 sigmoid autoencoder on the digits split (pixels in [0, 1]): loss = the MLP's MSE
 * of the reconstruction, minibatches of B (default 64) training rows from a seeded shuffled-epoch
 * stream (epoch e permutation: `new Rng(0, 0xae, e).permutation`). `evaluate` averages over the
 * whole split. Owns WebAssembly memory: `dispose()` it.
 */
export async function digitsAutoencoderTask(o: { batchSize?: number; runtime?: Runtime } = {}): Promise<Task> {
  checkOptions('digitsAutoencoderTask', o, ['batchSize', 'runtime']);
  const data = await digitsSplit();
  let runtime = o.runtime;
  if (!runtime) {
    await ready();
    runtime = defaultRuntimeOrThrow();
  }
  const B = o.batchSize ?? 64;
  if (!Number.isInteger(B) || B < 1 || B > data.train.rows) throw new MetaoptimError('INVALID_ARGUMENT', `digitsAutoencoderTask: batchSize must be an integer in [1, ${data.train.rows}], got ${B}`);
  const F = data.train.features;
  const model = new Mlp({ sizes: [F, 16, F], activation: 'sigmoid', loss: 'mse', maxBatch: Math.max(data.train.rows, data.test.rows), runtime });
  const rows = data.train.rows;
  const perEpoch = Math.floor(rows / B);
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  const x = new Float32Array(B * F);
  let disposed = false;
  const live = () => {
    if (disposed) throw new MetaoptimError('DISPOSED', 'digits-autoencoder used after dispose()');
  };
  return {
    name: 'digits-autoencoder',
    size: model.size,
    init(seed) {
      live();
      return model.init(seed, new Float32Array(model.size));
    },
    loss(p, b, g) {
      live();
      const e = Math.floor(b / perEpoch);
      if (e !== epoch) {
        perm = new Rng(0, 0xae, e).permutation(rows);
        epoch = e;
      }
      const j = (b % perEpoch) * B;
      for (let r = 0; r < B; r++) x.set(data.train.x.subarray(perm[j + r]! * F, (perm[j + r]! + 1) * F), r * F);
      return model.loss(p, { x, y: x }, g);
    },
    evaluate(p, split: Split = 'test') {
      live();
      const s = split === 'train' ? data.train : data.test;
      return { loss: model.loss(p, { x: s.x, y: s.x }) };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
