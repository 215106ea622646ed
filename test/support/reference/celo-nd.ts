// Celo's update for tensors of ANY rank, transcribed in f64 from amoudgl/celo celo/optimizers/celo.py
// (`_ff_mod`, `_Opt.update`) and learned_optimization learned_optimizers/common.py
// (`factored_dims`, `factored_rolling.update_one`) with numpy-like axis operations on flat
// row-major arrays: argsort of the shape, means over an axis, expand_dims by index, and the
// `reduced_d1` axis of `row_col_mean`. Written apart from src/l2o/celo/ (which handles rank > 2
// as a batch of trailing matrices) to check that reading; the scheduler comes from ./celo.ts.
import { LossBuffer, fractionalTanhEmbed, rnnForward } from './celo.js';

export interface Nd { shape: number[]; data: number[] }
type Arrays = Record<string, Float32Array>;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const strides = (shape: number[]) => shape.map((_, i) => size(shape.slice(i + 1)));
const unravel = (flat: number, shape: number[]) => strides(shape).map((s, i) => Math.floor(flat / s) % shape[i]!);
const ravel = (idx: number[], shape: number[]) => idx.reduce((a, v, i) => a + v * strides(shape)[i]!, 0);
const without = (idx: number[], axis: number) => idx.filter((_, i) => i !== axis);
const rsqrt = (x: number) => 1 / Math.sqrt(x);
const safeRsqrt = (x: number) => rsqrt(Math.max(x, 1e-9));

/** common.py factored_dims: None below rank 2, else (argsort(shape)[−2], argsort(shape)[−1]) (numpy's order: stable here). */
export function factoredDimsNd(shape: number[]): [number, number] | null {
  if (shape.length < 2) return null;
  const o = shape.map((_, i) => i).sort((a, b) => shape[a]! - shape[b]! || a - b);
  return [o[o.length - 2]!, o[o.length - 1]!];
}

/** jnp.mean(x, axis) (keepdims = false). */
export function meanAxis(x: Nd, axis: number): Nd {
  const shape = without(x.shape, axis);
  const data = new Array(size(shape)).fill(0);
  x.data.forEach((v, f) => (data[ravel(without(unravel(f, x.shape), axis), shape)] += v / x.shape[axis]!));
  return { shape, data };
}

/** FactoredAccum of one tensor for one decay. */
export interface FacNd { v_row: Nd | null; v_col: Nd | null; v_diag: Nd | null }

export function facInitNd(shape: number[]): FacNd {
  const f = factoredDimsNd(shape);
  if (!f) return { v_row: null, v_col: null, v_diag: { shape, data: new Array(size(shape)).fill(0) } };
  const [d1, d0] = f;
  const vr = without(shape, d0), vc = without(shape, d1);
  return { v_row: { shape: vr, data: new Array(size(vr)).fill(0) }, v_col: { shape: vc, data: new Array(size(vc)).fill(0) }, v_diag: null };
}

/** row_factor (indexed like v_row) and col_factor (like v_col): safe_rsqrt(v_row/(mean over reduced_d1 + 1e−9)), safe_rsqrt(v_col). */
function factors(s: FacNd, d1: number, d0: number): { row: number[]; col: number[] } {
  const reducedD1 = d1 > d0 ? d1 - 1 : d1;
  const rcm = meanAxis(s.v_row!, reducedD1); // keepdims: index it with reduced_d1 dropped
  const row = s.v_row!.data.map((v, f) => safeRsqrt(v / (rcm.data[ravel(without(unravel(f, s.v_row!.shape), reducedD1), rcm.shape)]! + 1e-9)));
  return { row, col: s.v_col!.data.map(safeRsqrt) };
}

/** factored_rolling.update_one: the new state and y (the factored-normalized gradient). */
export function facUpdateNd(s: FacNd, g: Nd, decay: number): { s: FacNd; y: number[] } {
  const mixing = 1 - decay;
  const sq: Nd = { shape: g.shape, data: g.data.map((v) => v * v + 1e-30) };
  const f = factoredDimsNd(g.shape);
  if (!f) {
    const v = s.v_diag!.data.map((x, i) => decay * x + mixing * sq.data[i]!);
    return { s: { v_row: null, v_col: null, v_diag: { shape: g.shape, data: v } }, y: g.data.map((x, i) => x * safeRsqrt(v[i]! + 1e-9)) };
  }
  const [d1, d0] = f;
  const mr = meanAxis(sq, d0), mc = meanAxis(sq, d1);
  const next: FacNd = {
    v_row: { shape: mr.shape, data: s.v_row!.data.map((x, i) => decay * x + mixing * mr.data[i]!) },
    v_col: { shape: mc.shape, data: s.v_col!.data.map((x, i) => decay * x + mixing * mc.data[i]!) },
    v_diag: null,
  };
  const { row, col } = factors(next, d1, d0);
  const y = g.data.map((x, fi) => {
    const idx = unravel(fi, g.shape);
    return x * row[ravel(without(idx, d0), mr.shape)]! * col[ravel(without(idx, d1), mc.shape)]!;
  });
  return { s: next, y };
}

/** Optimizer state of the N-d transcription (Celo only). */
export interface NdState {
  params: Nd[]; m: number[][][]; rms: number[][]; fac: FacNd[][]; iteration: number; numSteps: number;
  h: number[][]; c: number[][]; loss: LossBuffer;
}

