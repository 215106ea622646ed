import type { Kernels } from '../runtime/kernels.js';
import type { TensorInfo } from './layout.js';

/** Batch-norm ε (PyTorch BatchNorm1d default). */
export const BN_EPS = 1e-5;

/**
 * The forward and backward passes of an MLP as kernel calls over byte offsets of one
 * workspace (see `Mlp` for the equations). A `Plan` is made once per model: it fixes
 * where every activation, delta and scratch buffer lives for up to `maxBatch` rows.
 *
 * Workspace per layer l (rows × n_l f32 each): Z_l (pre-activation, after bias), D_l
 * (∂loss/∂Z_l), and for hidden layers H_l (activation output) plus, with batch norm, Y_l
 * (BN output), X̂_l and r_l (n_l f64). Then the staged input X, MSE targets T, per-example
 * losses, a dγ/dβ sink and the GEMM packing buffer. Blocks are 16-byte aligned.
 */
export class Plan {
  readonly k: Kernels;
  readonly sizes: readonly number[];
  readonly kind: number;
  readonly batchNorm: boolean;
  readonly softmax: boolean;
  /** f32 elements the workspace needs. */
  readonly floats: number;
  private base = 0;
  private readonly rel: { Z: number[]; H: number[]; Y: number[]; XH: number[]; R: number[]; D: number[]; X: number; T: number; loss: number; sink: number; work: number };
  // Parameter offsets in elements, per layer (0-based).
  readonly wOff: number[] = [];
  readonly bOff: number[] = [];
  readonly gOff: number[] = [];
  readonly betaOff: number[] = [];

  constructor(k: Kernels, sizes: readonly number[], kind: number, batchNorm: boolean, softmax: boolean, maxBatch: number, tensors: readonly TensorInfo[]) {
    this.k = k;
    this.sizes = sizes;
    this.kind = kind;
    this.batchNorm = batchNorm;
    this.softmax = softmax;
    const L = sizes.length - 1;
    const at = (name: string) => tensors.find((t) => t.name === name)!.offset;
    for (let l = 1; l <= L; l++) {
      this.wOff.push(at(`W${l}`));
      this.bOff.push(at(`b${l}`));
      if (batchNorm && l < L) {
        this.gOff.push(at(`gamma${l}`));
        this.betaOff.push(at(`beta${l}`));
      }
    }
    const M = maxBatch;
    let top = 0;
    const take = (n: number) => {
      const a = top;
      top += Math.ceil(n / 4) * 4;
      return a;
    };
    const r = { Z: [] as number[], H: [] as number[], Y: [] as number[], XH: [] as number[], R: [] as number[], D: [] as number[], X: 0, T: 0, loss: 0, sink: 0, work: 0 };
    for (let l = 1; l <= L; l++) {
      const n = sizes[l]!;
      r.Z.push(take(M * n));
      r.D.push(take(M * n));
      if (l < L) {
        r.H.push(take(M * n));
        if (batchNorm) {
          r.Y.push(take(M * n));
          r.XH.push(take(M * n));
          r.R.push(take(2 * n));
        }
      }
    }
    r.X = take(M * sizes[0]!);
    r.T = take(M * sizes[L]!);
    r.loss = take(M);
    r.sink = take(Math.max(...sizes));
    let work = 0;
    for (let l = 1; l <= L; l++) {
      const nIn = sizes[l - 1]!;
      const nOut = sizes[l]!;
      work = Math.max(work, k.gemm_work_bytes(nIn, nOut), k.gemm_work_bytes(M, nIn), k.gemm_work_bytes(nOut, nIn), k.gemm_work_bytes(1, nIn));
    }
    r.work = take(work / 4);
    this.rel = r;
    this.floats = Math.max(top, 4);
  }

  /** Binds the plan to the workspace allocated at byte offset `ptr` (stable across memory growth). */
  bind(ptr: number): void {
    this.base = ptr;
  }

  /** Byte offset of a workspace block given in elements. */
  private p(el: number): number {
    return this.base + el * 4;
  }

  get xPtr(): number {
    return this.p(this.rel.X);
  }
  get targetPtr(): number {
    return this.p(this.rel.T);
  }
  get lossPtr(): number {
    return this.p(this.rel.loss);
  }
  get workPtr(): number {
    return this.p(this.rel.work);
  }
  /** Element offsets (within the workspace) of the staged input and targets. */
  get xElem(): number {
    return this.rel.X;
  }
  get targetElem(): number {
    return this.rel.T;
  }
  /** Byte offset of D_l (layer l, 1-based). */
  delta(l: number): number {
    return this.p(this.rel.D[l - 1]!);
  }
  /** Byte offset of H_l, the output of hidden layer l (1-based). */
  hidden(l: number): number {
    return this.p(this.rel.H[l - 1]!);
  }

