import { MetaoptimError, checkOptions, optionKeys } from '../../core/errors.js';
import type { NonFinitePolicy, Optimizer } from '../../optim/types.js';
import { isNode } from '../../runtime/load.js';
import { MLP_LOPT_THETA_SIZE, mlpLOpt } from '../mlp.js';
import { decodeJson, encodeJson } from '../../core/codec.js';
import { thetaHash } from '../types.js';
import { type AdamResidualThetaFile, decodeAdamResidualTheta } from '../adam-residual/file.js';
import { adamResidualLOpt } from '../adam-residual/optimizer.js';

/**
 * The shipped, pretrained MLP learned optimizer (docs/l2o.md, "Pretrained optimizer").
 *
 * θ lives in the package as `data/learned/mlp-lopt-digits.json`: JSON with the meta-parameters
 * as base64 little-endian f32 (`{"$f32": …}`), their FNV-1a hash, the optimizer options they
 * were trained with (`normEps`) and the provenance (script, seed, recipe, meta-iterations, wall
 * time, git commit). Node reads it from the package; elsewhere it is fetched relative to this
 * module (as the data sets are); `base` overrides the folder.
 *
 * `await learned()` returns an ordinary `Optimizer` (init/step/save/restore, non-finite policy).
 * It was meta-trained with the parameter vector split into the network's tensors: pass
 * `segments` (e.g. `task.model.tensors.map((t) => t.length)`) to normalize per tensor as in
 * training; without it the whole vector is one segment.
 *
 * Errors: `DATA_UNAVAILABLE` (file not readable), `BAD_CHECKPOINT` (not a θ file, wrong size or
 * hash), plus those of `mlpLOpt.optimizer`.
 */
export const LEARNED_FILE = 'mlp-lopt-digits.json';

export interface LearnedThetaFile {
  format: 'metaoptim-learned-theta';
  version: 1;
  optimizer: 'mlp-lopt';
  theta: Float32Array;
  thetaHash: string;
  options: { normEps: number };
  provenance: Record<string, unknown>;
}

export interface LearnedOptions {
  /**
   * Which shipped θ: `'adam-residual'` (default; the Adam-residual MLP, `adamResidualLOpt`, from
   * `data/learned/adam-residual.json`) or `'lolv2'` (the LOLv2 MLP optimizer, `mlpLOpt`, from
   * `data/learned/mlp-lopt-digits.json`).
   */
  name?: 'adam-residual' | 'lolv2';
  /** lolv2 only: tensor lengths (normalization groups), as in training; default one segment. */
  segments?: readonly number[];
  /** adam-residual only: tensor shapes (e.g. `task.model.tensors.map((t) => t.shape)`); default one vector. */
  shapes?: readonly (readonly number[])[];
  /** adam-residual only: the run length T of the progress input (default 1000). */
  horizon?: number;
  nonFinite?: NonFinitePolicy;
  /** Folder (URL) holding the θ file instead of the package's `data/learned/`. */
  base?: string | URL;
}

/**
 * Encodes a θ file (pretty JSON text).
 * @example
 * ```ts
 * import { decodeLearnedTheta, encodeLearnedTheta, mlpLOpt } from 'metaoptim/l2o';
 * const text = encodeLearnedTheta(mlpLOpt.init(0), 1e-10, { note: 'untrained' });
 * console.log(decodeLearnedTheta(text).provenance.note); // untrained
 * ```
 */
export function encodeLearnedTheta(theta: Float32Array, normEps: number, provenance: Record<string, unknown>): string {
  const file: LearnedThetaFile = { format: 'metaoptim-learned-theta', version: 1, optimizer: 'mlp-lopt', theta, thetaHash: thetaHash(theta), options: { normEps }, provenance };
  return JSON.stringify(JSON.parse(new TextDecoder().decode(encodeJson(file))), null, 2) + '\n';
}

/**
 * Decodes and checks a θ file. Errors: BAD_CHECKPOINT with details `{ field, reason }` —
 * `format` (not metaoptim-learned-theta version 1 for mlp-lopt), `theta` (not 1,762 f32 values,
 * or a non-finite entry), `thetaHash` (the FNV-1a hash of θ differs from the recorded one: the
 * file was corrupted or edited), `options.normEps` (not a positive finite number).
 * @example
 * ```ts
 * import { MetaoptimError } from 'metaoptim';
 * import { decodeLearnedTheta } from 'metaoptim/l2o';
 * try {
 *   decodeLearnedTheta('{"format":"something-else"}');
 * } catch (err) {
 *   console.log(err instanceof MetaoptimError); // true
 * }
 * ```
 */
