import { MetaoptimError, checkNumber, checkOptions } from '../../core/errors.js';
import { symmetricEigen, tryLuSolve } from '../../core/linalg.js';
import { Rng } from '../../core/rng.js';
import { type BilevelProblem, defineProblem } from '../problem.js';

/**
 * Jointly quadratic bilevel problems with closed-form solutions and closed-form fixed points
 * of every method (x ∈ ℝⁿ, y ∈ ℝᵐ, matrices dense row-major f64):
 *
 *   g(x, y) = ½yᵀAy − yᵀ(Bx + c) + ½xᵀGx + g_pᵀx + g₀            (A ≻ 0: y*(x) = A⁻¹(Bx + c) = Mx + m₀)
 *   f(x, y) = ½xᵀPx + pᵀx + ½yᵀQy + yᵀRx + qᵀy + f₀
 *
 * Predicted points (derivations in docs/bilevel.md):
 * - bilevel solution: ∇F(x) = 0 with F(x) = f(x, Mx + m₀):
 *     (P + RᵀM + MᵀR + MᵀQM)·x = −(p + Rᵀm₀ + MᵀQm₀ + Mᵀq)
 * - PBGD-Free fixed point at γ (y = y_γ(x), ∇ₓf(x, y) = 0):
 *     [ P           Rᵀ      ] [x]   [ −p        ]
 *     [ R/γ − B     A + Q/γ ] [y] = [ c − q/γ   ]
 * - PBGD / F2SA fixed point at γ (= λ_max): z = y*(x), y = y_γ(x) and
 *     (P + γBᵀM)·x + (Rᵀ − γBᵀ)·y = −p − γBᵀm₀   (with the same second row)
 * These are the unconstrained stationary points; they are the methods' limits when the
 * iteration is stable (step sizes small enough, F and the penalty objective convex here).
 */
export interface QuadraticCoefficients {
  n: number;
  m: number;
  A: Float64Array; B: Float64Array; c: Float64Array; G: Float64Array; gp: Float64Array; g0: number;
  P: Float64Array; p: Float64Array; Q: Float64Array; R: Float64Array; q: Float64Array; f0: number;
}

export interface QuadraticProblem extends BilevelProblem {
  readonly coefficients: QuadraticCoefficients;
  /** Bilevel solution x*, y*(x*) and F(x*). */
  solution(): { x: Float64Array; y: Float64Array; F: number };
  /** PBGD-Free's fixed point for penalty γ. */
  pbgdFreeFixedPoint(gamma: number): { x: Float64Array; y: Float64Array };
  /** PBGD's / F2SA's fixed point for (final) penalty γ. */
  penaltyFixedPoint(gamma: number): { x: Float64Array; y: Float64Array; z: Float64Array };
  /** Largest eigenvalues of ∇²_yy g (= A) and of the joint Hessian of f, smallest of A (for step sizes). */
  curvature: { Lg: number; muG: number; Lf: number };
  /** Whether ∇_y f(x, y*(x)) ≡ 0 (PBGD-Free exact). */
  flat: boolean;
}

