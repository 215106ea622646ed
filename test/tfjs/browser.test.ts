// The TF.js adapter in headless Chromium: the page script (test/tfjs/browser-entry.ts, bundled with
// esbuild at test time) runs the workload of test/tfjs/workload.ts on the tfjs cpu and wasm
// backends (the wasm backend's .wasm files served from node_modules), and Node runs the same
// model for comparison.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createRuntime } from '../../src/index.js';
import { ROOT, type StaticServer, launchChromium, serveRepository } from '../support/browser.js';
import { useBackend } from '../support/tfjs.js';
import { type WorkloadResult, adamPair } from './workload.js';

let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;

before(async () => {
  const esbuild = await import('esbuild');
  await mkdir(`${ROOT}dist/tfjs-browser`, { recursive: true });
  await esbuild.build({
    entryPoints: [`${ROOT}dist/test/tfjs/browser-entry.js`],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outfile: `${ROOT}dist/tfjs-browser/bundle.js`,
    logLevel: 'silent',
  });
  server = await serveRepository({
    '/': '<!doctype html><meta charset="utf-8"><title>metaoptim tfjs</title><script type="module" src="/dist/tfjs-browser/bundle.js"></script>',
  });
  browser = await launchChromium();
  page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.base}/`);
  await page.waitForFunction(() => typeof (globalThis as { runAdapterWorkload?: unknown }).runAdapterWorkload === 'function', undefined, { timeout: 30_000 });
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

function check(r: WorkloadResult, where: string): void {
  let worst = 0;
  for (let i = 0; i < r.adamWeights.length; i++) worst = Math.max(worst, Math.abs(r.adamWeights[i]! - r.tfAdamWeights[i]!));
  assert.equal(r.adamWeights.length, 5 * 8 + 8 + 8 * 3 + 3);
  assert.ok(worst <= 1e-6, `${where}: adapter vs tf.train.adam max |Δw| = ${worst}`);
  assert.ok(r.eveLosses.at(-1)! < 0.9 * r.eveLosses[0]!, `${where}: Eve ${r.eveLosses[0]} → ${r.eveLosses.at(-1)}`);
  assert.equal(r.tensorsAfter, r.tensorsBefore, `${where}: tensors ${r.tensorsBefore} → ${r.tensorsAfter} over 300 steps`);
  assert.deepEqual(r.aliasCheck, [0, 1, 2, 3], `${where}: the variable followed WebAssembly memory`);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Chromium, tfjs ${backend}: adam = tf.train.adam, Eve trains, no leaks, no aliasing; same as Node`, { timeout: 180_000 }, async () => {
    const web = await page!.evaluate(
      async ([b, base]) => (globalThis as unknown as { runAdapterWorkload(b: string, base: string): Promise<WorkloadResult & { build: string }> }).runAdapterWorkload(b, base),
      [backend, server!.base] as const,
    );
    assert.equal(web.backend, backend);
    assert.equal(web.build, 'simd');
    check(web, `Chromium ${backend}`);
    // Node (whose full workload runs in the other test files) trains the same weights.
    await useBackend(backend);
    const runtime = await createRuntime({ build: 'simd' });
    const node = await adamPair(runtime);
    runtime.dispose();
    for (let i = 0; i < node.ours.length; i++) {
      assert.ok(Math.abs(web.adamWeights[i]! - node.ours[i]!) <= 1e-6, `weight ${i}: Chromium ${web.adamWeights[i]} vs Node ${node.ours[i]}`);
    }
  });
}
