// Plain-TypeScript references for assembly/l2o.ts. With `F32` arithmetic (every operation
// rounded by Math.fround, polynomial exp/log) they reproduce the kernels bit for bit; with
// `F64` (no rounding, Math.exp/Math.log) they are the exact-math model used for finite
// differences of the LSTM backward pass.

const f32b = new Float32Array(1);
const i32b = new Int32Array(f32b.buffer);
const bitsOf = (x: number): number => ((f32b[0] = x), i32b[0]!);
const fromBits = (b: number): number => ((i32b[0] = b), f32b[0]!);
const fr = Math.fround;

const MAGIC = fr(12582912), LOG2E = fr(1.44269504088896341), LN2_HI = fr(0.693359375), LN2_LO = fr(-2.12194440e-4);
const SQRTHF = fr(0.707106781186547524);
const EXPC = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(fr);
const LOGC = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(fr);

export function expf(x0: number): number {
  const x = Math.min(Math.max(fr(x0), -87), 88);
  const kf = fr(fr(x * LOG2E) + MAGIC);
  const k = fr(kf - MAGIC);
  let r = fr(x - fr(k * LN2_HI));
  r = fr(r - fr(k * LN2_LO));
  let p = EXPC[0]!;
  for (let i = 1; i < 6; i++) p = fr(fr(p * r) + EXPC[i]!);
  const z = fr(r * r);
  const y = fr(fr(fr(p * z) + r) + 1);
  const ki = (bitsOf(kf) - bitsOf(MAGIC)) | 0;
  return fr(y * fromBits((ki + 127) << 23));
}

export function logf(x: number): number {
  const ix = bitsOf(x);
  let e = fr(((ix >>> 23) & 0xff) - 126);
  let m = fromBits((ix & 0x007fffff) | 0x3f000000);
  if (m < SQRTHF) {
    e = fr(e - 1);
    m = fr(fr(m + m) - 1);
  } else m = fr(m - 1);
  const z = fr(m * m);
  let y = LOGC[0]!;
  for (let i = 1; i < 9; i++) y = fr(fr(y * m) + LOGC[i]!);
  y = fr(fr(y * m) * z);
  y = fr(y + fr(e * LN2_LO));
  y = fr(y - fr(0.5 * z));
  const r = fr(m + y);
  return fr(r + fr(e * LN2_HI));
}

export interface Arith {
  r: (x: number) => number;
  exp: (x: number) => number;
  log: (x: number) => number;
}
export const F32: Arith = { r: fr, exp: expf, log: logf };
export const F64: Arith = { r: (x) => x, exp: Math.exp, log: Math.log };

const sig = (A: Arith, x: number) => A.r(1 / A.r(1 + A.exp(A.r(-x))));
const tanh = (A: Arith, x: number) => A.r(1 - A.r(2 / A.r(A.exp(A.r(x + x)) + 1)));
export const sigmoidf = (x: number) => sig(F32, x);
export const tanhf = (x: number) => tanh(F32, x);

export const DECAYS: readonly [number, number][] = [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1], [0.99, 0.01], [0.999, 0.001], [0.9999, 0.0001]];

/** m_d ← d·m_d + (1−d)·g in f32. */
export function mlpMomentaRef(g: Float32Array, m: Float32Array[]): void {
  DECAYS.forEach(([d, od], k) => {
    const md = m[k]!;
    for (let i = 0; i < g.length; i++) md[i] = fr(fr(fr(d) * md[i]!) + fr(fr(od) * g[i]!));
  });
}

