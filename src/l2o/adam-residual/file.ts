import { decodeJson, encodeJson } from '../../core/codec.js';
import { MetaoptimError } from '../../core/errors.js';
import { thetaHash } from '../types.js';
import { AR_THETA_SIZE } from './schedule.js';

/**
 * The Adam-residual θ file (`data/learned/adam-residual.json`): JSON with θ as base64
 * little-endian f32 (`{"$f32": …}`), its FNV-1a hash (checked on load), the optimizer options
 * it was meta-trained with (`lr`, the nominal learning rate, and `form`, the residual form —
 * absent means 'additive'; pass `options` on to `adamResidualLOpt.optimizer`) and the provenance (script, seed,
 * recipe, meta-iterations, validations, wall time, machine, commit, date).
 */
export interface AdamResidualThetaFile {
  format: 'metaoptim-learned-theta';
  version: 1;
  optimizer: 'adam-residual';
  theta: Float32Array;
  thetaHash: string;
  options: { lr: number; form?: 'additive' | 'multiplicative' };
  provenance: Record<string, unknown>;
}

/** Encodes an Adam-residual θ file (pretty JSON text). */
export function encodeAdamResidualTheta(theta: Float32Array, options: { lr: number; form?: 'additive' | 'multiplicative' }, provenance: Record<string, unknown>): string {
  const file: AdamResidualThetaFile = { format: 'metaoptim-learned-theta', version: 1, optimizer: 'adam-residual', theta, thetaHash: thetaHash(theta), options, provenance };
  return JSON.stringify(JSON.parse(new TextDecoder().decode(encodeJson(file))), null, 2) + '\n';
}

/**
 * Decodes and checks an Adam-residual θ file. Errors: `BAD_CHECKPOINT` (not such a file, wrong θ
 * size, hash mismatch, missing or invalid `options.lr`, a `options.form` that is not 'additive' or
 * 'multiplicative').
 */
export function decodeAdamResidualTheta(text: string): AdamResidualThetaFile {
  const f = decodeJson(new TextEncoder().encode(text), 'learned θ file') as Partial<AdamResidualThetaFile>;
  if (!f || f.format !== 'metaoptim-learned-theta' || f.version !== 1 || f.optimizer !== 'adam-residual') {
    throw new MetaoptimError('BAD_CHECKPOINT', 'learned: not an adam-residual θ file (format metaoptim-learned-theta, version 1, adam-residual)');
  }
  if (!(f.theta instanceof Float32Array) || f.theta.length !== AR_THETA_SIZE) {
    throw new MetaoptimError('BAD_CHECKPOINT', `learned: θ must hold ${AR_THETA_SIZE} f32 values`);
  }
  if (thetaHash(f.theta) !== f.thetaHash) throw new MetaoptimError('BAD_CHECKPOINT', `learned: θ hash ${thetaHash(f.theta)} differs from the recorded ${String(f.thetaHash)}`);
  if (!f.options || !(typeof f.options.lr === 'number' && f.options.lr > 0 && Number.isFinite(f.options.lr))) {
    throw new MetaoptimError('BAD_CHECKPOINT', 'learned: options.lr missing or invalid');
  }
  if (f.options.form !== undefined && f.options.form !== 'additive' && f.options.form !== 'multiplicative') {
    throw new MetaoptimError('BAD_CHECKPOINT', `learned: options.form must be 'additive' or 'multiplicative', got ${String(f.options.form)}`);
  }
  return f as AdamResidualThetaFile;
}
