// Meta-training in a real browser: Debian Chromium (headless, via playwright-core) imports
// dist/src/index.js from a local static server and runs PES with 0 and 2 module Web Workers;
// the meta-parameters must be bit-identical to each other and to Node's. Needs
// /usr/bin/chromium (CI installs it; see .ci/run).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { esMetaTrain, mlpLOpt } from '../../src/l2o/index.js';
import { ready } from '../../src/index.js';
import { launchChromium, serveRepository } from '../support/browser.js';

test('PES meta-training with Web Workers in Chromium equals in-page and Node results bit for bit', async () => {
  await ready();
  const opts = { estimator: 'pes' as const, iterations: 3, particles: 4, truncation: 5, seed: 2, staggerSteps: 3 };
  const args = { dim: 12, innerSteps: 8 };
  const node = await esMetaTrain({ ...opts, theta: mlpLOpt.init(0), setup: { module: new URL('../support/quadratic-setup.js', import.meta.url).href, args } });
  const server = await serveRepository({ '/': '<!doctype html><title>l2o</title>' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.base + '/');
    const out = await page.evaluate(async ({ opts, args }) => {
      const m = { ...(await import('/dist/src/index.js' as string)), ...(await import('/dist/src/l2o/index.js' as string)) };
      await m.ready();
      const setup = { module: location.origin + '/dist/test/support/quadratic-setup.js', args };
      const inPage = await m.esMetaTrain({ ...opts, theta: m.mlpLOpt.init(0), setup, workers: 0 });
      const workers = await m.esMetaTrain({ ...opts, theta: m.mlpLOpt.init(0), setup, workers: 2 });
      return { inPage: Array.from(inPage.theta as Float32Array), workers: Array.from(workers.theta as Float32Array), typeofWorker: typeof Worker };
    }, { opts, args });
    assert.equal(out.typeofWorker, 'function');
    assert.deepEqual(out.workers, out.inPage, 'Web Workers vs in-page');
    assert.deepEqual(out.inPage, Array.from(node.theta), 'browser vs Node');
  } finally {
    await browser.close();
    await server.close();
  }
});