  /** Runs layers 1..L on `rows` rows at xp; returns the byte offset of the logits Z_L. */
  forward(pp: number, xp: number, rows: number): number {
    const { k, sizes } = this;
    const L = sizes.length - 1;
    const work = this.workPtr;
    let inp = xp;
    let z = 0;
    for (let l = 1; l <= L; l++) {
      const nIn = sizes[l - 1]!;
      const nOut = sizes[l]!;
      z = this.p(this.rel.Z[l - 1]!);
      k.gemm_f32(0, 1, rows, nOut, nIn, inp, pp + this.wOff[l - 1]! * 4, z, 0, work);
      k.bias_add_f32(z, pp + this.bOff[l - 1]! * 4, rows, nOut);
      if (l < L) {
        let pre = z;
        if (this.batchNorm) {
          pre = this.p(this.rel.Y[l - 1]!);
          k.bn_forward_f32(z, pre, this.p(this.rel.XH[l - 1]!), this.p(this.rel.R[l - 1]!),
            pp + this.gOff[l - 1]! * 4, pp + this.betaOff[l - 1]! * 4, rows, nOut, BN_EPS);
        }
        const h = this.hidden(l);
        k.act_forward_f32(this.kind, pre, h, rows * nOut);
        inp = h;
      }
    }
    return z;
  }

  /** Σ_i ℓ_i of the logits at z; writes ℓ_i at lp and scale·∂ℓ_i/∂z into dz (each when ≠ 0). */
  loss(z: number, yp: number, rows: number, dz: number, lp: number, scale: number): number {
    const C = this.sizes[this.sizes.length - 1]!;
    return this.softmax ? this.k.softmax_ce_f32(z, yp, rows, C, dz, lp, scale) : this.k.mse_f32(z, yp, rows, C, dz, lp, scale);
  }

  /**
   * D_{l−1} from D_l (1-based l ≥ 2): f′ ⊙ (D_l·W_l), then back through batch norm
   * (writing dγ, dβ of layer l−1 into gp when gp ≠ 0).
   */
  propagate(pp: number, rows: number, l: number, gp: number): void {
    const k = this.k;
    const nIn = this.sizes[l - 1]!;
    const nOut = this.sizes[l]!;
    const d = this.delta(l);
    const dn = this.delta(l - 1);
    k.gemm_f32(0, 0, rows, nIn, nOut, d, pp + this.wOff[l - 1]! * 4, dn, 0, this.workPtr);
    const h = this.hidden(l - 1);
    if (this.batchNorm) {
      k.act_backward_f32(this.kind, this.p(this.rel.Y[l - 2]!), h, dn, dn, rows * nIn);
      const sink = this.p(this.rel.sink);
      const gg = gp ? gp + this.gOff[l - 2]! * 4 : sink;
      const gb = gp ? gp + this.betaOff[l - 2]! * 4 : sink;
      k.bn_backward_f32(dn, this.p(this.rel.XH[l - 2]!), this.p(this.rel.R[l - 2]!), pp + this.gOff[l - 2]! * 4, dn, gg, gb, rows, nIn);
    } else {
      k.act_backward_f32(this.kind, this.p(this.rel.Z[l - 2]!), h, dn, dn, rows * nIn);
    }
  }

  /** Deltas of every layer below the output, from D_L (per-example gradients). */
  backDeltas(pp: number, rows: number): void {
    for (let l = this.sizes.length - 1; l >= 2; l--) this.propagate(pp, rows, l, 0);
  }

  /**
   * From D_L: the deltas of every layer, then the input gradient dX₀ = D₁·W₁ (rows × n₀,
   * row-major) at byte offset dxp. No parameter gradient is formed (frozen network).
   */
  inputGrad(pp: number, rows: number, dxp: number): void {
    this.backDeltas(pp, rows);
    this.k.gemm_f32(0, 0, rows, this.sizes[0]!, this.sizes[1]!, this.delta(1), pp + this.wOff[0]! * 4, dxp, 0, this.workPtr);
  }

  /** From D_L: dW_l = D_lᵀ·X_{l−1}, db_l = Σ_rows D_l for every layer, into the gradient at gp. */
  backward(pp: number, xp: number, rows: number, gp: number): void {
    const k = this.k;
    const L = this.sizes.length - 1;
    const work = this.workPtr;
    for (let l = L; l >= 1; l--) {
      const nIn = this.sizes[l - 1]!;
      const nOut = this.sizes[l]!;
      const d = this.delta(l);
      const xin = l === 1 ? xp : this.hidden(l - 1);
      k.gemm_f32(1, 0, nOut, nIn, rows, d, xin, gp + this.wOff[l - 1]! * 4, 0, work);
      k.colsum_f32(d, rows, nOut, gp + this.bOff[l - 1]! * 4, 0);
      if (l > 1) this.propagate(pp, rows, l, gp);
    }
  }
}