/** Builds a quadratic bilevel problem from its coefficients (validated: shapes, finiteness, A ≻ 0). */
export function quadraticProblem(name: string, co: QuadraticCoefficients, opts: { flat?: boolean; description?: string; x0?: number[]; y0?: number[] } = {}): QuadraticProblem {
  checkOptions('quadraticProblem', opts, ['flat', 'description', 'x0', 'y0']);
  const { n, m } = co;
  const want: [keyof QuadraticCoefficients, number][] = [['A', m * m], ['B', m * n], ['c', m], ['G', n * n], ['gp', n], ['P', n * n], ['p', n], ['Q', m * m], ['R', m * n], ['q', m]];
  for (const [k, len] of want) {
    const v = co[k] as Float64Array;
    if (!(v instanceof Float64Array) || v.length !== len) throw new MetaoptimError('BILEVEL_SHAPE', `${name}: coefficient ${k} must be a Float64Array of length ${len}`);
    for (const e of v) if (!Number.isFinite(e)) throw new MetaoptimError('BILEVEL_NON_FINITE', `${name}: coefficient ${k} holds ${e}`);
  }
  const { A, B, c, G, gp, P, p, Q, R, q } = co;
  const chol = eigMinMax(A, m);
  if (!(chol.min > 0)) throw new MetaoptimError('BILEVEL_INVALID', `${name}: A must be positive definite (smallest eigenvalue ${chol.min})`);

  const upper = (x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number => {
    // f = ½xᵀPx + pᵀx + ½yᵀQy + yᵀRx + qᵀy + f₀ ;  ∇ₓf = Px + p + Rᵀy ;  ∇_y f = Qy + Rx + q
    let v = co.f0;
    for (let i = 0; i < n; i++) {
      let px = 0, rty = 0;
      for (let j = 0; j < n; j++) px += P[i * n + j]! * x[j]!;
      for (let j = 0; j < m; j++) rty += R[j * n + i]! * y[j]!;
      v += x[i]! * (0.5 * px + p[i]!);
      if (gx) gx[i] = px + p[i]! + rty;
    }
    for (let i = 0; i < m; i++) {
      let qy = 0, rx = 0;
      for (let j = 0; j < m; j++) qy += Q[i * m + j]! * y[j]!;
      for (let j = 0; j < n; j++) rx += R[i * n + j]! * x[j]!;
      v += y[i]! * (0.5 * qy + rx + q[i]!);
      if (gy) gy[i] = qy + rx + q[i]!;
    }
    return v;
  };
  const lower = (x: Float32Array, y: Float32Array, gx: Float32Array | null, gy: Float32Array | null): number => {
    let v = co.g0;
    // ∇_y g = Ay − Bx − c ; ∇ₓg = −Bᵀy + Gx + g_p
    for (let i = 0; i < m; i++) {
      let ay = 0, bx = 0;
      for (let j = 0; j < m; j++) ay += A[i * m + j]! * y[j]!;
      for (let j = 0; j < n; j++) bx += B[i * n + j]! * x[j]!;
      v += y[i]! * (0.5 * ay - bx - c[i]!);
      if (gy) gy[i] = ay - bx - c[i]!;
    }
    for (let i = 0; i < n; i++) {
      let gxv = 0, by = 0;
      for (let j = 0; j < n; j++) gxv += G[i * n + j]! * x[j]!;
      for (let j = 0; j < m; j++) by += B[j * n + i]! * y[j]!;
      v += x[i]! * (0.5 * gxv + gp[i]!);
      if (gx) gx[i] = gxv + gp[i]! - by;
    }
    return v;
  };

  // M = A⁻¹B (m×n), m₀ = A⁻¹c
  const M = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const col = solveLinear(A, Float64Array.from({ length: m }, (_, i) => B[i * n + j]!), m);
    for (let i = 0; i < m; i++) M[i * n + j] = col[i]!;
  }
  const m0 = solveLinear(A, c, m);
  const yStar = (x: ArrayLike<number>, out: { [i: number]: number }): void => {
    for (let i = 0; i < m; i++) {
      let s = m0[i]!;
      for (let j = 0; j < n; j++) s += M[i * n + j]! * x[j]!;
      out[i] = s;
    }
  };
  const F64 = (x: Float64Array): number => {
    const y = new Float64Array(m);
    yStar(x, y);
    return upper(Float32Array.from(x), Float32Array.from(y), null, null);
  };

  const joint = (gamma: number, penalty: boolean): { x: Float64Array; y: Float64Array } => {
    const N = n + m;
    const K = new Float64Array(N * N);
    const rhs = new Float64Array(N);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = P[i * n + j]!;
        if (penalty) for (let l = 0; l < m; l++) s += gamma * B[l * n + i]! * M[l * n + j]!;
        K[i * N + j] = s;
      }
      for (let j = 0; j < m; j++) K[i * N + n + j] = R[j * n + i]! - (penalty ? gamma * B[j * n + i]! : 0);
      let r = -p[i]!;
      if (penalty) for (let l = 0; l < m; l++) r -= gamma * B[l * n + i]! * m0[l]!;
      rhs[i] = r;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) K[(n + i) * N + j] = R[i * n + j]! / gamma - B[i * n + j]!;
      for (let j = 0; j < m; j++) K[(n + i) * N + n + j] = A[i * m + j]! + Q[i * m + j]! / gamma;
      rhs[n + i] = c[i]! - q[i]! / gamma;
    }
    const s = solveLinear(K, rhs, N);
    return { x: s.slice(0, n), y: s.slice(n) };
  };

  const fHess = new Float64Array((n + m) * (n + m));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) fHess[i * (n + m) + j] = P[i * n + j]!;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) fHess[(n + i) * (n + m) + n + j] = Q[i * m + j]!;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    fHess[(n + i) * (n + m) + j] = R[i * n + j]!;
    fHess[j * (n + m) + n + i] = R[i * n + j]!;
  }
  const fe = eigMinMax(fHess, n + m);

  const base = defineProblem({
    name,
    dimX: n,
    dimY: m,
    upper,
    lower,
    description: opts.description ?? `jointly quadratic bilevel problem (n = ${n}, m = ${m})`,
    init: () => ({ x: Float32Array.from(opts.x0 ?? new Array(n).fill(0)), y: Float32Array.from(opts.y0 ?? new Array(m).fill(0)) }),
    lowerSolution: (x, out) => yStar(x, out),
    upperObjective: (x) => F64(Float64Array.from(x)),
  });
  return {
    ...base,
    coefficients: co,
    curvature: { Lg: chol.max, muG: chol.min, Lf: Math.max(Math.abs(fe.max), Math.abs(fe.min)) },
    flat: opts.flat ?? false,
    solution() {
      const H = new Float64Array(n * n);
      const rhs = new Float64Array(n);
      // H = P + RᵀM + MᵀR + MᵀQM ; rhs = −(p + Rᵀm₀ + MᵀQm₀ + Mᵀq)
      const QM = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < m; l++) s += Q[i * m + l]! * M[l * n + j]!;
        QM[i * n + j] = s;
      }
      const Qm0 = new Float64Array(m);
      for (let i = 0; i < m; i++) for (let l = 0; l < m; l++) Qm0[i]! += Q[i * m + l]! * m0[l]!;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = P[i * n + j]!;
          for (let l = 0; l < m; l++) s += R[l * n + i]! * M[l * n + j]! + M[l * n + i]! * R[l * n + j]! + M[l * n + i]! * QM[l * n + j]!;
          H[i * n + j] = s;
        }
        let r = p[i]!;
        for (let l = 0; l < m; l++) r += R[l * n + i]! * m0[l]! + M[l * n + i]! * (Qm0[l]! + q[l]!);
        rhs[i] = -r;
      }
      const x = solveLinear(H, rhs, n);
      const y = new Float64Array(m);
      yStar(x, y);
      return { x, y, F: F64(x) };
    },
    pbgdFreeFixedPoint(gamma) {
      checkNumber(name, 'gamma', gamma, { min: 0, minExclusive: true });
      return joint(gamma, false);
    },
    penaltyFixedPoint(gamma) {
      checkNumber(name, 'gamma', gamma, { min: 0, minExclusive: true });
      const { x, y } = joint(gamma, true);
      const z = new Float64Array(m);
      yStar(x, z);
      return { x, y, z };
    },
  };
}

