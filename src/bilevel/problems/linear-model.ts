import { MetaoptimError } from '../../core/errors.js';
import { powerIteration } from '../../core/linalg.js';
import { Loop } from '../../core/loop.js';
import { Region, type Runtime } from '../../runtime/index.js';

/**
 * WASM-resident pieces of the digits bilevel problems: a data block (features, labels,
 * target groups) with its logits / per-example-loss scratch, and the two products a
 * LINEAR softmax model needs (kernels in assembly/linear.ts). Everything is allocated at
 * construction, so the oracles never allocate while a solver's buffers are lent to them.
 */
export class SoftmaxBlock {
  readonly rows: number;
  readonly d: number;
  readonly c: number;
  readonly groups: number;
  readonly x: Region<Float32Array>;
  readonly labels: Region<Int32Array>;
  readonly mask: Region<Int32Array>;
  /** rows×c logits, overwritten by ∂loss/∂logits. */
  readonly z: Region<Float32Array>;
  /** per-example loss ℓ_r of the last `nll` call */
  readonly loss: Region<Float32Array>;
  /** per-example weights for weighted losses */
  readonly w: Region<Float32Array>;

  constructor(
    private readonly rt: Runtime,
    x: Float32Array,
    labels: Int32Array,
    d: number,
    c: number,
    /** groups×c 0/1 mask; default identity (cross-entropy) */
    mask?: Int32Array,
  ) {
    this.rows = labels.length;
    this.d = d;
    this.c = c;
    if (x.length !== this.rows * d) throw new MetaoptimError('BILEVEL_SHAPE', `data block: ${x.length} features for ${this.rows} rows × ${d}`);
    const m = mask ?? Int32Array.from({ length: c * c }, (_, i) => (Math.floor(i / c) === i % c ? 1 : 0));
    this.groups = m.length / c;
    for (const t of labels) {
      if (!(t >= 0 && t < this.groups)) throw new MetaoptimError('BILEVEL_SHAPE', `data block: label ${t} outside 0..${this.groups - 1}`);
    }
    const a = rt.arena;
    this.x = new Region(a, Float32Array, x.length);
    this.x.view.set(x);
    this.labels = new Region(a, Int32Array, this.rows);
    this.labels.view.set(labels);
    this.mask = new Region(a, Int32Array, m.length);
    this.mask.view.set(m);
    this.z = new Region(a, Float32Array, this.rows * c);
    this.loss = new Region(a, Float32Array, this.rows);
    this.w = new Region(a, Float32Array, this.rows);
  }

  /** z = X·Wᵀ + b for W (c×d) and b (c) in WASM memory (bias pointer 0: none). */
  forward(wPtr: number, bPtr: number): void {
    this.rt.kernels.linear_fwd_f32(this.z.ptr, this.x.ptr, wPtr, bPtr, this.rows, this.d, this.c);
  }

  /** Softmax group NLL of the current logits: returns Σ s·w_r·ℓ_r, leaves dZ in z and ℓ_r in loss. */
  nll(scale: number, weighted: boolean): number {
    return this.rt.kernels.softmax_nll_f32(this.z.ptr, this.labels.ptr, this.mask.ptr, this.groups, this.rows, this.c, weighted ? this.w.ptr : 0, scale, this.loss.ptr);
  }

  /** Fraction of rows whose arg-max logit lies in the label's group (call right after `forward`). */
  accuracy(): number {
    const z = this.z.view, m = this.mask.view, lab = this.labels.view;
    let ok = 0;
    for (let r = 0; r < this.rows; r++) {
      let best = 0;
      for (let k = 1; k < this.c; k++) if (z[r * this.c + k]! > z[r * this.c + best]!) best = k;
      if (m[lab[r]! * this.c + best] !== 0) ok++;
    }
    return this.rows ? ok / this.rows : 0;
  }

  release(): void {
    for (const r of [this.x, this.labels, this.mask, this.z, this.loss, this.w]) r.release();
  }
}

/**
 * Minimizes a smooth strongly convex function of v (length n) by Nesterov's accelerated
 * gradient with a fixed step 1/L and gradient-restart (O'Donoghue & Candès): used for the
 * exact-enough y*(x) of the digits problems. Stops when ‖∇‖∞ ≤ tol or after maxIter steps.
 * `minimizeStronglyConvexAsync` runs the same iterations (same bits) on the core `Loop`,
 * yielding to the event loop and rejecting with ABORTED when `signal` fires.
 */
export function minimizeStronglyConvex(
  grad: (v: Float32Array, g: Float32Array) => number,
  v: Float32Array,
  L: number,
  opts: { maxIter: number; tol: number },
): { value: number; iterations: number; gradInf: number } {
  const m = accelerated(grad, v, L, opts);
  while (!m.step());
  return m.finish();
}

/** `minimizeStronglyConvex` as a cancellable loop (see there); `partial` of ABORTED is undefined (v holds the iterate). */
export async function minimizeStronglyConvexAsync(
  grad: (v: Float32Array, g: Float32Array) => number,
  v: Float32Array,
  L: number,
  opts: { maxIter: number; tol: number; signal?: AbortSignal; label?: string },
): Promise<{ value: number; iterations: number; gradInf: number }> {
  const loop = new Loop(opts.label ?? 'minimizeStronglyConvex', { signal: opts.signal }, { total: opts.maxIter });
  const m = accelerated(grad, v, L, opts);
  for (let k = 1; !m.step(); k++) await loop.tick(k);
  return m.finish();
}

/** The accelerated-gradient state machine behind both: `step()` returns true when done. */
function accelerated(grad: (v: Float32Array, g: Float32Array) => number, v: Float32Array, L: number, opts: { maxIter: number; tol: number }) {
  const n = v.length;
  const g = new Float32Array(n);
  const prev = Float32Array.from(v);
  const look = Float32Array.from(v);
  let t = 1;
  let it = 0;
  return {
    step(): boolean {
      if (it >= opts.maxIter) return true;
      grad(look, g);
      if (infNorm(g) <= opts.tol) {
        v.set(look);
        return true;
      }
      for (let i = 0; i < n; i++) {
        prev[i] = v[i]!;
        v[i] = look[i]! - g[i]! / L;
      }
      let dot = 0;
      for (let i = 0; i < n; i++) dot += g[i]! * (v[i]! - prev[i]!);
      const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      const beta = dot > 0 ? 0 : (t - 1) / tn; // restart when the momentum points uphill
      t = dot > 0 ? 1 : tn;
      for (let i = 0; i < n; i++) look[i] = v[i]! + beta * (v[i]! - prev[i]!);
      it++;
      return false;
    },
    finish(): { value: number; iterations: number; gradInf: number } {
      const value = grad(v, g);
      return { value, iterations: it, gradInf: infNorm(g) };
    },
  };
}

function infNorm(g: Float32Array): number {
  let m = 0;
  for (const v of g) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Largest eigenvalue of XᵀX/rows (X: rows×d row-major f32) by core `powerIteration` in f64,
 * matrix-free (v ↦ Xᵀ(Xv)/rows), at most `iters` iterations or until the Rayleigh quotient
 * settles to 1e-12 relative — for softmax-CE smoothness bounds.
 */
export function gramTopEigen(x: Float32Array, rows: number, d: number, iters = 100): number {
  const apply = (v: Float64Array, u: Float64Array): void => {
    u.fill(0);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[r * d + j]! * v[j]!;
      for (let j = 0; j < d; j++) u[j]! += (s * x[r * d + j]!) / rows;
    }
  };
  return powerIteration(apply, d, { maxIterations: iters }).lambda;
}
