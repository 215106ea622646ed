// A literal, f64 transcription of Celo's reference computation (amoudgl/celo
// celo/optimizers/celo.py and celo_adam.py; learned_optimization learned_optimizers/common.py),
// written apart from src/l2o/celo/ and shaped like the Python: tensors as nested arrays, argsort,
// expand_dims/tile by index, means over axes, the `inps` list, the loop over MLP layers. The port
// is compared with it within f32 tolerances (test/l2o/celo/fidelity.test.ts).

export type Tensor = number[] | number[][];
export type Arrays = Record<string, Float32Array>;

const is2d = (x: Tensor): x is number[][] => Array.isArray(x[0]);
const shapeOf = (x: Tensor): number[] => (is2d(x) ? [x.length, x[0]!.length] : [x.length]);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** common.py factored_dims: None for rank < 2, else (d1, d0) = argsort(shape)[-2:] (stable for ties). */
export function factoredDims(shape: number[]): [number, number] | null {
  if (shape.length < 2) return null;
  const sorted = [0, 1].sort((a, b) => shape[a]! - shape[b]! || a - b);
  return [sorted[0]!, sorted[1]!];
}

/** jnp.mean(x, axis) of a 2-D array → 1-D. */
function mean2(x: number[][], axis: number): number[] {
  const R = x.length, C = x[0]!.length;
  return axis === 0 ? Array.from({ length: C }, (_, c) => x.reduce((s, row) => s + row[c]!, 0) / R) : x.map((row) => row.reduce((s, v) => s + v, 0) / C);
}

/** Factored accumulator state of one tensor for one decay (FactoredAccum fields). */
export interface Fac { v_row: number[]; v_col: number[]; v_diag: number[] }

export function facInit(shape: number[]): Fac {
  const f = factoredDims(shape);
  if (!f) return { v_row: [], v_col: [], v_diag: new Array(shape[0]).fill(0) };
  const [d1, d0] = f;
  return { v_row: new Array(shape[1 - d0]!).fill(0), v_col: new Array(shape[1 - d1]!).fill(0), v_diag: [] };
}

/** common.py factored_rolling.update_one: new state and y (the factored-normalized gradient). */
export function facUpdate(s: Fac, g: Tensor, decay: number, epsilon = 1e-30): { s: Fac; y: Tensor } {
  const mixing = 1 - decay;
  const f = factoredDims(shapeOf(g));
  if (f && is2d(g)) {
    const [d1, d0] = f;
    const sq = g.map((row) => row.map((v) => v * v + epsilon));
    const v_row = mean2(sq, d0).map((m, i) => decay * s.v_row[i]! + mixing * m);
    const v_col = mean2(sq, d1).map((m, i) => decay * s.v_col[i]! + mixing * m);
    const rowColMean = v_row.reduce((a, b) => a + b, 0) / v_row.length;
    const rowFactor = v_row.map((v) => 1 / Math.sqrt(Math.max(v / (rowColMean + 1e-9), 1e-9)));
    const colFactor = v_col.map((v) => 1 / Math.sqrt(Math.max(v, 1e-9)));
    // expand_dims(row_factor, d0): indexed by the other axis; expand_dims(col_factor, d1): by d0's axis.
    const y = g.map((row, i0) => row.map((v, i1) => v * rowFactor[d0 === 0 ? i1 : i0]! * colFactor[d1 === 0 ? i1 : i0]!));
    return { s: { v_row, v_col, v_diag: [] }, y };
  }
  const gv = g as number[];
  const v = gv.map((x, i) => decay * s.v_diag[i]! + mixing * (x * x + epsilon));
  return { s: { v_row: [], v_col: [], v_diag: v }, y: gv.map((x, i) => x / Math.sqrt(Math.max(v[i]! + 1e-9, 1e-9))) };
}

/** BufferLossAccumulators, literally. */
export class LossBuffer {
  means: number[]; iteration = 0; runningMin: number[]; decays: number[];
  constructor(numSteps: number) {
    const lo = 1, hi = Math.log10(numSteps);
    this.decays = Array.from({ length: 10 }, (_, i) => Math.exp(-1 / Math.pow(10, lo + ((hi - lo) * i) / 9)));
    this.means = new Array(10).fill(0);
    this.runningMin = new Array(10).fill(999999999999.0);
  }
  update(loss: number): void {
    let cor = this.means.map((m, i) => m / (1 - Math.pow(this.decays[i]!, this.iteration + 1)));
    let approxMax = Math.max(...cor);
    if (this.iteration === 0) approxMax = loss;
    loss = Math.min(Math.abs(approxMax) * 2, loss);
    this.means = this.means.map((m, i) => m * this.decays[i]! + loss * (1 - this.decays[i]!));
    cor = this.means.map((m, i) => m / (1 - Math.pow(this.decays[i]!, this.iteration + 1)));
    this.runningMin = this.runningMin.map((r, i) => Math.min(r, cor[i]!));
    this.iteration += 1;
  }
  features(): number[] {
    const cor = this.means.map((m, i) => m / (1 - Math.pow(this.decays[i]!, this.iteration)));
    const approxMax = cor.slice(1), c = cor.slice(0, -1), rm = this.runningMin.slice(0, -1);
    const f = c.map((v, i) => Math.min(Math.max((v - rm[i]!) / Math.max(1e-8, approxMax[i]! - rm[i]!) - 1, -1), 1));
    return this.iteration <= 2 ? f.map((v) => v * 0) : f;
  }
}

