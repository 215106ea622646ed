import { MetaoptimError } from '../core/errors.js';
import { crc32 } from '../core/crc32.js';
import { type PortableValue, portableHyper } from './maker.js';

/**
 * Checkpoint format, version 2 (little-endian; written by `state.save()`):
 *
 *   bytes 0–3    magic "MOPT"
 *   bytes 4–7    u32 format version (2)
 *   bytes 8–11   u32 byte length H of the JSON header
 *   bytes 12–15  u32 CRC-32 (core/crc32.ts) of bytes 0–11 followed by bytes 16 to the end
 *   H bytes      UTF-8 JSON header: { optimizer, size, hyperparams, hyperHash, scalars: [names],
 *                arrays: [{ name, dtype: "f32", length }] }
 *   padding      zero bytes up to a multiple of 8
 *   scalars      one f64 per scalar name, in header order (exact bits, NaN and −0 included)
 *   arrays       raw little-endian f32 data, in header order
 *
 * `hyperparams` is the optimizer's hyper-parameters in portable form (maker.ts `portableHyper`:
 * finite numbers, strings and booleans as they are, anything else as `{ "$": canonical text }`,
 * e.g. a schedule's description) and `hyperHash` the CRC-32 of their canonical text.
 *
 * Version 1 (read, never written): the same without the CRC word (the header starts at byte
 * 12) and with `hyperparams` as numbers, strings (non-finite numbers as text, schedules as
 * "schedule") and booleans, and no `hyperHash`.
 *
 * Every field is stored by name, so a restore never depends on slot order.
 * @example
 * ```ts
 * import { CHECKPOINT_VERSION, adam, ready } from 'metaoptim';
 * await ready();
 * const state = adam().init([1]);
 * const bytes = state.save(); // "MOPT", then the u32 format version
 * console.log(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true) === CHECKPOINT_VERSION); // true
 * state.dispose();
 * ```
 */
export const CHECKPOINT_VERSION = 2;
const MAGIC = [0x4d, 0x4f, 0x50, 0x54];

export interface CheckpointContents {
  optimizer: string;
  size: number;
  hyperparams: Readonly<Record<string, unknown>>;
  scalars: Record<string, number>;
  arrays: Record<string, Float32Array>;
}

/** What `readCheckpoint` returns: the contents plus the format version and hyper-parameter hash. */
export interface DecodedCheckpoint extends CheckpointContents {
  /** 1 or 2. */
  version: number;
  /** CRC-32 of the canonical hyper-parameter text (version 2; `undefined` for version 1). */
  hyperHash: string | undefined;
}

/** Version 1's hyper-parameter record (kept to compare against version-1 files). */
export function v1Hyper(h: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : String(v);
    else if (typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'function') out[k] = 'schedule';
  }
  return out;
}

/** Writes a version-2 checkpoint (see the format above); `hyperHash` comes from the state's maker. */
export function encodeCheckpoint(c: CheckpointContents & { hyperHash: string }): Uint8Array {
  const scalarNames = Object.keys(c.scalars);
  const arrayNames = Object.keys(c.arrays);
  const header = new TextEncoder().encode(
    JSON.stringify({
      optimizer: c.optimizer,
      size: c.size,
      hyperparams: portableHyper(c.hyperparams),
      hyperHash: c.hyperHash,
      scalars: scalarNames,
      arrays: arrayNames.map((name) => ({ name, dtype: 'f32', length: c.arrays[name]!.length })),
    }),
  );
  const dataStart = Math.ceil((16 + header.length) / 8) * 8;
  let total = dataStart + 8 * scalarNames.length;
  for (const name of arrayNames) total += 4 * c.arrays[name]!.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, header.length, true);
  out.set(header, 16);
  let off = dataStart;
  for (const name of scalarNames) {
    dv.setFloat64(off, c.scalars[name]!, true);
    off += 8;
  }
  for (const name of arrayNames) {
    const a = c.arrays[name]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  dv.setUint32(12, checkpointCrc(out), true);
  return out;
}

/** The CRC-32 a version-2 checkpoint stores at bytes 12–15: over bytes 0–11 and 16 to the end. */
export function checkpointCrc(bytes: Uint8Array): number {
  return crc32(bytes.subarray(16), crc32(bytes.subarray(0, 12)));
}

/** Throws BAD_CHECKPOINT with details `{ field, reason }` (and any `extra` details). */
export function badCheckpoint(field: string, reason: string, extra: Record<string, unknown> = {}): never {
  throw new MetaoptimError('BAD_CHECKPOINT', `not a valid metaoptim checkpoint: ${field}: ${reason}`, { field, reason, ...extra });
}

