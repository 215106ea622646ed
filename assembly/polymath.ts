// f32 polynomial exp/log/σ/tanh shared by the learned-optimizer kernels (assembly/l2o.ts):
// Cephes expf/logf coefficients (Moshier), plain f32 add/mul/div (no FMA) and exponent
// manipulation by integer ops on the bit pattern, so the SIMD versions (…v), the scalar
// versions (…s) and test/reference/l2o.ts agree bit for bit.
//   exp: x clamped to [−87, 88], x = k·ln2 + r (k by the 1.5·2²³ rounding trick, half to even),
//        e^r by a degree-7 polynomial, times 2^k; ≤ 2 ulp on the clamped range.
//   log: x = 2^e·m, m ∈ [√½, √2), degree-10 polynomial in m − 1; x a positive normal f32.
//   σ(x) = 1/(1 + e^{−x});  tanh(x) = 1 − 2/(e^{2x} + 1)  (absolute error ≲ 1e−7 near 0).

const MAGIC: f32 = 12582912.0; // 1.5·2^23
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRTHF: f32 = 0.707106781186547524;

// @ts-ignore: decorator
@inline export function exps(x0: f32): f32 {
  const x = min<f32>(max<f32>(x0, -87.0), 88.0);
  const kf = x * LOG2E + MAGIC;
  const k = kf - MAGIC;
  let r = x - k * LN2_HI;
  r = r - k * LN2_LO;
  let p: f32 = 1.9875691500e-4;
  p = p * r + 1.3981999507e-3;
  p = p * r + 8.3334519073e-3;
  p = p * r + 4.1665795894e-2;
  p = p * r + 1.6666665459e-1;
  p = p * r + 5.0000001201e-1;
  const z = r * r;
  const y = p * z + r + 1.0;
  const ki = reinterpret<i32>(kf) - reinterpret<i32>(MAGIC);
  return y * reinterpret<f32>((ki + 127) << 23);
}

// @ts-ignore: decorator
@inline export function expv(x0: v128): v128 {
  // pmin/pmax with the bound second = min/max here (finite non-zero bounds; NaN propagates), cheaper in V8.
  const x = f32x4.pmin(f32x4.pmax(x0, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const kf = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const k = f32x4.sub(kf, f32x4.splat(MAGIC));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const z = f32x4.mul(r, r);
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1.0));
  const ki = i32x4.sub(kf, i32x4.splat(reinterpret<i32>(MAGIC)));
  return f32x4.mul(y, i32x4.shl(i32x4.add(ki, i32x4.splat(127)), 23));
}

// @ts-ignore: decorator
@inline export function logs(x: f32): f32 {
  const ix = reinterpret<i32>(x);
  let e = <f32>(((ix >>> 23) & 0xff) - 126);
  let m = reinterpret<f32>((ix & 0x007fffff) | 0x3f000000);
  if (m < SQRTHF) {
    e = e - 1.0;
    m = m + m - 1.0;
  } else {
    m = m - 1.0;
  }
  const z = m * m;
  let y: f32 = 7.0376836292e-2;
  y = y * m - 1.1514610310e-1;
  y = y * m + 1.1676998740e-1;
  y = y * m - 1.2420140846e-1;
  y = y * m + 1.4249322787e-1;
  y = y * m - 1.6668057665e-1;
  y = y * m + 2.0000714765e-1;
  y = y * m - 2.4999993993e-1;
  y = y * m + 3.3333331174e-1;
  y = y * m * z;
  y = y + e * LN2_LO;
  y = y - 0.5 * z;
  let r = m + y;
  r = r + e * LN2_HI;
  return r;
}

