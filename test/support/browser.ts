// Shared browser-test harness: a loopback static server over the repository (correct
// content types for modules and wasm, nothing outside the root) and Debian's headless
// Chromium driven by playwright-core. CI installs /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.csv': 'text/csv',
  '.gz': 'application/gzip',
};

export interface StaticServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/**
 * Serves the repository root (or `dir`, e.g. a bundler's output folder) on a loopback port.
 * `pages` maps a path (e.g. '/') to HTML served instead of a file; anything outside the root,
 * or missing, is a 404.
 */
export async function serveRepository(pages: Record<string, string> = {}, dir: string = ROOT): Promise<StaticServer> {
  const rootDir = dir.endsWith(sep) ? dir : dir + sep;
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const page = pages[path];
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': TYPES['.html']! });
        res.end(page);
        return;
      }
      const file = resolve(rootDir, `.${normalize(path)}`);
      if (!file.startsWith(rootDir) || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** Launches headless Debian Chromium; a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian Chromium (apt-get install chromium) to run the browser tests`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
