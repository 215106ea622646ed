// Plain-TypeScript mirror of assembly/celo.ts and celo_mlp.ts: every f32 operation rounded by Math.fround in the
// kernel's order, every reduction in the kernel's fixed order (lane sums, chunk sums), so the
// kernels of both builds must equal these functions bit for bit. Arrays are separate
// Float32Arrays (the kernels' pointer tables map onto them).
import { expf } from './l2o.js';

const fr = Math.fround;
export const DEC = [fr(0.9), fr(0.99), fr(0.999)];
export const OD = DEC.map((d) => fr(1 - d));
const EPS30 = fr(1e-30), EPS6 = fr(1e-6), EPS8 = fr(1e-8), EPS9 = fr(1e-9), EPS10 = fr(1e-10), MULT = fr(0.001);
const clipg = (x: number) => Math.min(Math.max(x, -1000), 1000);
const rsq = (x: number) => fr(1 / fr(Math.sqrt(x)));
/** The kernels' ReLU: x < 0 ? 0 : x (−0 and NaN pass through). */
const relu = (x: number) => (x < 0 ? 0 : x);
const ema = (k: number, a: number, x: number) => fr(fr(DEC[k]! * a) + fr(OD[k]! * x));

/** celo_accum_f32 on m = [m0, m1, m2] and v. */
export function accumRef(g: Float32Array, m: Float32Array[], v: Float32Array): void {
  for (let i = 0; i < g.length; i++) {
    const gi = clipg(g[i]!);
    for (let k = 0; k < 3; k++) m[k]![i] = ema(k, m[k]![i]!, gi);
    v[i] = ema(2, v[i]!, fr(gi * gi));
  }
}

/** celo_adam_f32. */
export function adamRef(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, bc1: number, bc2: number, lr: number): void {
  for (let i = 0; i < g.length; i++) {
    const gi = clipg(g[i]!);
    const mi = ema(0, m[i]!, gi), vi = ema(2, v[i]!, fr(gi * gi));
    m[i] = mi;
    v[i] = vi;
    const den = fr(EPS8 + fr(Math.sqrt(fr(fr(vi / bc2) + EPS10))));
    p[i] = fr(p[i]! - fr(fr(mi / bc1) * fr(lr / den)));
  }
}

/** The kernels' lane sum of x (or of fr(x²)). */
export function laneSumRef(x: ArrayLike<number>, sq: boolean): number {
  const a = [0, 0, 0, 0];
  const n4 = x.length & ~3;
  let i = 0;
  for (; i < n4; i++) a[i & 3] += sq ? fr(x[i]! * x[i]!) : x[i]!;
  let s = (a[0]! + a[1]!) + (a[2]! + a[3]!);
  for (; i < x.length; i++) s += sq ? fr(x[i]! * x[i]!) : x[i]!;
  return s;
}

/** celo_fac_mat_f32: vr[k] (R) and vc[k] (C) updated in place. */
export function facMatRef(g: Float32Array, R: number, C: number, vr: Float32Array[], vc: Float32Array[]): void {
  const col = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    const xs = Array.from({ length: C }, (_, c) => {
      const gi = clipg(g[r * C + c]!);
      return fr(fr(gi * gi) + EPS30);
    });
    xs.forEach((x, c) => (col[c] += x));
    const mean = fr(laneSumRef(xs, false) / C);
    for (let k = 0; k < 3; k++) vr[k]![r] = ema(k, vr[k]![r]!, mean);
  }
  for (let c = 0; c < C; c++) {
    const mean = fr(col[c]! / R);
    for (let k = 0; k < 3; k++) vc[k]![c] = ema(k, vc[k]![c]!, mean);
  }
}

/** celo_fac_vec_f32. */
export function facVecRef(g: Float32Array, vd: Float32Array[]): void {
  for (let i = 0; i < g.length; i++) {
    const gi = clipg(g[i]!);
    const x = fr(fr(gi * gi) + EPS30);
    for (let k = 0; k < 3; k++) vd[k]![i] = ema(k, vd[k]![i]!, x);
  }
}

