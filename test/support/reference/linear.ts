// Plain-TypeScript references for assembly/linear.ts. The dense products use the kernels'
// accumulation order (4 lane accumulators, (a0 + a1) + (a2 + a3), then the tail) in f32, so
// they match bit for bit; the softmax NLL uses f32 exp/log (AssemblyScript's Mathf) with f64
// sums, which JS's Math.exp/Math.log rounded to f32 match to an ULP, so it is compared with
// a tolerance.

const f = Math.fround;

export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 = f(a0 + f(a[ao + i]! * b[bo + i]!));
    a1 = f(a1 + f(a[ao + i + 1]! * b[bo + i + 1]!));
    a2 = f(a2 + f(a[ao + i + 2]! * b[bo + i + 2]!));
    a3 = f(a3 + f(a[ao + i + 3]! * b[bo + i + 3]!));
  }
  let s = f(f(a0 + a1) + f(a2 + a3));
  for (; i < n; i++) s = f(s + f(a[ao + i]! * b[bo + i]!));
  return s;
}

export function linearFwd(z: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, rows: number, d: number, c: number): void {
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < c; k++) {
      let s = dot(x, r * d, w, k * d, d);
      if (b) s = f(b[k]! + s);
      z[r * c + k] = s;
    }
  }
}

export function linearBwdW(gw: Float32Array, gb: Float32Array | null, dz: Float32Array, x: Float32Array, rows: number, d: number, c: number): void {
  gw.fill(0);
  gb?.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < c; k++) {
      const g = dz[r * c + k]!;
      if (gb) gb[k] = f(gb[k]! + g);
      for (let j = 0; j < d; j++) gw[k * d + j] = f(gw[k * d + j]! + f(g * x[r * d + j]!));
    }
  }
}

export function linearBwdX(dx: Float32Array, dz: Float32Array, w: Float32Array, rows: number, d: number, c: number): void {
  dx.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < c; k++) {
      const g = dz[r * c + k]!;
      for (let j = 0; j < d; j++) dx[r * d + j] = f(dx[r * d + j]! + f(g * w[k * d + j]!));
    }
  }
}

/** In-place softmax group NLL: returns Σ s·w_r·ℓ_r, writes ℓ_r to loss, Z ← dZ. */
/** The kernel's f32 exp/log (Mathf) of an argument rounded to f32, widened back to f64. */
const fexp = (v: number) => f(Math.exp(f(v)));
const flog = (v: number) => f(Math.log(f(v)));

export function softmaxNll(
  z: Float32Array, labels: Int32Array, mask: Int32Array, rows: number, c: number,
  w: Float32Array | null, s: number, loss: Float32Array | null,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const t = labels[r]!;
    let m = -Infinity, mg = -Infinity;
    for (let k = 0; k < c; k++) {
      const v = z[r * c + k]!;
      if (v > m) m = v;
      if (mask[t * c + k] !== 0 && v > mg) mg = v;
    }
    let sa = 0, sg = 0;
    for (let k = 0; k < c; k++) {
      const v = z[r * c + k]!;
      sa += fexp(v - m);
      if (mask[t * c + k] !== 0) sg += fexp(v - mg);
    }
    const l = (m + flog(sa)) - (mg + flog(sg));
    const sw = s * (w ? w[r]! : 1);
    if (loss) loss[r] = l;
    total += sw * l;
    for (let k = 0; k < c; k++) {
      const v = z[r * c + k]!;
      let gk = fexp(v - m) / sa;
      if (mask[t * c + k] !== 0) gk -= fexp(v - mg) / sg;
      z[r * c + k] = sw * gk;
    }
  }
  return total;
}
