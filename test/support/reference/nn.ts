// Plain-TypeScript references of the assembly/nn.ts kernels (f32 semantics via Math.fround,
// same operation order as the kernels), and an f64 MLP used for finite-difference checks.

const f = Math.fround;
const LEAK = f(0.01);

/** C (+)= op(A)·op(B), per element: acc = C or +0, then acc += a·b in ascending k (f32). */
export function gemmRef(transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = accumulate ? C[i * N + j]! : 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i]! : A[i * K + k]!;
        const b = transB ? B[j * K + k]! : B[k * N + j]!;
        s = f(s + f(a * b));
      }
      C[i * N + j] = s;
    }
  }
}

export function biasAddRef(z: Float32Array, b: Float32Array, M: number, N: number): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) z[i * N + j] = f(z[i * N + j]! + b[j]!);
}

export function colsumRef(d: Float32Array, M: number, N: number, out: Float32Array, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] = f(out[j]! + d[i * N + j]!);
}

/** Activation kinds as in the kernels: 0 identity, 1 sigmoid, 2 tanh, 3 ReLU, 4 LeakyReLU. */
export function actForwardRef(kind: number, z: Float32Array): Float32Array {
  return z.map((x) => {
    switch (kind) {
      case 1: return f(1 / (1 + Math.exp(-x)));
      case 2: return f(Math.tanh(x));
      case 3: return Number.isNaN(x) ? NaN : Math.max(x, 0);
      case 4: return x > 0 ? x : f(LEAK * x);
      default: return x;
    }
  });
}

export function actBackwardRef(kind: number, z: Float32Array, h: Float32Array, dh: Float32Array): Float32Array {
  const out = new Float32Array(dh.length);
  for (let i = 0; i < dh.length; i++) {
    const g = dh[i]!;
    const y = h[i]!;
    switch (kind) {
      case 1: out[i] = f(g * f(y * f(1 - y))); break;
      case 2: out[i] = f(g * f(1 - f(y * y))); break;
      case 3: out[i] = z[i]! > 0 ? g : 0; break;
      case 4: out[i] = z[i]! > 0 ? g : f(LEAK * g); break;
      default: out[i] = g;
    }
  }
  return out;
}

export function bnForwardRef(z: Float32Array, gamma: Float32Array, beta: Float32Array, M: number, N: number, eps: number) {
  const y = new Float32Array(M * N);
  const xhat = new Float32Array(M * N);
  const rstd = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let i = 0; i < M; i++) s += z[i * N + j]!;
    const mu = s / M;
    let q = 0;
    for (let i = 0; i < M; i++) q += (z[i * N + j]! - mu) ** 2;
    const r = 1 / Math.sqrt(q / M + eps);
    rstd[j] = r;
    for (let i = 0; i < M; i++) {
      const xh = f((z[i * N + j]! - mu) * r);
      xhat[i * N + j] = xh;
      y[i * N + j] = f(f(gamma[j]! * xh) + beta[j]!);
    }
  }
  return { y, xhat, rstd };
}

export function bnBackwardRef(dy: Float32Array, xhat: Float32Array, rstd: Float64Array, gamma: Float32Array, M: number, N: number) {
  const dz = new Float32Array(M * N);
  const dgamma = new Float32Array(N);
  const dbeta = new Float32Array(N);
  for (let j = 0; j < N; j++) {
    let sb = 0;
    let sg = 0;
    for (let i = 0; i < M; i++) {
      sb += dy[i * N + j]!;
      sg += dy[i * N + j]! * xhat[i * N + j]!;
    }
    dbeta[j] = sb;
    dgamma[j] = sg;
    const k = (gamma[j]! * rstd[j]!) / M;
    for (let i = 0; i < M; i++) dz[i * N + j] = k * (M * dy[i * N + j]! - sb - xhat[i * N + j]! * sg);
  }
  return { dz, dgamma, dbeta };
}

