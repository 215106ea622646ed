// Covariance kernels (SPEC B.1.7): Σ = s·VᵀV for V = X − mean, X (rows × cols, row-major,
// f32 or f64), accumulated in f64 — a blocked SYRK in the style of BLAS level 3.
//
// 1. `pack_center_f64` / `pack_center_f32`: column means (each column summed over the rows in
//    row order, then divided by rows — the order of `center_*` in stats.ts), then V written in
//    packed panels: panel p holds columns 4p … 4p+3 of every row, row after row (rows × 4
//    f64, contiguous), columns past `cols` padded with +0. Panel p starts at p·rows·4 f64.
// 2. `syrk_packed_f64`: out (cols × cols) = s·VᵀV from the panels. The triangle j ≥ i is cut
//    into 4 × 4 tiles (panel i × panel j); the micro-kernel keeps the tile in eight f64x2
//    accumulators (lanes = two columns of panel i, one accumulator pair per column of panel
//    j, whose value is splatted) and streams both panels: per row, 2 loads + 4 splat loads
//    for 16 multiply-adds. Both panels are read as two sequential streams (the hardware
//    prefetchers' best case); rows are blocked by KC = 1024 only so that very long samples
//    keep the rows' block of all panels near the core. Between row blocks the tile's
//    accumulators are parked in `work` (exact f64 stores) and reloaded. Smaller blocks were
//    slower here: at T = 1000, d = 256, KC = 128 took about 6 % longer than one block (every
//    tile call pays a loop start-up, a drain and an exit misprediction).
//
// Summation order (the same in the SIMD build, the scalar build and
// test/support/reference/covariance.ts, so all three agree bit for bit, whatever KC is):
//   Σ[a][b] = s · ((…((0 + v₀ₐ·v₀ᵦ) + v₁ₐ·v₁ᵦ) + …) + v₍ᵣ₋₁₎ₐ·v₍ᵣ₋₁₎ᵦ)
// a plain sequential sum over the rows, and both Σ[a][b] and Σ[b][a] hold that value (the
// products are commutative, so the two triangles agree and out is exactly symmetric).
// rows = 0 gives s·0 everywhere.
//
// Preconditions: `pk` holds ⌈cols/4⌉·4·rows f64; `work` holds 16 f64, or ⌈cols/4⌉²·16 f64
// when rows > KC = 1024; outputs do not alias inputs. No allocation.

const KC: i32 = 1024;

/** Column means of x (rows × cols, f64) into mean, then the centred packed panels into pk. */
export function pack_center_f64(pk: usize, x: usize, mean: usize, rows: i32, cols: i32): void {
  packCentered(pk, x, mean, rows, cols, false);
}

/** As `pack_center_f64` for f32 input (each entry widened to f64 first). */
export function pack_center_f32(pk: usize, x: usize, mean: usize, rows: i32, cols: i32): void {
  packCentered(pk, x, mean, rows, cols, true);
}

/** Entry c of the row at xr, widened to f64. */
// @ts-ignore: decorator
@inline function entry(xr: usize, c: i32, f32in: bool): f64 {
  return f32in ? <f64>load<f32>(xr + (<usize>c << 2)) : load<f64>(xr + (<usize>c << 3));
}

// @ts-ignore: decorator
@inline function packCentered(pk: usize, x: usize, mean: usize, rows: i32, cols: i32, f32in: bool): void {
  const rowBytes = <usize>cols << (f32in ? 2 : 3);
  for (let c = 0; c < cols; c++) store<f64>(mean + (<usize>c << 3), 0);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD && !f32in) {
      for (; c + 2 <= cols; c += 2) {
        const mo = mean + (<usize>c << 3);
        v128.store(mo, f64x2.add(v128.load(mo), v128.load(xr + (<usize>c << 3))));
      }
    }
    for (; c < cols; c++) {
      const mo = mean + (<usize>c << 3);
      store<f64>(mo, load<f64>(mo) + entry(xr, c, f32in));
    }
  }
  divideMeans(mean, rows, cols);
  const panelBytes = <usize>rows << 5;
  const full = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const row = pk + (<usize>r << 5);
    for (let c = 0; c < full; c += 4) {
      const mo = mean + (<usize>c << 3);
      const p = row + <usize>(c >> 2) * panelBytes;
      if (ASC_FEATURE_SIMD && !f32in) {
        const xo = xr + (<usize>c << 3);
        v128.store(p, f64x2.sub(v128.load(xo), v128.load(mo)));
        v128.store(p, f64x2.sub(v128.load(xo, 16), v128.load(mo, 16)), 16);
      } else {
        for (let q = 0; q < 4; q++) store<f64>(p + (<usize>q << 3), entry(xr, c + q, f32in) - load<f64>(mo + (<usize>q << 3)));
      }
    }
    packTail(row + <usize>(full >> 2) * panelBytes, xr, mean, full, cols, f32in);
  }
}

