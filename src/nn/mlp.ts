import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';
import { Region } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { type Runtime, defaultRuntimeOrThrow } from '../runtime/runtime.js';
import { ACTIVATION_KIND, type Activation, type TensorInfo, checkActivation, checkSizes, mlpLayout } from './layout.js';
import { Plan } from './passes.js';

/**
 * Multi-layer perceptrons over ONE flat f32 parameter vector in WebAssembly memory.
 *
 * Forward (l = 1..L, X₀ = input rows):
 *   Z_l = X_{l−1}·W_lᵀ + b_l;  hidden layers: X_l = f(Z_l), or with batch norm
 *   X_l = f(γ_l·BN(Z_l) + β_l) (training-mode batch statistics, ε = 1e-5);  logits Z_L.
 * Loss: mean over rows of softmax cross-entropy (integer labels) or of MSE (targets).
 * Backward: dZ_L = ∂loss/∂logits; dW_l = dZ_lᵀ·X_{l−1}; db_l = Σ_rows dZ_l;
 *   dX_{l−1} = dZ_l·W_l; then back through f (and BN) to dZ_{l−1}.
 *
 * Parameter layout: see `mlpLayout` (W row-major [out][in], as PyTorch's Linear).
 * Zero-copy: parameter, gradient and input arrays that are views of the runtime's memory
 * (an optimizer state's `params` / `grads`, `model.params`) are used in place; others are
 * copied through staging buffers.
 *
 * Errors: INVALID_ARGUMENT (sizes, activation, batch rows, labels), LENGTH_MISMATCH
 * (params/grads/targets of the wrong length), UNSUPPORTED_MODEL (per-example gradients of
 * a batch-norm model, whose examples are coupled), DISPOSED (after `dispose()`),
 * NOT_READY (no runtime given and `ready()` not awaited).
 */
export interface MlpOptions {
  /** Layer sizes, input first: `[64, 20, 10]`. `[64, 10]` is (multinomial) logistic regression. */
  sizes: readonly number[];
  /** Hidden nonlinearity (default `'relu'`). */
  activation?: Activation;
  /** Batch norm (training mode, affine) after every hidden linear layer, before f (default false). */
  batchNorm?: boolean;
  /** `'softmax_ce'` (default; labels are class indices) or `'mse'` (targets rows × outputs). */
  loss?: 'softmax_ce' | 'mse';
  /** Largest number of rows per call (default 256); workspace is sized for it. */
  maxBatch?: number;
  /** Initialization scheme (default `'pytorch'`). */
  init?: InitScheme;
  runtime?: Runtime;
}

/** The keys `mlp` accepts (anything else is UNKNOWN_OPTION). */
export const MLP_KEYS = optionKeys<MlpOptions>({ sizes: 1, activation: 1, batchNorm: 1, loss: 1, maxBatch: 1, init: 1, runtime: 1 });

/**
 * `'pytorch'`: W, b ~ U(±1/√fan_in) (torch.nn.Linear default); `'glorot'`: W ~ U(±√(6/(fan_in+fan_out))), b = 0.
 * Batch-norm γ = 1, β = 0 in both. Draws come from one xoshiro128** stream seeded by the
 * seed, in layout order (W row-major, then b).
 */
export type InitScheme = 'pytorch' | 'glorot';

/** A minibatch: `x` is rows × inputs row-major; `y` labels (softmax_ce) or targets rows × outputs (mse). */
export interface Batch {
  x: Float32Array;
  y: Int32Array | Float32Array;
}

/**
 * A multilayer perceptron over ONE flat f32 parameter vector (made by `mlp(options)`): forward,
 * loss and backward run as WebAssembly kernels (packed SIMD GEMM, bias, activation, batch norm,
 * softmax cross-entropy or MSE). `loss(params, batch, grad?)` writes ∂L/∂θ into `grad`;
 * per-example gradients and input gradients are available for analysis. Named views of the
 * tensors (W1, b1, …) come from `tensors`/`mlpLayout`. It owns WebAssembly memory: `dispose()` it.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { type Mlp, mlp } from 'metaoptim/nn';
 * await ready();
 * const model: Mlp = mlp({ sizes: [3, 5, 2], activation: 'tanh', batchNorm: false, maxBatch: 4 });
 * const logits = model.predict(model.init(1), Float32Array.of(0.1, 0.2, 0.3)); // one row → 2 logits
 * console.log(logits.length, model.tensor('W1').length); // 2 15
 * model.dispose();
 * ```
 */
