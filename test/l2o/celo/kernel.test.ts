import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Runtime } from '../../../src/index.js';
import { builds, rt, same } from '../../support/builds.js';
import { Region } from '../../../src/runtime/arena.js';
import { accumRef, adamRef, facMatRef, facVecRef, mlpRef, prepRef, statsRef } from '../../support/reference/celo-kernel.js';

const fr = Math.fround;

/** Values with the awkward cases: zeros of both signs, denormals, huge (clipped) gradients, ordinary. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1.4e-45, -2.9e-39, 5e3, -1e30, 0.05) },
  { weight: 1, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
);
const positive = fc.oneof(fc.float({ min: 0, max: 4, noNaN: true }), fc.constantFrom(0, 1.4e-45, 1e-20, 1e6));
const arr = (n: number, seedVals: number[]) => Float32Array.from({ length: n }, (_, i) => seedVals[i % seedVals.length] ?? 0);

class Mem {
  regions: Region<Float32Array | Float64Array | Int32Array | Uint8Array>[] = [];
  constructor(readonly r: Runtime) {}
  f32(data: ArrayLike<number> | number): Region<Float32Array> {
    const n = typeof data === 'number' ? data : data.length;
    const g = new Region(this.r.arena, Float32Array, Math.max(n, 1));
    if (typeof data !== 'number') g.view.set(data);
    this.regions.push(g);
    return g;
  }
  f64(n: number): Region<Float64Array> { const g = new Region(this.r.arena, Float64Array, n); this.regions.push(g); return g; }
  table(ptrs: number[]): Region<Int32Array> { const g = new Region(this.r.arena, Int32Array, ptrs.length); g.view.set(ptrs); this.regions.push(g); return g; }
  bytes(n: number): Region<Uint8Array> { const g = new Region(this.r.arena, Uint8Array, n); this.regions.push(g); return g; }
  release() { for (const g of this.regions) g.release(); }
  read(ptr: number, n: number) { return new Float32Array(this.r.arena.memory.buffer, ptr, n).slice(); }
}

test('celo accumulators, Adam step and vector factored accumulator: kernel == reference (both builds, n = 0 and odd tails)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 0, max: 41 }), fc.array(value, { minLength: 1, maxLength: 50 }), fc.array(positive, { minLength: 1, maxLength: 50 }), (n, vals, pos) => {
      const mem = new Mem(r);
      try {
        const g = arr(n, vals), m = [0, 1, 2].map((k) => arr(n, vals.slice(k))), v = arr(n, pos);
        const G = mem.f32(g), M = m.map((x) => mem.f32(x)), V = mem.f32(v);
        r.kernels.celo_accum_f32(G.ptr, mem.table([...M.map((x) => x.ptr), V.ptr]).ptr, n);
        accumRef(g, m, v);
        m.forEach((x, k) => same(M[k]!.view.subarray(0, n), x, `m${k}`));
        same(V.view.subarray(0, n), v, 'v');
        const vd = [0, 1, 2].map((k) => arr(n, pos.slice(k))), VD = vd.map((x) => mem.f32(x));
        r.kernels.celo_fac_vec_f32(G.ptr, n, mem.table(VD.map((x) => x.ptr)).ptr);
        facVecRef(g, vd);
        vd.forEach((x, k) => same(VD[k]!.view.subarray(0, n), x, `vd${k}`));
        const p = arr(n, vals.slice(3)), P = mem.f32(p), m1 = arr(n, vals), M1 = mem.f32(m1), v1 = arr(n, pos), V1 = mem.f32(v1);
        const bc1 = fr(1 - fr(Math.pow(fr(0.9), 3))), bc2 = fr(1 - fr(Math.pow(fr(0.999), 3))), lr = fr(3e-4);
        r.kernels.celo_adam_f32(P.ptr, G.ptr, M1.ptr, V1.ptr, n, bc1, bc2, lr);
        adamRef(p, g, m1, v1, bc1, bc2, lr);
        same(P.view.subarray(0, n), p, 'adam p');
        same(M1.view.subarray(0, n), m1, 'adam m');
        same(V1.view.subarray(0, n), v1, 'adam v');
      } finally {
        mem.release();
      }
    }), { numRuns: 120 });
  }
});

/**
 * Runs the whole per-tensor pipeline (fac → prep → stats → mlp) in the kernel and in the reference;
 * `fused` runs celo_accstats_f32 (moments updated in the statistics pass) against accumRef + statsRef.
 */
