import { MetaoptimError, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { symmetricEigen, tryLuSolve } from '../core/linalg.js';
import { trustRegionStep } from './trust-region.js';
import { formatVector } from './serialize.js';
import type { ProposalReply, ProposalRequest, Proposer, TrajectoryPoint } from './types.js';

/**
 * The embedded default proposer (no network) — a [derived] design of metaoptim standing in
 * for the LLM of SPEC A.3. It fits two models to the recorded trajectory (exact float32
 * values, never the rounded prompt) and proposes, in this order:
 *
 * 1. Local quadratic (from the scored candidates and the last `window` gradient iterates):
 *    centered PCA μ = mean, Xc = X − μ, top-d directions uᵢ = Xcᵀvᵢ/√λᵢ from the p×p Gram
 *    matrix XcXcᵀ = VΛVᵀ (a small Jacobi eigen-solve), d ≤ `directions` and reduced until the
 *    1 + d + d(d+1)/2 coefficients fit the point count; normalized coordinates
 *    wᵢ = uᵢᵀ(x − μ)/sᵢ, sᵢ = √(λᵢ/p); f(w) ≈ c + gᵀw + ½wᵀHw fitted by least squares to the
 *    losses and, where recorded, the projected gradients ∂f/∂wᵢ = sᵢ·uᵢᵀ∇f (gradient-enhanced:
 *    one GD trajectory lies near a curve, and values alone identify a quadratic badly); rows
 *    scaled to unit norm, normal equations with a 10⁻¹² relative ridge. Proposal: the
 *    trust-region step from the best point, in physical units along the directions, radius
 *    `trust`·max‖xⱼ − x_b‖ — the model minimizer when H ≻ 0 and it lies inside, else the
 *    boundary solution (trust-region.ts).
 * 2. Funnel model (from the "landscape points": scored candidates, scored current iterates
 *    and the last iterate of each round — local minima when candidates are polished), once
 *    there are ≥ 5: an isotropic quadratic c + gᵀz + ½h‖z‖² in the top min(n, L − 3)
 *    principal directions of those points; proposal −g/h when h > 0 (limited to `trust`
 *    times their spread around the best). It captures a global trend across basins (the
 *    bowl of Rastrigin, the cone of Ackley); an isotropic model suits radially symmetric
 *    funnels best — see docs/restarts.md for what that means for the benchmarks.
 * 3. Exploratory points: the best point so far + N(0, σ²I), σ = `explore` × the per-coordinate
 *    RMS distance gradient descent travelled in the first round (a basin-hopping scale
 *    learned from the trajectory).
 *
 * Written in the bracketed protocol at full float32 precision; deterministic given the
 * request's seed. The proposer is stateless across calls.
 */
export interface SurrogateOptions {
  /** Principal directions of the model (default 3). */
  directions?: number;
  /** Most recent recorded points used for the fit (default 60). */
  window?: number;
  /** Trust radius factor (default 10). */
  trust?: number;
  /** Exploration scale relative to the first round's per-coordinate travel (default 2). */
  explore?: number;
  /** Use the funnel model (step 2; default true). `false` is the ablation without it. */
  funnel?: boolean;
}

/** What the surrogate did for the last request (for tests and reports). */
export interface SurrogateFit {
  /** Directions of the local quadratic (0 when it could not be fitted). */
  directions: number;
  /** Points of the local fit. */
  points: number;
  convex: boolean;
  newton: boolean;
  /** Landscape points (scored candidates, round-end iterates) and whether the funnel model was usable. */
  funnelPoints: number;
  funnel: boolean;
}

/**
 * The surrogate proposer (see above); unknown option keys throw UNKNOWN_OPTION.
 * @example
 * ```ts
 * import { sgd } from 'metaoptim';
 * import { type RestartOptions, surrogateProposer } from 'metaoptim/restart';
 * const options: RestartOptions = { optimizer: sgd({ lr: 2e-3 }), proposer: surrogateProposer(), rounds: 5, stepsPerRound: 40, finalSteps: 200 };
 * ```
 */
export function surrogateProposer(o: SurrogateOptions = {}): Proposer & { lastFit?: SurrogateFit } {
  checkOptions('surrogateProposer', o, ['directions', 'window', 'trust', 'explore', 'funnel']);
  const maxDir = o.directions ?? 3;
  const window = o.window ?? 60;
  const trust = o.trust ?? 10;
  const explore = o.explore ?? 2;
  const useFunnel = o.funnel ?? true;
  if (!Number.isInteger(maxDir) || maxDir < 1) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: directions must be a positive integer');
  if (!Number.isInteger(window) || window < 3) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: window must be an integer ≥ 3');
  if (!(trust > 0) || !(explore >= 0)) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: trust must be > 0 and explore ≥ 0');
  const proposer: Proposer & { lastFit?: SurrogateFit } = {
    name: 'surrogate',
    async propose(req: ProposalRequest): Promise<ProposalReply> {
      const n = req.dim;
      const rng = new Rng(req.seed);
      const finite = req.trajectory.filter((p) => Number.isFinite(p.loss));
      const out: Float32Array[] = [];
      // Local model: recent gradient iterates plus scored candidates.
      const pts = distinct([...finite.filter((p) => p.kind === 'candidate'), ...finite.filter((p) => p.kind === 'gd').slice(-window)]).slice(-window);
      const fit = pts.length >= 3 ? fitStep(pts, argmin(pts), n, maxDir, trust) : undefined;
      // Landscape points: scored candidates and the last iterate of every round.
      const land = distinct(landscape(finite));
      const funnel = useFunnel && land.length >= 5 ? fitFunnel(land, argmin(land), n, trust) : undefined;
      proposer.lastFit = {
        directions: fit?.d ?? 0,
        points: pts.length,
        convex: fit?.convex ?? false,
        newton: fit?.newton ?? false,
        funnelPoints: land.length,
        funnel: funnel !== undefined,
      };
      if (fit) out.push(Float32Array.from(fit.x));
      if (funnel) out.push(Float32Array.from(funnel));
      const all = distinct(finite);
      const xb = all.length > 0 ? all[argmin(all)]!.params : req.current;
      let sigma = explore * roundStep(finite, n);
      if (!(sigma > 0)) sigma = explore * 0.1 * (1 + rms(xb));
      while (out.length < req.k) {
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) v[i] = xb[i]! + sigma * rng.normal();
        out.push(v);
      }
      return { text: out.slice(0, req.k).map((v) => formatVector(v)).join('\n') };
    },
  };
  return proposer;
}

