// Adam-residual learned optimizer (src/l2o/adam-residual/): a per-parameter MLP whose output is
// ADDED to the nominal Adam direction, fused with the moment updates, the features and the
// parameter update in one pass over the parameters.
//
// SIMD build: tiles of up to 128 parameters (32 v128), each in three short passes
// (assembly/adam_residual_tile.ts: features → MLP over a pre-splatted weight table → update);
// the last n mod 4 parameters as one zero-padded vector. The scalar build runs the scalar loop. Every lane
// performs the same f32 operations in the same order, so the SIMD build, the scalar build and
// the TypeScript reference (test/support/reference/adam-residual.ts) agree bit for bit.
//
// cfg (f32): 0 β1, 1 1−β1, 2 β₂ₘ (0.99), 3 1−β₂ₘ, 4 β₃ₘ (0.999), 5 1−β₃ₘ, 6 βv, 7 1−βv,
//            8 c1 = 1/(1−β1ᵗ), 9 c2, 10 c3, 11 r2 = 1/√(1−βvᵗ), 12 ε, 13 wd, 14 lr_t,
//            15…17 the run-level inputs of the hidden layer (the same for every parameter),
//            18 the residual form: 0 additive u = a + d·eˢ, 1 multiplicative u = a·(1 + d·eˢ).
// θ (f32, input-major): W1 11×16, b1 16, W2 16×2, b2 2 (the schedule net that follows in θ is
// evaluated by the caller into lr_t).

import { exps, logs } from './polymath';
import { TILE, featTile, mlpTile, updTile } from './adam_residual_tile';

const HID = 16;
const IN = 11;
const NX = 8;

/**
 * Adafactor factored second moment of one tensor, as its bias-corrected RMS `fr` (n f32):
 * matrix (rows, cols ≥ 2, row-major): R_i ← βv·R_i + (1−βv)·(Σ_j g_ij²)/cols,
 * C_j ← βv·C_j + (1−βv)·(Σ_i g_ij²)/rows (sums in index order), μ = (Σ_i R_i)/rows,
 * fr_ij = √(R_i·C_j / max(μ, 1e−30))·r2; R and C live in `fac` (R at fac[0…rows), C after it).
 * Vector (rows or cols < 2): fr_j = √(βv·v_j + (1−βv)·g_j²)·r2 — the same f32 expression as the
 * main pass's v update, so it equals that pass's √v·r2. Scalar loops (identical in both builds).
 */
