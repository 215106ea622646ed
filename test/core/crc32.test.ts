// core/crc32.ts against the check value of the CRC-32/ISO-HDLC catalogue entry and Node's zlib.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32, crc32Hex } from '../../src/core/crc32.js';

test('CRC-32: the catalogue check value, the empty input, and zlib on random bytes, in one piece or two', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Hex('123456789'), 'cbf43926');
  assert.equal(crc32(new Uint8Array(0)), 0);
  const ref = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (b, cut) => {
      const at = b.length ? cut % b.length : 0;
      const whole = crc32(b);
      assert.equal(crc32(b.subarray(at), crc32(b.subarray(0, at))), whole);
      if (ref) assert.equal(whole, ref(b) >>> 0);
    }),
    { seed: 15, numRuns: 200 },
  );
});

test('CRC-32 detects every single-bit flip of a 64-byte message', () => {
  const b = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
  const c = crc32(b);
  for (let bit = 0; bit < 8 * b.length; bit++) {
    const f = b.slice();
    f[bit >> 3]! ^= 1 << (bit & 7);
    assert.notEqual(crc32(f), c, `bit ${bit}`);
  }
});
