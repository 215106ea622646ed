// Where the module comes from (src/runtime/load.ts): ready({ url }) as one file, a base URL or
// { simd, scalar }; ready({ bytes }) for one or both builds; and every fetch failure a typed
// WASM_FETCH_FAILED (404, an HTML page at the .wasm URL, a refused connection, a missing file).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { type Build, WASM_FILES, resolveWasmUrl } from '../../src/runtime/load.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { type StaticServer, serveRepository } from '../support/browser.js';

let server: StaticServer;
const root = new URL('../../../', import.meta.url);

before(async () => {
  server = await serveRepository({ '/spa/metaoptim.simd.wasm': '<!doctype html><title>app</title>' });
});
after(async () => server.close());

async function rejectsWith(p: Promise<unknown>, code: string, check: (e: MetaoptimError) => void = () => {}): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MetaoptimError, `not a MetaoptimError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    check(e);
    return true;
  });
}

test('a base URL ending in / loads the chosen build by its file name', async () => {
  for (const build of ['simd', 'scalar'] as Build[]) {
    const rt = await createRuntime({ build, url: `${server.base}/build/` });
    assert.equal(rt.build, build);
    assert.equal(rt.kernels.simd_enabled(), build === 'simd' ? 1 : 0);
    rt.dispose();
  }
  assert.equal(resolveWasmUrl('scalar', new URL('https://cdn.example/x/')).href, `https://cdn.example/x/${WASM_FILES.scalar}`);
});

test('{ simd, scalar } URLs: each build from its own URL; a missing entry or unknown key is typed', async () => {
  const url = { simd: `${server.base}/build/metaoptim.simd.wasm`, scalar: new URL(`${server.base}/build/metaoptim.scalar.wasm`) };
  for (const build of ['simd', 'scalar'] as Build[]) {
    const rt = await createRuntime({ build, url });
    assert.equal(rt.kernels.simd_enabled(), build === 'simd' ? 1 : 0);
    rt.dispose();
  }
  await rejectsWith(createRuntime({ build: 'simd', url: { scalar: url.scalar } }), 'INVALID_ARGUMENT', (e) => assert.match(e.message, /no 'simd' entry/));
  await rejectsWith(createRuntime({ build: 'simd', url: { simd: url.simd, scaler: 'x' } as never }), 'UNKNOWN_OPTION', (e) =>
    assert.equal(e.details?.suggestion, 'scalar'),
  );
});

test('one file URL still works, and the wrong build behind it is WASM_UNAVAILABLE', async () => {
  const rt = await createRuntime({ build: 'scalar', url: `${server.base}/build/metaoptim.scalar.wasm` });
  assert.equal(rt.build, 'scalar');
  rt.dispose();
  await rejectsWith(createRuntime({ build: 'simd', url: `${server.base}/build/metaoptim.scalar.wasm` }), 'WASM_UNAVAILABLE');
});

test('a 404 is WASM_FETCH_FAILED with the status and a hint, not a TypeError', async () => {
  await rejectsWith(createRuntime({ build: 'simd', url: `${server.base}/nowhere/` }), 'WASM_FETCH_FAILED', (e) => {
    assert.equal(e.details?.reason, 'http');
    assert.equal(e.details?.status, 404);
    assert.equal(e.details?.url, `${server.base}/nowhere/metaoptim.simd.wasm`);
    assert.match(e.message, /metaoptim\/inline/);
  });
});

test('an HTML page where the module should be (a fallback route) is WASM_FETCH_FAILED, reason not-wasm', async () => {
  await rejectsWith(createRuntime({ build: 'simd', url: `${server.base}/spa/` }), 'WASM_FETCH_FAILED', (e) => {
    assert.equal(e.details?.reason, 'not-wasm');
    assert.match(String(e.details?.contentType), /text\/html/);
    assert.match(e.message, /HTML page/);
  });
});

test('a refused connection and a missing file are WASM_FETCH_FAILED too', async () => {
  const closed = await serveRepository();
  const dead = closed.base;
  await closed.close();
  await rejectsWith(createRuntime({ build: 'scalar', url: `${dead}/build/` }), 'WASM_FETCH_FAILED', (e) => assert.equal(e.details?.reason, 'network'));
  await rejectsWith(createRuntime({ build: 'scalar', url: new URL('no-such-dir/', root) }), 'WASM_FETCH_FAILED', (e) => {
    assert.equal(e.details?.reason, 'file');
    assert.match(e.message, /ENOENT/);
  });
});

test('bytes: one module or { simd, scalar }, the chosen build picked', async () => {
  const simd = await readFile(new URL('build/metaoptim.simd.wasm', root));
  const scalar = await readFile(new URL('build/metaoptim.scalar.wasm', root));
  for (const build of ['simd', 'scalar'] as Build[]) {
    const rt = await createRuntime({ build, bytes: { simd, scalar } });
    assert.equal(rt.kernels.simd_enabled(), build === 'simd' ? 1 : 0);
    rt.dispose();
  }
  const one = await createRuntime({ build: 'scalar', bytes: scalar });
  assert.equal(one.build, 'scalar');
  one.dispose();
  await rejectsWith(createRuntime({ build: 'scalar', bytes: { simd } }), 'INVALID_ARGUMENT');
  await rejectsWith(createRuntime({ build: 'scalar', bytes: { scalar: 'abc' as never } }), 'INVALID_ARGUMENT');
});