export function softmaxCeRef(z: Float32Array, labels: Int32Array, M: number, C: number, scale: number) {
  const dz = new Float32Array(M * C);
  const losses = new Float32Array(M);
  let total = 0;
  for (let i = 0; i < M; i++) {
    let mx = z[i * C]!;
    for (let k = 1; k < C; k++) mx = Math.max(mx, z[i * C + k]!);
    let s = 0;
    for (let k = 0; k < C; k++) s += Math.exp(z[i * C + k]! - mx);
    const y = labels[i]!;
    const l = Math.log(s) + mx - z[i * C + y]!;
    total += l;
    losses[i] = l;
    for (let k = 0; k < C; k++) {
      const p = Math.exp(z[i * C + k]! - mx) * (1 / s);
      dz[i * C + k] = scale * (k === y ? p - 1 : p);
    }
  }
  return { total, losses, dz };
}

export function mseRef(p: Float32Array, t: Float32Array, M: number, D: number, scale: number) {
  const dp = new Float32Array(M * D);
  const losses = new Float32Array(M);
  let total = 0;
  const g = (2 * scale) / D;
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const e = p[i * D + d]! - t[i * D + d]!;
      s += e * e;
      dp[i * D + d] = g * e;
    }
    losses[i] = s / D;
    total += s / D;
  }
  return { total, losses, dp };
}

export interface MlpSpec64 {
  sizes: number[];
  /** 1 sigmoid, 2 tanh, 3 ReLU, 4 LeakyReLU */
  kind: number;
  batchNorm: boolean;
  loss: 'softmax_ce' | 'mse';
}

/**
 * The MLP loss in f64, straight from the definitions (no shared code with the kernels):
 * the target of the finite-difference gradient checks. `p` uses the mlpLayout order.
 */
export function mlpLoss64(spec: MlpSpec64, p: Float64Array, x: Float32Array, y: Int32Array | Float32Array, rows: number): number {
  const { sizes, kind, batchNorm } = spec;
  const L = sizes.length - 1;
  let h: number[][] = [];
  for (let r = 0; r < rows; r++) h.push(Array.from(x.subarray(r * sizes[0]!, (r + 1) * sizes[0]!)));
  let off = 0;
  for (let l = 1; l <= L; l++) {
    const nIn = sizes[l - 1]!;
    const nOut = sizes[l]!;
    const W = off;
    off += nIn * nOut;
    const b = off;
    off += nOut;
    let z = h.map((row) => {
      const out: number[] = [];
      for (let o = 0; o < nOut; o++) {
        let s = p[b + o]!;
        for (let i = 0; i < nIn; i++) s += p[W + o * nIn + i]! * row[i]!;
        out.push(s);
      }
      return out;
    });
    if (l < L) {
      if (batchNorm) {
        const g = off;
        off += nOut;
        const be = off;
        off += nOut;
        for (let o = 0; o < nOut; o++) {
          let mu = 0;
          for (let r = 0; r < rows; r++) mu += z[r]![o]!;
          mu /= rows;
          let v = 0;
          for (let r = 0; r < rows; r++) v += (z[r]![o]! - mu) ** 2;
          v /= rows;
          for (let r = 0; r < rows; r++) z[r]![o] = (p[g + o]! * (z[r]![o]! - mu)) / Math.sqrt(v + 1e-5) + p[be + o]!;
        }
      }
      z = z.map((row) => row.map((v) => act64(kind, v)));
    }
    h = z;
  }
  let total = 0;
  const C = sizes[L]!;
  for (let r = 0; r < rows; r++) {
    const z = h[r]!;
    if (spec.loss === 'softmax_ce') {
      const mx = Math.max(...z);
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0)) + mx;
      total += lse - z[y[r]!]!;
    } else {
      let s = 0;
      for (let d = 0; d < C; d++) s += (z[d]! - y[r * C + d]!) ** 2;
      total += s / C;
    }
  }
  return total / rows;
}

function act64(kind: number, v: number): number {
  switch (kind) {
    case 1: return 1 / (1 + Math.exp(-v));
    case 2: return Math.tanh(v);
    case 3: return Math.max(v, 0);
    case 4: return v > 0 ? v : 0.01 * v;
    default: return v;
  }
}

/** Central finite differences of `fn` at `p` (f64), step h per coordinate. */
export function centralDiff(fn: (p: Float64Array) => number, p: Float64Array, h: number): Float64Array {
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const o = p[i]!;
    p[i] = o + h;
    const a = fn(p);
    p[i] = o - h;
    const b = fn(p);
    p[i] = o;
    g[i] = (a - b) / (2 * h);
  }
  return g;
}
