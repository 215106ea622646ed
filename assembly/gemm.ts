// f32 matrix multiply for the network kernels (re-exported by assembly/nn.ts).
//
//   C (+)= op(A) · op(B),   op(A): M×K,  op(B): K×N,  C: M×N,  all row-major, contiguous.
//   transA = 0: A is M×K;  transA = 1: A is stored K×M (op(A) = Aᵀ).
//   transB = 0: B is K×N;  transB = 1: B is stored N×K (op(B) = Bᵀ).
//   accumulate = 1: C ← C + op(A)·op(B);  accumulate = 0: C ← op(A)·op(B).
//
// Summation order (both builds, and test/reference/nn.ts): every C[i][j] is one f32
// accumulator that starts at C[i][j] (accumulate) or +0, then adds Σ_k in ascending k,
// one f32 multiply and one f32 add per term (WebAssembly has no fused multiply-add).
// The SIMD build vectorizes across j (8 columns) and i (4 rows) — never across k — so
// it does not reassociate the sum: SIMD, scalar and the TypeScript reference agree bit
// for bit, NaN/±Inf/denormals included (0 ULP).
//
// SIMD blocking: op(B) is packed into zero-padded panels of 8 columns (`work` must hold
// K·⌈N/8⌉·8 f32); a 4×8 register tile (8 f32x4 accumulators) runs over k with the panel
// resident in L1 while rows of A stream by. Rows past the last full tile of 4 use a 1×8
// tile; columns past N in the last panel are computed on the zero padding and not stored.
// The scalar build packs panels of 4 columns and runs 2×4 tiles of f32 accumulators (same
// per-element summation order).

/** Rows per row block (a multiple of 4): 64 rows × K ≤ 1024 f32 = 256 KiB of A stays in L2. */
const MC: i32 = 64;

/** op(B)[k][j], reading B in its stored layout. */
// @ts-ignore: decorator
@inline function bAt(B: usize, transB: i32, K: i32, N: i32, k: i32, j: i32): f32 {
  return transB ? load<f32>(B + ((<usize>j * <usize>K + <usize>k) << 2)) : load<f32>(B + ((<usize>k * <usize>N + <usize>j) << 2));
}

// @ts-ignore: decorator
@inline function aAt(A: usize, transA: i32, M: i32, K: i32, i: i32, k: i32): f32 {
  return transA ? load<f32>(A + ((<usize>k * <usize>M + <usize>i) << 2)) : load<f32>(A + ((<usize>i * <usize>K + <usize>k) << 2));
}