export function decodeLearnedTheta(text: string): LearnedThetaFile {
  const bad = (field: string, reason: string): never => {
    throw new MetaoptimError('BAD_CHECKPOINT', `learned: θ file: ${field}: ${reason}`, { field, reason });
  };
  const f = decodeJson(new TextEncoder().encode(text), 'learned θ file') as Partial<LearnedThetaFile>;
  if (!f || f.format !== 'metaoptim-learned-theta' || f.version !== 1 || f.optimizer !== 'mlp-lopt') {
    bad('format', 'not a metaoptim θ file (format metaoptim-learned-theta, version 1, mlp-lopt)');
  }
  if (!(f.theta instanceof Float32Array) || f.theta.length !== MLP_LOPT_THETA_SIZE) bad('theta', `θ must hold ${MLP_LOPT_THETA_SIZE} f32 values`);
  const at = f.theta!.findIndex((x) => !Number.isFinite(x));
  if (at >= 0) bad('theta', `entry ${at} is ${f.theta![at]}, not finite`);
  if (thetaHash(f.theta!) !== f.thetaHash) bad('thetaHash', `θ hash ${thetaHash(f.theta!)} differs from the recorded ${String(f.thetaHash)}`);
  const eps = f.options?.normEps;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) bad('options.normEps', `${String(eps)} is not a positive finite number`);
  return f as LearnedThetaFile;
}

const cache = new Map<string, Promise<LearnedThetaFile>>();
const arCache = new Map<string, Promise<AdamResidualThetaFile>>();

/** File name of the shipped Adam-residual θ (in `data/learned/`). */
export const ADAM_RESIDUAL_FILE = 'adam-residual.json';

/** The shipped Adam-residual θ file, read once and checked (hash: `BAD_CHECKPOINT`; unreadable: `DATA_UNAVAILABLE`). */
export function loadAdamResidualTheta(base?: string | URL): Promise<AdamResidualThetaFile> {
  return loadOnce(arCache, ADAM_RESIDUAL_FILE, base, decodeAdamResidualTheta);
}

/**
 * The shipped θ file, read once (Node: from the package; elsewhere: fetched).
 * @example
 * ```ts
 * import { loadLearnedTheta } from 'metaoptim/l2o';
 * const file = await loadLearnedTheta(); // data/learned/mlp-lopt-digits.json, validated
 * console.log(file.optimizer, file.theta.length); // mlp-lopt 1762
 * ```
 */
export function loadLearnedTheta(base?: string | URL): Promise<LearnedThetaFile> {
  return loadOnce(cache, LEARNED_FILE, base, decodeLearnedTheta);
}

/** `file` in `base` (default the package's data/learned/), decoded once per URL (a failure is not cached). */
function loadOnce<T>(c: Map<string, Promise<T>>, file: string, base: string | URL | undefined, decode: (text: string) => T): Promise<T> {
  const url = base ? new URL(file, base) : new URL(`../../../../data/learned/${file}`, import.meta.url);
  let p = c.get(url.href);
  if (!p) {
    p = readText(url).then(decode);
    p.catch(() => c.delete(url.href));
    c.set(url.href, p);
  }
  return p;
}

async function readText(url: URL): Promise<string> {
  if (isNode && url.protocol === 'file:') {
    const fsName = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
    try {
      return await fs.readFile(url, 'utf8');
    } catch (err) {
      throw new MetaoptimError('DATA_UNAVAILABLE', `cannot read ${url.pathname}: ${String(err)}`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new MetaoptimError('DATA_UNAVAILABLE', `cannot fetch ${url.href}: HTTP ${res.status}`);
  return res.text();
}

/**
 * The shipped learned optimizer as an `Optimizer`: by default the Adam-residual MLP
 * (`adamResidualLOpt` with the file's θ and nominal lr), `{ name: 'lolv2' }` the pretrained MLP
 * optimizer described in the module comment. Errors: `INVALID_ARGUMENT` (unknown name, or an
 * option of the other family), plus those above.
 * @example
 * ```ts
 * import { ready, train } from 'metaoptim';
 * import { learned } from 'metaoptim/l2o';
 * import { digitsMlpTask } from 'metaoptim/tasks';
 * await ready();
 * const task = await digitsMlpTask();
 * const run = await train(task, await learned(), { steps: 100 });
 * console.log(run.losses[0]! > run.losses[99]!); // true
 * task.dispose();
 * ```
 */
export async function learned(opts: LearnedOptions = {}): Promise<Optimizer> {
  checkOptions('learned', opts, optionKeys<LearnedOptions>({ name: 1, segments: 1, shapes: 1, horizon: 1, nonFinite: 1, base: 1 }));
  const name = opts.name ?? 'adam-residual';
  if (name === 'adam-residual') {
    if (opts.segments !== undefined) throw new MetaoptimError('INVALID_ARGUMENT', "learned: segments belongs to { name: 'lolv2' }; the adam-residual optimizer takes shapes");
    const a = await loadAdamResidualTheta(opts.base);
    return adamResidualLOpt.optimizer(a.theta, { ...a.options, shapes: opts.shapes, horizon: opts.horizon, nonFinite: opts.nonFinite });
  }
  if (name !== 'lolv2') throw new MetaoptimError('INVALID_ARGUMENT', `learned: name must be 'adam-residual' or 'lolv2', got ${String(name)}`);
  if (opts.shapes !== undefined || opts.horizon !== undefined) throw new MetaoptimError('INVALID_ARGUMENT', "learned: shapes and horizon belong to the adam-residual optimizer, not { name: 'lolv2' }");
  const f = await loadLearnedTheta(opts.base);
  return mlpLOpt.optimizer(f.theta, { segments: opts.segments, nonFinite: opts.nonFinite, normEps: f.options.normEps });
}
