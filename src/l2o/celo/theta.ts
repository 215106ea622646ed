import { MetaoptimError } from '../../core/errors.js';
import { isNode } from '../../runtime/load.js';

/**
 * Celo's published meta-parameters (Moudgil, Knyazev, Lajoie, Belilovsky, "Celo: Training
 * Versatile Learned Optimizers on a Compute Diet", TMLR 2025; MIT licence, Copyright (c) 2025
 * Abhinav Moudgil), as the package ships them in `data/learned/`:
 *   celo-theta.json       manifest: per optimizer the .bin file, its float count, its SHA-256 and
 *                         the flax tree paths with shapes and offsets; provenance and licence
 *   celo-theta.bin        Celo, 33 arrays, 37,089 f32 (little-endian, manifest order)
 *   celo-adam-theta.bin   Celo-Adam, 12 arrays, 36,865 f32
 *   CELO-LICENSE          the authors' MIT licence
 * made by `scripts/celo-theta.mjs` from the authors' `algoperf/submissions/{celo,celo_adam}/theta.state`
 * (amoudgl/celo @ 66d97611), values unchanged. Node reads the files from the package; elsewhere
 * they are fetched relative to this module; `base` (a folder URL) overrides both.
 * The SHA-256 of the .bin is checked on every load (WebCrypto `crypto.subtle`).
 *
 * Errors: `DATA_UNAVAILABLE` (a file cannot be read, or no WebCrypto), `BAD_CHECKPOINT` (not a
 * Celo manifest, wrong size, SHA-256 mismatch, missing array).
 */
export const CELO_MANIFEST = 'celo-theta.json';

/** Which published θ. */
export type CeloKind = 'celo' | 'celo-adam';

/** Loaded, verified meta-parameters: every flax array by its tree path (row-major f32). */
export interface CeloTheta {
  readonly kind: CeloKind;
  readonly sha256: string;
  readonly arrays: Readonly<Record<string, Float32Array>>;
}

interface ManifestEntry {
  file: string;
  floats: number;
  sha256: string;
  arrays: { name: string; shape: number[]; offset: number }[];
}

const bad = (why: string): never => {
  throw new MetaoptimError('BAD_CHECKPOINT', `celo θ: ${why}`);
};

async function readBytes(url: URL): Promise<Uint8Array> {
  if (isNode && url.protocol === 'file:') {
    const fsName = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
    try {
      const b = await fs.readFile(url);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      throw new MetaoptimError('DATA_UNAVAILABLE', `cannot read ${url.pathname}: ${String(err)}`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new MetaoptimError('DATA_UNAVAILABLE', `cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Lower-case hex SHA-256 of `bytes` (WebCrypto; Node ≥ 20 and every browser have it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new MetaoptimError('DATA_UNAVAILABLE', 'celo θ: WebCrypto (crypto.subtle) is not available to check the SHA-256');
  const copy = bytes.slice();
  const digest = new Uint8Array(await subtle.digest('SHA-256', copy.buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks a manifest text and the matching .bin bytes and splits them into arrays. Exposed for
 * tests and for callers who ship θ elsewhere; `loadCeloTheta` is the usual entry.
 */
export async function parseCeloTheta(kind: CeloKind, manifestText: string, bin: Uint8Array): Promise<CeloTheta> {
  let m: { format?: string; version?: number; optimizers?: Record<string, ManifestEntry> };
  try {
    m = JSON.parse(manifestText);
  } catch {
    return bad('the manifest is not JSON');
  }
  if (!m || m.format !== 'metaoptim-celo-theta' || m.version !== 1) bad('not a metaoptim-celo-theta version 1 manifest');
  const e = m.optimizers?.[kind];
  if (!e || !Array.isArray(e.arrays) || !Number.isSafeInteger(e.floats)) return bad(`the manifest has no entry for ${kind}`);
  if (bin.byteLength !== 4 * e.floats) bad(`${e.file} has ${bin.byteLength} bytes, the manifest says ${e.floats} f32`);
  const sha = await sha256Hex(bin);
  if (sha !== e.sha256) bad(`${e.file} has SHA-256 ${sha}, the manifest records ${e.sha256}`);
  const all = new Float32Array(e.floats);
  new Uint8Array(all.buffer).set(bin);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (!le) {
    const dv = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
    for (let i = 0; i < e.floats; i++) all[i] = dv.getFloat32(4 * i, true);
  }
  const arrays: Record<string, Float32Array> = {};
  for (const a of e.arrays) {
    const len = a.shape.reduce((x, y) => x * y, 1);
    if (!(a.offset >= 0 && a.offset + len <= e.floats)) bad(`array ${a.name} lies outside the file`);
    arrays[a.name] = all.subarray(a.offset, a.offset + len);
  }
  return { kind, sha256: sha, arrays };
}

const cache = new Map<string, Promise<CeloTheta>>();

/** The shipped θ of `kind`, read and verified once per folder. */
export function loadCeloTheta(kind: CeloKind, base?: string | URL): Promise<CeloTheta> {
  const dir = base ? new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`) : new URL('../../../../data/learned/', import.meta.url);
  const key = `${kind} ${dir.href}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const mtext = new TextDecoder().decode(await readBytes(new URL(CELO_MANIFEST, dir)));
      const file = `${kind}-theta.bin`;
      return parseCeloTheta(kind, mtext, await readBytes(new URL(file, dir)));
    })();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The array `name` of θ with `length` floats (BAD_CHECKPOINT otherwise). */
export function thetaArray(theta: CeloTheta, name: string, length: number): Float32Array {
  const a = theta.arrays[name];
  if (!a || a.length !== length) bad(`array ${name} must hold ${length} f32, has ${a?.length ?? 'none'}`);
  return a!;
}
