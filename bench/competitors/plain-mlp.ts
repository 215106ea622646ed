// A plain-JavaScript MLP training step (the "plain-js" competitor of the train-step and gemm
// suites): typed arrays, loops ordered for contiguous inner access, no WebAssembly, no
// allocation per step. Same algorithm as metaoptim's Mlp + Adam: ReLU hidden layers,
// softmax cross-entropy (mean), PyTorch layout W[out][in], Adam with bias correction.

/** C (+)= op(A)·op(B) for row-major f32 arrays (ikj / dot-product orders per transpose). */
export function plainGemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean): void {
  if (!accumulate) C.fill(0, 0, M * N);
  if (transB) {
    // C[i][j] += Σ_k A(i,k)·B[j][k]: dot products over contiguous rows.
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        const jb = j * K;
        if (transA) for (let k = 0; k < K; k++) s += A[k * M + i]! * B[jb + k]!;
        else {
          const ia = i * K;
          for (let k = 0; k < K; k++) s += A[ia + k]! * B[jb + k]!;
        }
        C[i * N + j]! += s;
      }
    }
    return;
  }
  // C[i][:] += A(i,k)·B[k][:]: axpy over contiguous rows of B.
  for (let i = 0; i < M; i++) {
    const ic = i * N;
    for (let k = 0; k < K; k++) {
      const a = transA ? A[k * M + i]! : A[i * K + k]!;
      const kb = k * N;
      for (let j = 0; j < N; j++) C[ic + j]! += a * B[kb + j]!;
    }
  }
}

export class PlainMlp {
  readonly sizes: number[];
  readonly size: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  private readonly acts: Float32Array[] = [];
  private readonly deltas: Float32Array[] = [];
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];

  constructor(sizes: number[], batch: number, seed = 1) {
    this.sizes = sizes;
    let off = 0;
    for (let l = 1; l < sizes.length; l++) {
      this.wOff.push(off);
      off += sizes[l - 1]! * sizes[l]!;
      this.bOff.push(off);
      off += sizes[l]!;
      this.acts.push(new Float32Array(batch * sizes[l]!));
      this.deltas.push(new Float32Array(batch * sizes[l]!));
    }
    this.size = off;
    this.params = new Float32Array(off);
    this.grads = new Float32Array(off);
    this.m = new Float32Array(off);
    this.v = new Float32Array(off);
    let s = seed >>> 0;
    for (let l = 1; l < sizes.length; l++) {
      const a = 1 / Math.sqrt(sizes[l - 1]!);
      for (let i = this.wOff[l - 1]!; i < this.bOff[l - 1]! + sizes[l]!; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        this.params[i] = a * (2 * (s / 4294967296) - 1);
      }
    }
  }

  /** One step: forward, mean softmax CE, backward into grads, Adam(lr). Returns the loss. */
  step(x: Float32Array, y: Int32Array, rows: number, lr = 1e-3): number {
    const { sizes, params: P, grads: G } = this;
    const L = sizes.length - 1;
    let inp = x;
    for (let l = 1; l <= L; l++) {
      const nIn = sizes[l - 1]!;
      const nOut = sizes[l]!;
      const z = this.acts[l - 1]!;
      const w = this.wOff[l - 1]!;
      const b = this.bOff[l - 1]!;
      for (let r = 0; r < rows; r++) {
        const xr = r * nIn;
        for (let o = 0; o < nOut; o++) {
          const wo = w + o * nIn;
          // Four independent partial sums (breaks the add latency chain).
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let i = 0;
          for (; i + 4 <= nIn; i += 4) {
            s0 += inp[xr + i]! * P[wo + i]!;
            s1 += inp[xr + i + 1]! * P[wo + i + 1]!;
            s2 += inp[xr + i + 2]! * P[wo + i + 2]!;
            s3 += inp[xr + i + 3]! * P[wo + i + 3]!;
          }
          for (; i < nIn; i++) s0 += inp[xr + i]! * P[wo + i]!;
          const s = P[b + o]! + ((s0 + s1) + (s2 + s3));
          z[r * nOut + o] = l < L && s < 0 ? 0 : s; // ReLU on hidden layers
        }
      }
      inp = z;
    }
    const C = sizes[L]!;
    const logits = this.acts[L - 1]!;
    const dl = this.deltas[L - 1]!;
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      let mx = -Infinity;
      for (let k = 0; k < C; k++) mx = Math.max(mx, logits[r * C + k]!);
      let s = 0;
      for (let k = 0; k < C; k++) s += Math.exp(logits[r * C + k]! - mx);
      loss += Math.log(s) + mx - logits[r * C + y[r]!]!;
      for (let k = 0; k < C; k++) dl[r * C + k] = (Math.exp(logits[r * C + k]! - mx) / s - (k === y[r] ? 1 : 0)) / rows;
    }
    for (let l = L; l >= 1; l--) {
      const nIn = sizes[l - 1]!;
      const nOut = sizes[l]!;
      const d = this.deltas[l - 1]!;
      const xin = l === 1 ? x : this.acts[l - 2]!;
      const w = this.wOff[l - 1]!;
      const b = this.bOff[l - 1]!;
      G.fill(0, w, b + nOut);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < nOut; o++) {
          const g = d[r * nOut + o]!;
          G[b + o]! += g;
          const wo = w + o * nIn;
          const xr = r * nIn;
          for (let i = 0; i < nIn; i++) G[wo + i]! += g * xin[xr + i]!;
        }
      }
      if (l > 1) {
        const dn = this.deltas[l - 2]!;
        const h = this.acts[l - 2]!;
        dn.fill(0, 0, rows * nIn);
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < nOut; o++) {
            const g = d[r * nOut + o]!;
            const wo = w + o * nIn;
            const dr = r * nIn;
            for (let i = 0; i < nIn; i++) dn[dr + i]! += g * P[wo + i]!;
          }
          for (let i = 0; i < nIn; i++) if (!(h[r * nIn + i]! > 0)) dn[r * nIn + i] = 0;
        }
      }
    }
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 / (1 - b1 ** this.t);
    const r2 = 1 / Math.sqrt(1 - b2 ** this.t);
    const { m, v } = this;
    for (let i = 0; i < this.size; i++) {
      const g = G[i]!;
      const mi = (m[i] = b1 * m[i]! + (1 - b1) * g);
      const vi = (v[i] = b2 * v[i]! + (1 - b2) * g * g);
      P[i]! -= (lr * mi * c1) / (Math.sqrt(vi) * r2 + 1e-8);
    }
    return loss / rows;
  }
}