// @ts-ignore: decorator
@inline export function logv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  let e = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(x, 23), i32x4.splat(0xff)), i32x4.splat(126)));
  const m0 = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m0, f32x4.splat(SQRTHF));
  e = f32x4.sub(e, v128.and(small, one));
  const m = v128.bitselect(f32x4.sub(f32x4.add(m0, m0), one), f32x4.sub(m0, one), small);
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.1676998740e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.4249322787e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(2.0000714765e-1));
  y = f32x4.sub(f32x4.mul(y, m), f32x4.splat(2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  const r = f32x4.add(m, y);
  return f32x4.add(r, f32x4.mul(e, f32x4.splat(LN2_HI)));
}

// @ts-ignore: decorator
@inline export function sigs(x: f32): f32 {
  return 1.0 / (1.0 + exps(-x));
}
// @ts-ignore: decorator
@inline export function sigv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}
// @ts-ignore: decorator
@inline export function tanhs(x: f32): f32 {
  return 1.0 - 2.0 / (exps(x + x) + 1.0);
}
// @ts-ignore: decorator
@inline export function tanhv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(expv(f32x4.add(x, x)), one)));
}



/**
 * `logv` of the four vectors at p, p + 16, p + 32, p + 48, in place, the four evaluations
 * interleaved step by step: the polynomial is a chain of dependent multiply-adds, and four chains
 * in flight keep the FP pipes busy where one leaves them idle. Each result is logv's, bit for bit.
 */