export interface PrepOut { fa: Float32Array[]; ya: Float32Array[]; fb: Float32Array[]; yb: Float32Array[]; sums: Float64Array }

/** celo_prep_mat_f32. */
export function prepRef(R: number, C: number, vr: Float32Array[], vc: Float32Array[], swap: number): PrepOut {
  const out: PrepOut = { fa: [], ya: [], fb: [], yb: [], sums: new Float64Array(12) };
  for (let k = 0; k < 3; k++) {
    const rowMean = swap ? fr(laneSumRef(vc[k]!, false) / C) : fr(laneSumRef(vr[k]!, false) / R);
    const den = fr(rowMean + EPS9);
    const fa = new Float32Array(R), ya = new Float32Array(R), fb = new Float32Array(C), yb = new Float32Array(C);
    for (let r = 0; r < R; r++) {
      const x = vr[k]![r]!;
      fa[r] = swap ? rsq(Math.max(x, EPS9)) : rsq(Math.max(fr(x / den), EPS9));
      ya[r] = rsq(fr(x + EPS8));
    }
    for (let c = 0; c < C; c++) {
      const x = vc[k]![c]!;
      fb[c] = swap ? rsq(Math.max(fr(x / den), EPS9)) : rsq(Math.max(x, EPS9));
      yb[c] = rsq(fr(x + EPS8));
    }
    out.fa.push(fa); out.ya.push(ya); out.fb.push(fb); out.yb.push(yb);
    out.sums[k] = laneSumRef(vr[k]!, true);
    out.sums[3 + k] = laneSumRef(ya, true);
    out.sums[6 + k] = laneSumRef(vc[k]!, true);
    out.sums[9 + k] = laneSumRef(yb, true);
  }
  return out;
}

/** Inputs of the per-parameter passes: a matrix gives fa/fb (from prepRef), a vector vd. */
export interface ElemInputs {
  p: Float32Array; g: Float32Array; m: Float32Array[]; v: Float32Array;
  R: number; C: number; vec: boolean;
  vd?: Float32Array[]; fa?: Float32Array[]; fb?: Float32Array[];
}

/** The features of element (r, c) (18 matrix / 24 vector), as the kernel's `feats`. */
export function featuresRef(u: ElemInputs, r: number, c: number): number[] {
  const i = r * u.C + c;
  const gi = clipg(u.g[i]!);
  const m = [u.m[0]![i]!, u.m[1]![i]!, u.m[2]![i]!], v = u.v[i]!;
  const rho = rsq(fr(v + EPS6));
  const x = [gi, Math.min(Math.max(gi, fr(-0.1)), fr(0.1)), u.p[i]!, m[0]!, m[1]!, m[2]!, v, fr(m[0]! * rho), fr(m[1]! * rho), fr(m[2]! * rho), rho];
  const fg: number[] = [], fm: number[] = [], extra: number[] = [];
  for (let k = 0; k < 3; k++) {
    if (u.vec) {
      const d = u.vd![k]![i]!;
      fg.push(fr(gi * rsq(Math.max(fr(d + EPS9), EPS9))));
      fm.push(fr(m[k]! * rsq(d)));
    } else {
      const f = fr(u.fa![k]![r]! * u.fb![k]![c]!);
      fg.push(fr(gi * f));
      fm.push(fr(m[k]! * f));
    }
  }
  if (u.vec) {
    for (let k = 0; k < 3; k++) extra.push(u.vd![k]![i]!);
    for (let k = 0; k < 3; k++) extra.push(rsq(fr(u.vd![k]![i]! + EPS8)));
  }
  return [...x, ...fg, fr(gi * rho), ...fm, ...extra];
}

