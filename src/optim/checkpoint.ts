import { MetaoptimError } from '../core/errors.js';

/**
 * Checkpoint format, version 1 (little-endian):
 *
 *   bytes 0–3   magic "MOPT"
 *   bytes 4–7   u32 format version (1)
 *   bytes 8–11  u32 byte length H of the JSON header
 *   H bytes     UTF-8 JSON header: { optimizer, size, hyperparams, scalars: [names],
 *               arrays: [{ name, dtype: "f32", length }] }
 *   padding to a multiple of 8
 *   scalars     one f64 per scalar name, in header order (exact bits, NaN and -0 included)
 *   arrays      raw little-endian f32 data, in header order
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
export const CHECKPOINT_VERSION = 1;
const MAGIC = [0x4d, 0x4f, 0x50, 0x54];

export interface CheckpointContents {
  optimizer: string;
  size: number;
  hyperparams: Readonly<Record<string, unknown>>;
  scalars: Record<string, number>;
  arrays: Record<string, Float32Array>;
}

function jsonHyper(h: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : String(v);
    else if (typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'function') out[k] = 'schedule';
  }
  return out;
}

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const scalarNames = Object.keys(c.scalars);
  const arrayNames = Object.keys(c.arrays);
  const header = new TextEncoder().encode(
    JSON.stringify({
      optimizer: c.optimizer,
      size: c.size,
      hyperparams: jsonHyper(c.hyperparams),
      scalars: scalarNames,
      arrays: arrayNames.map((name) => ({ name, dtype: 'f32', length: c.arrays[name]!.length })),
    }),
  );
  const dataStart = Math.ceil((12 + header.length) / 8) * 8;
  let total = dataStart + 8 * scalarNames.length;
  for (const name of arrayNames) total += 4 * c.arrays[name]!.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, header.length, true);
  out.set(header, 12);
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
  return out;
}

/**
 * Reads the bytes of `state.save()` (exported as `readCheckpoint`) without an optimizer: the
 * optimizer name, the parameter count, the hyper-parameters and every named scalar (`count`,
 * …) and array (`params`, slots), for inspection or conversion. Restoring a state goes through
 * `optimizer.restore(bytes)`. Errors: BAD_CHECKPOINT (wrong magic,
 * a newer version, a truncated or malformed header or payload).
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
export function decodeCheckpoint(input: ArrayBufferView): CheckpointContents {
  const bad = (why: string): never => {
    throw new MetaoptimError('BAD_CHECKPOINT', `not a readable metaoptim checkpoint: ${why}`);
  };
  if (!ArrayBuffer.isView(input)) bad('expected bytes (a Uint8Array, Buffer or other ArrayBufferView)');
  // A plain Uint8Array view of exactly these bytes: a Node Buffer from readFileSync shares a pool
  // (its .buffer is larger than the file) and its slice() does not copy.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) bad('missing "MOPT" magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) bad(`format version ${version}, this library reads ${CHECKPOINT_VERSION}`);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > bytes.length) bad('truncated header');
  let header: {
    optimizer: string;
    size: number;
    hyperparams: Record<string, unknown>;
    scalars: string[];
    arrays: { name: string; dtype: string; length: number }[];
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  } catch {
    return bad('header is not JSON');
  }
  const h = header as Partial<typeof header> | null;
  if (!h || typeof h !== 'object') bad('header is not an object');
  if (typeof h!.optimizer !== 'string') bad('header.optimizer is not a string');
  if (!Number.isSafeInteger(h!.size) || h!.size! < 0) bad(`header.size is not a non-negative integer (${String(h!.size)})`);
  if (!h!.hyperparams || typeof h!.hyperparams !== 'object') bad('header.hyperparams is not an object');
  if (!Array.isArray(h!.scalars) || !h!.scalars.every((x) => typeof x === 'string')) bad('header.scalars is not a list of names');
  if (!Array.isArray(h!.arrays) || !h!.arrays.every((a) => a && typeof a.name === 'string' && Number.isSafeInteger(a.length) && a.length >= 0)) {
    bad('header.arrays is not a list of { name, dtype, length }');
  }
  const names = [...h!.scalars!, ...h!.arrays!.map((a) => a.name)];
  if (new Set(names).size !== names.length) bad('a field name appears twice');
  let off = Math.ceil((12 + hlen) / 8) * 8;
  const scalars: Record<string, number> = {};
  for (const name of header.scalars) {
    if (off + 8 > bytes.length) bad('truncated scalars');
    scalars[name] = dv.getFloat64(off, true);
    off += 8;
  }
  const arrays: Record<string, Float32Array> = {};
  for (const a of header.arrays) {
    if (a.dtype !== 'f32') bad(`unknown dtype ${a.dtype}`);
    const nbytes = 4 * a.length;
    if (off + nbytes > bytes.length) bad(`truncated array ${a.name}`);
    // Copy into an aligned buffer (the checkpoint may start at any byte offset).
    arrays[a.name] = new Float32Array(bytes.slice(off, off + nbytes).buffer);
    off += nbytes;
  }
  if (off !== bytes.length) bad('trailing bytes');
  return { optimizer: header.optimizer, size: header.size, hyperparams: header.hyperparams, scalars, arrays };
}
