// Neural-network kernels for MLP training (src/nn): bias, activations, batch norm,
// losses, row gathers; the GEMM lives in ./gemm and the PRNG in ./rng (re-exported here).
//
// Layout: activations are row-major [rows][features] f32; weights [out][in].
// Precision and agreement with test/reference/nn.ts:
// - bias, column sums, ReLU/LeakyReLU/identity and every backward of an activation are f32
//   with a fixed op order in both builds: bit-identical to the reference.
// - sigmoid and tanh forward evaluate in f64 (Math.exp / Math.tanh) and round once to f32;
//   the f64 functions of the engine and of AssemblyScript may differ in the last f64 bit,
//   so the f32 result agrees with the reference to ≤ 1 ULP (almost always exactly).
// - batch-norm statistics, softmax cross-entropy and MSE accumulate in f64 and round the
//   outputs once to f32 (same ≤ 1 ULP bound, from exp/log/sqrt).
// Activation kinds: 0 identity, 1 sigmoid, 2 tanh, 3 ReLU, 4 LeakyReLU (slope 0.01).

export * from './gemm';
export * from './rng';

const LEAK: f32 = 0.01;

/** z[i][j] += b[j] for an M×N row-major z. */
export function bias_add_f32(z: usize, b: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const row = z + ((<usize>i * <usize>N) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(b + o)));
      }
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(b + o));
    }
  }
}

/** out[j] = (accumulate ? out[j] : 0) + Σ_i d[i][j], summed in ascending i (bias gradient). */
export function colsum_f32(d: usize, M: i32, N: i32, out: usize, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>N << 2);
  for (let i = 0; i < M; i++) {
    const row = d + ((<usize>i * <usize>N) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(row + o)));
      }
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(row + o));
    }
  }
}

/** h = f(z) elementwise over n values (h may alias z). ReLU is max(z, 0) with NaN kept. */
export function act_forward_f32(kind: i32, z: usize, h: usize, n: i32): void {
  let i = 0;
  if (kind == 1) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(h + o, <f32>(1.0 / (1.0 + Math.exp(-<f64>load<f32>(z + o)))));
    }
    return;
  }
  if (kind == 2) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(h + o, <f32>Math.tanh(<f64>load<f32>(z + o)));
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), leak = f32x4.splat(LEAK);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(z + o);
      let y = x;
      if (kind == 3) y = f32x4.max(x, zero);
      else if (kind == 4) y = v128.bitselect(x, f32x4.mul(leak, x), f32x4.gt(x, zero));
      v128.store(h + o, y);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(z + o);
    let y = x;
    if (kind == 3) y = max<f32>(x, 0);
    else if (kind == 4) y = x > 0 ? x : LEAK * x;
    store<f32>(h + o, y);
  }
}

/**
 * dz = dh · f′, elementwise over n values (dz may alias dh):
 * sigmoid f′ = h·(1 − h), tanh f′ = 1 − h·h (from the outputs h), ReLU f′ = [z > 0],
 * LeakyReLU f′ = z > 0 ? 1 : 0.01 (from the inputs z), identity f′ = 1.
 */
export function act_backward_f32(kind: i32, z: usize, h: usize, dh: usize, dz: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), one = f32x4.splat(1), leak = f32x4.splat(LEAK);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dh + o);
      let r = g;
      if (kind == 1) {
        const y = v128.load(h + o);
        r = f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
      } else if (kind == 2) {
        const y = v128.load(h + o);
        r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(y, y)));
      } else if (kind == 3) {
        r = v128.and(g, f32x4.gt(v128.load(z + o), zero));
      } else if (kind == 4) {
        r = v128.bitselect(g, f32x4.mul(leak, g), f32x4.gt(v128.load(z + o), zero));
      }
      v128.store(dz + o, r);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dh + o);
    let r = g;
    if (kind == 1) {
      const y = load<f32>(h + o);
      r = g * (y * (1 - y));
    } else if (kind == 2) {
      const y = load<f32>(h + o);
      r = g * (1 - y * y);
    } else if (kind == 3) {
      r = load<f32>(z + o) > 0 ? g : 0;
    } else if (kind == 4) {
      r = load<f32>(z + o) > 0 ? g : LEAK * g;
    }
    store<f32>(dz + o, r);
  }
}

/**
 * Batch norm, training mode, per column j of the M×N input z (biased batch variance):
 *   μ = Σ_i z/M,  σ² = Σ_i (z − μ)²/M  (two passes, f64),  r = 1/√(σ² + ε)
 *   x̂ = f32((z − μ)·r),  y = γ·x̂ + β  (f32)
 * Saves x̂ (M×N f32) and r (N f64 at `rstd`) for the backward pass. y may alias z.
 */
export function bn_forward_f32(z: usize, y: usize, xhat: usize, rstd: usize, gamma: usize, beta: usize, M: i32, N: i32, eps: f64): void {
  const rs = <usize>N << 2;
  for (let j = 0; j < N; j++) {
    const col = <usize>j << 2;
    let s: f64 = 0;
    for (let i = 0; i < M; i++) s += <f64>load<f32>(z + <usize>i * rs + col);
    const mu = s / <f64>M;
    let q: f64 = 0;
    for (let i = 0; i < M; i++) {
      const d = <f64>load<f32>(z + <usize>i * rs + col) - mu;
      q += d * d;
    }
    const r = 1.0 / Math.sqrt(q / <f64>M + eps);
    store<f64>(rstd + (<usize>j << 3), r);
    const g = load<f32>(gamma + col), b = load<f32>(beta + col);
    for (let i = 0; i < M; i++) {
      const o = <usize>i * rs + col;
      const xh = <f32>((<f64>load<f32>(z + o) - mu) * r);
      store<f32>(xhat + o, xh);
      store<f32>(y + o, g * xh + b);
    }
  }
}

