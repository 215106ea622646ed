// Cancellation from a real page: a Stop button aborts a long `train` run in headless Chromium.
// The run must reject with ABORTED carrying { iteration, partial } long before it would finish,
// and the page must stay responsive while it runs (the loop yields to the event loop).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type StaticServer, launchChromium, serveRepository } from '../support/browser.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>metaoptim abort test</title>
<button id="start">Start</button> <button id="stop">Stop</button> <output id="status">idle</output>
<script type="module">
  import { ready, adam, train } from '/dist/src/index.js';
  import { rastriginTask } from '/dist/src/tasks/index.js';
  const status = document.getElementById('status');
  let controller;
  window.outcome = new Promise((resolve) => {
    document.getElementById('start').onclick = async () => {
      await ready();
      controller = new AbortController();
      const task = rastriginTask({ n: 64 });
      let events = 0;
      const steps = 5_000_000;
      status.textContent = 'running';
      const started = performance.now();
      try {
        await train(task, adam({ lr: 1e-2 }), { steps, evalSplits: [], signal: controller.signal, onProgress: () => (events += 1) });
        resolve({ code: 'FINISHED' });
      } catch (err) {
        resolve({ code: err.code, iteration: err.details?.iteration, steps, partialSteps: err.details?.partial?.steps,
                  partialParams: err.details?.partial?.params?.length, latencyMs: performance.now() - window.stoppedAt,
                  ranMs: performance.now() - started, events });
      }
      status.textContent = 'stopped';
    };
  });
  document.getElementById('stop').onclick = () => { window.stoppedAt = performance.now(); controller.abort(); };
</script>`;

let server: StaticServer | undefined;
let browser: Browser | undefined;

before(async () => {
  server = await serveRepository({ '/': PAGE });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('a Stop button aborts train() in Chromium with ABORTED and the partial result', { timeout: 60_000 }, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server!.base}/`);
  await page.click('#start');
  await page.waitForFunction(() => document.getElementById('status')!.textContent === 'running');
  await page.waitForTimeout(300);
  // The page answers while the run is going: the loop yields to the event loop.
  assert.equal(await page.evaluate(() => document.getElementById('status')!.textContent), 'running');
  await page.click('#stop');
  const r = (await page.evaluate(() => (window as unknown as { outcome: Promise<Record<string, number | string>> }).outcome)) as Record<string, number>;
  assert.deepEqual(errors, []);
  assert.equal(r.code, 'ABORTED');
  assert.ok(r.iteration! > 0 && r.iteration! < r.steps!, `aborted at ${r.iteration} of ${r.steps}`);
  assert.equal(r.partialSteps, r.iteration, 'the partial result holds the steps done');
  assert.equal(r.partialParams, 64);
  assert.ok(r.events! > 0, 'progress was reported');
  // Generous bound (the contract is 100 ms; a run that ignored the button would take minutes).
  assert.ok(r.latencyMs! < 1000, `rejected ${r.latencyMs} ms after Stop`);
  await page.close();
});
