// core/adam.ts (the one f64 Adam) and core/codec.ts (the typed-array JSON codec).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { adamF64Init, adamF64Step } from '../../src/core/adam.js';
import { decodeJson, encodeJson } from '../../src/core/codec.js';
import { MetaoptimError } from '../../src/core/errors.js';

const bitsEqual = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

test('adamF64: the first step is −lr·sign(g) as ε → 0 (bias correction makes m̂ = g, v̂ = g²)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }).filter((g) => Math.abs(g) > 1e-6), { minLength: 1, maxLength: 20 }),
      fc.double({ min: 1e-4, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      (g, lr, beta1) => {
        const x = new Float64Array(g.length);
        const s = adamF64Init(g.length);
        adamF64Step(x, g, s, { lr, beta1, eps: 0 });
        g.forEach((gi, i) => assert.ok(Math.abs(x[i]! + lr * Math.sign(gi)) <= 1e-12 * lr, `x${i} = ${x[i]}, g = ${gi}`));
        assert.equal(s.t, 1);
      },
    ),
  );
  // With the default ε the step is within ε/|g| (relative) of −lr·sign(g).
  const x = new Float64Array(2);
  adamF64Step(x, [2, -0.5], adamF64Init(2), { lr: 0.1 });
  assert.ok(Math.abs(x[0]! + 0.1) < 1e-8 && Math.abs(x[1]! - 0.1) < 1e-8);
});

test('adamF64: a zero gradient does not move x; defaults are β₁ 0.9, β₂ 0.999, ε 1e-8; a hand-computed second step', () => {
  const x = Float64Array.from([1, 2]);
  adamF64Step(x, [0, 0], adamF64Init(2), { lr: 1 });
  assert.deepEqual(Array.from(x), [1, 2]);
  // Two steps with g = 1 then g = 3, lr 0.1, defaults.
  const y = new Float64Array(1);
  const s = adamF64Init(1);
  adamF64Step(y, [1], s, { lr: 0.1 });
  adamF64Step(y, [3], s, { lr: 0.1 });
  const m = 0.9 * 0.1 + 0.1 * 3; // m after two steps
  const v = 0.999 * 0.001 + 0.001 * 9;
  const step2 = (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  const step1 = 0.1 / (1 + 1e-8);
  assert.ok(Math.abs(y[0]! - (-step1 - step2)) < 1e-15, `${y[0]}`);
  assert.equal(s.t, 2);
  assert.ok(Math.abs(s.m[0]! - m) < 1e-15 && Math.abs(s.v[0]! - v) < 1e-15);
});

const anyF64 = fc.double(); // NaN, ±Inf, -0 and subnormals included
const anyF32 = fc.float();

test('codec: typed arrays and non-finite numbers round-trip bit for bit (NaN, ±Inf, −0)', () => {
  fc.assert(
    fc.property(fc.array(anyF64, { maxLength: 30 }), fc.array(anyF32, { maxLength: 30 }), fc.uint8Array({ maxLength: 30 }), anyF64, (d, f, u, x) => {
      const value = { f64: Float64Array.from(d), f32: Float32Array.from(f), u8: u, nested: [{ x }, 'text', null, true] as [{ x: number }, string, null, boolean], n: 3 };
      const out = decodeJson(encodeJson(value)) as typeof value;
      assert.ok(out.f64 instanceof Float64Array && out.f32 instanceof Float32Array && out.u8 instanceof Uint8Array);
      assert.deepEqual(new Uint8Array(out.f64.buffer), new Uint8Array(value.f64.buffer));
      assert.deepEqual(new Uint8Array(out.f32.buffer), new Uint8Array(value.f32.buffer));
      assert.deepEqual(Array.from(out.u8), Array.from(u));
      assert.ok(bitsEqual(out.nested[0]!.x as number, x), `${x} → ${out.nested[0]!.x}`);
      assert.deepEqual(out.nested.slice(1), ['text', null, true]);
      assert.equal(out.n, 3);
    }),
    { numRuns: 200 },
  );
  // Plain numbers: NaN, ±Inf and −0 survive as numbers (JSON alone would give null, null, null, 0).
  const plain = decodeJson(encodeJson([NaN, Infinity, -Infinity, -0, 0])) as number[];
  assert.ok(Number.isNaN(plain[0]!) && plain[1] === Infinity && plain[2] === -Infinity && Object.is(plain[3], -0) && Object.is(plain[4], 0));
  const z = decodeJson(encodeJson(Float64Array.of(-0, 0, NaN, -Infinity))) as Float64Array;
  assert.ok(Object.is(z[0], -0) && Object.is(z[1], 0) && Number.isNaN(z[2]!) && z[3] === -Infinity);
  // A NaN payload (not the canonical NaN) is kept bit for bit in a Float32Array.
  const weird = new Float32Array(new Uint32Array([0x7fc00001, 0xffbfffff]).buffer);
  const back = decodeJson(encodeJson(weird)) as Float32Array;
  assert.deepEqual(Array.from(new Uint32Array(back.buffer)), [0x7fc00001, 0xffbfffff]);
});

test('codec: a subarray view encodes only its own bytes; any ArrayBufferView decodes (Node Buffer, offset views)', () => {
  const big = Float64Array.from([1, 2, 3, 4, 5]);
  const view = big.subarray(1, 3);
  assert.deepEqual(Array.from(decodeJson(encodeJson(view)) as Float64Array), [2, 3]);
  const bytes = encodeJson({ a: Float32Array.of(1.5, -0), s: 'é' });
  const fromBuffer = decodeJson(Buffer.from(bytes)) as { a: Float32Array; s: string };
  assert.ok(Object.is(fromBuffer.a[1], -0) && fromBuffer.a[0] === 1.5 && fromBuffer.s === 'é');
  // Bytes at an odd offset inside a larger buffer.
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  const fromOffset = decodeJson(new DataView(padded.buffer, 3, bytes.length)) as { a: Float32Array };
  assert.equal(fromOffset.a[0], 1.5);
});

test('codec: unreadable bytes throw the given code naming what was read', () => {
  const junk = new TextEncoder().encode('{not json');
  assert.throws(() => decodeJson(junk), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT' && /checkpoint/.test(e.message));
  assert.throws(() => decodeJson(junk, 'theta file', 'BAD_THETA'), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_THETA' && /theta file/.test(e.message));
});
