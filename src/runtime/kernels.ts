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

/** assembly/index.ts — module facts. */
export interface ModuleKernels {
  heap_base(): number;
  simd_enabled(): number;
}

export type Kernels = ModuleKernels & MomentKernels & VectorKernels & PenaltyKernels & LinearKernels;