/** _fractional_tanh_embed. */
export function fractionalTanhEmbed(x: number): number[] {
  return [0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1].map((t) => Math.tanh((x - Math.fround(t)) * 10));
}

/** hk.Linear: x·w + b with w [in, out] row-major. */
function linear(x: number[], w: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out = b.length;
  return Array.from({ length: out }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * out + j]!, 0) + b[j]!);
}

/** hk.LSTM.__call__ on one row. */
export function hkLstm(x: number[], h: number[], c: number[], w: ArrayLike<number>, b: ArrayLike<number>): { h: number[]; c: number[] } {
  const gated = linear([...x, ...h], w, b);
  const H = h.length;
  const i = gated.slice(0, H), g = gated.slice(H, 2 * H), f = gated.slice(2 * H, 3 * H).map((v) => sigmoid(v + 1)), o = gated.slice(3 * H);
  const c2 = c.map((cv, j) => f[j]! * cv + sigmoid(i[j]!) * Math.tanh(g[j]!));
  return { h: c2.map((cv, j) => sigmoid(o[j]!) * Math.tanh(cv)), c: c2 };
}

/** _rnn_forward for a stack of identical per-tensor rows (mix_layers = True): returns lr_mult and the new (h, c) rows. */
export function rnnForward(th: Arrays, stack: number[][], hs: number[][], cs: number[][]): { lrMult: number[]; h: number[][]; c: number[][] } {
  const mix = stack.map((x) => linear(x, th['rnn_params/linear_1/w']!, th['rnn_params/linear_1/b']!).map((v) => Math.max(v, 0)));
  const v = mix[0]!.map((_, j) => Math.max(...mix.map((row) => row[j]!)));
  const xs = stack.map((x) => linear(x, th['rnn_params/linear_2/w']!, th['rnn_params/linear_2/b']!).map((y, j) => y + v[j]!));
  const out = xs.map((x, t) => hkLstm(x, hs[t]!, cs[t]!, th['rnn_params/rnn/linear/w']!, th['rnn_params/rnn/linear/b']!));
  const lrMult = out.map((o) => Math.exp(linear(o.h, th['rnn_params/step_size/w']!, th['rnn_params/step_size/b']!)[0]!) * 0.1);
  return { lrMult, h: out.map((o) => o.h), c: out.map((o) => o.c) };
}

/** The whole optimizer state of the transcription. */
export interface RefState {
  params: Tensor[]; m: number[][][]; rms: number[][]; fac: Fac[][]; iteration: number; numSteps: number;
  h: number[][]; c: number[][]; loss: LossBuffer;
}

const flat = (x: Tensor): number[] => (is2d(x) ? x.flat() : x);
const like = (x: Tensor, v: number[]): Tensor => (is2d(x) ? x.map((row, i) => v.slice(i * row.length, (i + 1) * row.length)) : v);

export function refInit(th: Arrays, params: Tensor[], numSteps: number): RefState {
  return {
    params, iteration: 0, numSteps,
    m: params.map((p) => [0, 1, 2].map(() => new Array(flat(p).length).fill(0))),
    rms: params.map((p) => new Array(flat(p).length).fill(0)),
    fac: params.map((p) => [0, 1, 2].map(() => facInit(shapeOf(p)))),
    h: params.map(() => Array.from(th['lstm_init_state/hidden']!)), c: params.map(() => Array.from(th['lstm_init_state/cell']!)),
    loss: new LossBuffer(numSteps),
  };
}

/** celo.py `_Opt.update` (adam = false) or celo_adam.py `_Opt.update` (adam = true), in f64. */
export function refUpdate(th: Arrays, s: RefState, grads: Tensor[], loss: number, adam: boolean): void {
  s.loss.update(loss);
  const lossFeat = s.loss.features();
  const gs = grads.map((g) => like(g, flat(g).map((v) => Math.min(Math.max(v, -1000), 1000))));
  const frac = s.iteration / s.numSteps;
  const stack = s.params.map(() => [...fractionalTanhEmbed(frac), ...lossFeat]);
  const rnn = rnnForward(th, stack, s.h, s.c);
  s.h = rnn.h;
  s.c = rnn.c;
  const momDecays = adam ? [0.9] : [0.9, 0.99, 0.999];
  s.params = s.params.map((p, t) => {
    const g = flat(gs[t]!);
    momDecays.forEach((d, k) => (s.m[t]![k] = s.m[t]![k]!.map((m, i) => d * m + (1 - d) * g[i]!)));
    s.rms[t] = s.rms[t]!.map((r, i) => 0.999 * r + 0.001 * g[i]! * g[i]!);
    if (adam) {
      const tt = s.iteration + 1;
      const lr = rnn.lrMult[t]! * 0.001;
      return like(p, flat(p).map((pv, i) => {
        const mh = s.m[t]![0]![i]! / (1 - Math.pow(0.9, tt)), rh = s.rms[t]![i]! / (1 - Math.pow(0.999, tt));
        return pv - mh * (lr * 1.0 / (1e-8 + Math.sqrt(rh + 1e-10)));
      }));
    }
    const facG: Tensor[] = [];
    [0.9, 0.99, 0.999].forEach((d, k) => {
      const r = facUpdate(s.fac[t]![k]!, gs[t]!, d);
      s.fac[t]![k] = r.s;
      facG.push(r.y);
    });
    return ffMod(th, rnn.lrMult[t]!, p, gs[t]!, s.m[t]!, s.rms[t]!, facG, s.fac[t]!);
  });
  s.iteration += 1;
}

