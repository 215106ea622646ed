// Zero-configuration loading in every common bundler (issue 11, item 1). The packed tarball is
// installed into an empty folder (offline, --omit=dev) so that each bundler resolves metaoptim
// as a user's project would; a tiny page is built with Vite, webpack 5 (Node API), Rollup 4
// (+ @rollup/plugin-node-resolve: the one documented line) and esbuild, each with its default
// configuration; every build is served from a loopback server and loaded in headless Debian
// Chromium, where 100 Adam steps must give the same bits as Node, with the SIMD build active.
//   Vite, webpack  follow new URL('…wasm', import.meta.url): `import { ready } from 'metaoptim'`.
//   Rollup, esbuild do not: `import { ready } from 'metaoptim/inline'` (both builds inlined), and
//   esbuild's second page uses the exported .wasm files with its file loader (one line) and
//   ready({ url: { simd, scalar } }).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { ROOT, launchChromium, serveRepository } from '../support/browser.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The page's program: 100 Adam steps on a fixed quadratic (n = 37, an odd SIMD tail; only +, −, ×
 * in the gradient, so any engine computes it bit for bit), then the parameters' bytes as hex.
 * `IMPORTS` names where `ready` comes from and `SETUP` what `ready` is given.
 */
function program(imports: string, readyArgs = ''): string {
  return `${imports}
import { adam } from 'metaoptim';

function adamHex() {
  const n = 37;
  const opt = adam({ lr: 0.01 });
  const p0 = new Float32Array(n);
  for (let i = 0; i < n; i++) p0[i] = (0.5 * i) / n;
  const s = opt.init(p0);
  const g = new Float32Array(n);
  for (let t = 0; t < 100; t++) {
    const p = s.params;
    for (let i = 0; i < n; i++) g[i] = (p[i] - ((i % 7) - 3 + 0.125 * i)) * (1 + 0.01 * i);
    opt.step(s, g);
  }
  const bytes = new Uint8Array(s.params.slice().buffer);
  s.dispose();
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

ready(${readyArgs}).then(
  (info) => ({ build: info.build, hex: adamHex() }),
  (err) => ({ error: String(err && err.message), code: err && err.code }),
).then((out) => {
  if (typeof document === 'undefined') console.log(JSON.stringify(out));
  else globalThis.__metaoptim = out;
});
`;
}

const html = (script: string, module: boolean) =>
  `<!doctype html><meta charset="utf-8"><title>metaoptim</title><script ${module ? 'type="module" ' : ''}src="${script}"></script>`;

let consumer = '';
let browser: Browser;
let nodeResult: { build: string; hex: string };

before(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'metaoptim-bundlers-'));
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', consumer], { cwd: ROOT, maxBuffer: 1 << 26 });
  const tarball = (JSON.parse(stdout) as { filename: string }[])[0]!.filename;
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'bundled-page', private: true, type: 'module' }));
  await run(npm, ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(consumer, tarball)], { cwd: consumer, maxBuffer: 1 << 26 });
  // The reference: the same program in Node, from the installed package.
  await writeFile(join(consumer, 'node-run.mjs'), program("import { ready } from 'metaoptim';"));
  const out = await run(process.execPath, [join(consumer, 'node-run.mjs')], { cwd: consumer });
  nodeResult = JSON.parse(out.stdout) as { build: string; hex: string };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