/** celo_stats_f32: chunk sums of the squared features. */
export function statsRef(u: ElemInputs): Float64Array {
  const NF = u.vec ? 24 : 18;
  const sums = new Float64Array(NF);
  for (let r = 0; r < u.R; r++) {
    for (let c0 = 0; c0 < u.C; c0 += 256) {
      const c1 = Math.min(c0 + 256, u.C), end4 = c0 + ((c1 - c0) & ~3);
      const L = Array.from({ length: NF }, () => [0, 0, 0, 0]);
      let c = c0;
      for (; c < end4; c++) {
        const x = featuresRef(u, r, c);
        for (let j = 0; j < NF; j++) L[j]![c & 3] = fr(L[j]![c & 3]! + fr(x[j]! * x[j]!));
      }
      for (let j = 0; j < NF; j++) sums[j] += (L[j]![0]! + L[j]![1]!) + (L[j]![2]! + L[j]![3]!);
      for (; c < c1; c++) {
        const x = featuresRef(u, r, c);
        for (let j = 0; j < NF; j++) sums[j] += fr(x[j]! * x[j]!);
      }
    }
  }
  return sums;
}

/** celo_mlp_f32 (p updated in place); matrix inputs also need vr/vc and ya/yb. */
export function mlpRef(u: ElemInputs, w: Float32Array, psi: number, lrm: number, side?: { vr: Float32Array[]; vc: Float32Array[]; ya: Float32Array[]; yb: Float32Array[] }): void {
  const NF = u.vec ? 24 : 18;
  const b0 = 96, W1 = 100, b1 = 116, W2 = 120, b2 = 128, WA = 130, WB = 154;
  const bA: number[][] = [], bB: number[][] = [];
  /** The table row of one r (or c): Σ_k x_k·W[k] then Σ_k y_k·W[3+k], in f32, in that order. */
  const table = (x: Float32Array[], y: Float32Array[], i: number, at: number) => [0, 1, 2, 3].map((q) => {
    let s = 0;
    for (let k = 0; k < 3; k++) s = fr(s + fr(x[k]![i]! * w[at + k * 4 + q]!));
    for (let k = 0; k < 3; k++) s = fr(s + fr(y[k]![i]! * w[at + (3 + k) * 4 + q]!));
    return s;
  });
  if (!u.vec) {
    for (let r = 0; r < u.R; r++) bA.push(table(side!.vr, side!.ya, r, WA));
    for (let c = 0; c < u.C; c++) bB.push(table(side!.vc, side!.yb, c, WB));
  }
  for (let r = 0; r < u.R; r++) {
    const z = [0, 1, 2, 3].map((q) => (u.vec ? w[b0 + q]! : fr(w[b0 + q]! + bA[r]![q]!)));
    for (let c = 0; c < u.C; c++) {
      const x = featuresRef(u, r, c);
      const h = z.map((zq, q) => {
        let a = u.vec ? zq : fr(zq + bB[c]![q]!);
        for (let j = 0; j < NF; j++) a = fr(a + fr(x[j]! * w[j * 4 + q]!));
        return relu(a);
      });
      const hh = [0, 1, 2, 3].map((q) => {
        let s = w[b1 + q]!;
        for (let i = 0; i < 4; i++) s = fr(s + fr(h[i]! * w[W1 + i * 4 + q]!));
        return relu(s);
      });
      let d = w[b2]!, s = w[b2 + 1]!;
      for (let i = 0; i < 4; i++) d = fr(d + fr(hh[i]! * w[W2 + 2 * i]!));
      for (let i = 0; i < 4; i++) s = fr(s + fr(hh[i]! * w[W2 + 2 * i + 1]!));
      const mag = expf(fr(s * MULT));
      const step = fr(lrm * fr(fr(d * fr(psi * mag)) * MULT));
      const idx = r * u.C + c;
      u.p[idx] = fr(u.p[idx]! - step);
    }
  }
}