// @ts-ignore: decorator
@inline export function logv4(p: usize): void {
  const one = f32x4.splat(1.0), emask = i32x4.splat(0xff), e126 = i32x4.splat(126), mmask = i32x4.splat(0x007fffff), half = i32x4.splat(0x3f000000), sq = f32x4.splat(SQRTHF);
  const xa = v128.load(p, 0);
  const xb = v128.load(p, 16);
  const xc = v128.load(p, 32);
  const xd = v128.load(p, 48);
  let ea = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(xa, 23), emask), e126));
  let eb = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(xb, 23), emask), e126));
  let ec = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(xc, 23), emask), e126));
  let ed = f32x4.convert_i32x4_s(i32x4.sub(v128.and(i32x4.shr_u(xd, 23), emask), e126));
  const ma0 = v128.or(v128.and(xa, mmask), half);
  const mb0 = v128.or(v128.and(xb, mmask), half);
  const mc0 = v128.or(v128.and(xc, mmask), half);
  const md0 = v128.or(v128.and(xd, mmask), half);
  const sa = f32x4.lt(ma0, sq);
  const sb = f32x4.lt(mb0, sq);
  const sc = f32x4.lt(mc0, sq);
  const sd = f32x4.lt(md0, sq);
  ea = f32x4.sub(ea, v128.and(sa, one));
  eb = f32x4.sub(eb, v128.and(sb, one));
  ec = f32x4.sub(ec, v128.and(sc, one));
  ed = f32x4.sub(ed, v128.and(sd, one));
  const ma = v128.bitselect(f32x4.sub(f32x4.add(ma0, ma0), one), f32x4.sub(ma0, one), sa);
  const mb = v128.bitselect(f32x4.sub(f32x4.add(mb0, mb0), one), f32x4.sub(mb0, one), sb);
  const mc = v128.bitselect(f32x4.sub(f32x4.add(mc0, mc0), one), f32x4.sub(mc0, one), sc);
  const md = v128.bitselect(f32x4.sub(f32x4.add(md0, md0), one), f32x4.sub(md0, one), sd);
  const za = f32x4.mul(ma, ma);
  const zb = f32x4.mul(mb, mb);
  const zc = f32x4.mul(mc, mc);
  const zd = f32x4.mul(md, md);
  let c = f32x4.splat(7.0376836292e-2);
  let ya = c; let yb = c; let yc = c; let yd = c;
  c = f32x4.splat(1.1514610310e-1);
  ya = f32x4.sub(f32x4.mul(ya, ma), c); yb = f32x4.sub(f32x4.mul(yb, mb), c); yc = f32x4.sub(f32x4.mul(yc, mc), c); yd = f32x4.sub(f32x4.mul(yd, md), c);
  c = f32x4.splat(1.1676998740e-1);
  ya = f32x4.add(f32x4.mul(ya, ma), c); yb = f32x4.add(f32x4.mul(yb, mb), c); yc = f32x4.add(f32x4.mul(yc, mc), c); yd = f32x4.add(f32x4.mul(yd, md), c);
  c = f32x4.splat(1.2420140846e-1);
  ya = f32x4.sub(f32x4.mul(ya, ma), c); yb = f32x4.sub(f32x4.mul(yb, mb), c); yc = f32x4.sub(f32x4.mul(yc, mc), c); yd = f32x4.sub(f32x4.mul(yd, md), c);
  c = f32x4.splat(1.4249322787e-1);
  ya = f32x4.add(f32x4.mul(ya, ma), c); yb = f32x4.add(f32x4.mul(yb, mb), c); yc = f32x4.add(f32x4.mul(yc, mc), c); yd = f32x4.add(f32x4.mul(yd, md), c);
  c = f32x4.splat(1.6668057665e-1);
  ya = f32x4.sub(f32x4.mul(ya, ma), c); yb = f32x4.sub(f32x4.mul(yb, mb), c); yc = f32x4.sub(f32x4.mul(yc, mc), c); yd = f32x4.sub(f32x4.mul(yd, md), c);
  c = f32x4.splat(2.0000714765e-1);
  ya = f32x4.add(f32x4.mul(ya, ma), c); yb = f32x4.add(f32x4.mul(yb, mb), c); yc = f32x4.add(f32x4.mul(yc, mc), c); yd = f32x4.add(f32x4.mul(yd, md), c);
  c = f32x4.splat(2.4999993993e-1);
  ya = f32x4.sub(f32x4.mul(ya, ma), c); yb = f32x4.sub(f32x4.mul(yb, mb), c); yc = f32x4.sub(f32x4.mul(yc, mc), c); yd = f32x4.sub(f32x4.mul(yd, md), c);
  c = f32x4.splat(3.3333331174e-1);
  ya = f32x4.add(f32x4.mul(ya, ma), c); yb = f32x4.add(f32x4.mul(yb, mb), c); yc = f32x4.add(f32x4.mul(yc, mc), c); yd = f32x4.add(f32x4.mul(yd, md), c);
  ya = f32x4.mul(f32x4.mul(ya, ma), za); yb = f32x4.mul(f32x4.mul(yb, mb), zb); yc = f32x4.mul(f32x4.mul(yc, mc), zc); yd = f32x4.mul(f32x4.mul(yd, md), zd);
  c = f32x4.splat(LN2_LO);
  ya = f32x4.add(ya, f32x4.mul(ea, c)); yb = f32x4.add(yb, f32x4.mul(eb, c)); yc = f32x4.add(yc, f32x4.mul(ec, c)); yd = f32x4.add(yd, f32x4.mul(ed, c));
  c = f32x4.splat(0.5);
  ya = f32x4.sub(ya, f32x4.mul(c, za)); yb = f32x4.sub(yb, f32x4.mul(c, zb)); yc = f32x4.sub(yc, f32x4.mul(c, zc)); yd = f32x4.sub(yd, f32x4.mul(c, zd));
  c = f32x4.splat(LN2_HI);
  v128.store(p, f32x4.add(f32x4.add(ma, ya), f32x4.mul(ea, c)), 0);
  v128.store(p, f32x4.add(f32x4.add(mb, yb), f32x4.mul(eb, c)), 16);
  v128.store(p, f32x4.add(f32x4.add(mc, yc), f32x4.mul(ec, c)), 32);
  v128.store(p, f32x4.add(f32x4.add(md, yd), f32x4.mul(ed, c)), 48);
}