/** Packs op(B) into panels: work[(p·K + k)·8 + c] = op(B)[k][8p + c], zero past N. */
function packB(B: usize, transB: i32, K: i32, N: i32, work: usize): void {
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 3;
    const w = j0 + 8 <= N ? 8 : N - j0;
    const dst = work + ((<usize>p * <usize>K) << 5);
    if (!transB && w == 8) {
      for (let k = 0; k < K; k++) {
        const src = B + ((<usize>k * <usize>N + <usize>j0) << 2);
        const d = dst + (<usize>k << 5);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      }
    } else {
      for (let k = 0; k < K; k++) {
        const d = dst + (<usize>k << 5);
        for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), c < w ? bAt(B, transB, K, N, k, j0 + c) : 0);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function loadCols(p: usize, w: i32, acc: i32, half: i32): v128 {
  // Loads columns [4·half, 4·half + 4) of an 8-wide tile row with w valid columns.
  if (!acc) return f32x4.splat(0);
  const base = half << 2;
  if (base + 4 <= w) return v128.load(p + (<usize>base << 2));
  let v = f32x4.splat(0);
  if (base + 0 < w) v = f32x4.replace_lane(v, 0, load<f32>(p + (<usize>base << 2)));
  if (base + 1 < w) v = f32x4.replace_lane(v, 1, load<f32>(p + (<usize>base << 2), 4));
  if (base + 2 < w) v = f32x4.replace_lane(v, 2, load<f32>(p + (<usize>base << 2), 8));
  return v;
}

// @ts-ignore: decorator
@inline function storeCols(p: usize, w: i32, half: i32, v: v128): void {
  const base = half << 2;
  if (base + 4 <= w) {
    v128.store(p + (<usize>base << 2), v);
    return;
  }
  if (base + 0 < w) store<f32>(p + (<usize>base << 2), f32x4.extract_lane(v, 0));
  if (base + 1 < w) store<f32>(p + (<usize>base << 2), f32x4.extract_lane(v, 1), 4);
  if (base + 2 < w) store<f32>(p + (<usize>base << 2), f32x4.extract_lane(v, 2), 8);
}

/** The 4×8 tile: rows i0..i0+3, panel p (columns j0..j0+w−1). */
// @ts-ignore: decorator
@inline function tile4(A: usize, transA: i32, M: i32, K: i32, N: i32, C: usize, acc: i32, panel: usize, i0: i32, j0: i32, w: i32): void {
  const c0 = C + ((<usize>i0 * <usize>N + <usize>j0) << 2);
  const rs = <usize>N << 2;
  let a00 = loadCols(c0, w, acc, 0), a01 = loadCols(c0, w, acc, 1);
  let a10 = loadCols(c0 + rs, w, acc, 0), a11 = loadCols(c0 + rs, w, acc, 1);
  let a20 = loadCols(c0 + 2 * rs, w, acc, 0), a21 = loadCols(c0 + 2 * rs, w, acc, 1);
  let a30 = loadCols(c0 + 3 * rs, w, acc, 0), a31 = loadCols(c0 + 3 * rs, w, acc, 1);
  if (transA) {
    let ap = A + (<usize>i0 << 2);
    const as = <usize>M << 2;
    let bp = panel;
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      const av = v128.load(ap);
      const x0 = v128.shuffle<f32>(av, av, 0, 0, 0, 0);
      const x1 = v128.shuffle<f32>(av, av, 1, 1, 1, 1);
      const x2 = v128.shuffle<f32>(av, av, 2, 2, 2, 2);
      const x3 = v128.shuffle<f32>(av, av, 3, 3, 3, 3);
      a00 = f32x4.add(a00, f32x4.mul(x0, b0)); a01 = f32x4.add(a01, f32x4.mul(x0, b1));
      a10 = f32x4.add(a10, f32x4.mul(x1, b0)); a11 = f32x4.add(a11, f32x4.mul(x1, b1));
      a20 = f32x4.add(a20, f32x4.mul(x2, b0)); a21 = f32x4.add(a21, f32x4.mul(x2, b1));
      a30 = f32x4.add(a30, f32x4.mul(x3, b0)); a31 = f32x4.add(a31, f32x4.mul(x3, b1));
      ap += as;
      bp += 32;
    }
  } else {
    const ks = <usize>K << 2;
    let ap = A + <usize>i0 * ks;
    const end = ap + ks;
    let bp = panel;
    for (; ap < end; ap += 4) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      const x0 = f32x4.splat(load<f32>(ap));
      const x1 = f32x4.splat(load<f32>(ap + ks));
      const x2 = f32x4.splat(load<f32>(ap + 2 * ks));
      const x3 = f32x4.splat(load<f32>(ap + 3 * ks));
      a00 = f32x4.add(a00, f32x4.mul(x0, b0)); a01 = f32x4.add(a01, f32x4.mul(x0, b1));
      a10 = f32x4.add(a10, f32x4.mul(x1, b0)); a11 = f32x4.add(a11, f32x4.mul(x1, b1));
      a20 = f32x4.add(a20, f32x4.mul(x2, b0)); a21 = f32x4.add(a21, f32x4.mul(x2, b1));
      a30 = f32x4.add(a30, f32x4.mul(x3, b0)); a31 = f32x4.add(a31, f32x4.mul(x3, b1));
      bp += 32;
    }
  }
  storeCols(c0, w, 0, a00); storeCols(c0, w, 1, a01);
  storeCols(c0 + rs, w, 0, a10); storeCols(c0 + rs, w, 1, a11);
  storeCols(c0 + 2 * rs, w, 0, a20); storeCols(c0 + 2 * rs, w, 1, a21);
  storeCols(c0 + 3 * rs, w, 0, a30); storeCols(c0 + 3 * rs, w, 1, a31);
}

/** The 1×8 tile for the rows past the last full group of 4. */
// @ts-ignore: decorator
@inline function tile1(A: usize, transA: i32, M: i32, K: i32, N: i32, C: usize, acc: i32, panel: usize, i: i32, j0: i32, w: i32): void {
  const c0 = C + ((<usize>i * <usize>N + <usize>j0) << 2);
  let a0 = loadCols(c0, w, acc, 0), a1 = loadCols(c0, w, acc, 1);
  let bp = panel;
  for (let k = 0; k < K; k++) {
    const x = f32x4.splat(aAt(A, transA, M, K, i, k));
    a0 = f32x4.add(a0, f32x4.mul(x, v128.load(bp)));
    a1 = f32x4.add(a1, f32x4.mul(x, v128.load(bp, 16)));
    bp += 32;
  }
  storeCols(c0, w, 0, a0);
  storeCols(c0, w, 1, a1);
}

/** Bytes of `work` that gemm_f32 needs for K, N: op(B) packed in zero-padded panels (8 wide SIMD, 4 wide scalar). */
export function gemm_work_bytes(K: i32, N: i32): i32 {
  if (ASC_FEATURE_SIMD) return K * (((N + 7) >> 3) << 3) * 4;
  return K * (((N + 3) >> 2) << 2) * 4;
}