// @ts-ignore: decorator
@inline function divideMeans(mean: usize, rows: i32, cols: i32): void {
  const inv = rows > 0 ? <f64>rows : 1.0;
  for (let c = 0; c < cols; c++) {
    const mo = mean + (<usize>c << 3);
    store<f64>(mo, load<f64>(mo) / inv);
  }
}

/** The last, partial panel of one row: columns full … cols−1, then +0 up to the panel width. */
// @ts-ignore: decorator
@inline function packTail(p: usize, xr: usize, mean: usize, full: i32, cols: i32, f32in: bool): void {
  if (full == cols) return;
  for (let q = 0; q < 4; q++) {
    const c = full + q;
    let v: f64 = 0;
    if (c < cols) {
      v = entry(xr, c, f32in) - load<f64>(mean + (<usize>c << 3));
    }
    store<f64>(p + (<usize>q << 3), v);
  }
}

/**
 * out (n × n, f64 row-major) = s·VᵀV from the packed panels `pk` of V (len rows × n columns,
 * see `pack_center_f64`), in the sequential row order documented above. `work` holds 16 f64
 * when len ≤ 1024, else ⌈n/4⌉²·16 f64 (one parked tile per panel pair).
 */
export function syrk_packed_f64(out: usize, pk: usize, work: usize, n: i32, len: i32, s: f64): void {
  const panels = (n + 3) >> 2;
  const panelBytes = <usize>len << 5;
  const park = len > KC;
  let t0 = 0;
  do {
    const t1 = min<i32>(t0 + KC, len);
    const first = t0 == 0, last = t1 == len;
    for (let ip = 0; ip < panels; ip++) {
      const A = pk + <usize>ip * panelBytes + (<usize>t0 << 5);
      for (let jp = ip; jp < panels; jp++) {
        const B = pk + <usize>jp * panelBytes + (<usize>t0 << 5);
        const W = park ? work + ((<usize>ip * panels + jp) << 7) : work;
        if (first) zeroTile(W);
        if (ASC_FEATURE_SIMD) tileSimd(W, A, B, t1 - t0);
        else {
          tileScalar(W, A, B, t1 - t0);
          tileScalar(W + 64, A, B + 16, t1 - t0);
        }
        if (last) scatter(out, n, ip << 2, jp << 2, W, s);
      }
    }
    t0 = t1;
  } while (t0 < len);
}

/** W[0 … 15] = +0. */
// @ts-ignore: decorator
@inline function zeroTile(W: usize): void {
  if (ASC_FEATURE_SIMD) {
    const z = f64x2.splat(0);
    v128.store(W, z); v128.store(W, z, 16); v128.store(W, z, 32); v128.store(W, z, 48);
    v128.store(W, z, 64); v128.store(W, z, 80); v128.store(W, z, 96); v128.store(W, z, 112);
  } else {
    for (let o = 0; o < 128; o += 8) store<f64>(W + o, 0);
  }
}

/**
 * Σ[j + r][i + q] and Σ[i + q][j + r] = s·W[r][q] for a finished tile, for the entries
 * inside n × n. W holds the tile row by row of B's columns: W[r][q] at f64 index 4r + q.
 */
function scatter(out: usize, n: i32, i: i32, j: i32, W: usize, s: f64): void {
  const qn = min<i32>(4, n - i), rn = min<i32>(4, n - j);
  for (let r = 0; r < rn; r++) {
    for (let q = 0; q < qn; q++) {
      const v = s * load<f64>(W + (<usize>(r * 4 + q) << 3));
      store<f64>(out + ((<usize>(j + r) * n + i + q) << 3), v);
      store<f64>(out + ((<usize>(i + q) * n + j + r) << 3), v);
    }
  }
}