/** `expv` of the four vectors at p … p + 48, in place, interleaved like `logv4`; bit for bit expv's. */
// @ts-ignore: decorator
@inline export function expv4(p: usize): void {
  const lo = f32x4.splat(-87.0), hi = f32x4.splat(88.0), l2e = f32x4.splat(LOG2E), mg = f32x4.splat(MAGIC);
  const xa = f32x4.pmin(f32x4.pmax(v128.load(p, 0), lo), hi);
  const xb = f32x4.pmin(f32x4.pmax(v128.load(p, 16), lo), hi);
  const xc = f32x4.pmin(f32x4.pmax(v128.load(p, 32), lo), hi);
  const xd = f32x4.pmin(f32x4.pmax(v128.load(p, 48), lo), hi);
  const kfa = f32x4.add(f32x4.mul(xa, l2e), mg);
  const kfb = f32x4.add(f32x4.mul(xb, l2e), mg);
  const kfc = f32x4.add(f32x4.mul(xc, l2e), mg);
  const kfd = f32x4.add(f32x4.mul(xd, l2e), mg);
  const ka = f32x4.sub(kfa, mg);
  const kb = f32x4.sub(kfb, mg);
  const kc = f32x4.sub(kfc, mg);
  const kd = f32x4.sub(kfd, mg);
  let c = f32x4.splat(LN2_HI);
  let ra = f32x4.sub(xa, f32x4.mul(ka, c)); let rb = f32x4.sub(xb, f32x4.mul(kb, c)); let rc = f32x4.sub(xc, f32x4.mul(kc, c)); let rd = f32x4.sub(xd, f32x4.mul(kd, c));
  c = f32x4.splat(LN2_LO);
  ra = f32x4.sub(ra, f32x4.mul(ka, c)); rb = f32x4.sub(rb, f32x4.mul(kb, c)); rc = f32x4.sub(rc, f32x4.mul(kc, c)); rd = f32x4.sub(rd, f32x4.mul(kd, c));
  c = f32x4.splat(1.9875691500e-4);
  let qa = c; let qb = c; let qc = c; let qd = c;
  c = f32x4.splat(1.3981999507e-3);
  qa = f32x4.add(f32x4.mul(qa, ra), c); qb = f32x4.add(f32x4.mul(qb, rb), c); qc = f32x4.add(f32x4.mul(qc, rc), c); qd = f32x4.add(f32x4.mul(qd, rd), c);
  c = f32x4.splat(8.3334519073e-3);
  qa = f32x4.add(f32x4.mul(qa, ra), c); qb = f32x4.add(f32x4.mul(qb, rb), c); qc = f32x4.add(f32x4.mul(qc, rc), c); qd = f32x4.add(f32x4.mul(qd, rd), c);
  c = f32x4.splat(4.1665795894e-2);
  qa = f32x4.add(f32x4.mul(qa, ra), c); qb = f32x4.add(f32x4.mul(qb, rb), c); qc = f32x4.add(f32x4.mul(qc, rc), c); qd = f32x4.add(f32x4.mul(qd, rd), c);
  c = f32x4.splat(1.6666665459e-1);
  qa = f32x4.add(f32x4.mul(qa, ra), c); qb = f32x4.add(f32x4.mul(qb, rb), c); qc = f32x4.add(f32x4.mul(qc, rc), c); qd = f32x4.add(f32x4.mul(qd, rd), c);
  c = f32x4.splat(5.0000001201e-1);
  qa = f32x4.add(f32x4.mul(qa, ra), c); qb = f32x4.add(f32x4.mul(qb, rb), c); qc = f32x4.add(f32x4.mul(qc, rc), c); qd = f32x4.add(f32x4.mul(qd, rd), c);
  c = f32x4.splat(1.0);
  const m = i32x4.splat(reinterpret<i32>(MAGIC)), b = i32x4.splat(127);
  v128.store(p, f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(qa, f32x4.mul(ra, ra)), ra), c), i32x4.shl(i32x4.add(i32x4.sub(kfa, m), b), 23)), 0);
  v128.store(p, f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(qb, f32x4.mul(rb, rb)), rb), c), i32x4.shl(i32x4.add(i32x4.sub(kfb, m), b), 23)), 16);
  v128.store(p, f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(qc, f32x4.mul(rc, rc)), rc), c), i32x4.shl(i32x4.add(i32x4.sub(kfc, m), b), 23)), 32);
  v128.store(p, f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(qd, f32x4.mul(rd, rd)), rd), c), i32x4.shl(i32x4.add(i32x4.sub(kfd, m), b), 23)), 48);
}