/** Extreme eigenvalues of the symmetric part of S (core `symmetricEigen`, Jacobi). */
function eigMinMax(S: Float64Array, n: number): { min: number; max: number } {
  const a = Float64Array.from(S);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  const { values } = symmetricEigen(a, n, { vectors: false });
  return { min: values[n - 1]!, max: values[0]! };
}

/**
 * Solves K·x = b (dense row-major N×N, f64) for the closed-form predictions, by core
 * `tryLuSolve` (partial pivoting; a pivot ≤ 1e-13·max|K| counts as singular). A singular
 * system means the problem's definition admits no unique prediction: BILEVEL_INVALID.
 */
function solveLinear(K: Float64Array, b: Float64Array, N: number): Float64Array {
  const x = tryLuSolve(K, b, N, 1e-13);
  if (x === undefined) throw new MetaoptimError('BILEVEL_INVALID', 'singular linear system in a closed-form prediction');
  return x;
}

const zeros = (k: number) => new Float64Array(k);
const arr = (...v: number[]) => Float64Array.from(v);

/**
 * The flat 1-D problem of SPEC's checks: g = ½(y − x)², f = ½(x − 1)² + ½(y − x)².
 * y*(x) = x, F(x) = ½(x − 1)², x* = 1. ∇_y f(x, y*(x)) = 0, so y_γ = y* and every method,
 * PBGD-Free included, has the fixed point x = y = 1 for any γ > 0.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { flatQuadratic1d, pbgdFree } from 'metaoptim/bilevel';
 * await ready();
 * const r = await pbgdFree(flatQuadratic1d(), { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
 * console.log(r.x[0]!.toFixed(4)); // 1.0000
 * ```
 */
export function flatQuadratic1d(): QuadraticProblem {
  return quadraticProblem('flat-1d', {
    n: 1, m: 1, A: arr(1), B: arr(1), c: zeros(1), G: arr(1), gp: zeros(1), g0: 0,
    P: arr(2), p: arr(-1), Q: arr(1), R: arr(-1), q: zeros(1), f0: 0.5,
  }, { flat: true, description: 'g = ½(y − x)², f = ½(x − 1)² + ½(y − x)²: flat at y*(x) = x; x* = y* = 1' });
}

