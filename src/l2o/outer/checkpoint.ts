import { MetaoptimError } from '../../core/errors.js';
import type { EstimatorName } from './estimator.js';
import type { Particle } from './particle.js';

// The meta-training checkpoint (esMetaTrain `checkpoint`, `partial`, `onCheckpoint` bytes):
// JSON through core/codec.ts, checked field by field on resume.

/** One meta-iteration's record in the history. */
export interface MetaHistoryEntry {
  iteration: number;
  loss: number;
  gradNorm: number;
  restarts: number;
}

/** The configuration a run must share with the checkpoint it resumes. */
export interface MetaTrainConfig {
  estimator: EstimatorName;
  particles: number;
  sigma: number;
  truncation: number;
  seed: number;
  thetaSize: number;
  staggerSteps: number;
}

/** The decoded meta-training checkpoint (format `metaoptim-metatrain`, version 1). */
export interface SavedMetaTraining {
  format: 'metaoptim-metatrain';
  version: 1;
  config: MetaTrainConfig;
  iteration: number;
  /** The meta-optimizer's state (`OptState.save()` bytes; checked by its `restore`). */
  meta: Uint8Array;
  particles: Particle[];
  history: MetaHistoryEntry[];
}

function bad(owner: string, field: string, reason: string): never {
  throw new MetaoptimError('BAD_CHECKPOINT', `${owner}: meta-training checkpoint: ${field}: ${reason}`, { field, reason });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a decoded meta-training checkpoint before a resume, against the run's `config` and its
 * total `iterations`. Errors: BAD_CHECKPOINT with details `{ field, reason }`:
 * - `format`: not `metaoptim-metatrain` version 1;
 * - `config`: made with another configuration (estimator, particles, σ, K, seed, θ size, stagger);
 * - `iteration`: not an integer in [0, iterations];
 * - `meta`: not bytes;
 * - `history`: not a list of exactly `iteration` entries `{ iteration: i + 1, loss (finite),
 *   gradNorm (finite, ≥ 0), restarts (integer in [0, particles]) }` (`history[i].<key>`);
 * - `particles`: not a list of `particles` entries of the estimator's shape (`es`: `{ state }`;
 *   `pes`: `{ pos, neg, xi }` with ξ a Float64Array of θ's size, finite) (`particles[i].<key>`).
 * The inner states inside the particles belong to the unroll, which checks them when it uses
 * them (`loptUnroll` restores them through `Optimizer.restore`).
 */
export function checkSavedMetaTraining(owner: string, saved: unknown, config: MetaTrainConfig, iterations: number): SavedMetaTraining {
  if (!isObject(saved) || saved.format !== 'metaoptim-metatrain' || saved.version !== 1) bad(owner, 'format', 'not a meta-training checkpoint (format metaoptim-metatrain, version 1)');
  const s = saved as Partial<SavedMetaTraining>;
  if (JSON.stringify(s.config) !== JSON.stringify(config)) {
    bad(owner, 'config', `checkpoint was made with ${JSON.stringify(s.config)}, not ${JSON.stringify(config)}`);
  }
  const it = s.iteration;
  if (typeof it !== 'number' || !Number.isSafeInteger(it) || it < 0 || it > iterations) {
    bad(owner, 'iteration', `${String(it)} is not an integer in [0, ${iterations}] (the run's total iterations)`);
  }
  if (!(s.meta instanceof Uint8Array)) bad(owner, 'meta', 'the meta-optimizer state is not bytes');
  const h = s.history;
  if (!Array.isArray(h)) bad(owner, 'history', `not a list (${h === null ? 'null' : typeof h})`);
  if (h.length !== it) bad(owner, 'history', `holds ${h.length} entries, the checkpoint is at iteration ${it}`);
  h.forEach((e, i) => {
    if (!isObject(e)) bad(owner, `history[${i}]`, 'not an object');
    if (e.iteration !== i + 1) bad(owner, `history[${i}].iteration`, `${String(e.iteration)}, expected ${i + 1}`);
    if (typeof e.loss !== 'number' || !Number.isFinite(e.loss)) bad(owner, `history[${i}].loss`, `${String(e.loss)} is not finite`);
    if (typeof e.gradNorm !== 'number' || !Number.isFinite(e.gradNorm) || e.gradNorm < 0) bad(owner, `history[${i}].gradNorm`, `${String(e.gradNorm)} is not a finite number ≥ 0`);
    if (!Number.isInteger(e.restarts) || (e.restarts as number) < 0 || (e.restarts as number) > config.particles) {
      bad(owner, `history[${i}].restarts`, `${String(e.restarts)} is not an integer in [0, ${config.particles}]`);
    }
  });
  const ps = s.particles;
  if (!Array.isArray(ps)) bad(owner, 'particles', `not a list (${ps === null ? 'null' : typeof ps})`);
  if (ps.length !== config.particles) bad(owner, 'particles', `holds ${ps.length} particles, the run has ${config.particles}`);
  ps.forEach((p, i) => {
    if (!isObject(p)) bad(owner, `particles[${i}]`, 'not an object');
    const keys = config.estimator === 'pes' ? ['pos', 'neg', 'xi'] : ['state'];
    for (const k of keys) if (!(k in p) || p[k] === undefined) bad(owner, `particles[${i}].${k}`, `missing (a ${config.estimator} particle holds ${keys.join(', ')})`);
    if (config.estimator === 'pes') {
      const xi = p.xi;
      if (!(xi instanceof Float64Array) || xi.length !== config.thetaSize) bad(owner, `particles[${i}].xi`, `not a Float64Array of ${config.thetaSize}`);
      if (!xi.every(Number.isFinite)) bad(owner, `particles[${i}].xi`, 'holds a non-finite entry');
    }
  });
  return s as SavedMetaTraining;
}
