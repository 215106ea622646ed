// Shared layout of the LSTM optimizer's meta-parameters and backward tape (assembly/l2o.ts
// forward, assembly/lstm_backward.ts backward), plus small load helpers.


/** Meta-parameters of the LSTM optimizer (PyTorch LSTMCell layout, gate rows i, f, g, o). */
export const LSTM_LOPT_THETA: i32 = 5301;
/** f32 fields per parameter per step in the tape written for the backward pass. */
export const LSTM_TAPE_FIELDS: i32 = 282;

// θ offsets in f32 elements.
export const WIH1: i32 = 0; // 80×2
export const WHH1: i32 = 160; // 80×20
export const BIH1: i32 = 1760; // 80
export const BHH1: i32 = 1840; // 80
export const WIH2: i32 = 1920; // 80×20
export const WHH2: i32 = 3520; // 80×20
export const BIH2: i32 = 5120; // 80
export const BHH2: i32 = 5200; // 80
export const WOUT: i32 = 5280; // 20
export const BOUT: i32 = 5300; // 1

// Tape field offsets.
export const T_X0: i32 = 0, T_X1: i32 = 1, T_H1P: i32 = 2, T_C1P: i32 = 22, T_A1: i32 = 42, T_TC1: i32 = 122;
export const T_H2P: i32 = 142, T_C2P: i32 = 162, T_A2: i32 = 182, T_TC2: i32 = 262;

// @ts-ignore: decorator
@inline export function th(theta: usize, k: i32): f32 {
  return load<f32>(theta + (<usize>k << 2));
}

// @ts-ignore: decorator
@inline export function slot(slots: usize, k: i32): usize {
  return <usize>load<u32>(slots + (<usize>k << 2));
}

@inline export function tp(tb: usize, rowBytes: usize, f: i32): f32 {
  return load<f32>(tb + <usize>f * rowBytes);
}
// @ts-ignore: decorator
@inline export function loadd(b: usize, k: i32): f64 {
  return load<f64>(b + (<usize>k << 3));
}
// @ts-ignore: decorator
@inline export function stored(b: usize, k: i32, v: f64): void {
  store<f64>(b + (<usize>k << 3), v);
}
// @ts-ignore: decorator
@inline export function addd(b: usize, k: i32, v: f64): void {
  const a = b + (<usize>k << 3);
  store<f64>(a, load<f64>(a) + v);
}

