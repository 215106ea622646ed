// CRC-32 (IEEE 802.3, the zlib/PNG/gzip polynomial): the one checksum of the library. Pure TS.

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/**
 * CRC-32 of `bytes` (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF;
 * `crc32(new TextEncoder().encode('123456789')) === 0xcbf43926`), as an unsigned 32-bit number.
 * Pass the previous result as `prev` to continue over several pieces:
 * `crc32(b, crc32(a)) === crc32(a ‖ b)`. It detects every single-bit error, every burst of at
 * most 32 bits and every odd number of flipped bits; it is not a cryptographic hash.
 */
export function crc32(bytes: Uint8Array, prev = 0): number {
  const t = crcTable();
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `crc32` of a string's UTF-8 bytes as 8 lower-case hex digits (a short, stable fingerprint). */
export function crc32Hex(text: string): string {
  return crc32(new TextEncoder().encode(text)).toString(16).padStart(8, '0');
}
