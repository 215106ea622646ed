// The hand-written interface of every kernel the WebAssembly module exports.
// Pointers are byte offsets into the runtime's linear memory (numbers); `n` counts
// elements. One interface per assembly/ file, merged into `Kernels`.

/** assembly/moments.ts — fused optimizer updates and their composable pieces. */
export interface MomentKernels {
  adam_f32(p: number, g: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
    l2: number, wd: number, lr: number): void;
  sgd_f32(p: number, g: number, n: number, l2: number, lr: number): void;
  momentum_f32(p: number, g: number, t: number, n: number, mu: number, l2: number, lr: number, nesterov: number): void;
  lion_f32(p: number, g: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number,
    wd: number, lr: number): void;
  scale_by_adam_f32(u: number, m: number, v: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number): void;
  scale_by_lion_f32(u: number, m: number, n: number, b1: number, ob1: number, b2: number, ob2: number): void;
  trace_f32(u: number, t: number, n: number, mu: number, nesterov: number): void;
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
}

/** assembly/l2o.ts — learned optimizers (MLP, LSTM) over all parameters, LSTM backward. */
export interface L2oKernels {
  lopt_math_f32(out: number, x: number, n: number, which: number): void;
  mlp_lopt_momenta_f32(g: number, slots: number, n: number): void;
  mlp_lopt_f32(p: number, g: number, slots: number, n: number, theta: number, feat: number, scratch: number): void;
  lstm_lopt_f32(p: number, g: number, slots: number, n: number, theta: number, outScale: number, tape: number, scratch: number): void;
  lstm_lopt_backward_f32(theta: number, tape: number, n: number, K: number, adj: number, dtheta: number, work: number): void;
}

/** assembly/index.ts — module facts. */
export interface ModuleKernels {
  heap_base(): number;
  simd_enabled(): number;
}

export type Kernels = ModuleKernels & MomentKernels & VectorKernels & StatsKernels & L2oKernels;