/** One MLPLOpt step (momenta already updated), f32, in the kernel's operation order. */
export function mlpStepRef(p: Float32Array, g: Float32Array, m: Float32Array[], theta: Float32Array, feat: Float32Array): void {
  const W1 = 0, b1 = 608, W2 = 640, b2 = 1664, W3 = 1696, b3 = 1760;
  const base = new Float32Array(32);
  for (let j = 0; j < 32; j++) {
    let acc = theta[b1 + j]!;
    for (let i = 8; i < 19; i++) acc = fr(acc + fr(feat[i]! * theta[W1 + i * 32 + j]!));
    base[j] = acc;
  }
  const x = new Float32Array(8), h1 = new Float32Array(32), h2 = new Float32Array(32);
  for (let n = 0; n < p.length; n++) {
    x[0] = g[n]! * feat[0]!;
    x[1] = p[n]! * feat[1]!;
    for (let k = 0; k < 6; k++) x[2 + k] = m[k]![n]! * feat[2 + k]!;
    for (let j = 0; j < 32; j++) {
      let acc = base[j]!;
      for (let q = 0; q < 8; q++) acc = fr(acc + fr(x[q]! * theta[W1 + q * 32 + j]!));
      h1[j] = Math.max(acc, 0);
    }
    for (let j = 0; j < 32; j++) {
      let acc = theta[b2 + j]!;
      for (let q = 0; q < 32; q++) acc = fr(acc + fr(h1[q]! * theta[W2 + q * 32 + j]!));
      h2[j] = Math.max(acc, 0);
    }
    let d = theta[b3]!, s = theta[b3 + 1]!;
    for (let q = 0; q < 32; q++) {
      d = fr(d + fr(h2[q]! * theta[W3 + q * 2]!));
      s = fr(s + fr(h2[q]! * theta[W3 + q * 2 + 1]!));
    }
    p[n] = fr(p[n]! - fr(fr(d * expf(fr(s * fr(0.001)))) * fr(0.001)));
  }
}

// ---- LSTM --------------------------------------------------------------------------------
const WIH1 = 0, WHH1 = 160, BIH1 = 1760, BHH1 = 1840, WIH2 = 1920, WHH2 = 3520, BIH2 = 5120, BHH2 = 5200, WOUT = 5280, BOUT = 5300;
export const LSTM_THETA = 5301;
export const TAPE_FIELDS = 282;

/** Per-parameter LSTM state: h1, c1, h2, c2 (20 each) for each of n parameters, as [slot][param]. */
export type LstmState = Float32Array[] | Float64Array[];

/**
 * One LSTM-optimizer step on all parameters; returns the tape (TAPE_FIELDS × n) when asked.
 * `state` is 80 arrays (h1[20], c1[20], h2[20], c2[20]) of n entries.
 */
export function lstmStepRef(A: Arith, p: Float32Array | Float64Array, g: ArrayLike<number>, state: (Float32Array | Float64Array)[], theta: ArrayLike<number>, outScale: number, tape?: Float32Array | Float64Array): void {
  const n = p.length;
  const r = A.r;
  const bsum = new Float64Array(160);
  for (let k = 0; k < 80; k++) {
    bsum[k] = r(theta[BIH1 + k]! + theta[BHH1 + k]!);
    bsum[80 + k] = r(theta[BIH2 + k]! + theta[BHH2 + k]!);
  }
  const z = new Float64Array(80);
  const T = (f: number, j: number, v: number) => { if (tape) tape[f * n + j] = v; };
  for (let j = 0; j < n; j++) {
    const gi = g[j]!;
    const a = Math.abs(gi);
    let x0: number, x1: number;
    if (a >= r(4.539993e-5)) {
      x0 = r(A.log(r(a + r(1e-8))) / 10);
      x1 = gi > 0 ? 1 : gi < 0 ? -1 : 0;
    } else {
      x0 = -1;
      x1 = r(r(22026.465794806718) * gi);
    }
    T(0, j, x0);
    T(1, j, x1);
    for (let k = 0; k < 80; k++) {
      let acc = bsum[k]!;
      acc = r(acc + r(theta[WIH1 + k * 2]! * x0));
      acc = r(acc + r(theta[WIH1 + k * 2 + 1]! * x1));
      for (let q = 0; q < 20; q++) acc = r(acc + r(theta[WHH1 + k * 20 + q]! * state[q]![j]!));
      z[k] = acc;
    }
    cell(A, z, state, 0, j, T, 2, 22, 42, 122);
    for (let k = 0; k < 80; k++) {
      let acc = bsum[80 + k]!;
      for (let q = 0; q < 20; q++) acc = r(acc + r(theta[WIH2 + k * 20 + q]! * state[q]![j]!));
      for (let q = 0; q < 20; q++) acc = r(acc + r(theta[WHH2 + k * 20 + q]! * state[40 + q]![j]!));
      z[k] = acc;
    }
    cell(A, z, state, 40, j, T, 142, 162, 182, 262);
    let out = theta[BOUT]!;
    for (let q = 0; q < 20; q++) out = r(out + r(theta[WOUT + q]! * state[40 + q]![j]!));
    p[j] = r(p[j]! + r(r(outScale) * out));
  }
}

