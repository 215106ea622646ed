// The `metaoptim/inline` entry (src/runtime/inline.ts): the inlined bytes are exactly the built
// build/*.wasm files (so the generated module can never be stale), its ready() needs no file or
// network access, and both inlined builds step Adam to the same bits as the file-loaded ones.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { adam } from '../../src/optim/index.js';
import { createRuntime as inlineRuntime, inlineWasmBytes, ready } from '../../src/runtime/inline.js';
import { type Runtime, createRuntime, runtimeInfo } from '../../src/runtime/runtime.js';
import { simdSupported } from '../../src/runtime/load.js';

const root = new URL('../../../', import.meta.url);

/** 100 Adam steps on a fixed quadratic (n = 37: an odd SIMD tail); the parameters' bytes. */
function adamBits(runtime?: Runtime): Uint8Array {
  const n = 37;
  const opt = adam({ lr: 0.01 });
  const s = opt.init(Float32Array.from({ length: n }, (_, i) => (0.5 * i) / n), runtime ? { runtime } : {});
  const g = new Float32Array(n);
  for (let t = 0; t < 100; t++) {
    const p = s.params;
    for (let i = 0; i < n; i++) g[i] = (p[i]! - ((i % 7) - 3 + 0.125 * i)) * (1 + 0.01 * i);
    opt.step(s, g);
  }
  const out = new Uint8Array(s.params.slice().buffer);
  s.dispose();
  return out;
}

test('the inlined bytes decode to exactly build/metaoptim.{simd,scalar}.wasm', async () => {
  const bytes = await inlineWasmBytes();
  for (const build of ['simd', 'scalar'] as const) {
    const file = new Uint8Array(await readFile(new URL(`build/metaoptim.${build}.wasm`, root)));
    assert.equal(bytes[build].length, file.length, `${build}: run npm run build:wasm to regenerate src/runtime/wasm-inline.ts`);
    assert.deepEqual(bytes[build], file);
  }
  assert.equal(await inlineWasmBytes(), await inlineWasmBytes(), 'decoded once');
});

test('ready() from metaoptim/inline makes the default runtime with the SIMD probe as usual', async () => {
  const info = await ready();
  assert.equal(info.build, simdSupported() ? 'simd' : 'scalar');
  assert.equal(runtimeInfo()?.build, info.build);
  assert.equal((await ready()).build, info.build, 'idempotent');
});

test('both inlined builds give the same Adam bits as the file-loaded builds', async () => {
  for (const build of ['simd', 'scalar'] as const) {
    const a = await inlineRuntime({ build });
    const b = await createRuntime({ build });
    assert.equal(a.kernels.simd_enabled(), build === 'simd' ? 1 : 0);
    assert.deepEqual(adamBits(a), adamBits(b), build);
    a.dispose();
    b.dispose();
  }
});

test('an explicit url or bytes option wins over the inlined bytes', async () => {
  const scalar = await readFile(new URL('build/metaoptim.scalar.wasm', root));
  const rt = await inlineRuntime({ build: 'scalar', bytes: scalar });
  assert.equal(rt.build, 'scalar');
  rt.dispose();
  await assert.rejects(inlineRuntime({ build: 'scalar', url: new URL('missing/', root) }), (e: Error & { code?: string }) => e.code === 'WASM_FETCH_FAILED');
});