/** C (+)= op(A)·op(B); see the file header for layouts, summation order and `work`. */
export function gemm_f32(transA: i32, transB: i32, M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: i32, work: usize): void {
  if (M <= 0 || N <= 0) return;
  if (ASC_FEATURE_SIMD) {
    packB(B, transB, K, N, work);
    const panels = (N + 7) >> 3;
    // Row blocks of MC rows keep their slice of A in L2 while every panel passes over it.
    for (let ib = 0; ib < M; ib += MC) {
      const ie = min(ib + MC, M);
      for (let p = 0; p < panels; p++) {
        const j0 = p << 3;
        const w = j0 + 8 <= N ? 8 : N - j0;
        const panel = work + ((<usize>p * <usize>K) << 5);
        let i = ib;
        for (; i + 4 <= ie; i += 4) tile4(A, transA, M, K, N, C, accumulate, panel, i, j0, w);
        for (; i < ie; i++) tile1(A, transA, M, K, N, C, accumulate, panel, i, j0, w);
      }
    }
  } else {
    // Scalar build: 2×4 register tiles over op(B) packed into panels of 4 columns.
    packB4(B, transB, K, N, work);
    const panels = (N + 3) >> 2;
    for (let p = 0; p < panels; p++) {
      const j0 = p << 2;
      const w = j0 + 4 <= N ? 4 : N - j0;
      const panel = work + ((<usize>p * <usize>K) << 4);
      let i = 0;
      for (; i + 2 <= M; i += 2) tile2x4(A, transA, M, K, N, C, accumulate, panel, i, j0, w);
      if (i < M) tile1x4(A, transA, M, K, N, C, accumulate, panel, i, j0, w);
    }
  }
}

/** Scalar build: work[(p·K + k)·4 + c] = op(B)[k][4p + c], zero past N. */
function packB4(B: usize, transB: i32, K: i32, N: i32, work: usize): void {
  const panels = (N + 3) >> 2;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 2;
    const w = j0 + 4 <= N ? 4 : N - j0;
    const dst = work + ((<usize>p * <usize>K) << 4);
    for (let k = 0; k < K; k++) {
      const d = dst + (<usize>k << 4);
      for (let c = 0; c < 4; c++) store<f32>(d + (<usize>c << 2), c < w ? bAt(B, transB, K, N, k, j0 + c) : 0);
    }
  }
}

// @ts-ignore: decorator
@inline function ldC(p: usize, c: i32, w: i32, acc: i32): f32 {
  return acc && c < w ? load<f32>(p + (<usize>c << 2)) : 0;
}

// @ts-ignore: decorator
@inline function stC(p: usize, c: i32, w: i32, v: f32): void {
  if (c < w) store<f32>(p + (<usize>c << 2), v);
}

// @ts-ignore: decorator
@inline function tile2x4(A: usize, transA: i32, M: i32, K: i32, N: i32, C: usize, acc: i32, panel: usize, i0: i32, j0: i32, w: i32): void {
  const c0 = C + ((<usize>i0 * <usize>N + <usize>j0) << 2);
  const c1 = c0 + (<usize>N << 2);
  let s00 = ldC(c0, 0, w, acc), s01 = ldC(c0, 1, w, acc), s02 = ldC(c0, 2, w, acc), s03 = ldC(c0, 3, w, acc);
  let s10 = ldC(c1, 0, w, acc), s11 = ldC(c1, 1, w, acc), s12 = ldC(c1, 2, w, acc), s13 = ldC(c1, 3, w, acc);
  let bp = panel;
  for (let k = 0; k < K; k++) {
    const a0 = aAt(A, transA, M, K, i0, k), a1 = aAt(A, transA, M, K, i0 + 1, k);
    const b0 = load<f32>(bp), b1 = load<f32>(bp, 4), b2 = load<f32>(bp, 8), b3 = load<f32>(bp, 12);
    s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
    s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
    bp += 16;
  }
  stC(c0, 0, w, s00); stC(c0, 1, w, s01); stC(c0, 2, w, s02); stC(c0, 3, w, s03);
  stC(c1, 0, w, s10); stC(c1, 1, w, s11); stC(c1, 2, w, s12); stC(c1, 3, w, s13);
}

// @ts-ignore: decorator
@inline function tile1x4(A: usize, transA: i32, M: i32, K: i32, N: i32, C: usize, acc: i32, panel: usize, i: i32, j0: i32, w: i32): void {
  const c0 = C + ((<usize>i * <usize>N + <usize>j0) << 2);
  let s0 = ldC(c0, 0, w, acc), s1 = ldC(c0, 1, w, acc), s2 = ldC(c0, 2, w, acc), s3 = ldC(c0, 3, w, acc);
  let bp = panel;
  for (let k = 0; k < K; k++) {
    const a = aAt(A, transA, M, K, i, k);
    s0 += a * load<f32>(bp); s1 += a * load<f32>(bp, 4); s2 += a * load<f32>(bp, 8); s3 += a * load<f32>(bp, 12);
    bp += 16;
  }
  stC(c0, 0, w, s0); stC(c0, 1, w, s1); stC(c0, 2, w, s2); stC(c0, 3, w, s3);
}