/** General 1-D coefficients (g = ½a·y² − y(b·x + c), f = ½P·x² + p·x + ½Q·y² + R·x·y + q·y + f₀). */
export interface Quadratic1dOptions { a?: number; b?: number; c?: number; P?: number; p?: number; Q?: number; R?: number; q?: number; f0?: number }

/**
 * The general 1-D quadratic. Defaults give the NON-flat problem
 *   g = ½(y − x)²,  f = ½(x − 1)² + ½(x + y)²
 * with x* = 1/5 (F = ½(x−1)² + 2x²), PBGD-Free fixed point x(γ) = (γ + 1)/(3γ + 1) → 1/3
 * (biased for every γ) and PBGD/F2SA fixed point x(γ) = (γ + 1)/(5γ + 1) → 1/5.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { pbgdFree, quadratic1d } from 'metaoptim/bilevel';
 * await ready();
 * const r = await pbgdFree(quadratic1d(), { iterations: 2000 }); // not flat: PBGD-Free is biased here
 * console.log(Number.isFinite(r.x[0]!)); // true
 * ```
 */
export function quadratic1d(o: Quadratic1dOptions = {}): QuadraticProblem {
  checkOptions('quadratic1d', o, ['a', 'b', 'c', 'P', 'p', 'Q', 'R', 'q', 'f0']);
  const a = o.a ?? 1, b = o.b ?? 1;
  const G = (b * b) / a; // makes g(x, y*(x)) = const when c = 0 (any G works: x-only terms cancel)
  return quadraticProblem('quadratic-1d', {
    n: 1, m: 1, A: arr(a), B: arr(b), c: arr(o.c ?? 0), G: arr(G), gp: zeros(1), g0: 0,
    P: arr(o.P ?? 2), p: arr(o.p ?? -1), Q: arr(o.Q ?? 1), R: arr(o.R ?? 1), q: arr(o.q ?? 0), f0: o.f0 ?? 0.5,
  }, { description: 'general 1-D quadratic; default g = ½(y − x)², f = ½(x − 1)² + ½(x + y)² (not flat): x* = 1/5, PBGD-Free → (γ+1)/(3γ+1)' });
}

function randn(rng: Rng, k: number, scale: number): Float64Array {
  return Float64Array.from({ length: k }, () => scale * rng.normal());
}

/** AᵀB/N for row-major A (N×a) and B (N×b). */
function gram(Am: Float64Array, Bm: Float64Array, N: number, a: number, b: number): Float64Array {
  const out = new Float64Array(a * b);
  for (let r = 0; r < N; r++) for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[i * b + j]! += (Am[r * a + i]! * Bm[r * b + j]!) / N;
  return out;
}

/**
 * A vector flat family: random SPD A and B, g = ½yᵀAy − yᵀBx, and
 * f = ½‖x − x̄‖²_{P₀} + ½(y − y*(x))ᵀH(y − y*(x)). x* = x̄ and, since ∇_y f(x, y*(x)) = 0,
 * PBGD-Free, PBGD and F2SA all have the fixed point (x̄, y*(x̄)) for every γ.
 * @example
 * ```ts
 * import { ready } from 'metaoptim';
 * import { flatQuadratic, pbgdFree } from 'metaoptim/bilevel';
 * await ready();
 * const r = await pbgdFree(flatQuadratic({ n: 4, m: 3, seed: 1 }), { iterations: 2000 });
 * console.log(r.x.length); // 4
 * ```
 */