/**
 * Batch-norm backward from dy (M×N), x̂ and r of the forward pass, per column (f64 sums):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dz = γ·r/M · (M·dy − dβ − x̂·dγ)
 * dz may alias dy. dγ, dβ are written (not accumulated).
 */
export function bn_backward_f32(dy: usize, xhat: usize, rstd: usize, gamma: usize, dz: usize, dgamma: usize, dbeta: usize, M: i32, N: i32): void {
  const rs = <usize>N << 2;
  for (let j = 0; j < N; j++) {
    const col = <usize>j << 2;
    let sb: f64 = 0, sg: f64 = 0;
    for (let i = 0; i < M; i++) {
      const o = <usize>i * rs + col;
      const g = <f64>load<f32>(dy + o);
      sb += g;
      sg += g * <f64>load<f32>(xhat + o);
    }
    store<f32>(dbeta + col, <f32>sb);
    store<f32>(dgamma + col, <f32>sg);
    const k = <f64>load<f32>(gamma + col) * load<f64>(rstd + (<usize>j << 3)) / <f64>M;
    const m = <f64>M;
    for (let i = 0; i < M; i++) {
      const o = <usize>i * rs + col;
      store<f32>(dz + o, <f32>(k * (m * <f64>load<f32>(dy + o) - sb - <f64>load<f32>(xhat + o) * sg)));
    }
  }
}

/**
 * Softmax cross-entropy over M rows of C logits with integer labels, numerically stable
 * (f64): ℓ_i = log Σ_k exp(z_ik − max_i) + max_i − z_iy. Writes ℓ_i to `losses` (f32,
 * when non-zero) and dz_ik = f32(scale·(softmax_ik − [k = y_i])) to `dz` (when non-zero).
 * A label outside [0, C) gives ℓ_i = NaN and a NaN gradient row. Returns Σ_i ℓ_i (f64).
 */
export function softmax_ce_f32(z: usize, labels: usize, M: i32, C: i32, dz: usize, losses: usize, scale: f64): f64 {
  let total: f64 = 0;
  for (let i = 0; i < M; i++) {
    const row = z + ((<usize>i * <usize>C) << 2);
    let mx = load<f32>(row);
    for (let k = 1; k < C; k++) mx = max<f32>(mx, load<f32>(row + (<usize>k << 2)));
    const m = <f64>mx;
    let s: f64 = 0;
    for (let k = 0; k < C; k++) s += Math.exp(<f64>load<f32>(row + (<usize>k << 2)) - m);
    const y = load<i32>(labels + (<usize>i << 2));
    const ok = y >= 0 && y < C;
    const l = ok ? Math.log(s) + m - <f64>load<f32>(row + (<usize>y << 2)) : NaN;
    total += l;
    if (losses) store<f32>(losses + (<usize>i << 2), <f32>l);
    if (dz) {
      const drow = dz + ((<usize>i * <usize>C) << 2);
      const inv = 1.0 / s;
      for (let k = 0; k < C; k++) {
        const p = Math.exp(<f64>load<f32>(row + (<usize>k << 2)) - m) * inv;
        store<f32>(drow + (<usize>k << 2), ok ? <f32>(scale * (k == y ? p - 1.0 : p)) : NaN);
      }
    }
  }
  return total;
}

/**
 * Mean squared error over M rows of D outputs: ℓ_i = Σ_d (p − t)²/D (f64). Writes ℓ_i to
 * `losses` (when non-zero) and dp = f32(scale·2(p − t)/D) to `dp` (when non-zero).
 * Returns Σ_i ℓ_i; with scale = 1/M the gradient is that of the mean (PyTorch MSELoss).
 */
export function mse_f32(p: usize, t: usize, M: i32, D: i32, dp: usize, losses: usize, scale: f64): f64 {
  let total: f64 = 0;
  const g = 2.0 * scale / <f64>D;
  for (let i = 0; i < M; i++) {
    let s: f64 = 0;
    for (let d = 0; d < D; d++) {
      const o = (<usize>i * <usize>D + <usize>d) << 2;
      const e = <f64>load<f32>(p + o) - <f64>load<f32>(t + o);
      s += e * e;
      if (dp) store<f32>(dp + o, <f32>(g * e));
    }
    const l = s / <f64>D;
    total += l;
    if (losses) store<f32>(losses + (<usize>i << 2), <f32>l);
  }
  return total;
}

/** dst row r = src row idx[r] (width f32 each), r = 0..count−1: minibatch assembly. */
export function gather_rows_f32(src: usize, idx: usize, count: i32, width: i32, dst: usize): void {
  const bytes = <usize>width << 2;
  for (let r = 0; r < count; r++) {
    const s = <usize>load<i32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * bytes, src + s * bytes, bytes);
  }
}

/** dst[r] = src[idx[r]] for i32 labels. */
export function gather_i32(src: usize, idx: usize, count: i32, dst: usize): void {
  for (let r = 0; r < count; r++) {
    store<i32>(dst + (<usize>r << 2), load<i32>(src + (<usize>load<i32>(idx + (<usize>r << 2)) << 2)));
  }
}

/** Number of rows whose first maximal logit is at the label (accuracy numerator). */
export function count_correct(z: usize, labels: usize, M: i32, C: i32): i32 {
  let c = 0;
  for (let i = 0; i < M; i++) {
    const row = z + ((<usize>i * <usize>C) << 2);
    let best = 0;
    let bv = load<f32>(row);
    for (let k = 1; k < C; k++) {
      const v = load<f32>(row + (<usize>k << 2));
      if (v > bv) { bv = v; best = k; }
    }
    if (best == load<i32>(labels + (<usize>i << 2))) c++;
  }
  return c;
}
