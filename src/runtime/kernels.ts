// The hand-written interface of every kernel the WebAssembly module exports.
// Pointers are byte offsets into the runtime's linear memory (numbers); `n` counts
// elements. One interface per assembly/ file, merged into `Kernels`.

/**
 * assembly/moments.ts — fused optimizer updates and their composable pieces. The fused kernels
 * return the number of coordinates whose new parameter or slot is non-finite; `check` = 1 only
 * counts (writes nothing), `check` = 0 writes every clean coordinate and leaves the others as
 * they were, `check` = 2 writes everything (after a clean check), `check` = 3 is all or nothing
 * (the count with nothing written, or 0 after writing everything). The `*_safe_f32` functions
 * (assembly/moments_bound.ts) are the read-only bound passes behind `check` = 3: 1 proves that
 * every result of the update with these arguments is finite, 0 means "not proven".
 */
export interface MomentKernels {
  adam_f32(p: number, g: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
    l2: number, wd: number, lr: number, check: number): number;
  sgd_f32(p: number, g: number, n: number, l2: number, lr: number, check: number): number;
  momentum_f32(p: number, g: number, t: number, n: number, mu: number, l2: number, lr: number, nesterov: number, check: number): number;
  lion_f32(p: number, g: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number,
    wd: number, lr: number, check: number): number;
  scale_by_adam_f32(u: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number): void;
  scale_by_lion_f32(u: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number): void;
  trace_f32(u: number, t: number, n: number, mu: number, nesterov: number): void;
  adam_safe_f32(p: number, g: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
    l2: number, wd: number, lr: number): number;
  /**
   * adam_f32 mode 3 given upper bounds bp, bm, bv of max|p|, max|m|, max v carried from the last
   * call (+∞ = unknown: that array is read); g is always read. Bounds of the new values after
   * the call: `tracked_bound(0 | 1 | 2)` (+∞ unless the write was proven). See
   * assembly/moments_tracked.ts; the sgd, momentum and lion versions alike (slot 1 = t or m).
   */
  adam_tracked_f32(p: number, g: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
    l2: number, wd: number, lr: number, bp: number, bm: number, bv: number): number;
  sgd_tracked_f32(p: number, g: number, n: number, l2: number, lr: number, bp: number): number;
  momentum_tracked_f32(p: number, g: number, t: number, n: number, mu: number, l2: number, lr: number, nesterov: number, bp: number, bt: number): number;
  lion_tracked_f32(p: number, g: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number,
    wd: number, lr: number, bp: number, bm: number): number;
  tracked_bound(which: number): number;
  sgd_safe_f32(p: number, g: number, n: number, l2: number, lr: number): number;
  momentum_safe_f32(p: number, g: number, t: number, n: number, mu: number, l2: number, lr: number, nesterov: number): number;
  lion_safe_f32(p: number, g: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number, wd: number, lr: number): number;
}

/** assembly/vector.ts — elementwise building blocks, reductions, non-finite handling. */
export interface VectorKernels {
  scale_f32(x: number, n: number, s: number): void;
  axpy_f32(y: number, x: number, n: number, a: number): void;
  clip_f32(x: number, n: number, lo: number, hi: number): void;
  sumsq_f32(x: number, n: number): number;
  count_nonfinite_f32(x: number, n: number): number;
  zero_nonfinite_f32(x: number, n: number): number;
}

/** assembly/linalg.ts — dense f64 Cholesky factor and triangular solves (row-major, leading dimension ld). */
export interface LinalgKernels {
  dot_f64(x: number, y: number, len: number): number;
  axpy_f64(y: number, x: number, len: number, a: number): void;
  /** Smallest pivot (> 0) on success, +∞ for n = 0, else the first pivot that is not > 0. */
  chol_factor_f64(a: number, n: number, ld: number): number;
  chol_forward_f64(l: number, n: number, ld: number, x: number): void;
  chol_backward_f64(l: number, n: number, ld: number, x: number): void;
  chol_solve_f64(l: number, n: number, ld: number, x: number): void;
  chol_factor_batch_f64(a: number, n: number, count: number, piv: number): void;
  chol_solve_batch_f64(l: number, n: number, count: number, x: number): void;
}