/**
 * One 4 × 4 tile over `cnt` rows: W[r][q] += A[t][q]·B[t][r] in row order; W holds the
 * accumulators (loaded, updated in registers, stored back; f64 loads and stores are exact).
 *
 * Code shape (measured with V8 11.3 / Node 20 on the x64 bench machine, `--print-wasm-code`):
 * inlined into the loop nest, with the products written last column first, TurboFan's loop
 * unroller copies the row loop three times (one stack check per three rows) and places
 * each splat load just before its two multiply-adds: 3.23 ms for T = 1,000, d = 256, against
 * 3.66 ms for the previous shape (a separate function, products first column first, where
 * TurboFan scheduled all six loads ahead of the sixteen operations). The other two
 * combinations were slower still (3.95 and 4.15 ms). The order of the operations changes no
 * result: every accumulator still adds its products row after row.
 */
// @ts-ignore: decorator
@inline function tileSimd(W: usize, A: usize, B: usize, cnt: i32): void {
  let c00 = v128.load(W), c01 = v128.load(W, 16), c10 = v128.load(W, 32), c11 = v128.load(W, 48);
  let c20 = v128.load(W, 64), c21 = v128.load(W, 80), c30 = v128.load(W, 96), c31 = v128.load(W, 112);
  const end = A + (<usize>cnt << 5);
  let a = A, b = B;
  while (a < end) {
    const a0 = v128.load(a), a1 = v128.load(a, 16);
    const b0 = v128.load64_splat(b), b1 = v128.load64_splat(b, 8), b2 = v128.load64_splat(b, 16), b3 = v128.load64_splat(b, 24);
    // Last column of B first: V8 then emits each splat load right before its two products
    // instead of all six loads ahead of the sixteen operations (see the comment above).
    c31 = f64x2.add(c31, f64x2.mul(a1, b3)); c30 = f64x2.add(c30, f64x2.mul(a0, b3));
    c21 = f64x2.add(c21, f64x2.mul(a1, b2)); c20 = f64x2.add(c20, f64x2.mul(a0, b2));
    c11 = f64x2.add(c11, f64x2.mul(a1, b1)); c10 = f64x2.add(c10, f64x2.mul(a0, b1));
    c01 = f64x2.add(c01, f64x2.mul(a1, b0)); c00 = f64x2.add(c00, f64x2.mul(a0, b0));
    a += 32;
    b += 32;
  }
  v128.store(W, c00); v128.store(W, c01, 16); v128.store(W, c10, 32); v128.store(W, c11, 48);
  v128.store(W, c20, 64); v128.store(W, c21, 80); v128.store(W, c30, 96); v128.store(W, c31, 112);
}

/** Scalar build: columns 0…3 of A × columns 0, 1 of B (B already offset), W[r][q] for r = 0, 1. */
// @ts-ignore: decorator
@inline function tileScalar(W: usize, A: usize, B: usize, cnt: i32): void {
  let c00 = load<f64>(W), c01 = load<f64>(W, 8), c02 = load<f64>(W, 16), c03 = load<f64>(W, 24);
  let c10 = load<f64>(W, 32), c11 = load<f64>(W, 40), c12 = load<f64>(W, 48), c13 = load<f64>(W, 56);
  const end = A + (<usize>cnt << 5);
  let a = A, b = B;
  while (a < end) {
    const a0 = load<f64>(a), a1 = load<f64>(a, 8), a2 = load<f64>(a, 16), a3 = load<f64>(a, 24);
    const b0 = load<f64>(b), b1 = load<f64>(b, 8);
    c00 += a0 * b0; c01 += a1 * b0; c02 += a2 * b0; c03 += a3 * b0;
    c10 += a0 * b1; c11 += a1 * b1; c12 += a2 * b1; c13 += a3 * b1;
    a += 32;
    b += 32;
  }
  store<f64>(W, c00); store<f64>(W, c01, 8); store<f64>(W, c02, 16); store<f64>(W, c03, 24);
  store<f64>(W, c10, 32); store<f64>(W, c11, 40); store<f64>(W, c12, 48); store<f64>(W, c13, 56);
}
