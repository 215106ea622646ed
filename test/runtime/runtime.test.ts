import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { adam } from '../../src/optim/index.js';
import { Region, createRuntime, ready, runtimeInfo, simdSupported } from '../../src/runtime/index.js';

const root = new URL('../../../', import.meta.url);

/** Counts v128-prefixed opcodes (0xFD) in the code section, via wabt when present, else by a byte scan. */
async function countSimdOps(file: string): Promise<number> {
  const bytes = await readFile(new URL(file, root));
  // Walk sections to find the code section (id 10), then count 0xFD prefix bytes inside it.
  let i = 8;
  const leb = (): number => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++]!;
      r |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return r >>> 0;
      shift += 7;
    }
  };
  while (i < bytes.length) {
    const id = bytes[i++]!;
    const size = leb();
    if (id === 10) {
      let c = 0;
      // Function by function: the function count and each body's size are LEB128 numbers that
      // may hold a 0xFD byte (a body of 509 bytes is FD 03), so only body bytes are scanned.
      const bodies = leb();
      for (let f = 0; f < bodies; f++) {
        const len = leb();
        const end = i + len;
        // Skip f32.const (0x43) / f64.const (0x44) immediates: the math library's constants
        // (exp, log, tanh used by the nn kernels) contain arbitrary bytes, 0xFD included.
        for (let j = i; j < end; j++) {
          if (bytes[j] === 0x43) j += 4;
          else if (bytes[j] === 0x44) j += 8;
          else if (bytes[j] === 0xfd) c++;
        }
        i = end;
      }
      return c;
    }
    i += size;
  }
  return 0;
}

test('the SIMD binary contains v128 instructions and the scalar one none', async () => {
  const simdWat = await readFile(new URL('build/metaoptim.simd.wat', root), 'utf8');
  const scalarWat = await readFile(new URL('build/metaoptim.scalar.wat', root), 'utf8');
  for (const op of ['f32x4.mul', 'f32x4.div', 'f32x4.sqrt', 'v128.load', 'v128.store', 'f64x2.promote_low_f32x4']) {
    assert.ok(simdWat.includes(op), `SIMD text lacks ${op}`);
  }
  assert.ok(!/v128|f32x4|i32x4|f64x2/.test(scalarWat), 'scalar build must not contain SIMD');
  assert.ok((await countSimdOps('build/metaoptim.simd.wasm')) > 100);
  assert.equal(await countSimdOps('build/metaoptim.scalar.wasm'), 0);
});

test('ready() is idempotent and reports the active build', async () => {
  const a = await ready();
  const b = await ready();
  assert.equal(a.build, b.build);
  assert.equal(a.build, simdSupported() ? 'simd' : 'scalar');
  assert.equal(runtimeInfo()?.build, a.build);
});

test('both builds instantiate on request and report themselves', async () => {
  for (const build of ['simd', 'scalar'] as const) {
    const rt = await createRuntime({ build });
    assert.equal(rt.build, build);
    assert.equal(rt.kernels.simd_enabled(), build === 'simd' ? 1 : 0);
    rt.dispose();
    rt.dispose(); // idempotent
    assert.throws(() => rt.kernels, (e: MetaoptimError) => e.code === 'DISPOSED');
  }
});

test('views stay valid across memory.grow mid-run', async () => {
  const rt = await createRuntime({ initialPages: 1 });
  const opt = adam({ lr: 0.01 });
  const states = Array.from({ length: 5 }, (_, j) => opt.init(Float32Array.from({ length: 1000 + j }, (_, i) => i * 0.5 + j), { runtime: rt }));
  const regions = Array.from({ length: 3 }, (_, j) => {
    const r = new Region(rt.arena, Float64Array, 777 + j);
    r.view.fill(j + 0.25);
    return r;
  });
  const grads = states.map((s) => Float32Array.from({ length: s.size }, (_, i) => Math.sin(i)));
  states.forEach((s, j) => opt.step(s, grads[j]));
  const before = states.map((s) => ({ p: s.params.slice(), m: s.slots.m!.slice(), v: s.slots.v!.slice() }));
  const stale = states[0]!.params;
  const buf0 = rt.arena.memory.buffer;
  const big = new Region(rt.arena, Float32Array, 4_000_000); // forces memory.grow
  assert.notEqual(rt.arena.memory.buffer, buf0, 'memory must have grown');
  assert.equal(stale.length, 0, 'a raw view taken before growth is detached');
  states.forEach((s, j) => {
    assert.deepEqual(s.params, before[j]!.p);
    assert.deepEqual(s.slots.m, before[j]!.m);
    assert.deepEqual(s.slots.v, before[j]!.v);
  });
  regions.forEach((r, j) => assert.ok(r.view.every((x) => x === j + 0.25)));
  // The kernels keep working on the grown memory, and agree with a state that never saw growth.
  const fresh = await createRuntime();
  const twin = opt.init(Float32Array.from({ length: 1000 }, (_, i) => i * 0.5), { runtime: fresh });
  opt.step(twin, grads[0]);
  opt.step(twin, grads[0]);
  opt.step(states[0]!, grads[0]);
  assert.deepEqual(states[0]!.params, twin.params);
  big.release();
  states.forEach((s) => s.dispose());
  regions.forEach((r) => r.release());
  assert.equal(rt.arena.stats().liveBlocks, 0);
});

test('dispose is idempotent and use after dispose is a typed error', async () => {
  await ready();
  const opt = adam();
  const s = opt.init([1, 2, 3]);
  s.dispose();
  s.dispose();
  assert.throws(() => s.params, (e: MetaoptimError) => e instanceof MetaoptimError && e.code === 'DISPOSED');
  assert.throws(() => opt.step(s, [1, 2, 3]), (e: MetaoptimError) => e.code === 'DISPOSED');
});
