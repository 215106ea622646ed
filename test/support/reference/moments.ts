// Plain-TypeScript references for assembly/moments.ts and assembly/vector.ts, written
// from the documented update equations. Every f32 operation is rounded with Math.fround
// (exactly what IEEE f32 hardware does: for + − × ÷ √ the f64 result of f32 operands
// rounds to the correctly rounded f32), so kernels must match these bit for bit.

const f = Math.fround;
const fin = Number.isFinite;

// Non-finite results: every fused reference returns the number of coordinates whose new p or
// any new slot value is NaN/±Inf. `mode` as in assembly/moments.ts ("Non-finite results"):
// 0 = such a coordinate keeps its old values; 1 = nothing is written; 2 = trusted write (adam:
// every coordinate written, returns 0; the others behave as 0); 3 = all or nothing: the count
// of mode 1 with nothing written, or, when it is 0, the write of mode 2 (adam) or 0 (the others).

export function adamRef(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  b1: number, ob1: number, b2: number, ob2: number, c1: number, r2: number, eps: number,
  l2: number, wd: number, lr: number, mode = 0,
): number {
  if (mode === 3) {
    const bad = adamRef(p, g, m, v, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 1);
    return bad > 0 ? bad : adamRef(p, g, m, v, b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr, 2);
  }
  [b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr] = [b1, ob1, b2, ob2, c1, r2, eps, l2, wd, lr].map(f) as typeof b1[];
  let bad = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    let gi = g[i]!;
    if (l2 !== 0) gi = f(gi + f(l2 * pi));
    const mi = f(f(b1 * m[i]!) + f(ob1 * gi));
    const vi = f(f(b2 * v[i]!) + f(ob2 * f(gi * gi)));
    let u = f(f(mi * c1) / f(f(f(Math.sqrt(vi)) * r2) + eps));
    if (wd !== 0) u = f(u + f(wd * pi));
    const pn = f(pi - f(lr * u));
    if (mode === 2) {
      m[i] = mi;
      v[i] = vi;
      p[i] = pn;
    } else if (!(fin(pn) && fin(mi) && fin(vi))) bad++;
    else if (mode === 0) {
      m[i] = mi;
      v[i] = vi;
      p[i] = pn;
    }
  }
  return bad;
}

export function sgdRef(p: Float32Array, g: Float32Array, l2: number, lr: number, mode = 0): number {
  if (mode === 3) return sgdRef(p, g, l2, lr, 1) || sgdRef(p, g, l2, lr, 0);
  [l2, lr] = [f(l2), f(lr)];
  let bad = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    let u = g[i]!;
    if (l2 !== 0) u = f(u + f(l2 * pi));
    const pn = f(pi - f(lr * u));
    if (!fin(pn)) bad++;
    else if (mode !== 1) p[i] = pn;
  }
  return bad;
}

export function momentumRef(p: Float32Array, g: Float32Array, t: Float32Array, mu: number, l2: number, lr: number, nesterov: boolean, mode = 0): number {
  if (mode === 3) return momentumRef(p, g, t, mu, l2, lr, nesterov, 1) || momentumRef(p, g, t, mu, l2, lr, nesterov, 0);
  [mu, l2, lr] = [f(mu), f(l2), f(lr)];
  let bad = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    let gi = g[i]!;
    if (l2 !== 0) gi = f(gi + f(l2 * pi));
    const ti = f(f(mu * t[i]!) + gi);
    const u = nesterov ? f(gi + f(mu * ti)) : ti;
    const pn = f(pi - f(lr * u));
    if (!(fin(pn) && fin(ti))) bad++;
    else if (mode !== 1) {
      t[i] = ti;
      p[i] = pn;
    }
  }
  return bad;
}

export function lionRef(p: Float32Array, g: Float32Array, m: Float32Array, b1: number, ob1: number, b2: number, ob2: number, wd: number, lr: number, mode = 0): number {
  if (mode === 3) return lionRef(p, g, m, b1, ob1, b2, ob2, wd, lr, 1) || lionRef(p, g, m, b1, ob1, b2, ob2, wd, lr, 0);
  [b1, ob1, b2, ob2, wd, lr] = [b1, ob1, b2, ob2, wd, lr].map(f) as typeof b1[];
  let bad = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const gi = g[i]!;
    const mi = m[i]!;
    const c = f(f(b1 * mi) + f(ob1 * gi));
    let u = c > 0 ? 1 : c < 0 ? -1 : 0;
    if (wd !== 0) u = f(u + f(wd * pi));
    const pn = f(pi - f(lr * u));
    const mn = f(f(b2 * mi) + f(ob2 * gi));
    if (!(fin(pn) && fin(mn))) bad++;
    else if (mode !== 1) {
      p[i] = pn;
      m[i] = mn;
    }
  }
  return bad;
}

export function sumsqRef(x: Float32Array): number {
  const n = x.length;
  const a = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= n; i += 4) for (let l = 0; l < 4; l++) a[l]! += x[i + l]! * x[i + l]!;
  let s = a[0]! + a[1]! + (a[2]! + a[3]!);
  for (; i < n; i++) s += x[i]! * x[i]!;
  return s;
}

export function countNonFiniteRef(x: Float32Array): number {
  let c = 0;
  for (const v of x) if (!Number.isFinite(v)) c++;
  return c;
}

export function clipRef(x: Float32Array, lo: number, hi: number): void {
  [lo, hi] = [f(lo), f(hi)];
  for (let i = 0; i < x.length; i++) x[i] = Number.isNaN(x[i]!) ? NaN : Math.min(Math.max(x[i]!, lo), hi);
}
