// Meta-parameters θ of the DCO optimizers (SPEC B.3.1) as a plain record of f64 arrays, kept
// outside any optimizer state: P_φ = diag(softplus(s)) + εI ('diagonal') or LLᵀ + εI ('full'),
// and the linear term q = W_g g + W_d d + W_x x + c whose learned parts depend on the instance:
//   DCOG : q = g                      (θ: P)
//   DCOM : q = g − M d                (θ: P, M; diagonal or full like P)
//   DCOGD: q = W_g g + W_d d + W_x x + c   (θ: P, W_g, W_d, W_x, c)
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { cholesky } from '../core/linalg.js';
import { Rng } from '../core/rng.js';

export type DcoKind = 'dcog' | 'dcom' | 'dcogd';
export type Parameterization = 'diagonal' | 'full';

export interface DcoTheta {
  kind: DcoKind;
  n: number;
  parameterization: Parameterization;
  /** ε of P = … + εI (default 1e-6). */
  eps: number;
  /**
   * Learned arrays: `s` (n, diagonal P) or `L` (n×n row-major, full P); DCOM `M`; DCOGD `Wg`,
   * `Wd`, `Wx`, `c`. Matrices are n entries (their diagonal) when the parameterization is
   * diagonal, else n×n.
   */
  params: Record<string, Float64Array>;
}

export interface DcoInitOptions {
  parameterization?: Parameterization;
  /** Start from P = I/lr (default 0.1): plain gradient descent with step lr. */
  lr?: number;
  /** DCOM / DCOGD start from heavy ball with this β (DCOM default 0.9, DCOGD default 0: plain GD). */
  momentum?: number;
  eps?: number;
  /** Standard deviation of seeded Gaussian noise added to every learned array (default 0). */
  noise?: number;
}

/** Dense matrices of a θ: P, chol(P), and the linear-term matrices (absent = zero; W_g absent = I). */
export interface Materialized {
  n: number;
  P: Float64Array;
  cholP: Float64Array;
  Wg?: Float64Array;
  Wd?: Float64Array;
  Wx?: Float64Array;
  c?: Float64Array;
}

/** Names of θ's arrays in their fixed order (flattening for the meta-optimizer, checkpoints). */
export function paramNames(kind: DcoKind, parameterization: Parameterization): string[] {
  const p = parameterization === 'diagonal' ? 's' : 'L';
  if (kind === 'dcog') return [p];
  if (kind === 'dcom') return [p, 'M'];
  return [p, 'Wg', 'Wd', 'Wx', 'c'];
}

/** The keys `DcoInitOptions` may hold (anything else is UNKNOWN_OPTION). */
export const DCO_INIT_KEYS = optionKeys<DcoInitOptions>({ parameterization: 1, lr: 1, momentum: 1, eps: 1, noise: 1 });

export function initTheta(kind: DcoKind, seed: number, n: number, o: DcoInitOptions = {}): DcoTheta {
  checkOptions(`${kind}.init`, o, DCO_INIT_KEYS);
  if (!Number.isInteger(n) || n < 1) throw new MetaoptimError('INVALID_ARGUMENT', `${kind}.init: n must be a positive integer, got ${n}`);
  const par = o.parameterization ?? 'diagonal';
  if (par !== 'diagonal' && par !== 'full') throw new MetaoptimError('INVALID_ARGUMENT', `${kind}.init: parameterization must be 'diagonal' or 'full'`);
  const lr = checkNumber(kind, 'lr', o.lr ?? 0.1, { min: 0, minExclusive: true });
  const eps = checkNumber(kind, 'eps', o.eps ?? 1e-6, { min: 0, minExclusive: true });
  if (1 / lr <= eps) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${kind}.init: 1/lr must exceed eps`);
  const beta = checkNumber(kind, 'momentum', o.momentum ?? (kind === 'dcom' ? 0.9 : 0), { min: 0 });
  const noise = checkNumber(kind, 'noise', o.noise ?? 0, { min: 0 });
  const diag = par === 'diagonal';
  const mat = (v: number): Float64Array => {
    if (diag) return new Float64Array(n).fill(v);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) m[i * n + i] = v;
    return m;
  };
  const params: Record<string, Float64Array> = {};
  if (diag) params.s = new Float64Array(n).fill(softplusInv(1 / lr - eps));
  else params.L = mat(Math.sqrt(1 / lr - eps));
  if (kind === 'dcom') params.M = mat(beta / lr);
  if (kind === 'dcogd') {
    params.Wg = mat(1);
    params.Wd = mat(-beta / lr);
    params.Wx = mat(0);
    params.c = new Float64Array(n);
  }
  if (noise > 0) {
    const rng = new Rng(seed);
    for (const name of paramNames(kind, par)) {
      const a = params[name]!;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + noise * rng.normal();
    }
  }
  return { kind, n, parameterization: par, eps, params };
}

function dense(a: Float64Array, n: number, diag: boolean): Float64Array {
  if (!diag) return a;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = a[i]!;
  return m;
}

/**
 * Builds the dense matrices (and the Cholesky factor of P) from θ.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import * as dco from 'metaoptim/dco';
 * await ready();
 * const theta = dco.dcog.init(0, 4, { parameterization: 'diagonal', lr: 0.1 });
 * const m = dco.materialize(theta); // P, q's weights as dense f64 arrays
 * console.log(typeof m === 'object'); // true
 * ```
 */
export function materialize(theta: DcoTheta): Materialized {
  const { n, eps, params } = theta;
  const diag = theta.parameterization === 'diagonal';
  const P = new Float64Array(n * n);
  if (diag) for (let i = 0; i < n; i++) P[i * n + i] = softplus(params.s![i]!) + eps;
  else {
    const L = params.L!;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += L[i * n + k]! * L[j * n + k]!;
      P[i * n + j] = s;
      P[j * n + i] = s;
    }
    for (let i = 0; i < n; i++) P[i * n + i] = P[i * n + i]! + eps;
  }
  const m: Materialized = { n, P, cholP: cholP(P, n, theta.kind) };
  if (theta.kind === 'dcom') m.Wd = dense(params.M!, n, diag).map((x) => -x);
  if (theta.kind === 'dcogd') {
    m.Wg = dense(params.Wg!, n, diag);
    m.Wd = dense(params.Wd!, n, diag);
    m.Wx = dense(params.Wx!, n, diag);
    m.c = params.c!;
  }
  return m;
}