export function pipeline(r: Runtime, R: number, C: number, vec: boolean, vals: number[], pos: number[], wv: number[], fused = false) {
  const mem = new Mem(r);
  const k = r.kernels;
  try {
    const n = R * C;
    const g = arr(n, vals), p = arr(n, vals.slice(1)), m = [0, 1, 2].map((j) => arr(n, vals.slice(2 + j))), v = arr(n, pos);
    const w = Float32Array.from({ length: 178 }, (_, i) => fr((wv[i % wv.length] ?? 0) * (1 + (i % 7) / 10)));
    const psi = fr(0.37), lrm = fr(0.81);
    const G = mem.f32(g), P = mem.f32(p), M = m.map((x) => mem.f32(x)), V = mem.f32(v);
    const mv = mem.table([...M.map((x) => x.ptr), V.ptr]);
    const work = mem.bytes(k.celo_work_bytes(vec ? 1 : R, vec ? n : C) + 16);
    const wk = (work.ptr + 15) & ~15;
    const sums = mem.f64(36);
    const W = mem.f32(w);
    const stats = (rr: number, cc: number, isVec: number, facPtr: number) => {
      if (fused) {
        k.celo_accstats_f32(P.ptr, G.ptr, mv.ptr, facPtr, rr, cc, isVec, wk, sums.ptr);
        accumRef(g, m, v);
        m.forEach((x, j) => same(M[j]!.view.subarray(0, n), x, `fused m${j}`));
        same(V.view.subarray(0, n), v, 'fused v');
      } else {
        k.celo_stats_f32(P.ptr, G.ptr, mv.ptr, facPtr, rr, cc, isVec, wk, sums.ptr);
      }
    };
    if (vec) {
      const vd = [0, 1, 2].map((j) => arr(n, pos.slice(j + 1))), VD = vd.map((x) => mem.f32(x));
      const fac = mem.table(VD.map((x) => x.ptr));
      k.celo_fac_vec_f32(G.ptr, n, fac.ptr);
      facVecRef(g, vd);
      stats(1, n, 1, fac.ptr);
      const u = { p, g, m, v, R: 1, C: n, vec: true, vd };
      same(sums.view.subarray(0, 24), statsRef(u), 'vec sums');
      k.celo_mlp_f32(P.ptr, G.ptr, mv.ptr, fac.ptr, 1, n, 1, wk, W.ptr, psi, lrm);
      mlpRef(u, w, psi, lrm);
      same(P.view.subarray(0, n), p, 'vec p');
      return;
    }
    const vr = [0, 1, 2].map((j) => arr(R, pos.slice(j))), vc = [0, 1, 2].map((j) => arr(C, pos.slice(j + 2)));
    const VR = vr.map((x) => mem.f32(x)), VC = vc.map((x) => mem.f32(x));
    const fac = mem.table([...VR.map((x) => x.ptr), ...VC.map((x) => x.ptr)]);
    k.celo_fac_mat_f32(G.ptr, R, C, fac.ptr, wk);
    facMatRef(g, R, C, vr, vc);
    vr.forEach((x, j) => same(VR[j]!.view.subarray(0, R), x, `vr${j}`));
    vc.forEach((x, j) => same(VC[j]!.view.subarray(0, C), x, `vc${j}`));
    const swap = R > C ? 1 : 0;
    k.celo_prep_mat_f32(R, C, fac.ptr, swap, wk, sums.ptr + 24 * 8);
    const pr = prepRef(R, C, vr, vc, swap);
    for (let j = 0; j < 3; j++) {
      same(mem.read(wk + 4 * j * R, R), pr.fa[j]!, `fa${j}`);
      same(mem.read(wk + 12 * R + 4 * j * R, R), pr.ya[j]!, `ya${j}`);
      same(mem.read(wk + 24 * R + 4 * j * C, C), pr.fb[j]!, `fb${j}`);
      same(mem.read(wk + 24 * R + 12 * C + 4 * j * C, C), pr.yb[j]!, `yb${j}`);
    }
    same(sums.view.subarray(24, 36), pr.sums, 'side sums');
    stats(R, C, 0, fac.ptr);
    const u = { p, g, m, v, R, C, vec: false, fa: pr.fa, fb: pr.fb };
    same(sums.view.subarray(0, 18), statsRef(u), 'mat sums');
    k.celo_mlp_f32(P.ptr, G.ptr, mv.ptr, fac.ptr, R, C, 0, wk, W.ptr, psi, lrm);
    mlpRef(u, w, psi, lrm, { vr, vc, ya: pr.ya, yb: pr.yb });
    same(P.view.subarray(0, n), p, 'mat p');
  } finally {
    mem.release();
  }
}

test('celo per-tensor pipeline (factored rows/columns, prep, feature sums, MLP): kernel == reference, both builds', async () => {
  for (const b of builds) {
    const r = await rt(b);
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }), fc.boolean(),
      fc.array(value, { minLength: 1, maxLength: 40 }), fc.array(positive, { minLength: 1, maxLength: 40 }), fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 30 }),
      fc.boolean(), (R, C, vec, vals, pos, wv, fused) => pipeline(r, R, C, vec, vals, pos, wv, fused)), { numRuns: 60 });
    // Chunking (256) and long rows, both shapes of the swap.
    pipeline(r, 3, 517, false, [0.3, -1.2, 2e3, 0.01, -0.4], [0.2, 1e-7, 3], [0.5, -0.25, 1.5]);
    pipeline(r, 300, 2, false, [0.3, -1.2, 0.01, -0.4, 7], [0.2, 1e-7, 3, 0.6], [0.5, -0.25, 1.5, -1]);
    pipeline(r, 1, 611, true, [0.3, -1.2, 0.01, -0.4, 7], [0.2, 1e-7, 3, 0.6], [0.5, -0.25, 1.5, -1]);
    for (const [R, C, vec] of [[3, 517, false], [300, 2, false], [1, 611, true], [5, 7, false]] as const) {
      pipeline(r, R, C, vec, [0.3, -1.2, 2e3, 0.01, -0.4, -0, 1.4e-45], [0.2, 1e-7, 3, 0.6], [0.5, -0.25, 1.5, -1], true);
    }
  }
});

test('celo kernels with NaN/±Inf inputs stay equal to the reference (both builds)', async () => {
  for (const b of builds) {
    const r = await rt(b);
    pipeline(r, 2, 5, false, [NaN, 1, Infinity, -0.5, -Infinity, 0.25, 2], [0.5, NaN, 1], [0.3, -0.7]);
    pipeline(r, 1, 7, true, [NaN, 1, Infinity, -0.5, -Infinity, 0.25, 2], [0.5, Infinity, 1], [0.3, -0.7]);
    pipeline(r, 2, 5, false, [NaN, 1, Infinity, -0.5, -Infinity, 0.25, 2], [0.5, NaN, 1], [0.3, -0.7], true);
    pipeline(r, 1, 9, true, [NaN, 1, Infinity, -0.5, -Infinity, 0.25, 2], [0.5, Infinity, 1], [0.3, -0.7], true);
  }
});
