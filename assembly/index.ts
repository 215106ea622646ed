// Entry point of the WebAssembly module: one `export *` per kernel family.
// Built twice from this one source (asconfig.json): `simd` (--enable simd) and `scalar`.
// Kernels are pure functions over (pointers, lengths, scalars); memory is imported and
// owned by the TypeScript arena (src/runtime/arena.ts), which starts at heap_base().

export * from './l2o';
export * from './moments';
export * from './stats';
export * from './vector';
export * from './nn';
export * from './linalg';
export * from './qp';
export * from './qpdense';
export * from './penalty';
export * from './linear';

/** First byte of linear memory past the module's static data: where the arena may start. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 when this binary was compiled with SIMD, else 0 (lets the runtime report the active build). */
export function simd_enabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
export * from './celo';
export * from './adam_residual';
export { adam_safe_f32, sgd_safe_f32, momentum_safe_f32, lion_safe_f32 } from './moments_bound';
export * from './covariance';
export * from './celo_lstm';
export { adam_tracked_f32, sgd_tracked_f32, momentum_tracked_f32, lion_tracked_f32, tracked_bound } from './moments_tracked';
