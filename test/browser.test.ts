// The package in a real browser: Debian Chromium (headless, via playwright-core) loads
// dist/src/index.js from a local static server, runs a fixed sequence of Adam and Eve
// steps on the SIMD build (the default there) and on the scalar build, and must produce
// exactly the bits Node produces for the same inputs. CI installs /usr/bin/chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type StaticServer, launchChromium, serveRepository } from './support/browser.js';

interface RunResult {
  build: string;
  readyBuild: string | null;
  adam: { params: number[]; m: number[]; v: number[]; count: number };
  eve: { params: number[]; scalars: Record<string, string> };
}

/**
 * The workload, run identically in Node and in the page (serialized with toString, so it
 * may use only its arguments). Inputs come from a seeded generator (mulberry32). Float
 * buffers are returned as Uint32 bit patterns, f64 scalars as hex bit strings.
 */
async function workload(mod: any, build: 'simd' | 'scalar', checkReady: boolean): Promise<RunResult> {
  let seed = 0x9e3779b9 >>> 0;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const vec = (n: number, scale: number) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = (rand() * 2 - 1) * scale;
    return x;
  };
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)));
  const hex = (d: number) => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, d);
    return b.getBigUint64(0).toString(16);
  };
  const readyBuild = checkReady ? (await mod.ready()).build : null;
  const runtime = await mod.createRuntime({ build });
  const n = 1003; // 62 blocks of 16, 2 vectors of 4, a tail of 3
  const a = mod.adam({ lr: 1e-2, weightDecay: 1e-3 });
  const sa = a.init(vec(n, 1), { runtime });
  for (let k = 0; k < 40; k++) {
    const g = vec(n, 0.5);
    if (k % 2 === 0) a.step(sa, g);
    else {
      sa.grads.set(g);
      a.step(sa);
    }
  }
  const e = mod.eve({ lr: 1e-2 });
  const se = e.init(vec(n, 1), { runtime });
  for (let k = 0; k < 40; k++) e.step(se, vec(n, 0.5), { loss: 0.5 + rand() });
  const scalars: Record<string, string> = {};
  for (const [k, v] of Object.entries(se.scalars as Record<string, number>)) scalars[k] = hex(v);
  const result: RunResult = {
    build: runtime.build,
    readyBuild,
    adam: { params: bits(sa.params), m: bits(sa.slots.m), v: bits(sa.slots.v), count: sa.scalars.count },
    eve: { params: bits(se.params), scalars },
  };
  sa.dispose();
  se.dispose();
  runtime.dispose();
  return result;
}

let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let base = '';

before(async () => {
  server = await serveRepository({ '/': '<!doctype html><meta charset="utf-8"><title>metaoptim browser test</title>' });
  base = server.base;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${base}/`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function inBrowser(build: 'simd' | 'scalar', checkReady: boolean): Promise<RunResult> {
  return page!.evaluate(
    async ([src, b, check]) => {
      const mod = await import('/dist/src/index.js' as string);
      const fn = new Function(`return (${src})`)() as typeof workload;
      return fn(mod, b, check);
    },
    [workload.toString(), build, checkReady] as const,
  );
}

test('the server serves wasm and modules with the right content types', async () => {
  const wasm = await fetch(`${base}/build/metaoptim.simd.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const js = await fetch(`${base}/dist/src/index.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal((await fetch(`${base}/dist/no-such-file.js`)).status, 404);
});

test('Chromium runs the SIMD build by default and matches Node bit for bit (Adam, Eve)', { timeout: 120_000 }, async () => {
  const web = await inBrowser('simd', true);
  assert.equal(web.readyBuild, 'simd', 'ready() in Chromium must pick the SIMD build');
  assert.equal(web.build, 'simd');
  const node = await workload(await import('../src/index.js'), 'simd', false);
  assert.equal(web.adam.count, 40);
  assert.equal(web.adam.params.length, 1003);
  assert.deepEqual(web.adam, node.adam);
  assert.deepEqual(web.eve, node.eve);
  assert.notDeepEqual(web.eve.scalars.d, (1).toString(16), 'Eve feedback must have moved d');
});

test('Chromium runs the scalar build on request, equal to Node and to the SIMD build', { timeout: 120_000 }, async () => {
  const web = await inBrowser('scalar', false);
  assert.equal(web.build, 'scalar');
  const node = await workload(await import('../src/index.js'), 'scalar', false);
  const nodeSimd = await workload(await import('../src/index.js'), 'simd', false);
  assert.deepEqual(web.adam, node.adam);
  assert.deepEqual(web.eve, node.eve);
  assert.deepEqual(node.adam, nodeSimd.adam, 'scalar and SIMD builds agree bit for bit');
  assert.deepEqual(node.eve, nodeSimd.eve);
});