function argmin(points: readonly TrajectoryPoint[]): number {
  let b = 0;
  for (let i = 1; i < points.length; i++) if (points[i]!.loss < points[b]!.loss) b = i;
  return b;
}

/** Scored points (candidates, and current iterates scored by 'bestOrCurrent') and the last gradient iterate of every round. */
function landscape(points: readonly TrajectoryPoint[]): TrajectoryPoint[] {
  const lastOfRound = new Map<number, TrajectoryPoint>();
  const out: TrajectoryPoint[] = [];
  for (const p of points) {
    if (p.kind === 'candidate' || p.grad === undefined) out.push(p);
    else lastOfRound.set(p.round, p);
  }
  return [...out, ...lastOfRound.values()];
}

/** Per-coordinate RMS of the distance gradient descent travelled in the first round. */
function roundStep(points: readonly TrajectoryPoint[], n: number): number {
  const first = points.find((p) => p.kind === 'gd' && p.grad !== undefined);
  if (!first) return 0;
  let last = first;
  for (const p of points) if (p.kind === 'gd' && p.grad !== undefined && p.round === first.round) last = p;
  let s = 0;
  for (let i = 0; i < n; i++) s += (last.params[i]! - first.params[i]!) ** 2;
  return Math.sqrt(s / n);
}

/**
 * Isotropic quadratic ("funnel") over landscape points: in the top d = min(n, rank, L − 3)
 * principal directions of the points (physical units), f ≈ c + gᵀz + ½h‖z‖² by least
 * squares; its minimizer −g/h when h > 0, limited to `trust`·max‖zⱼ − z_b‖ from the best
 * point, mapped back as x_b + U(z* − z_b). Undefined when h ≤ 0 or nothing is spanned.
 */
