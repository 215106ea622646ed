// Meta-training in a real browser: Debian Chromium (headless, via playwright-core) imports
// dist/src/index.js from a local static server and runs PES with 0 and 2 module Web Workers;
// the meta-parameters must be bit-identical to each other and to Node's. Skipped only when
// /usr/bin/chromium is absent (CI installs it; see .ci/run).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, normalize, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { esMetaTrain, mlpLOpt } from '../../src/l2o/index.js';
import { ready } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8', '.map': 'application/json' };

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/') return void res.writeHead(200, { 'content-type': TYPES['.html']! }).end('<!doctype html><title>l2o</title>');
      const path = normalize(resolve(ROOT, '.' + decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      if (!path.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep)) return void res.writeHead(403).end();
      try {
        const body = await readFile(path);
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

test('PES meta-training with Web Workers in Chromium equals in-page and Node results bit for bit', { skip: !existsSync(CHROMIUM) }, async () => {
  await ready();
  const opts = { estimator: 'pes' as const, iterations: 3, particles: 4, truncation: 5, seed: 2, staggerSteps: 3 };
  const args = { dim: 12, innerSteps: 8 };
  const node = await esMetaTrain({ ...opts, theta: mlpLOpt.init(0), setup: { module: new URL('../support/quadratic-setup.js', import.meta.url).href, args } });
  const server = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(origin + '/');
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
    server.close();
  }
});