export function adam_residual_factor_f32(g: usize, v: usize, fac: usize, fr: usize, rows: i32, cols: i32, bv: f32, obv: f32, r2: f32): void {
  if (rows < 2 || cols < 2) {
    const n = rows * cols;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vbv = f32x4.splat(bv), vobv = f32x4.splat(obv), vr2 = f32x4.splat(r2);
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        const gj = v128.load(g + o);
        v128.store(fr + o, f32x4.mul(f32x4.sqrt(f32x4.add(f32x4.mul(vbv, v128.load(v + o)), f32x4.mul(vobv, f32x4.mul(gj, gj)))), vr2));
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const gj = load<f32>(g + o);
      store<f32>(fr + o, sqrt<f32>(bv * load<f32>(v + o) + obv * (gj * gj)) * r2);
    }
    return;
  }
  const R = fac, C = fac + (<usize>rows << 2);
  const fr_ = <f32>rows, fc = <f32>cols;
  // One pass over g: the row sums in a scalar chain (index order), the column sums in fr[0…cols)
  // (vectors over j; each column still sums its rows in index order).
  memory.fill(fr, 0, <usize>cols << 2);
  const c4 = ASC_FEATURE_SIMD ? cols & ~3 : 0;
  // Rows two at a time: two independent row-sum chains; each column adds row i, then row i + 1.
  let i = 0;
  for (; i + 2 <= rows; i += 2) {
    const rowA = g + (<usize>(i * cols) << 2), rowB = rowA + (<usize>cols << 2);
    let sA: f32 = 0, sB: f32 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const gA = v128.load(rowA + o), gB = v128.load(rowB + o);
        const qA = f32x4.mul(gA, gA), qB = f32x4.mul(gB, gB);
        v128.store(fr + o, f32x4.add(f32x4.add(v128.load(fr + o), qA), qB));
        sA = sA + f32x4.extract_lane(qA, 0); sB = sB + f32x4.extract_lane(qB, 0);
        sA = sA + f32x4.extract_lane(qA, 1); sB = sB + f32x4.extract_lane(qB, 1);
        sA = sA + f32x4.extract_lane(qA, 2); sB = sB + f32x4.extract_lane(qB, 2);
        sA = sA + f32x4.extract_lane(qA, 3); sB = sB + f32x4.extract_lane(qB, 3);
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const gA = load<f32>(rowA + o), gB = load<f32>(rowB + o);
      const qA = gA * gA, qB = gB * gB;
      store<f32>(fr + o, (load<f32>(fr + o) + qA) + qB);
      sA = sA + qA;
      sB = sB + qB;
    }
    const o = <usize>i << 2;
    store<f32>(R + o, bv * load<f32>(R + o) + obv * (sA / fc));
    store<f32>(R + o + 4, bv * load<f32>(R + o + 4) + obv * (sB / fc));
  }
  for (; i < rows; i++) {
    const row = g + (<usize>(i * cols) << 2);
    let s: f32 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const gj = v128.load(row + o);
        const q = f32x4.mul(gj, gj);
        v128.store(fr + o, f32x4.add(v128.load(fr + o), q));
        s = s + f32x4.extract_lane(q, 0);
        s = s + f32x4.extract_lane(q, 1);
        s = s + f32x4.extract_lane(q, 2);
        s = s + f32x4.extract_lane(q, 3);
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const gj = load<f32>(row + o);
      const q = gj * gj;
      store<f32>(fr + o, load<f32>(fr + o) + q);
      s = s + q;
    }
    const o = <usize>i << 2;
    store<f32>(R + o, bv * load<f32>(R + o) + obv * (s / fc));
  }
  for (let j = 0; j < cols; j++) {
    const o = <usize>j << 2;
    store<f32>(C + o, bv * load<f32>(C + o) + obv * (load<f32>(fr + o) / fr_));
  }
  let mu: f32 = 0;
  for (let i = 0; i < rows; i++) mu = mu + load<f32>(R + (<usize>i << 2));
  mu = max<f32>(mu / fr_, 1e-30);
  for (let i = 0; i < rows; i++) {
    const ri = load<f32>(R + (<usize>i << 2));
    const row = fr + (<usize>(i * cols) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vri = f32x4.splat(ri), vmu = f32x4.splat(mu), vr2 = f32x4.splat(r2);
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        v128.store(row + o, f32x4.mul(f32x4.sqrt(f32x4.div(f32x4.mul(vri, v128.load(C + o)), vmu)), vr2));
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, sqrt<f32>((ri * load<f32>(C + o)) / mu) * r2);
    }
  }
}

// @ts-ignore: decorator
@inline function cf(cfg: usize, i: i32): f32 {
  return load<f32>(cfg + (<usize>i << 2));
}

/**
 * One step on n parameters (momenta, v and p updated in place; `fr` from adam_residual_factor_f32):
 *   m_k ← β_k·m_k + (1−β_k)·g (β = β1, 0.99, 0.999);  v ← βv·v + (1−βv)·g²
 *   D = √v·r2 + ε;  a = (m1·c1)/D                      (a is Adam's direction, bit for bit)
 *   x = (g/D, a, m2·c2/D, m3·c3/D, fr/D, m1·c1/(fr + ε), ln(D)·0.1, clamp(p, −10, 10))
 *       — each product is x·(1/D) with 1/D rounded once, in that order
 *   h_j = relu(base_j + Σ_{q<8} x_q·W1[q][j]),  base_j = b1_j + Σ_{i=8..10} cfg[15+i−8]·W1[i][j]
 *   d = b2_0 + Σ_j h_j·W2[j][0],  s = b2_1 + Σ_j h_j·W2[j][1]
 *   u = a + d·exp(min(s, 4))   (cfg[18] = 0, additive form)
 *   u = a·(1 + d·exp(min(s, 4)))   (cfg[18] ≠ 0, multiplicative form: vanishes with a)
 *   u ← u + wd·p (if wd ≠ 0);  p ← p − lr_t·u
 * `scratch` ≥ adam_residual_scratch_bytes(16) bytes (`adam_residual_h_f32` with H = 16).
 */