/**
 * Reads the bytes of `state.save()` (exported as `readCheckpoint`) without an optimizer: the
 * format version, the optimizer name, the parameter count, the hyper-parameters (and their hash)
 * and every named scalar (`count`, …) and array (`params`, slots), for inspection or conversion.
 * Reads versions 1 and 2. Checks the container only (magic, version, CRC-32, header fields,
 * lengths, no duplicate names, no trailing bytes); the values are checked by
 * `optimizer.restore(bytes)`, which knows their rules. Errors: BAD_CHECKPOINT with details
 * `{ field, reason }` (`field` is `bytes`, `magic`, `version`, `crc`, `header`, `header.<key>`,
 * `scalars`, `arrays.<name>` or `length`).
 * @example
 * ```ts
 * import { adam, ready, readCheckpoint } from 'metaoptim';
 * await ready();
 * const state = adam({ lr: 0.1 }).init([1, 2]);
 * const c = readCheckpoint(state.save());
 * console.log(c.optimizer, c.size, Object.keys(c.arrays)); // adam 2 [ 'params', 'm', 'v' ]
 * state.dispose();
 * ```
 */
export function decodeCheckpoint(input: ArrayBufferView): DecodedCheckpoint {
  if (!ArrayBuffer.isView(input)) badCheckpoint('bytes', 'expected bytes (a Uint8Array, Buffer or other ArrayBufferView)');
  // A plain Uint8Array view of exactly these bytes: a Node Buffer from readFileSync shares a pool
  // (its .buffer is larger than the file) and its slice() does not copy.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) badCheckpoint('magic', 'missing "MOPT" magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== 2) badCheckpoint('version', `format version ${version}, this library reads 1 and 2`);
  const headerAt = version === 1 ? 12 : 16;
  if (version === 2) {
    if (bytes.length < 16) badCheckpoint('length', 'truncated before the CRC-32');
    const want = dv.getUint32(12, true);
    const got = checkpointCrc(bytes);
    if (want !== got) badCheckpoint('crc', `CRC-32 ${hex(got)} of the bytes differs from the recorded ${hex(want)} (corrupt or truncated)`);
  }
  const hlen = dv.getUint32(8, true);
  if (headerAt + hlen > bytes.length) badCheckpoint('length', 'truncated header');
  let header: {
    optimizer: string;
    size: number;
    hyperparams: Record<string, PortableValue>;
    hyperHash?: string;
    scalars: string[];
    arrays: { name: string; dtype: string; length: number }[];
  };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(headerAt, headerAt + hlen)));
  } catch {
    return badCheckpoint('header', 'header is not JSON');
  }
  const h = header as Partial<typeof header> | null;
  if (!h || typeof h !== 'object' || Array.isArray(h)) badCheckpoint('header', 'header is not an object');
  if (typeof h!.optimizer !== 'string') badCheckpoint('header.optimizer', 'header.optimizer is not a string');
  if (!Number.isSafeInteger(h!.size) || h!.size! < 0) badCheckpoint('header.size', `header.size is not a non-negative integer (${String(h!.size)})`);
  if (!h!.hyperparams || typeof h!.hyperparams !== 'object' || Array.isArray(h!.hyperparams)) badCheckpoint('header.hyperparams', 'header.hyperparams is not an object');
  if (version === 2 && typeof h!.hyperHash !== 'string') badCheckpoint('header.hyperHash', 'header.hyperHash is not a string');
  if (!Array.isArray(h!.scalars) || !h!.scalars.every((x) => typeof x === 'string')) badCheckpoint('header.scalars', 'header.scalars is not a list of names');
  if (!Array.isArray(h!.arrays) || !h!.arrays.every((a) => a && typeof a.name === 'string' && Number.isSafeInteger(a.length) && a.length >= 0)) {
    badCheckpoint('header.arrays', 'header.arrays is not a list of { name, dtype, length }');
  }
  const names = [...h!.scalars!, ...h!.arrays!.map((a) => a.name)];
  const dup = names.find((nm, i) => names.indexOf(nm) !== i);
  if (dup !== undefined) badCheckpoint(`arrays.${dup}`, `a field name appears twice (${dup})`);
  let off = Math.ceil((headerAt + hlen) / 8) * 8;
  const scalars: Record<string, number> = {};
  for (const name of header.scalars) {
    if (off + 8 > bytes.length) badCheckpoint('length', 'truncated scalars');
    scalars[name] = dv.getFloat64(off, true);
    off += 8;
  }
  const arrays: Record<string, Float32Array> = {};
  for (const a of header.arrays) {
    if (a.dtype !== 'f32') badCheckpoint(`arrays.${a.name}`, `unknown dtype ${String(a.dtype)}`);
    const nbytes = 4 * a.length;
    if (off + nbytes > bytes.length) badCheckpoint('length', `truncated array ${a.name}`);
    // Copy into an aligned buffer (the checkpoint may start at any byte offset).
    arrays[a.name] = new Float32Array(bytes.slice(off, off + nbytes).buffer);
    off += nbytes;
  }
  if (off !== bytes.length) badCheckpoint('length', 'trailing bytes');
  return { version, optimizer: header.optimizer, size: header.size, hyperparams: header.hyperparams, hyperHash: header.hyperHash, scalars, arrays };
}

function hex(x: number): string {
  return x.toString(16).padStart(8, '0');
}