/** assembly/qp.ts (interior point) and assembly/qpbox.ts (box active set) — batched QP forward and backward passes. */
export interface QpKernels {
  qp_ipm_work_len(n: number, ne: number, ni: number): number;
  qp_ipm_f64(count: number, n: number, ne: number, ni: number, shared: number,
    Q: number, p: number, A: number, b: number, G: number, h: number,
    z: number, nu: number, lam: number, s: number,
    L: number, W: number, S: number, D: number, work: number, info: number, tol: number, maxIter: number): void;
  qp_ipm_backward_f64(count: number, n: number, ne: number, ni: number, shared: number,
    G: number, z: number, nu: number, lam: number, L: number, W: number, S: number, D: number, info: number,
    v: number, work: number, dQ: number, dp: number, dA: number, db: number, dG: number, dh: number): void;
  qp_box_f64(count: number, n: number, shared: number, Q: number, p: number, lb: number, ub: number,
    z: number, mu: number, flags: number, idx: number, Lf: number, work: number, info: number, maxIter: number,
    lam: number, width: number, lo: number, up: number): void;
  qp_box_backward_f64(count: number, n: number, shared: number, Q: number, z: number, flags: number, idx: number,
    Lf: number, info: number, v: number, work: number, dQ: number, dp: number, dlb: number, dub: number): void;
  qp_box_prep_f64(n: number, Q: number, nQ: number, p: number, np: number, lb: number, nl: number, ub: number, nu: number): number;
  qp_box_work_len(n: number): number;
  /** assembly/qpdense.ts — dense Goldfarb–Idnani active set with equilibration, KKT check and certificates. */
  qp_dense_work_len(n: number, ne: number, ni: number): number;
  qp_dense_f64(count: number, n: number, ne: number, ni: number, shared: number,
    Q: number, p: number, A: number, b: number, G: number, h: number,
    z: number, nu: number, lam: number, J: number, R: number, act: number, scl: number,
    work: number, info: number, tol: number, maxIter: number): void;
  qp_dense_backward_f64(count: number, n: number, ne: number, ni: number, shared: number,
    z: number, nu: number, lam: number, J: number, R: number, act: number, scl: number, info: number,
    v: number, work: number, dQ: number, dp: number, dA: number, db: number, dG: number, dh: number): void;
  qp_kkt_f64(count: number, n: number, ne: number, ni: number, shared: number,
    Q: number, p: number, A: number, b: number, G: number, h: number, z: number, nu: number, lam: number,
    work: number, out: number): void;
}

/** assembly/penalty.ts — fused penalty-gradient steps and box projection (bilevel, SPEC A.2). */
export interface PenaltyKernels {
  penalty_y_step_f32(y: number, a: number, b: number, n: number, ca: number, cb: number, eta: number): void;
  penalty_x_step_f32(x: number, fx: number, gxy: number, gxz: number, n: number,
    gamma: number, eta: number, lo: number, hi: number): void;
  step_box_f32(x: number, d: number, n: number, eta: number, lo: number, hi: number): void;
  project_box_f32(x: number, lo: number, hi: number, n: number): void;
}

/** assembly/linear.ts — dense kernels for linear models (bilevel digits problems). */
export interface LinearKernels {
  linear_fwd_f32(z: number, x: number, w: number, b: number, rows: number, d: number, c: number): void;
  linear_bwd_w_f32(gw: number, gb: number, dz: number, x: number, rows: number, d: number, c: number): void;
  linear_bwd_x_f32(dx: number, dz: number, w: number, rows: number, d: number, c: number): void;
  softmax_nll_f32(z: number, labels: number, mask: number, groups: number, rows: number, c: number,
    w: number, s: number, loss: number): number;
}

/** assembly/stats.ts — f64 statistics: centering, SYRK, SYMV, |x| and introselect. */
export interface StatsKernels {
  center_f32(out: number, x: number, mean: number, rows: number, cols: number, transpose: number): void;
  center_f64(out: number, x: number, mean: number, rows: number, cols: number, transpose: number): void;
  syrk_f64(out: number, a: number, n: number, len: number, s: number): void;
  symv_f64(y: number, a: number, x: number, n: number): void;
  abs_f32_to_f64(dst: number, src: number, n: number): void;
  abs_f64(dst: number, src: number, n: number): void;
  select_f64(x: number, n: number, k: number): number;
  count_nonfinite_f64(x: number, n: number): number;
  select_budget_f64(x: number, n: number, k: number, budget: number): number;
  // assembly/covariance.ts — packed centring and the blocked SYRK of `covariance()`.
  pack_center_f64(pk: number, x: number, mean: number, rows: number, cols: number): void;
  pack_center_f32(pk: number, x: number, mean: number, rows: number, cols: number): void;
  syrk_packed_f64(out: number, pk: number, work: number, n: number, len: number, s: number): void;
}

/** assembly/l2o.ts — learned optimizers (MLP, LSTM) over all parameters, LSTM backward. */
export interface L2oKernels {
  lopt_math_f32(out: number, x: number, n: number, which: number): void;
  mlp_lopt_momenta_f32(g: number, slots: number, n: number): void;
  mlp_lopt_f32(p: number, g: number, slots: number, n: number, theta: number, feat: number, scratch: number): void;
  lstm_lopt_f32(p: number, g: number, slots: number, n: number, theta: number, outScale: number, tape: number, scratch: number): void;
  lstm_lopt_backward_f32(theta: number, tape: number, n: number, K: number, adj: number, dtheta: number, work: number): void;
}