export function fitFunnel(pts: readonly TrajectoryPoint[], bestIdx: number, n: number, trust: number): Float64Array | undefined {
  const basis = principal(pts, n, Math.min(n, pts.length - 3), 1e-12);
  if (!basis) return undefined;
  const { d, z, u } = basis;
  const p = pts.length;
  const q = d + 2;
  const ata = new Float64Array(q * q);
  const aty = new Float64Array(q);
  const row = new Float64Array(q);
  for (let j = 0; j < p; j++) {
    row[0] = 1;
    let r2 = 0;
    for (let i = 0; i < d; i++) {
      row[1 + i] = z[j * d + i]!;
      r2 += z[j * d + i]! ** 2;
    }
    row[q - 1] = 0.5 * r2;
    for (let a = 0; a < q; a++) {
      aty[a] = aty[a]! + row[a]! * pts[j]!.loss;
      for (let b = 0; b < q; b++) ata[a * q + b] = ata[a * q + b]! + row[a]! * row[b]!;
    }
  }
  let tr = 0;
  for (let a = 0; a < q; a++) tr += ata[a * q + a]!;
  for (let a = 0; a < q; a++) ata[a * q + a] = ata[a * q + a]! + 1e-12 * (tr / q);
  const theta = tryLuSolve(ata, aty, q);
  if (!theta || !(theta[q - 1]! > 0)) return undefined;
  const h = theta[q - 1]!;
  const zb = z.subarray(bestIdx * d, bestIdx * d + d);
  const step = new Float64Array(d);
  let len = 0;
  let reach = 0;
  for (let i = 0; i < d; i++) {
    step[i] = -theta[1 + i]! / h - zb[i]!;
    len += step[i]! ** 2;
  }
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (z[j * d + i]! - zb[i]!) ** 2;
    reach = Math.max(reach, s);
  }
  len = Math.sqrt(len);
  const limit = trust * Math.sqrt(reach);
  const f = len > limit ? limit / len : 1;
  const x = Float64Array.from(pts[bestIdx]!.params);
  for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) x[k] = x[k]! + f * step[i]! * u[i * n + k]!;
  return x.every(Number.isFinite) ? x : undefined;
}

/**
 * Centered PCA of the points through their Gram matrix: up to `maxDir` unit directions u
 * (rows of `u`, d×n), the coordinates z (p×d, physical units) and the eigenvalues; directions
 * with λ ≤ rel·λ₁ are dropped. Undefined when none is left.
 */
