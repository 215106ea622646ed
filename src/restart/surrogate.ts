import { MetaoptimError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { solve, symmetricEigen, trustRegionStep } from './linalg.js';
import { formatVector } from './serialize.js';
import type { ProposalReply, ProposalRequest, Proposer, TrajectoryPoint } from './types.js';

/**
 * The embedded default proposer (no network) — a [derived] design of metaoptim standing in
 * for the LLM of SPEC A.3. From the last `window` recorded points (iterates and scored
 * candidates, exact float32 values):
 *
 * 1. Centered PCA: μ = mean, Xc = X − μ; the top-d directions uᵢ = Xcᵀvᵢ/√λᵢ come from the
 *    p×p Gram matrix XcXcᵀ = VΛVᵀ (a small Jacobi eigen-solve, p = points ≤ window);
 *    coordinates wᵢ = uᵢᵀ(x − μ)/sᵢ with sᵢ = √(λᵢ/p), d ≤ `directions`, reduced until the
 *    1 + d + d(d+1)/2 model coefficients are at most the number of points.
 * 2. Quadratic model f(w) ≈ c + gᵀw + ½wᵀHw fitted by least squares to the losses and,
 *    where recorded, the gradients projected on the directions (gradient-enhanced fit: a
 *    single GD trajectory lies near a curve, and values alone identify a quadratic badly);
 *    rows scaled to unit norm, normal equations with a 10⁻¹² relative ridge.
 * 3. From the best point x_b, the trust-region step for the model expanded there, in
 *    physical units along the directions, with radius `trust`·max‖xⱼ − x_b‖ (projected):
 *    the model's minimizer when H is positive definite and it lies inside, else the
 *    boundary solution (linalg.ts).
 * 4. Candidates: x_b + U·z (the model step), x_b + half of it, then exploratory
 *    ones: the model step plus N(0, σ²I) with σ = `explore` · (per-coordinate RMS spread of
 *    all distinct recorded points) · 2^round, doubling for each further candidate and
 *    capped at 10·(1 + RMS of the centre) — a widening search when rounds go by.
 *
 * With fewer than 3 distinct points it proposes only the exploratory candidates around the
 * best point. Written in the bracketed protocol at full float32 precision; deterministic
 * given the request's seed.
 */
export interface SurrogateOptions {
  /** Principal directions of the model (default 3). */
  directions?: number;
  /** Most recent recorded points used for the fit (default 60). */
  window?: number;
  /** Trust radius factor (default 10). */
  trust?: number;
  /** Exploration scale relative to the trajectory's spread (default 0.5). */
  explore?: number;
}

/** What the surrogate did for the last request (for tests and reports). */
export interface SurrogateFit {
  directions: number;
  points: number;
  convex: boolean;
  newton: boolean;
}

export function surrogateProposer(o: SurrogateOptions = {}): Proposer & { lastFit?: SurrogateFit } {
  const maxDir = o.directions ?? 3;
  const window = o.window ?? 60;
  const trust = o.trust ?? 10;
  const explore = o.explore ?? 1;
  if (!Number.isInteger(maxDir) || maxDir < 1) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: directions must be a positive integer');
  if (!Number.isInteger(window) || window < 3) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: window must be an integer ≥ 3');
  if (!(trust > 0) || !(explore >= 0)) throw new MetaoptimError('INVALID_ARGUMENT', 'surrogateProposer: trust must be > 0 and explore ≥ 0');
  const proposer: Proposer & { lastFit?: SurrogateFit } = {
    name: 'surrogate',
    async propose(req: ProposalRequest): Promise<ProposalReply> {
      const n = req.dim;
      const rng = new Rng(req.seed);
      const finite = req.trajectory.filter((p) => Number.isFinite(p.loss));
      const all = distinct(finite);
      const pts = distinct([...finite.filter((p) => p.kind === 'candidate'), ...finite.filter((p) => p.kind === 'gd').slice(-window)]).slice(-window);
      const out: Float32Array[] = [];
      let bestIdx = 0;
      for (let i = 1; i < pts.length; i++) if (pts[i]!.loss < pts[bestIdx]!.loss) bestIdx = i;
      const xb = pts.length > 0 ? pts[bestIdx]!.params : req.current;
      let center: ArrayLike<number> = Float64Array.from(xb);
      const fit = pts.length >= 3 ? fitStep(pts, bestIdx, n, maxDir, trust) : undefined;
      if (fit) {
        proposer.lastFit = { directions: fit.d, points: pts.length, convex: fit.convex, newton: fit.newton };
        center = fit.x;
        out.push(Float32Array.from(fit.x));
        if (req.k > 1) {
          const half = new Float32Array(n);
          for (let i = 0; i < n; i++) half[i] = 0.5 * (xb[i]! + fit.x[i]!);
          out.push(half);
        }
      } else {
        delete proposer.lastFit;
      }
      let sigma = explore * spread(all, n);
      if (!(sigma > 0)) sigma = explore * 0.1 * (1 + rms(center));
      sigma = Math.min(sigma * 2 ** req.round, 10 * (1 + rms(center)));
      while (out.length < req.k) {
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) v[i] = center[i]! + sigma * rng.normal();
        out.push(v);
        sigma *= 2;
      }
      return { text: out.slice(0, req.k).map((v) => formatVector(v)).join('\n') };
    },
  };
  return proposer;
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

/** Per-coordinate RMS deviation of all recorded points from their mean. */
function spread(points: readonly TrajectoryPoint[], n: number): number {
  if (points.length < 2) return 0;
  const mean = new Float64Array(n);
  for (const p of points) for (let i = 0; i < n; i++) mean[i] = mean[i]! + p.params[i]! / points.length;
  let s = 0;
  for (const p of points) for (let i = 0; i < n; i++) s += (p.params[i]! - mean[i]!) ** 2;
  return Math.sqrt(s / (points.length * n));
}

/** Steps 1–3 of the module comment; undefined when the points span no direction. */
export function fitStep(
  pts: readonly TrajectoryPoint[],
  bestIdx: number,
  n: number,
  maxDir: number,
  trust: number,
): { x: Float64Array; d: number; convex: boolean; newton: boolean } | undefined {
  const p = pts.length;
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
  while (d < Math.min(maxDir, n, p) && values[d]! > 1e-8 * Math.max(values[0]!, 1e-300) && values[d]! > 1e-24) d++;
  while (d > 0 && 1 + d + (d * (d + 1)) / 2 > p) d--;
  if (d === 0) return undefined;
  // Coordinates w_j,i = √λᵢ·V[j,i] / sᵢ with sᵢ = √(λᵢ/p)  ⇒  w_j,i = √p·V[j,i].
  const sc = new Float64Array(d);
  const w = new Float64Array(p * d);
  for (let i = 0; i < d; i++) {
    sc[i] = Math.sqrt(values[i]! / p);
    for (let j = 0; j < p; j++) w[j * d + i] = Math.sqrt(p) * vectors[j * p + i]!;
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
  const u = new Float64Array(d * n);
  for (let i = 0; i < d; i++) {
    const inv = 1 / Math.sqrt(values[i]!);
    for (let j = 0; j < p; j++) {
      const vj = vectors[j * p + i]! * inv;
      if (vj !== 0) for (let k = 0; k < n; k++) u[i * n + k] = u[i * n + k]! + vj * xc[j * n + k]!;
    }
  }
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
  const theta = solve(ata, aty, q);
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
  const convex = symmetricEigen(h, d).values[d - 1]! > 0;
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