export function adam_residual_f32(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, n: i32, theta: usize, cfg: usize, scratch: usize): void {
  adam_residual_h_f32(p, g, m1, m2, m3, v, fr, n, theta, cfg, scratch, HID);
}

/**
 * `adam_residual_f32` with a hidden layer of H units (H ≥ 1): θ = W1 11×H, b1 H, W2 H×2, b2 2
 * (input-major, the same layout with 16 replaced by H), scratch ≥ adam_residual_scratch_bytes(H)
 * bytes. Same arithmetic, same order per lane: H = 16 is `adam_residual_f32` bit for bit. The
 * bench runs it at mlpLOpt's width (32) for the equal-hidden-size throughput row.
 *
 * Scratch: the packed weight table (`packTable`, 48·H bytes: per hidden unit j, W1[0…7][j],
 * base_j, W2[j][0], W2[j][1], 0, read by constant offsets from one pointer), then (SIMD) the
 * same table pre-splatted (192·H bytes, 16-byte aligned) and the tile buffers xs (TILE·128),
 * ds (TILE·32), lg (TILE·16) and the zero-padded copies of the last n mod 4 parameters (112).
 */
export function adam_residual_h_f32(p: usize, g: usize, m1: usize, m2: usize, m3: usize, v: usize, fr: usize, n: i32, theta: usize, cfg: usize, scratch: usize, H: i32): void {
  packTable(theta, cfg, scratch, H);
  const B2 = IN * H + H + 2 * H;
  const bd = load<f32>(theta + (<usize>B2 << 2)), bs = load<f32>(theta + (<usize>(B2 + 1) << 2));
  const tEnd = scratch + <usize>H * 48;
  const b1 = cf(cfg, 0), ob1 = cf(cfg, 1), b2m = cf(cfg, 2), ob2m = cf(cfg, 3), b3m = cf(cfg, 4), ob3m = cf(cfg, 5), bv = cf(cfg, 6), obv = cf(cfg, 7);
  const c1 = cf(cfg, 8), c2 = cf(cfg, 9), c3 = cf(cfg, 10), r2 = cf(cfg, 11), eps = cf(cfg, 12), wdc = cf(cfg, 13), lr = cf(cfg, 14);
  const mult = cf(cfg, 18) != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Pre-splatted table (16-byte aligned, 192 bytes per hidden unit) after the packed one, then
    // the tile buffers: features xs (TILE × 8 v128), outputs ds (TILE × 2 v128), ln D / eˢ lg (TILE v128).
    const vt = (tEnd + 15) & ~(<usize>15), vtEnd = vt + <usize>H * 192;
    for (let t = scratch, w = vt; t < tEnd; t += 48, w += 192) {
      for (let k: usize = 0; k < 48; k += 4) v128.store(w + (k << 2), v128.load32_splat(t + k));
    }
    const xs = vtEnd, ds = xs + <usize>TILE * 128, lg = ds + <usize>TILE * 32;
    const n4 = n & ~3;
    for (; i < n4; i += TILE * 4) {
      const m = min<i32>(n4 - i, TILE * 4);
      featTile(p, g, m1, m2, m3, v, fr, cfg, i, m, xs, lg);
      mlpTile(xs, ds, m, vt, vtEnd, bd, bs);
      updTile(p, xs, ds, lg, cfg, i, m, mult);
    }
    i = n4;
    if (i < n) {
      // The last n mod 4 parameters as one vector on zero-padded copies (tail: 7 × 16 bytes after
      // lg); the lanes are independent, and only the real ones are copied back.
      const tl = lg + <usize>TILE * 16, r = <usize>(n - i) << 2, o = <usize>i << 2;
      memory.fill(tl, 0, 112);
      memory.copy(tl, p + o, r); memory.copy(tl + 16, g + o, r); memory.copy(tl + 32, m1 + o, r); memory.copy(tl + 48, m2 + o, r);
      memory.copy(tl + 64, m3 + o, r); memory.copy(tl + 80, v + o, r); memory.copy(tl + 96, fr + o, r);
      featTile(tl, tl + 16, tl + 32, tl + 48, tl + 64, tl + 80, tl + 96, cfg, 0, 4, xs, lg);
      mlpTile(xs, ds, 4, vt, vtEnd, bd, bs);
      updTile(tl, xs, ds, lg, cfg, 0, 4, mult);
      memory.copy(p + o, tl, r); memory.copy(m1 + o, tl + 32, r); memory.copy(m2 + o, tl + 48, r);
      memory.copy(m3 + o, tl + 64, r); memory.copy(v + o, tl + 80, r);
      i = n;
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o), gi = load<f32>(g + o);
    const mi1 = b1 * load<f32>(m1 + o) + ob1 * gi;
    const mi2 = b2m * load<f32>(m2 + o) + ob2m * gi;
    const mi3 = b3m * load<f32>(m3 + o) + ob3m * gi;
    const vi = bv * load<f32>(v + o) + obv * (gi * gi);
    store<f32>(m1 + o, mi1);
    store<f32>(m2 + o, mi2);
    store<f32>(m3 + o, mi3);
    store<f32>(v + o, vi);
    const den = sqrt<f32>(vi) * r2 + eps;
    const mc = mi1 * c1;
    const a = mc / den;
    const rs: f32 = 1.0 / den;
    const fri = load<f32>(fr + o);
    const x0 = gi * rs, x2 = (mi2 * c2) * rs, x3 = (mi3 * c3) * rs, x4 = fri * rs;
    const x5 = mc / (fri + eps), x6 = logs(den) * <f32>0.1, x7 = max<f32>(min<f32>(pi, 10.0), -10.0);
    let d = bd, s = bs;
    for (let t = scratch; t < tEnd; t += 48) {
      let h = load<f32>(t, 32);
      h = h + x0 * load<f32>(t, 0);
      h = h + a * load<f32>(t, 4);
      h = h + x2 * load<f32>(t, 8);
      h = h + x3 * load<f32>(t, 12);
      h = h + x4 * load<f32>(t, 16);
      h = h + x5 * load<f32>(t, 20);
      h = h + x6 * load<f32>(t, 24);
      h = h + x7 * load<f32>(t, 28);
      h = max<f32>(h, 0);
      d = d + h * load<f32>(t, 36);
      s = s + h * load<f32>(t, 40);
    }
    const e = d * exps(min<f32>(s, 4.0));
    let u = mult ? a * (<f32>1.0 + e) : a + e;
    if (wdc != 0) u = u + wdc * pi;
    store<f32>(p + o, pi - lr * u);
  }
}