/** Dense gradients w.r.t. the materialized matrices (absent when the matrix is not learned). */
export interface DenseGrads {
  P: Float64Array;
  Wg?: Float64Array;
  Wd?: Float64Array;
  Wx?: Float64Array;
  c?: Float64Array;
}

export function zeroDenseGrads(theta: DcoTheta): DenseGrads {
  const nn = theta.n * theta.n;
  const g: DenseGrads = { P: new Float64Array(nn) };
  if (theta.kind !== 'dcog') g.Wd = new Float64Array(nn);
  if (theta.kind === 'dcogd') {
    g.Wg = new Float64Array(nn);
    g.Wx = new Float64Array(nn);
    g.c = new Float64Array(theta.n);
  }
  return g;
}

/**
 * Chain rule from dense matrix gradients to θ's arrays: diagonal P: ∂/∂s_i = G_ii·σ(s_i);
 * full P: ∂/∂L = (G + Gᵀ)L (SPEC B.3.2); DCOM M = −W_d; diagonal matrices keep G_ii.
 */
export function paramGrads(theta: DcoTheta, g: DenseGrads): Record<string, Float64Array> {
  const { n, params } = theta;
  const diag = theta.parameterization === 'diagonal';
  const out: Record<string, Float64Array> = {};
  if (diag) out.s = Float64Array.from({ length: n }, (_, i) => g.P[i * n + i]! * sigmoid(params.s![i]!));
  else {
    const L = params.L!;
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = g.P[i * n + j]! + g.P[j * n + i]!;
    const dL = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
      const sik = S[i * n + k]!;
      if (sik === 0) continue;
      for (let j = 0; j < n; j++) dL[i * n + j] = dL[i * n + j]! + sik * L[k * n + j]!;
    }
    out.L = dL;
  }
  const pick = (G: Float64Array, sign = 1): Float64Array =>
    diag ? Float64Array.from({ length: n }, (_, i) => sign * G[i * n + i]!) : G.map((x) => sign * x);
  if (theta.kind === 'dcom') out.M = pick(g.Wd!, -1);
  if (theta.kind === 'dcogd') {
    out.Wg = pick(g.Wg!);
    out.Wd = pick(g.Wd!);
    out.Wx = pick(g.Wx!);
    out.c = g.c!.slice();
  }
  return out;
}

/** A deep copy of θ. */
export function cloneTheta(t: DcoTheta): DcoTheta {
  const params: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(t.params)) params[k] = v.slice();
  return { ...t, params };
}


/**
 * chol(P), with the linear-algebra error mapped to the DCO boundary's code: P = … + εI is
 * positive definite in exact arithmetic, so a failing pivot means ε is too small for the
 * scale of θ — QP_NOT_PD (details `{ pivot, index }`, as for the QP layer), "raise eps".
 */
function cholP(P: Float64Array, n: number, kind: DcoKind): Float64Array {
  try {
    return cholesky(P, n);
  } catch (e) {
    if (e instanceof MetaoptimError && e.code === 'NOT_POSITIVE_DEFINITE') {
      throw new MetaoptimError('QP_NOT_PD', `${kind}: P is not positive definite (pivot ${String(e.details?.pivot)} at ${String(e.details?.index)}); raise eps`, { ...e.details });
    }
    throw e;
  }
}

/** log(1 + eˣ), stable. */
export function softplus(x: number): number {
  return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
}

/** The inverse of softplus: y > 0 ↦ log(eʸ − 1). */
export function softplusInv(y: number): number {
  return y > 30 ? y : Math.log(Math.expm1(y));
}

/** σ(x) = 1/(1 + e⁻ˣ), the derivative of softplus. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
