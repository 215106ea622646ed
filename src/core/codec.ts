import { MetaoptimError } from './errors.js';

// The one typed-array JSON codec: UTF-8 JSON in which typed arrays are stored as
// {"$f32"|"$f64"|"$u8": base64 of their little-endian bytes} and non-finite numbers and −0 as
// {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}, so every bit survives a round trip.
// Used by meta-training checkpoints, learned-optimizer θ files and lab results.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toB64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < b.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < b.length ? B64[n & 63]! : '=');
  }
  return s;
}

function fromB64(s: string): Uint8Array {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const n = (B64.indexOf(s[i]!) << 18) | (B64.indexOf(s[i + 1]!) << 12) | ((B64.indexOf(s[i + 2]!) & 63) << 6) | (B64.indexOf(s[i + 3]!) & 63);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

const bytesOf = (a: Float32Array | Float64Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Encodes a JSON-able value, with typed arrays and non-finite numbers kept bit-exact, as UTF-8 bytes.
 * @example
 * ```ts
 * import { decodeJson, encodeJson } from 'metaoptim/core';
 * const bytes = encodeJson({ theta: new Float32Array([0.1, -2]), step: 3 });
 * const back = decodeJson(bytes) as { theta: Float32Array; step: number };
 * console.log(back.theta instanceof Float32Array, back.theta[1], back.step); // true -2 3
 * ```
 */
export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Float32Array) return { $f32: toB64(bytesOf(v)) };
    if (v instanceof Float64Array) return { $f64: toB64(bytesOf(v)) };
    if (v instanceof Uint8Array) return { $u8: toB64(v) };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    if (Object.is(v, -0)) return { $num: '-0' };
    return v;
  });
  return new TextEncoder().encode(text);
}

/**
 * Decodes `encodeJson` bytes (any ArrayBufferView, e.g. a Node Buffer). Unreadable bytes throw
 * `code` (default BAD_CHECKPOINT) naming `what`.
 * @example
 * ```ts
 * import { MetaoptimError } from 'metaoptim';
 * import { decodeJson } from 'metaoptim/core';
 * try {
 *   decodeJson(new Uint8Array([1, 2, 3]), 'my file');
 * } catch (err) {
 *   console.log(err instanceof MetaoptimError && err.code); // BAD_CHECKPOINT
 * }
 * ```
 */
export function decodeJson(bytes: ArrayBufferView, what = 'checkpoint', code = 'BAD_CHECKPOINT'): unknown {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return JSON.parse(new TextDecoder().decode(view), (_k, v: unknown) => {
      if (v && typeof v === 'object') {
        const o = v as Record<string, string>;
        if ('$f32' in o) return new Float32Array(fromB64(o.$f32!).slice().buffer);
        if ('$f64' in o) return new Float64Array(fromB64(o.$f64!).slice().buffer);
        if ('$u8' in o) return fromB64(o.$u8!);
        if ('$num' in o) return Number(o.$num);
      }
      return v;
    });
  } catch (err) {
    throw new MetaoptimError(code, `${what} is not readable: ${String(err)}`);
  }
}