function cell(A: Arith, z: Float64Array, state: (Float32Array | Float64Array)[], s0: number, j: number, T: (f: number, j: number, v: number) => void, tH: number, tC: number, tA: number, tT: number): void {
  const r = A.r;
  for (let q = 0; q < 20; q++) {
    const ig = sig(A, z[q]!), fg = sig(A, z[20 + q]!), gg = tanh(A, z[40 + q]!), og = sig(A, z[60 + q]!);
    const c = state[s0 + 20 + q]![j]!;
    const cn = r(r(fg * c) + r(ig * gg));
    const tc = tanh(A, cn);
    T(tH + q, j, state[s0 + q]![j]!);
    T(tC + q, j, c);
    T(tA + q, j, ig);
    T(tA + 20 + q, j, fg);
    T(tA + 40 + q, j, gg);
    T(tA + 60 + q, j, og);
    T(tT + q, j, tc);
    state[s0 + 20 + q]![j] = cn;
    state[s0 + q]![j] = r(og * tc);
  }
}

/** f64 backward over K tapes (each TAPE_FIELDS × n), adjoints adj[t][j]; adds into dtheta. Same order as the kernel. */
export function lstmBackwardRef(theta: ArrayLike<number>, tapes: ArrayLike<number>[], n: number, adj: ArrayLike<number>[], dtheta: Float64Array): void {
  const K = tapes.length;
  for (let j = 0; j < n; j++) {
    const dh1 = new Float64Array(20), dc1 = new Float64Array(20), dh2 = new Float64Array(20), dc2 = new Float64Array(20);
    const dz = new Float64Array(80), dx = new Float64Array(20);
    for (let t = K - 1; t >= 0; t--) {
      const tp = (f: number) => tapes[t]![f * n + j]!;
      const a = adj[t]![j]!;
      for (let q = 0; q < 20; q++) {
        const h2n = Math.fround(tp(182 + 60 + q) * tp(262 + q));
        dtheta[WOUT + q]! += a * h2n;
        dh2[q] = dh2[q]! + a * theta[WOUT + q]!;
      }
      dtheta[BOUT]! += a;
      cellBack(tp, dh2, dc2, dz, 182, 262, 162);
      for (let k = 0; k < 80; k++) {
        const d = dz[k]!;
        dtheta[BIH2 + k]! += d;
        dtheta[BHH2 + k]! += d;
        for (let q = 0; q < 20; q++) {
          const h1n = Math.fround(tp(42 + 60 + q) * tp(122 + q));
          dtheta[WIH2 + k * 20 + q]! += d * h1n;
          dtheta[WHH2 + k * 20 + q]! += d * tp(142 + q);
        }
      }
      for (let q = 0; q < 20; q++) {
        let s = 0, u = 0;
        for (let k = 0; k < 80; k++) {
          s += dz[k]! * theta[WIH2 + k * 20 + q]!;
          u += dz[k]! * theta[WHH2 + k * 20 + q]!;
        }
        dx[q] = s;
        dh2[q] = u;
      }
      for (let q = 0; q < 20; q++) dh1[q] = dh1[q]! + dx[q]!;
      cellBack(tp, dh1, dc1, dz, 42, 122, 22);
      const x0 = tp(0), x1 = tp(1);
      for (let k = 0; k < 80; k++) {
        const d = dz[k]!;
        dtheta[BIH1 + k]! += d;
        dtheta[BHH1 + k]! += d;
        dtheta[WIH1 + k * 2]! += d * x0;
        dtheta[WIH1 + k * 2 + 1]! += d * x1;
        for (let q = 0; q < 20; q++) dtheta[WHH1 + k * 20 + q]! += d * tp(2 + q);
      }
      for (let q = 0; q < 20; q++) {
        let u = 0;
        for (let k = 0; k < 80; k++) u += dz[k]! * theta[WHH1 + k * 20 + q]!;
        dh1[q] = u;
      }
    }
  }
}

function cellBack(tp: (f: number) => number, dh: Float64Array, dc: Float64Array, dz: Float64Array, tA: number, tT: number, tC: number): void {
  for (let q = 0; q < 20; q++) {
    const ig = tp(tA + q), fg = tp(tA + 20 + q), gg = tp(tA + 40 + q), og = tp(tA + 60 + q);
    const tc = tp(tT + q), cp = tp(tC + q);
    const h = dh[q]!;
    const c = dc[q]! + h * og * (1 - tc * tc);
    dz[q] = c * gg * ig * (1 - ig);
    dz[20 + q] = c * cp * fg * (1 - fg);
    dz[40 + q] = c * ig * (1 - gg * gg);
    dz[60 + q] = h * tc * og * (1 - og);
    dc[q] = c * fg;
  }
}