function principal(pts: readonly TrajectoryPoint[], n: number, maxDir: number, rel: number) {
  const p = pts.length;
  if (p < 2 || maxDir < 1) return undefined;
  const mu = new Float64Array(n);
  for (const q of pts) for (let i = 0; i < n; i++) mu[i] = mu[i]! + q.params[i]! / p;
  const xc = new Float64Array(p * n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) xc[j * n + i] = pts[j]!.params[i]! - mu[i]!;
  const gram = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xc[a * n + i]! * xc[b * n + i]!;
      gram[a * p + b] = s;
      gram[b * p + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(gram, p);
  let d = 0;
  while (d < Math.min(maxDir, n, p) && values[d]! > rel * Math.max(values[0]!, 1e-300) && values[d]! > 1e-24) d++;
  if (d === 0) return undefined;
  const z = new Float64Array(p * d);
  const u = new Float64Array(d * n);
  for (let i = 0; i < d; i++) {
    const sl = Math.sqrt(values[i]!);
    for (let j = 0; j < p; j++) {
      z[j * d + i] = sl * vectors[j * p + i]!;
      const vj = vectors[j * p + i]! / sl;
      if (vj !== 0) for (let k = 0; k < n; k++) u[i * n + k] = u[i * n + k]! + vj * xc[j * n + k]!;
    }
  }
  return { d, z, u, values };
}

function distinct(points: TrajectoryPoint[]): TrajectoryPoint[] {
  const seen = new Map<string, number>();
  const out: TrajectoryPoint[] = [];
  for (const p of points) {
    const key = Array.prototype.join.call(p.params, ',');
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, out.length);
      out.push(p);
    } else if (p.loss < out[at]!.loss) out[at] = p;
  }
  return out;
}

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** The local quadratic of step 1 (module comment); undefined when the points span no direction. */
export function fitStep(
  pts: readonly TrajectoryPoint[],
  bestIdx: number,
  n: number,
  maxDir: number,
  trust: number,
): { x: Float64Array; d: number; convex: boolean; newton: boolean } | undefined {
  const p = pts.length;
  let dMax = Math.min(maxDir, n, p);
  while (dMax > 0 && 1 + dMax + (dMax * (dMax + 1)) / 2 > p) dMax--;
  const basis = principal(pts, n, dMax, 1e-8);
  if (!basis) return undefined;
  const { d, z, u, values } = basis;
  // Normalized coordinates wᵢ = zᵢ/scᵢ with scᵢ = √(λᵢ/p) (unit RMS along every direction).
  const sc = new Float64Array(d);
  const w = new Float64Array(p * d);
  for (let i = 0; i < d; i++) {
    sc[i] = Math.sqrt(values[i]! / p);
    for (let j = 0; j < p; j++) w[j * d + i] = z[j * d + i]! / sc[i]!;
  }
  // Least squares for c, g, and the upper triangle of H: one equation per loss value and,
  // for points with a recorded gradient, d more (model gradient g + H·w = projected gradient
  // ∂f/∂wᵢ = scᵢ·uᵢᵀ∇f), each row scaled to unit norm so both kinds weigh alike.
  const q = 1 + d + (d * (d + 1)) / 2;
  const ata = new Float64Array(q * q);
  const aty = new Float64Array(q);
  const row = new Float64Array(q);
  const addRow = (y: number) => {
    let nr = 0;
    for (let a = 0; a < q; a++) nr += row[a]! * row[a]!;
    const s = nr > 0 ? 1 / Math.sqrt(nr) : 0;
    for (let a = 0; a < q; a++) {
      aty[a] = aty[a]! + row[a]! * s * y * s;
      for (let b = 0; b < q; b++) ata[a * q + b] = ata[a * q + b]! + row[a]! * s * row[b]! * s;
    }
  };
  for (let j = 0; j < p; j++) {
    const wj = w.subarray(j * d, j * d + d);
    features(wj, d, row);
    addRow(pts[j]!.loss);
    const grad = pts[j]!.grad;
    if (!grad || grad.length !== n || !grad.every(Number.isFinite)) continue;
    for (let i = 0; i < d; i++) {
      let gi = 0;
      for (let k = 0; k < n; k++) gi += u[i * n + k]! * grad[k]!;
      gi *= sc[i]!;
      // ∂/∂wᵢ of [1, w, wₐw_b (a ≤ b)]: 0, eᵢ, and wₐ·[b = i] + w_b·[a = i].
      row.fill(0);
      row[1 + i] = 1;
      let idx = 1 + d;
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          row[idx++] = (b === i ? wj[a]! : 0) + (a === i ? wj[b]! : 0);
        }
      }
      addRow(gi);
    }
  }
  let tr = 0;
  for (let a = 0; a < q; a++) tr += ata[a * q + a]!;
  for (let a = 0; a < q; a++) ata[a * q + a] = ata[a * q + a]! + 1e-12 * (tr / q);
  const theta = tryLuSolve(ata, aty, q);
  if (!theta) return undefined;
  const g = new Float64Array(d);
  const h = new Float64Array(d * d);
  for (let i = 0; i < d; i++) g[i] = theta[1 + i]!;
  let idx = 1 + d;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const c = theta[idx++]!;
      if (a === b) h[a * d + a] = 2 * c;
      else {
        h[a * d + b] = c;
        h[b * d + a] = c;
      }
    }
  }
  const wb = w.subarray(bestIdx * d, bestIdx * d + d);
  const gb = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = g[a]!;
    for (let b = 0; b < d; b++) s += h[a * d + b]! * wb[b]!;
    gb[a] = s;
  }
  // The trust region lives in physical units along the directions (z = sc ⊙ w), so a direction
  // the points barely explored does not shrink it.
  const gz = new Float64Array(d);
  const hz = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    gz[a] = gb[a]! / sc[a]!;
    for (let b = 0; b < d; b++) hz[a * d + b] = h[a * d + b]! / (sc[a]! * sc[b]!);
  }
  let reach = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += ((w[j * d + i]! - wb[i]!) * sc[i]!) ** 2;
    reach = Math.max(reach, Math.sqrt(s));
  }
  const { step, newton } = trustRegionStep(gz, hz, d, trust * reach);
  const convex = symmetricEigen(h, d, { vectors: false }).values[d - 1]! > 0;
  // x = x_b + Σᵢ zᵢ·uᵢ.
  const x = Float64Array.from(pts[bestIdx]!.params);
  for (let i = 0; i < d; i++) {
    const zi = step[i]!;
    if (zi === 0) continue;
    for (let k = 0; k < n; k++) x[k] = x[k]! + zi * u[i * n + k]!;
  }
  if (!x.every(Number.isFinite)) return undefined;
  return { x, d, convex, newton };
}

function features(w: Float64Array, d: number, out: Float64Array): void {
  out[0] = 1;
  for (let i = 0; i < d; i++) out[1 + i] = w[i]!;
  let idx = 1 + d;
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) out[idx++] = w[a]! * w[b]!;
}
