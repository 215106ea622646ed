// Bilevel penalty kernels (assembly/penalty.ts, assembly/linear.ts) against plain JavaScript:
//   penalty-y    y ← y − η(ca·a + cb·b)                     reads y, a, b; writes y (16·n bytes)
//   penalty-x    x ← clip(x − η(fx + γ(gxy − gxz)), lo, hi)  reads x, fx, gxy, gxz; writes x (20·n bytes)
//   linear-softmax-grad  forward X·Wᵀ + b, softmax CE and its W/b gradient for a 64→10 linear
//                classifier on `rows` examples (the hyper-cleaning LL oracle's core), 2·2·rows·64·10 flops
// Impls: metaoptim-simd, metaoptim-scalar (raw kernel exports on buffers already in WASM
// memory) and plain-js (baseline: the same loops over Float32Arrays).

import { type Runtime, createRuntime } from '../../src/index.js';
import type { BenchCase, Suite, SuiteOptions } from '../types.js';

function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

function jsPenaltyY(y: Float32Array, a: Float32Array, b: Float32Array, ca: number, cb: number, eta: number): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! - eta * (ca * a[i]! + cb * b[i]!);
}

function jsPenaltyX(x: Float32Array, fx: Float32Array, g1: Float32Array, g2: Float32Array, gamma: number, eta: number, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) {
    const u = x[i]! - eta * (fx[i]! + gamma * (g1[i]! - g2[i]!));
    x[i] = u < lo ? lo : u > hi ? hi : u;
  }
}

function jsLinearSoftmaxGrad(X: Float32Array, labels: Int32Array, W: Float32Array, b: Float32Array, gW: Float32Array, gb: Float32Array, rows: number, d: number, c: number): number {
  gW.fill(0);
  gb.fill(0);
  const z = new Float64Array(c);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let k = 0; k < c; k++) {
      let s = b[k]!;
      for (let j = 0; j < d; j++) s += X[r * d + j]! * W[k * d + j]!;
      z[k] = s;
      if (s > m) m = s;
    }
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(z[k]! - m);
    loss += m + Math.log(sum) - z[labels[r]!]!;
    for (let k = 0; k < c; k++) {
      const g = (Math.exp(z[k]! - m) / sum - (k === labels[r] ? 1 : 0)) / rows;
      gb[k] = gb[k]! + g;
      for (let j = 0; j < d; j++) gW[k * d + j] = gW[k * d + j]! + g * X[r * d + j]!;
    }
  }
  return loss / rows;
}

async function wasmCases(rt: Runtime, impl: string, sizes: number[], rowsList: number[]): Promise<BenchCase[]> {
  const k = rt.kernels;
  const cases: BenchCase[] = [];
  for (const n of sizes) {
    const [y, a, b, fx, g1, g2] = [0, 1, 2, 3, 4, 5].map((s) => {
      const p = rt.arena.alloc(4 * n);
      rt.arena.f32(p, n).set(fill(n, s + 7));
      return p;
    }) as [number, number, number, number, number, number];
    cases.push({ kernel: 'penalty-y', size: n, impl, bytesPerOp: 16 * n, flopsPerOp: 5 * n, fn: () => k.penalty_y_step_f32(y, a, b, n, 0.1, 1, 1e-3) });
    cases.push({ kernel: 'penalty-x', size: n, impl, bytesPerOp: 20 * n, flopsPerOp: 7 * n, fn: () => k.penalty_x_step_f32(y, fx, g1, g2, n, 10, 1e-3, -1, 1) });
  }
  for (const rows of rowsList) {
    const d = 64, c = 10;
    const X = rt.arena.alloc(4 * rows * d), L = rt.arena.alloc(4 * rows), M = rt.arena.alloc(4 * c * c);
    const W = rt.arena.alloc(4 * (c * d + c)), G = rt.arena.alloc(4 * (c * d + c)), Z = rt.arena.alloc(4 * rows * c);
    rt.arena.f32(X, rows * d).set(fill(rows * d, 3).map((v) => 0.5 + 0.5 * v));
    rt.arena.i32(L, rows).set(Int32Array.from({ length: rows }, (_, i) => i % c));
    rt.arena.i32(M, c * c).set(Int32Array.from({ length: c * c }, (_, i) => (Math.floor(i / c) === i % c ? 1 : 0)));
    rt.arena.f32(W, c * d + c).set(fill(c * d + c, 5).map((v) => 0.1 * v));
    cases.push({
      kernel: 'linear-softmax-grad', size: `${rows}x64x10`, impl, flopsPerOp: 4 * rows * d * c,
      fn: () => {
        k.linear_fwd_f32(Z, X, W, W + 4 * c * d, rows, d, c);
        k.softmax_nll_f32(Z, L, M, c, rows, c, 0, 1 / rows, 0);
        k.linear_bwd_w_f32(G, G + 4 * c * d, Z, X, rows, d, c);
      },
    });
  }
  return cases;
}

const suite: Suite = {
  name: 'penalty',
  async cases(opts: SuiteOptions): Promise<BenchCase[]> {
    const sizes = opts.quick ? [4096] : [4096, 65536, 1048576];
    const rowsList = opts.quick ? [256] : [256, 1000];
    const cases: BenchCase[] = [];
    for (const n of sizes) {
      const y = fill(n, 7), a = fill(n, 8), b = fill(n, 9), fx = fill(n, 10), g1 = fill(n, 11), g2 = fill(n, 12);
      cases.push({ kernel: 'penalty-y', size: n, impl: 'plain-js', baseline: true, bytesPerOp: 16 * n, flopsPerOp: 5 * n, fn: () => jsPenaltyY(y, a, b, 0.1, 1, 1e-3) });
      cases.push({ kernel: 'penalty-x', size: n, impl: 'plain-js', baseline: true, bytesPerOp: 20 * n, flopsPerOp: 7 * n, fn: () => jsPenaltyX(y, fx, g1, g2, 10, 1e-3, -1, 1) });
    }
    for (const rows of rowsList) {
      const d = 64, c = 10;
      const X = fill(rows * d, 3).map((v) => 0.5 + 0.5 * v), L = Int32Array.from({ length: rows }, (_, i) => i % c);
      const Wb = fill(c * d + c, 5).map((v) => 0.1 * v);
      const W = Wb.subarray(0, c * d), b = Wb.subarray(c * d), gW = new Float32Array(c * d), gb = new Float32Array(c);
      cases.push({ kernel: 'linear-softmax-grad', size: `${rows}x64x10`, impl: 'plain-js', baseline: true, flopsPerOp: 4 * rows * d * c, fn: () => void jsLinearSoftmaxGrad(X, L, W, b, gW, gb, rows, d, c) });
    }
    cases.push(...(await wasmCases(await createRuntime({ build: 'simd' }), 'metaoptim-simd', sizes, rowsList)));
    cases.push(...(await wasmCases(await createRuntime({ build: 'scalar' }), 'metaoptim-scalar', sizes, rowsList)));
    return cases;
  },
};

export default suite;
