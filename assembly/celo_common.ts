// Constants, work-area offsets and small inline helpers shared by assembly/celo.ts and
// assembly/celo_mlp.ts (see the header of assembly/celo.ts for the precision contract).

// f32 decays (jnp.asarray((0.9, 0.99, 0.999))) and 1 − d computed in f32 (exact, Sterbenz).
export const D0: f32 = reinterpret<f32>(0x3f666666), D1: f32 = reinterpret<f32>(0x3f7d70a4), D2: f32 = reinterpret<f32>(0x3f7fbe77);
export const O0: f32 = reinterpret<f32>(0x3dccccd0), O1: f32 = reinterpret<f32>(0x3c23d700), O2: f32 = reinterpret<f32>(0x3a831200);
export const EPS30: f32 = reinterpret<f32>(0x0da24260); // 1e-30, factored_rolling epsilon
export const EPS6: f32 = reinterpret<f32>(0x358637bd); // 1e-6, rsqrt(rms + 1e-6)
export const EPS8: f32 = reinterpret<f32>(0x322bcc77); // 1e-8, rsqrt(row_feat + 1e-8)
export const EPS9: f32 = reinterpret<f32>(0x3089705f); // 1e-9, safe_rsqrt floor and row_col_mean + 1e-9
export const EPS10: f32 = reinterpret<f32>(0x2edbe6ff); // 1e-10, celo_adam sqrt(rms + 1e-10)
export const ADAM_EPS: f32 = reinterpret<f32>(0x322bcc77); // 1e-8, celo_adam initial_epsilon
export const MULT: f32 = 0.001; // exp_mult = step_mult = 0.001
export const CHUNK = 256;


// @ts-ignore: decorator
@inline export function offYa(R: i32): usize { return <usize>(12 * R); }
// @ts-ignore: decorator
@inline export function offFb(R: i32): usize { return <usize>(24 * R); }
// @ts-ignore: decorator
@inline export function offYb(R: i32, C: i32): usize { return <usize>(24 * R + 12 * C); }
// @ts-ignore: decorator
@inline export function offBA(R: i32, C: i32): usize { return <usize>(24 * R + 24 * C); }
// @ts-ignore: decorator
@inline export function offBB(R: i32, C: i32): usize { return <usize>(40 * R + 24 * C); }
// @ts-ignore: decorator
@inline export function offXs(R: i32, C: i32): usize { return <usize>((40 * R + 40 * C + 15) & ~15); }
// @ts-ignore: decorator
@inline export function offCol(R: i32, C: i32): usize { return offXs(R, C) + 768; }

// Clamps with the bound second: pmin/pmax(x, bound) equal min/max(x, bound) for every x (bounds
// are finite and non-zero; NaN propagates), one instruction each instead of V8's NaN/±0 fix-ups.
// @ts-ignore: decorator
@inline export function clipg(x: f32): f32 { return min<f32>(max<f32>(x, -1000.0), 1000.0); }
// @ts-ignore: decorator
@inline export function clipgv(x: v128): v128 { return f32x4.pmin(f32x4.pmax(x, f32x4.splat(-1000.0)), f32x4.splat(1000.0)); }
// ReLU as `x < 0 ? 0 : x` (f32x4.pmax(x, 0): one instruction; NaN stays NaN, −0 stays −0, unlike
// IEEE max's +0; the reference uses the same formula).
// @ts-ignore: decorator
@inline export function relu(x: f32): f32 { return select<f32>(0, x, x < 0); }
// @ts-ignore: decorator
@inline export function reluv(x: v128): v128 { return f32x4.pmax(x, f32x4.splat(0)); }
// @ts-ignore: decorator
@inline export function rsq(x: f32): f32 { return <f32>1.0 / sqrt<f32>(x); }
// @ts-ignore: decorator
@inline export function rsqv(x: v128): v128 { return f32x4.div(f32x4.splat(1.0), f32x4.sqrt(x)); }