export function ndInit(th: Arrays, params: Nd[], numSteps: number): NdState {
  return {
    params, iteration: 0, numSteps,
    m: params.map((p) => [0, 1, 2].map(() => new Array(p.data.length).fill(0))),
    rms: params.map((p) => new Array(p.data.length).fill(0)),
    fac: params.map((p) => [0, 1, 2].map(() => facInitNd(p.shape))),
    h: params.map(() => Array.from(th['lstm_init_state/hidden']!)), c: params.map(() => Array.from(th['lstm_init_state/cell']!)),
    loss: new LossBuffer(numSteps),
  };
}

/** celo.py `_Opt.update` on tensors of any rank, in f64. */
export function ndUpdate(th: Arrays, s: NdState, grads: Nd[], loss: number): void {
  s.loss.update(loss);
  const lossFeat = s.loss.features();
  const gs = grads.map((g) => ({ shape: g.shape, data: g.data.map((v) => Math.min(Math.max(v, -1000), 1000)) }));
  const stack = s.params.map(() => [...fractionalTanhEmbed(s.iteration / s.numSteps), ...lossFeat]);
  const rnn = rnnForward(th, stack, s.h, s.c);
  s.h = rnn.h;
  s.c = rnn.c;
  s.params = s.params.map((p, t) => {
    const g = gs[t]!.data;
    [0.9, 0.99, 0.999].forEach((d, k) => (s.m[t]![k] = s.m[t]![k]!.map((m, i) => d * m + (1 - d) * g[i]!)));
    s.rms[t] = s.rms[t]!.map((r, i) => 0.999 * r + 0.001 * g[i]! * g[i]!);
    const facG = [0.9, 0.99, 0.999].map((d, k) => {
      const r = facUpdateNd(s.fac[t]![k]!, gs[t]!, d);
      s.fac[t]![k] = r.s;
      return r.y;
    });
    return ffModNd(th, rnn.lrMult[t]!, p, gs[t]!, s.m[t]!, s.rms[t]!, facG, s.fac[t]!);
  });
  s.iteration += 1;
}

/** celo.py `_ff_mod`: the `inps` columns (each over the tensor), normalized, the MLP, the step. */
function ffModNd(th: Arrays, lrMult: number, p: Nd, g: Nd, m: number[][], rms: number[], facG: number[][], fac: FacNd[]): Nd {
  const n = p.data.length;
  const rs = rms.map((v) => rsqrt(v + 1e-6));
  const cols: number[][] = [g.data, g.data.map((v) => Math.min(Math.max(v, -0.1), 0.1)), p.data, ...m, rms];
  cols.push(...m.map((mk) => mk.map((v, i) => v * rs[i]!)), rs, ...facG, g.data.map((v, i) => v * rs[i]!));
  const f = factoredDimsNd(p.shape);
  if (f) {
    const [d1, d0] = f;
    const at = (x: Nd, axis: number) => p.data.map((_, fi) => x.data[ravel(without(unravel(fi, p.shape), axis), x.shape)]!);
    const rowFeat = fac.map((a) => at(a.v_row!, d0)), colFeat = fac.map((a) => at(a.v_col!, d1));
    cols.push(...rowFeat, ...colFeat, ...rowFeat.map((x) => x.map((v) => rsqrt(v + 1e-8))), ...colFeat.map((x) => x.map((v) => rsqrt(v + 1e-8))));
    cols.push(...fac.map((a, k) => {
      const { row, col } = factors(a, d1, d0);
      const rf = at({ shape: a.v_row!.shape, data: row }, d0), cf = at({ shape: a.v_col!.shape, data: col }, d1);
      return m[k]!.map((v, i) => v * rf[i]! * cf[i]!);
    }));
  } else {
    const v = fac.map((a) => a.v_diag!.data);
    cols.push(...v, ...v, ...v.map((x) => x.map((y) => rsqrt(y + 1e-8))), ...v.map((x) => x.map((y) => rsqrt(y + 1e-8))));
    cols.push(...m.map((mk, k) => mk.map((y, i) => y * Math.pow(v[k]![i]!, -0.5))));
  }
  const norm = cols.map((x) => {
    const sc = rsqrt(1e-5 + x.reduce((a, b) => a + b * b, 0) / n);
    return x.map((v) => v * sc);
  });
  // w0__ii of `inps` entry ii stacks its columns: the 30 columns above in the same order.
  const dims = [1, 1, 1, 3, 1, 3, 1, 3, 1, 3, 3, 3, 3, 3];
  const w0: number[][] = [];
  dims.forEach((d, ii) => {
    for (let kk = 0; kk < d; kk++) w0.push(Array.from(th[`ff_mod_stack/~/w0__${ii}`]!.subarray(kk * 4, kk * 4 + 4)));
  });
  const b0 = th['ff_mod_stack/~/b0']!, w1 = th['ff_mod_stack/~/w1']!, b1 = th['ff_mod_stack/~/b1']!, w2 = th['ff_mod_stack/~/w2']!, b2 = th['ff_mod_stack/~/b2']!;
  const psi = Math.sqrt(p.data.reduce((a, b) => a + b * b, 0) / n + 1e-9);
  const data = p.data.map((pv, i) => {
    const o1 = [0, 1, 2, 3].map((q) => Math.max(norm.reduce((a, x, j) => a + x[i]! * w0[j]![q]!, b0[q]!), 0));
    const o2 = [0, 1, 2, 3].map((q) => Math.max(o1.reduce((a, v, j) => a + v * w1[j * 4 + q]!, b1[q]!), 0));
    const o3 = [0, 1].map((q) => o2.reduce((a, v, j) => a + v * w2[j * 3 + q]!, b2[q]!));
    return pv - lrMult * (o3[0]! * (psi * Math.exp(o3[1]! * 0.001)) * 0.001);
  });
  return { shape: p.shape, data };
}