export class Mlp {
  readonly runtime: Runtime;
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly batchNorm: boolean;
  readonly lossKind: 'softmax_ce' | 'mse';
  readonly initScheme: InitScheme;
  readonly maxBatch: number;
  /** Number of parameters. */
  readonly size: number;
  readonly tensors: readonly TensorInfo[];
  private readonly byName: Map<string, TensorInfo>;
  private readonly k: Kernels;
  private readonly own: Region<Float32Array>; // model.params
  private readonly gbuf: Region<Float32Array>; // gradient staging
  private readonly pstage: Region<Float32Array>; // params staging
  private readonly ws: Region<Float32Array>;
  private readonly ints: Region<Int32Array>; // labels + rng state
  private readonly plan: Plan;
  private _disposed = false;

  constructor(o: MlpOptions) {
    const owner = 'mlp';
    if (o === null || typeof o !== 'object') throw new MetaoptimError('INVALID_ARGUMENT', 'mlp: options must be an object');
    checkOptions(owner, o, MLP_KEYS);
    this.sizes = checkSizes(owner, o.sizes);
    this.activation = checkActivation(owner, o.activation ?? 'relu');
    this.batchNorm = o.batchNorm === true;
    this.lossKind = o.loss ?? 'softmax_ce';
    if (this.lossKind !== 'softmax_ce' && this.lossKind !== 'mse') throw new MetaoptimError('INVALID_ARGUMENT', `mlp: loss must be softmax_ce or mse, got ${String(o.loss)}`);
    this.initScheme = o.init ?? 'pytorch';
    if (this.initScheme !== 'pytorch' && this.initScheme !== 'glorot') throw new MetaoptimError('INVALID_ARGUMENT', `mlp: init must be pytorch or glorot, got ${String(o.init)}`);
    this.maxBatch = o.maxBatch ?? 256;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1 || this.maxBatch > 1 << 20) {
      throw new MetaoptimError('INVALID_ARGUMENT', `mlp: maxBatch must be an integer in [1, 2^20], got ${String(o.maxBatch)}`);
    }
    const L = this.sizes.length - 1;
    if (this.batchNorm && L < 2) throw new MetaoptimError('INVALID_ARGUMENT', 'mlp: batchNorm needs at least one hidden layer');
    this.runtime = o.runtime ?? defaultRuntimeOrThrow();
    this.k = this.runtime.kernels;
    const lay = mlpLayout(this.sizes, this.batchNorm);
    this.tensors = lay.tensors;
    this.size = lay.size;
    this.byName = new Map(lay.tensors.map((t) => [t.name, t]));
    this.plan = new Plan(this.k, this.sizes, ACTIVATION_KIND[this.activation], this.batchNorm, this.lossKind === 'softmax_ce', this.maxBatch, this.tensors);
    const M = this.maxBatch;
    const regions: { release(): void }[] = [];
    try {
      this.own = new Region(this.runtime.arena, Float32Array, this.size);
      regions.push(this.own);
      this.gbuf = new Region(this.runtime.arena, Float32Array, this.size);
      regions.push(this.gbuf);
      this.pstage = new Region(this.runtime.arena, Float32Array, this.size);
      regions.push(this.pstage);
      this.ws = new Region(this.runtime.arena, Float32Array, this.plan.floats);
      regions.push(this.ws);
      this.ints = new Region(this.runtime.arena, Int32Array, M + 4);
    } catch (err) {
      for (const r of regions) r.release();
      throw err;
    }
    this.plan.bind(this.ws.ptr);
  }

  /** The model's own parameter vector (a view into WebAssembly memory; re-read after allocations). */
  get params(): Float32Array {
    this.live();
    return this.own.view;
  }

  /** Byte offset of `model.params` in the runtime's memory. */
  get paramsPtr(): number {
    return this.own.ptr;
  }

  /** Describes tensor `name` (`W1`, `b1`, `gamma1`, …). */
  tensor(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new MetaoptimError('INVALID_ARGUMENT', `mlp: no tensor named ${name}`);
    return t;
  }

  /** Named views (subarrays) of a flat vector with this model's layout (default `model.params`). */
  views(flat?: Float32Array): Record<string, Float32Array> {
    const p = flat ?? this.params;
    this.checkLength('params', p, this.size);
    const out: Record<string, Float32Array> = {};
    for (const t of this.tensors) out[t.name] = p.subarray(t.offset, t.offset + t.length);
    return out;
  }

  /**
   * Writes initial parameters for `seed` into `out` (default `model.params`) and returns it.
   * Deterministic: the same seed gives the same bits on every engine and build.
   */
  init(seed: number, out?: Float32Array): Float32Array {
    this.live();
    const target = out ?? this.own.view;
    this.checkLength('init out', target, this.size);
    const inMem = this.isWasm(target);
    const base = inMem ? target.byteOffset : this.pstage.ptr;
    const st = this.ints.ptr + this.maxBatch * 4;
    this.k.rng_seed(st, seed >>> 0);
    const L = this.sizes.length - 1;
    for (let l = 1; l <= L; l++) {
      const nIn = this.sizes[l - 1]!;
      const nOut = this.sizes[l]!;
      const w = base + this.plan.wOff[l - 1]! * 4;
      const b = base + this.plan.bOff[l - 1]! * 4;
      if (this.initScheme === 'pytorch') {
        const a = 1 / Math.sqrt(nIn);
        this.k.rng_fill_uniform_f32(st, w, nIn * nOut, -a, a);
        this.k.rng_fill_uniform_f32(st, b, nOut, -a, a);
      } else {
        const a = Math.sqrt(6 / (nIn + nOut));
        this.k.rng_fill_uniform_f32(st, w, nIn * nOut, -a, a);
        this.mem().fill(0, b / 4, b / 4 + nOut);
      }
      if (this.batchNorm && l < L) {
        const g = base / 4 + this.plan.gOff[l - 1]!;
        const be = base / 4 + this.plan.betaOff[l - 1]!;
        this.mem().fill(1, g, g + nOut).fill(0, be, be + nOut);
      }
    }
    if (!inMem) target.set(this.pstage.view);
    return target;
  }

  /**
   * Mean loss on `batch` at `params` (default `model.params`); when `grad` is given the
   * gradient of that mean is written into it (zero-copy when `grad` is a view of this
   * runtime's memory, e.g. `optState.grads`).
   */
  loss(params: Float32Array | undefined, batch: Batch, grad?: Float32Array): number {
    this.live();
    const rows = this.rowsOf(batch);
    const pp = this.paramPtr(params);
    const xp = this.inputPtr(batch.x, rows);
    const yp = this.targetPtr(batch.y, rows);
    return this.lossAt(pp, xp, yp, rows, grad);
  }

  /**
   * Low-level entry used by tasks: mean loss of `rows` rows at byte offsets `xp` (inputs)
   * and `yp` (labels or targets) of this runtime's memory, with parameters at `pp`.
   */
  lossAt(pp: number, xp: number, yp: number, rows: number, grad?: Float32Array, perExampleLoss?: Float32Array): number {
    this.live();
    this.checkRows(rows);
    const gIn = grad !== undefined;
    let gp = 0;
    if (gIn) {
      this.checkLength('grad', grad, this.size);
      gp = this.isWasm(grad) ? grad.byteOffset : this.gbuf.ptr;
    }
    const logits = this.plan.forward(pp, xp, rows);
    const L = this.sizes.length - 1;
    const dz = gIn ? this.plan.delta(L) : 0;
    const lp = this.plan.lossPtr;
    const total = this.plan.loss(logits, yp, rows, dz, lp, 1 / rows);
    if (gIn) {
      this.plan.backward(pp, xp, rows, gp);
      if (!this.isWasm(grad)) grad.set(this.gbuf.view);
    }
    if (perExampleLoss) {
      this.checkLength('perExampleLoss', perExampleLoss, rows);
      perExampleLoss.set(this.mem().subarray(lp / 4, lp / 4 + rows));
    }
    return total / rows;
  }

  /**
   * Input gradient of a frozen network: mean loss on `batch` at `params`, with ∂loss/∂x
   * (rows × inputs, row-major, the gradient of the MEAN loss) written into `dx`:
   * dX₀ = D₁·W₁ after the usual backward recursion for the deltas. No parameter gradient
   * is formed and nothing in `params` is written. `dx` is used in place when it is a view of
   * this runtime's memory, else copied through a staging buffer. Soft-prompt tuning
   * (`promptTuningTask`) sums the prefix columns of `dx` over rows.
   */
  inputGrad(params: Float32Array | undefined, batch: Batch, dx: Float32Array): number {
    this.live();
    const rows = this.rowsOf(batch);
    this.checkLength('dx', dx, rows * this.sizes[0]!);
    const pp = this.paramPtr(params);
    const xp = this.inputPtr(batch.x, rows);
    const yp = this.targetPtr(batch.y, rows);
    if (this.isWasm(dx)) return this.inputGradAt(pp, xp, yp, rows, dx.byteOffset);
    const tmp = new Region(this.runtime.arena, Float32Array, rows * this.sizes[0]!);
    try {
      const loss = this.inputGradAt(pp, xp, yp, rows, tmp.ptr);
      dx.set(tmp.view);
      return loss;
    } finally {
      tmp.release();
    }
  }

  /**
   * Low-level entry of `inputGrad` used by tasks: mean loss of `rows` rows at byte offsets
   * `xp`/`yp` with parameters at `pp`; ∂(mean loss)/∂X (rows × inputs f32) written at byte
   * offset `dxp` (which must not overlap the workspace).
   */
  inputGradAt(pp: number, xp: number, yp: number, rows: number, dxp: number): number {
    this.live();
    this.checkRows(rows);
    const logits = this.plan.forward(pp, xp, rows);
    const L = this.sizes.length - 1;
    const total = this.plan.loss(logits, yp, rows, this.plan.delta(L), this.plan.lossPtr, 1 / rows);
    this.plan.inputGrad(pp, rows, dxp);
    return total / rows;
  }

  /**
   * Per-example gradients: row r of `out` (rows × size, row-major) is the gradient of
   * example r's loss ℓ_r (their mean is the batch gradient). Returns the per-example losses.
   * Not defined for batch-norm models (examples are coupled through the batch statistics).
   */
  perExampleGrads(params: Float32Array | undefined, batch: Batch, out: Float32Array): Float32Array {
    this.live();
    if (this.batchNorm) throw new MetaoptimError('UNSUPPORTED_MODEL', 'mlp: per-example gradients are not defined with batch norm (examples are coupled)');
    const rows = this.rowsOf(batch);
    this.checkLength('out', out, rows * this.size);
    const pp = this.paramPtr(params);
    const xp = this.inputPtr(batch.x, rows);
    const yp = this.targetPtr(batch.y, rows);
    const logits = this.plan.forward(pp, xp, rows);
    const L = this.sizes.length - 1;
    const lp = this.plan.lossPtr;
    this.plan.loss(logits, yp, rows, this.plan.delta(L), lp, 1);
    this.plan.backDeltas(pp, rows);
    const inMem = this.isWasm(out);
    const tmp = inMem ? undefined : new Region(this.runtime.arena, Float32Array, rows * this.size);
    try {
      const base = inMem ? out.byteOffset : tmp!.ptr;
      const k = this.k;
      for (let r = 0; r < rows; r++) {
        const g = base + r * this.size * 4;
        for (let l = 1; l <= L; l++) {
          const nIn = this.sizes[l - 1]!;
          const nOut = this.sizes[l]!;
          const xin = (l === 1 ? xp : this.plan.hidden(l - 1)) + r * nIn * 4;
          const d = this.plan.delta(l) + r * nOut * 4;
          k.gemm_f32(1, 0, nOut, nIn, 1, d, xin, g + this.plan.wOff[l - 1]! * 4, 0, this.plan.workPtr);
          const m = this.mem();
          m.copyWithin((g >> 2) + this.plan.bOff[l - 1]!, d >> 2, (d >> 2) + nOut);
        }
      }
      if (tmp) out.set(tmp.view);
    } finally {
      tmp?.release();
    }
    const m = this.mem();
    return m.slice(lp / 4, lp / 4 + rows);
  }

  /** Logits (or MSE outputs) of `x` at `params`, a fresh rows × outputs array. */
  predict(params: Float32Array | undefined, x: Float32Array): Float32Array {
    this.live();
    const nIn = this.sizes[0]!;
    if (x.length % nIn !== 0) throw new MetaoptimError('LENGTH_MISMATCH', `mlp: x has ${x.length} values, not a multiple of ${nIn}`);
    const rows = x.length / nIn;
    this.checkRows(rows);
    const pp = this.paramPtr(params);
    const z = this.plan.forward(pp, this.inputPtr(x, rows), rows);
    const nOut = this.sizes[this.sizes.length - 1]!;
    return this.mem().slice(z / 4, z / 4 + rows * nOut);
  }

  /** Rows among `rows` (at byte offsets xp / labels yp) whose argmax logit is the label. */
  correctAt(pp: number, xp: number, yp: number, rows: number): { loss: number; correct: number } {
    this.live();
    this.checkRows(rows);
    const z = this.plan.forward(pp, xp, rows);
    const total = this.plan.loss(z, yp, rows, 0, 0, 1);
    const correct = this.lossKind === 'softmax_ce' ? this.k.count_correct(z, yp, rows, this.sizes[this.sizes.length - 1]!) : 0;
    return { loss: total, correct };
  }

  /** Byte offset of `params` in memory (staging a copy when it is not a view of this runtime's memory). */
  paramPtr(params: Float32Array | undefined): number {
    if (params === undefined) return this.own.ptr;
    this.checkLength('params', params, this.size);
    if (this.isWasm(params)) return params.byteOffset;
    this.pstage.view.set(params);
    return this.pstage.ptr;
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** Frees the model's WebAssembly memory; idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this.runtime.disposed) return;
    for (const r of [this.own, this.gbuf, this.pstage, this.ws, this.ints]) r.release();
  }

  // ---- internals ----

  private rowsOf(batch: Batch): number {
    if (batch === null || typeof batch !== 'object' || !(batch.x instanceof Float32Array)) {
      throw new MetaoptimError('INVALID_ARGUMENT', 'mlp: batch.x must be a Float32Array');
    }
    const nIn = this.sizes[0]!;
    if (batch.x.length % nIn !== 0) throw new MetaoptimError('LENGTH_MISMATCH', `mlp: batch.x has ${batch.x.length} values, not a multiple of ${nIn}`);
    const rows = batch.x.length / nIn;
    this.checkRows(rows);
    return rows;
  }

  private checkRows(rows: number): void {
    if (!Number.isInteger(rows) || rows < 1 || rows > this.maxBatch) {
      throw new MetaoptimError('INVALID_ARGUMENT', `mlp: batch of ${rows} rows outside [1, maxBatch = ${this.maxBatch}]`);
    }
  }

  private inputPtr(x: Float32Array, rows: number): number {
    if (this.isWasm(x)) return x.byteOffset;
    this.ws.view.set(x.subarray(0, rows * this.sizes[0]!), this.plan.xElem);
    return this.plan.xPtr;
  }

  private targetPtr(y: Int32Array | Float32Array, rows: number): number {
    if (this.lossKind === 'softmax_ce') {
      if (!(y instanceof Int32Array) || y.length !== rows) {
        throw new MetaoptimError('INVALID_ARGUMENT', `mlp: batch.y must be an Int32Array of ${rows} labels`);
      }
      const C = this.sizes[this.sizes.length - 1]!;
      for (let i = 0; i < rows; i++) {
        const c = y[i]!;
        if (c < 0 || c >= C) throw new MetaoptimError('INVALID_ARGUMENT', `mlp: label ${c} at row ${i} outside [0, ${C})`);
      }
      if (this.isWasm(y)) return y.byteOffset;
      this.ints.view.set(y);
      return this.ints.ptr;
    }
    const n = rows * this.sizes[this.sizes.length - 1]!;
    if (!(y instanceof Float32Array) || y.length !== n) {
      throw new MetaoptimError('LENGTH_MISMATCH', `mlp: batch.y must be a Float32Array of ${n} targets`);
    }
    if (this.isWasm(y)) return y.byteOffset;
    this.ws.view.set(y, this.plan.targetElem);
    return this.plan.targetPtr;
  }

  private isWasm(a: ArrayBufferView): boolean {
    return a.buffer === this.runtime.arena.memory.buffer;
  }

  private mem(): Float32Array {
    return new Float32Array(this.runtime.arena.memory.buffer);
  }

  private checkLength(what: string, a: unknown, n: number): asserts a is Float32Array {
    if (!(a instanceof Float32Array)) throw new MetaoptimError('INVALID_ARGUMENT', `mlp: ${what} must be a Float32Array`);
    if (a.length !== n) throw new MetaoptimError('LENGTH_MISMATCH', `mlp: ${what} has ${a.length} elements, expected ${n}`, { expected: n, got: a.length });
  }

  private live(): void {
    if (this._disposed) throw new MetaoptimError('DISPOSED', 'mlp used after dispose()');
    if (this.runtime.disposed) throw new MetaoptimError('DISPOSED', 'the runtime of this mlp was disposed');
  }
}

/**
 * Builds an MLP (see `Mlp`).
 * @example
 * ```ts
 * import { adam, ready } from 'metaoptim';
 * import { mlp } from 'metaoptim/nn';
 * await ready();
 * const model = mlp({ sizes: [4, 8, 3], activation: 'relu', batchNorm: false, maxBatch: 16 });
 * const opt = adam({ lr: 1e-2 });
 * const state = opt.init(model.init(0), { runtime: model.runtime });
 * const batch = { x: new Float32Array(8).fill(0.5), y: Int32Array.of(0, 2) }; // 2 rows of 4 inputs
 * const before = model.loss(state.params, batch, state.grads); // softmax CE, gradient into state.grads
 * opt.step(state);
 * console.log(model.size, model.loss(state.params, batch) < before); // 67 true
 * state.dispose();
 * model.dispose();
 * ```
 */
export function mlp(o: MlpOptions): Mlp {
  return new Mlp(o);
}