/** assembly/celo.ts — Celo and Celo-Adam (per tensor; see the kernel doc comments). */
export interface CeloKernels {
  celo_work_bytes(R: number, C: number): number;
  celo_accum_f32(g: number, mv: number, n: number): void;
  celo_adam_f32(p: number, g: number, m: number, v: number, n: number, bc1: number, bc2: number, lr: number): void;
  celo_fac_mat_f32(g: number, R: number, C: number, fac: number, work: number): void;
  celo_fac_vec_f32(g: number, n: number, fac: number): void;
  celo_prep_mat_f32(R: number, C: number, fac: number, swap: number, work: number, sums: number): void;
  celo_stats_f32(p: number, g: number, mv: number, fac: number, R: number, C: number, vec: number, work: number, sums: number): void;
  celo_mlp_f32(p: number, g: number, mv: number, fac: number, R: number, C: number, vec: number, work: number, w: number, psi: number, lrm: number): void;
  celo_accstats_f32(p: number, g: number, mv: number, fac: number, R: number, C: number, vec: number, work: number, sums: number): void;
}

/** assembly/celo_lstm.ts — Celo's LSTM scheduler products (f64, output-major weights). */
export interface CeloLstmKernels {
  celo_gemv_f64(W: number, b: number, x: number, n: number, rows: number, out: number): void;
  celo_lstm_gates_f64(wm: number, bm: number, x: number, nx: number, wl: number, bl: number, zh: number, H: number, u: number, gates: number): void;
}

/** assembly/index.ts — module facts. */
export interface ModuleKernels {
  heap_base(): number;
  simd_enabled(): number;
}

/** assembly/nn.ts (+ gemm.ts, rng.ts) — MLP training kernels and the seeded PRNG. */
export interface NnKernels {
  gemm_work_bytes(K: number, N: number): number;
  gemm_f32(transA: number, transB: number, M: number, N: number, K: number, A: number, B: number, C: number,
    accumulate: number, work: number): void;
  bias_add_f32(z: number, b: number, M: number, N: number): void;
  colsum_f32(d: number, M: number, N: number, out: number, accumulate: number): void;
  act_forward_f32(kind: number, z: number, h: number, n: number): void;
  act_backward_f32(kind: number, z: number, h: number, dh: number, dz: number, n: number): void;
  bn_forward_f32(z: number, y: number, xhat: number, rstd: number, gamma: number, beta: number, M: number, N: number, eps: number): void;
  bn_backward_f32(dy: number, xhat: number, rstd: number, gamma: number, dz: number, dgamma: number, dbeta: number, M: number, N: number): void;
  softmax_ce_f32(z: number, labels: number, M: number, C: number, dz: number, losses: number, scale: number): number;
  mse_f32(p: number, t: number, M: number, D: number, dp: number, losses: number, scale: number): number;
  gather_rows_f32(src: number, idx: number, count: number, width: number, dst: number): void;
  gather_i32(src: number, idx: number, count: number, dst: number): void;
  count_correct(z: number, labels: number, M: number, C: number): number;
  rng_seed(state: number, seed: number): void;
  rng_u32(state: number): number;
  rng_uniform(state: number): number;
  rng_fill_uniform_f32(state: number, out: number, n: number, lo: number, hi: number): void;
  rng_shuffle_i32(state: number, a: number, n: number): void;
  rng_permutation_i32(state: number, a: number, n: number): void;
}

/** assembly/adam_residual.ts — the Adam-residual learned optimizer (factored second moment, fused step). */
export interface AdamResidualKernels {
  adam_residual_factor_f32(g: number, v: number, fac: number, fr: number, rows: number, cols: number, bv: number, obv: number, r2: number): void;
  adam_residual_f32(p: number, g: number, m1: number, m2: number, m3: number, v: number, fr: number, n: number, theta: number, cfg: number, scratch: number): void;
  adam_residual_h_f32(p: number, g: number, m1: number, m2: number, m3: number, v: number, fr: number, n: number, theta: number, cfg: number, scratch: number, h: number): void;
  /** Bytes of scratch adam_residual_h_f32 needs at hidden width h (adam_residual_f32: h = 16). */
  adam_residual_scratch_bytes(h: number): number;
}

export type Kernels = ModuleKernels & MomentKernels & VectorKernels & NnKernels & LinalgKernels & QpKernels & PenaltyKernels & LinearKernels & StatsKernels & L2oKernels & CeloKernels & AdamResidualKernels & CeloLstmKernels;