/**
 * The packed weight table of `adam_residual_h_f32` in `tab` (48·H bytes): per hidden unit j,
 * W1[0…7][j], base_j = b1_j + Σ_{i=8..10} cfg[15+i−8]·W1[i][j] (in that order), W2[j][0],
 * W2[j][1], 0.
 */
/** Bytes of scratch `adam_residual_h_f32` needs at hidden width H (both builds): 240·H + 16 + 176·32 + 112. */
export function adam_residual_scratch_bytes(H: i32): i32 {
  return 240 * H + 16 + 176 * TILE + 112;
}

function packTable(theta: usize, cfg: usize, tab: usize, H: i32): void {
  const B1 = IN * H, W2 = B1 + H;
  for (let j = 0; j < H; j++) {
    const t = tab + <usize>j * 48;
    for (let q = 0; q < NX; q++) store<f32>(t + (<usize>q << 2), load<f32>(theta + (<usize>(q * H + j) << 2)));
    let acc = load<f32>(theta + (<usize>(B1 + j) << 2));
    for (let k = NX; k < IN; k++) acc = acc + cf(cfg, 15 + k - NX) * load<f32>(theta + (<usize>(k * H + j) << 2));
    // acc + 0 turns a −0 base into +0 (nothing else changes): then no hidden sum is −0 (in round to
    // nearest a sum is −0 only if both terms are), and the SIMD ReLU pmax(h, 0) equals max(h, 0).
    // The sum that started from −0 differs only when every term is −0: −0 before, +0 now, both 0 after the ReLU.
    store<f32>(t, acc + 0, 32);
    store<f32>(t, load<f32>(theta + (<usize>(W2 + 2 * j) << 2)), 36);
    store<f32>(t, load<f32>(theta + (<usize>(W2 + 2 * j + 1) << 2)), 40);
    store<f32>(t, 0, 44);
  }
}