/** A fresh project folder inside the consumer (so node_modules/metaoptim resolves from it). */
async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(consumer, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

/** Serves `dir` (plus `pages`), opens '/' (or the built index.html), and returns what the page published, with the wasm requests seen. */
async function load(dir: string, pages: Record<string, string> = {}): Promise<{ out: Record<string, string>; wasm: string[] }> {
  const server = await serveRepository(pages, dir);
  const page = await browser.newPage();
  const wasm: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => void (r.url().endsWith('.wasm') && wasm.push(r.url())));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  try {
    await page.goto(`${server.base}/${pages['/'] === undefined ? 'index.html' : ''}`);
    const handle = await page.waitForFunction(() => (globalThis as { __metaoptim?: unknown }).__metaoptim, undefined, { timeout: 30_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\npage problems: ${problems.join('\n')}`);
    });
    return { out: (await handle.jsonValue()) as Record<string, string>, wasm };
  } finally {
    await page.close();
    await server.close();
  }
}

/** Rollup 4 with its one documented line, `plugins: [nodeResolve()]`, and default output (format 'es'). */
async function rollupBuild(name: string, imports: string): Promise<string> {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const dir = await project(name, { 'main.js': program(imports) });
  const bundle = await rollup({ input: join(dir, 'main.js'), plugins: [nodeResolve()], onwarn: () => {} });
  await bundle.write({ dir: join(dir, 'dist') });
  await bundle.close();
  return dir;
}

function assertSameBits(out: Record<string, string>, label: string): void {
  assert.equal(out.error, undefined, `${label}: ${out.code} ${out.error}`);
  assert.equal(nodeResult.build, 'simd', 'Node runs the SIMD build');
  assert.equal(out.build, 'simd', `${label}: the SIMD build is active in Chromium`);
  assert.equal(out.hex, nodeResult.hex, `${label}: 100 Adam steps differ from Node`);
}

test('Vite 8, default configuration: the .wasm is an emitted asset and the bits equal Node', async () => {
  const { build } = await import('vite');
  const dir = await project('vite', {
    'index.html': html('/main.js', true),
    'main.js': program("import { ready } from 'metaoptim';"),
  });
  await build({ root: dir, configFile: false, logLevel: 'error' });
  const { out, wasm } = await load(join(dir, 'dist'));
  assertSameBits(out, 'vite');
  assert.equal(wasm.length, 1, `one .wasm fetched: ${wasm.join(', ')}`);
});

test('webpack 5, default configuration (mode and output folder set): the .wasm is an asset module and the bits equal Node', async () => {
  const { default: webpack } = await import('webpack');
  const dir = await project('webpack', { 'src/index.js': program("import { ready } from 'metaoptim';") });
  const stats = await new Promise<import('webpack').Stats>((ok, fail) =>
    webpack({ context: dir, mode: 'production', output: { path: join(dir, 'dist') } }, (err, s) => (err || !s ? fail(err ?? new Error('no stats')) : ok(s))),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  assert.deepEqual(stats.toJson({ all: false, warnings: true }).warnings ?? [], [], 'webpack warnings');
  const emitted = await readdir(join(dir, 'dist'));
  assert.equal(emitted.filter((f) => f.endsWith('.wasm')).length, 2, `both builds emitted: ${emitted.join(', ')}`);
  const { out, wasm } = await load(join(dir, 'dist'), { '/': html('main.js', false) });
  assertSameBits(out, 'webpack');
  assert.equal(wasm.length, 1);
});

test('Rollup 4 + nodeResolve() (the one line), metaoptim/inline: no .wasm request, same bits', async () => {
  const dir = await rollupBuild('rollup', "import { ready } from 'metaoptim/inline';");
  const { out, wasm } = await load(join(dir, 'dist'), { '/': html('main.js', true) });
  assertSameBits(out, 'rollup');
  assert.deepEqual(wasm, [], 'the inline entry fetches nothing');
});

test('esbuild, default configuration (bundle), metaoptim/inline: no .wasm request, same bits', async () => {
  const esbuild = await import('esbuild');
  const dir = await project('esbuild', { 'main.js': program("import { ready } from 'metaoptim/inline';") });
  await esbuild.build({ entryPoints: [join(dir, 'main.js')], bundle: true, outdir: join(dir, 'dist'), logLevel: 'silent' });
  const { out, wasm } = await load(join(dir, 'dist'), { '/': html('main.js', false) });
  assertSameBits(out, 'esbuild');
  assert.deepEqual(wasm, []);
});

test("esbuild with the file loader for .wasm (one line) and ready({ url: { simd, scalar } }) from the exported files", async () => {
  const esbuild = await import('esbuild');
  const imports = "import { ready } from 'metaoptim';\nimport simd from 'metaoptim/simd.wasm';\nimport scalar from 'metaoptim/scalar.wasm';";
  const dir = await project('esbuild-url', { 'main.js': program(imports, '{ url: { simd, scalar } }') });
  await esbuild.build({ entryPoints: [join(dir, 'main.js')], bundle: true, outdir: join(dir, 'dist'), loader: { '.wasm': 'file' }, logLevel: 'silent' });
  const { out, wasm } = await load(join(dir, 'dist'), { '/': html('main.js', false) });
  assertSameBits(out, 'esbuild + file loader');
  assert.equal(wasm.length, 1);
  assert.match(wasm[0]!, /metaoptim\.simd-[A-Z0-9]+\.wasm$/);
});

test('Rollup without the inline entry: the missing .wasm is a typed WASM_FETCH_FAILED in the page, not a TypeError', async () => {
  const dir = await rollupBuild('rollup-404', "import { ready } from 'metaoptim';");
  const { out } = await load(join(dir, 'dist'), { '/': html('main.js', true) });
  assert.equal(out.code, 'WASM_FETCH_FAILED', JSON.stringify(out));
  assert.match(out.error!, /HTTP 404/);
  assert.match(out.error!, /metaoptim\/inline/);
});