export function flatQuadratic(opts: { n?: number; m?: number; seed?: number } = {}): QuadraticProblem {
  checkOptions('flatQuadratic', opts, ['n', 'm', 'seed']);
  const n = opts.n ?? 4, m = opts.m ?? 6;
  const rng = new Rng(opts.seed ?? 0);
  // Well-conditioned on purpose (eigenvalues of A and H within about [0.75, 2.75]) so that f32
  // iterates can reach the fixed point to ~1e-6 with moderate steps.
  const Z = randn(rng, 4 * m * m, 1);
  const A = gram(Z, Z, 4 * m, m, m);
  for (let i = 0; i < m; i++) A[i * m + i]! += 0.5;
  const B = randn(rng, m * n, 0.5);
  const Zh = randn(rng, 4 * m * m, 1);
  const H = gram(Zh, Zh, 4 * m, m, m);
  for (let i = 0; i < m; i++) H[i * m + i]! += 0.5;
  const P0 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) P0[i * n + i] = 0.5 + rng.uniform();
  const xbar = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
  const M = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const col = solveLinear(A, Float64Array.from({ length: m }, (_, i) => B[i * n + j]!), m);
    for (let i = 0; i < m; i++) M[i * n + j] = col[i]!;
  }
  // f = ½(x−x̄)ᵀP₀(x−x̄) + ½(y − Mx)ᵀH(y − Mx): Q = H, R = −HM, P = P₀ + MᵀHM, p = −P₀x̄, f₀ = ½x̄ᵀP₀x̄
  const R = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < m; l++) R[i * n + j]! -= H[i * m + l]! * M[l * n + j]!;
  const P = Float64Array.from(P0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < m; l++) P[i * n + j]! -= M[l * n + i]! * R[l * n + j]!;
  const p = new Float64Array(n);
  let f0 = 0;
  for (let i = 0; i < n; i++) {
    p[i] = -P0[i * n + i]! * xbar[i]!;
    f0 += 0.5 * P0[i * n + i]! * xbar[i]! ** 2;
  }
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < m; l++) G[i * n + j]! += B[l * n + i]! * M[l * n + j]!;
  return quadraticProblem(`flat-quadratic-${n}x${m}`, {
    n, m, A, B, c: zeros(m), G, gp: zeros(n), g0: 0, P, p, Q: H, R, q: zeros(m), f0,
  }, { flat: true, description: `vector flat quadratic (n = ${n}, m = ${m}, seed ${opts.seed ?? 0}): f = ½‖x − x̄‖²_P₀ + ½‖y − y*(x)‖²_H` });
}

/**
 * The vector ridge problem (not flat): the LL is ridge regression on training data whose
 * targets are shifted by a learned linear correction Ψx, the UL the validation residual with
 * the same correction plus a small penalty on x:
 *   g(x, y) = (1/2N)‖Φy − t − Ψx‖² + (ρ/2)‖y‖²
 *   f(x, y) = (1/2N_v)‖Φ_v y − t_v − Ψ_v x‖² + (μ/2)‖x‖²
 * All matrices standard normal (seeded); t = Φw + noise with a common w, so the UL target is
 * related but not equal to the LL one.
 */
export function ridgeQuadratic(opts: { n?: number; m?: number; rows?: number; rho?: number; mu?: number; seed?: number } = {}): QuadraticProblem {
  checkOptions('ridgeQuadratic', opts, ['n', 'm', 'rows', 'rho', 'mu', 'seed']);
  const n = opts.n ?? 3, m = opts.m ?? 8, N = opts.rows ?? 40;
  const rho = opts.rho ?? 0.1, mu = opts.mu ?? 0.1;
  const rng = new Rng(opts.seed ?? 0);
  const w = randn(rng, m, 1);
  const make = () => {
    const Phi = randn(rng, N * m, 1), Psi = randn(rng, N * n, 1);
    const t = Float64Array.from({ length: N }, (_, r) => {
      let s = 0;
      for (let j = 0; j < m; j++) s += Phi[r * m + j]! * w[j]!;
      return s + 0.5 * rng.normal();
    });
    return { Phi, Psi, t };
  };
  const tr = make(), va = make();
  const A = gram(tr.Phi, tr.Phi, N, m, m);
  for (let i = 0; i < m; i++) A[i * m + i]! += rho;
  const B = gram(tr.Phi, tr.Psi, N, m, n);
  const c = gram(tr.Phi, tr.t, N, m, 1);
  const G = gram(tr.Psi, tr.Psi, N, n, n);
  const gp = gram(tr.Psi, tr.t, N, n, 1);
  const g0 = tr.t.reduce((s, v) => s + v * v, 0) / (2 * N);
  const Q = gram(va.Phi, va.Phi, N, m, m);
  const R = gram(va.Phi, va.Psi, N, m, n).map((v) => -v);
  const q = gram(va.Phi, va.t, N, m, 1).map((v) => -v);
  const P = gram(va.Psi, va.Psi, N, n, n);
  for (let i = 0; i < n; i++) P[i * n + i]! += mu;
  const p = gram(va.Psi, va.t, N, n, 1);
  const f0 = va.t.reduce((s, v) => s + v * v, 0) / (2 * N);
  return quadraticProblem(`ridge-${n}x${m}`, { n, m, A, B, c, G, gp, g0, P, p, Q, R, q, f0 }, {
    description: `vector ridge (n = ${n}, m = ${m}, ${N} rows per level, ρ = ${rho}, μ = ${mu}, seed ${opts.seed ?? 0}): LL ridge regression with targets shifted by Ψx, UL validation residual`,
  });
}