/** celo.py `_ff_mod` with the published configuration, literally (inps list, normalizer, MLP, step). */
function ffMod(th: Arrays, lrMult: number, p: Tensor, g: Tensor, m: number[][], rms: number[], facG: Tensor[], fac: Fac[]): Tensor {
  const shape = shapeOf(p);
  const n = flat(p).length;
  const gf = flat(g), pf = flat(p);
  const col = <T>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  const rsqrt = col((i) => 1 / Math.sqrt(rms[i]! + 1e-6));
  const inps: number[][][] = []; // each input: [k columns][n values]
  inps.push([gf], [gf.map((v) => Math.min(Math.max(v, -0.1), 0.1))], [pf], m, [rms]);
  inps.push(m.map((mk) => mk.map((v, i) => v * rsqrt[i]!)), [rsqrt], facG.map(flat), [gf.map((v, i) => v * rsqrt[i]!)]);
  const f = factoredDims(shape);
  if (f) {
    const [d1, d0] = f;
    const C = shape[1]!;
    const at = (vec: number[], axisRemoved: number) => col((i) => vec[axisRemoved === 0 ? i % C : Math.floor(i / C)]!);
    const rowFeat = fac.map((a) => at(a.v_row, d0)), colFeat = fac.map((a) => at(a.v_col, d1));
    inps.push(rowFeat, colFeat, rowFeat.map((x) => x.map((v) => 1 / Math.sqrt(v + 1e-8))), colFeat.map((x) => x.map((v) => 1 / Math.sqrt(v + 1e-8))));
    const facMom = fac.map((a, k) => {
      const rcm = a.v_row.reduce((x, y) => x + y, 0) / a.v_row.length;
      const rowF = at(a.v_row.map((v) => 1 / Math.sqrt(Math.max(v / (rcm + 1e-9), 1e-9))), d0);
      const colF = at(a.v_col.map((v) => 1 / Math.sqrt(Math.max(v, 1e-9))), d1);
      return m[k]!.map((v, i) => v * rowF[i]! * colF[i]!);
    });
    inps.push(facMom);
  } else {
    const v = fac.map((a) => a.v_diag);
    inps.push(v, v, v.map((x) => x.map((y) => 1 / Math.sqrt(y + 1e-8))), v.map((x) => x.map((y) => 1 / Math.sqrt(y + 1e-8))));
    inps.push(m.map((mk, k) => mk.map((y, i) => y * Math.pow(v[k]![i]!, -0.5))));
  }
  // _second_moment_normalizer over all tensor axes, per column.
  const norm = inps.map((cols) => cols.map((x) => {
    const s = 1 / Math.sqrt(1e-5 + x.reduce((a, b) => a + b * b, 0) / n);
    return x.map((v) => v * s);
  }));
  const w0 = norm.map((_, ii) => th[`ff_mod_stack/~/w0__${ii}`]!);
  const out = col((i) => {
    let o = [0, 0, 0, 0];
    norm.forEach((cols, ii) => cols.forEach((x, kk) => (o = o.map((v, q) => v + x[i]! * w0[ii]![kk * 4 + q]!))));
    o = o.map((v, q) => Math.max(v + th['ff_mod_stack/~/b0']![q]!, 0));
    const o2 = [0, 1, 2, 3].map((q) => Math.max(o.reduce((a, v, j) => a + v * th['ff_mod_stack/~/w1']![j * 4 + q]!, 0) + th['ff_mod_stack/~/b1']![q]!, 0));
    const o3 = [0, 1, 2].map((q) => o2.reduce((a, v, j) => a + v * th['ff_mod_stack/~/w2']![j * 3 + q]!, 0) + th['ff_mod_stack/~/b2']![q]!);
    return [o3[0]!, o3[1]!];
  });
  const paramScale = Math.sqrt(pf.reduce((a, b) => a + b * b, 0) / n + 1e-9);
  const next = pf.map((pv, i) => {
    const [direction, magnitude] = out[i]!;
    const step = lrMult * (direction! * (paramScale * Math.exp(magnitude! * 0.001)) * 0.001);
    return pv - step;
  });
  return like(p, next);
}
