// A meta-trained DCO rule behind the common `Optimizer` interface. θ is fixed when the
// optimizer is made (its matrices and chol(P) are materialized once); each step computes, in f64,
//   q = W_g g + W_d d + W_x x + c,  δ = argmin ½δᵀPδ + qᵀδ  (= −P⁻¹q, or with |δ_i| ≤ r by the
//   box QP kernel when `trustRegion` is set),  x ← x + δ,  d ← δ.
import { MetaoptimError, checkNumber, checkOptions, optionKeys } from '../core/errors.js';
import { crc32 } from '../core/crc32.js';
import { makeOptimizer, nonFinitePolicy } from '../optim/base.js';
import type { NonFinitePolicy, Optimizer } from '../optim/types.js';
import { solve as qpSolve } from '../qp/solve.js';
import { type DcoTheta, materialize, paramNames } from './theta.js';
import { dcoDelta } from './unroll.js';

export interface DcoOptimizerOptions {
  /** Constrain every step to the box |δ_i| ≤ r (solved by the QP box kernel). Default: none. */
  trustRegion?: number;
  nonFinite?: NonFinitePolicy;
}

/** The keys `DcoOptimizerOptions` may hold (anything else is UNKNOWN_OPTION). */
export const DCO_OPTIMIZER_KEYS = optionKeys<DcoOptimizerOptions>({ trustRegion: 1, nonFinite: 1 });

export function dcoOptimizer(theta: DcoTheta, o: DcoOptimizerOptions = {}): Optimizer {
  checkOptions(theta.kind, o, DCO_OPTIMIZER_KEYS);
  for (const k of paramNames(theta.kind, theta.parameterization)) {
    const a = theta.params[k];
    if (!a || !a.every(Number.isFinite)) throw new MetaoptimError('INVALID_HYPERPARAMETER', `${theta.kind}: θ.${k} is missing or not finite`);
  }
  const m = materialize(theta);
  const n = theta.n;
  const r = o.trustRegion === undefined ? undefined : checkNumber(theta.kind, 'trustRegion', o.trustRegion, { min: 0, minExclusive: true });
  const usesD = !!m.Wd;
  const x = new Float64Array(n), d = new Float64Array(n), g = new Float64Array(n), q = new Float64Array(n);
  const lb = r === undefined ? undefined : new Float64Array(n).fill(-r), ub = lb?.map((v) => -v);
  return makeOptimizer({
    name: theta.kind,
    hyperparams: { n, parameterization: theta.parameterization, eps: theta.eps, trustRegion: r ?? null, thetaHash: dcoThetaHash(theta) },
    slots: usesD ? ['d'] : [],
    nonFinite: nonFinitePolicy(theta.kind, o.nonFinite),
    update(state) {
      if (state.size !== n) throw new MetaoptimError('LENGTH_MISMATCH', `${theta.kind}: θ is for ${n} parameters, the state has ${state.size}`);
      const params = state.params;
      x.set(params);
      g.set(state.grads);
      if (usesD) d.set(state.view('d'));
      let delta = dcoDelta(m, x, d, g, q);
      if (lb && ub) {
        const res = qpSolve({ Q: m.P, p: q, lb, ub }, { runtime: state.runtime });
        delta = res.z;
        res.context.dispose();
      }
      for (let i = 0; i < n; i++) params[i] = x[i]! + delta[i]!;
      if (usesD) state.view('d').set(delta);
      return true;
    },
  });
}

/**
 * CRC-32 (core/crc32.ts) over θ's learned arrays (f64 bytes, in `paramNames` order, each
 * preceded by its name), 8 hex digits: recorded in the optimizer's hyper-parameters so that a
 * state or checkpoint of one θ is refused by a DCO optimizer with another θ.
 */
export function dcoThetaHash(theta: DcoTheta): string {
  let c = 0;
  for (const k of paramNames(theta.kind, theta.parameterization)) {
    const a = theta.params[k]!;
    c = crc32(new TextEncoder().encode(k), c);
    c = crc32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), c);
  }
  return c.toString(16).padStart(8, '0');
}
