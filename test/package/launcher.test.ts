// Nothing rebuilds silently (issue 11, item 5). In a throw-away copy of a clone's layout:
// bin/metaoptim.js (the `metaoptim` bin, what `npx metaoptim` runs) stops with "not built … npm
// run build" when dist/ is missing, warns when a source is newer than the build, and is silent
// when the build is current; scripts/prepare.mjs builds on `npm install` (saying so) and on
// nothing else — under `npx` (npm_command=exec) it only reports; prepack refuses a stale build.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../support/browser.js';

const exec = promisify(execFile);
let clone = '';

/** Runs `node file …args` in the fake clone; never throws, returns code and output. */
async function node(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [join(clone, file), ...args], { cwd: clone, env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function put(file: string, text: string, ageSeconds: number): Promise<void> {
  await mkdir(join(clone, file, '..'), { recursive: true });
  await writeFile(join(clone, file), text);
  const t = Date.now() / 1000 - ageSeconds;
  await utimes(join(clone, file), t, t);
}

before(async () => {
  clone = await mkdtemp(join(tmpdir(), 'metaoptim-clone-'));
  for (const dir of ['bin', 'scripts']) await cp(join(ROOT, dir), join(clone, dir), { recursive: true });
  const old = Date.now() / 1000 - 1000; // older than every output made below
  await utimes(join(clone, 'scripts/inline-wasm.mjs'), old, old);
  // A clone's sources (old), and a package.json whose build only leaves a mark.
  await put('src/index.ts', 'export {};\n', 300);
  await put('assembly/index.ts', '\n', 300);
  await put('package.json', JSON.stringify({ name: 'fake', type: 'module', scripts: { build: 'node -e "console.log(\'BUILD RAN\')"' } }), 300);
});

after(async () => {
  if (clone) await rm(clone, { recursive: true, force: true });
});

test('without dist/ the launcher says the clone is not built and how to build it, and builds nothing', async () => {
  const r = await node('bin/metaoptim.js', ['--version']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not built: .*dist\/src\/cli\/main\.js.* missing/);
  assert.match(r.stderr, /npm run build/);
  assert.doesNotMatch(r.stdout + r.stderr, /BUILD RAN/);
});

test('under npx (npm_command=exec) prepare builds nothing and says what is missing; under npm install it builds, visibly', async () => {
  const viaNpx = await node('scripts/prepare.mjs', [], { npm_command: 'exec' });
  assert.equal(viaNpx.code, 0);
  assert.doesNotMatch(viaNpx.stdout, /BUILD RAN/);
  assert.match(viaNpx.stderr, /not building on `npm exec`: not built/);
  const viaInstall = await node('scripts/prepare.mjs', [], { npm_command: 'install' });
  assert.equal(viaInstall.code, 0, viaInstall.stderr);
  assert.match(viaInstall.stderr, /metaoptim: building the WebAssembly binaries/);
  assert.match(viaInstall.stdout, /BUILD RAN/);
});

test('a current build runs silently; a source newer than the build is a warning, and the old build still runs', async () => {
  for (const f of ['build/metaoptim.simd.wasm', 'build/metaoptim.scalar.wasm']) await put(f, '', 200);
  await put('src/runtime/wasm-inline.ts', 'export {};\n', 100);
  await put('dist/src/runtime/wasm-inline.js', '', 50);
  await put('dist/src/cli/main.js', "export async function runCli(argv) { console.log('CLI ' + argv.join(' ')); }\n", 50);
  const fresh = await node('bin/metaoptim.js', ['--version']);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(fresh.stdout.trim(), 'CLI --version');
  assert.equal(fresh.stderr, '');
  await put('src/core/edited.ts', 'export {};\n', 0);
  const stale = await node('bin/metaoptim.js', ['race', '--quick']);
  assert.equal(stale.code, 0);
  assert.equal(stale.stdout.trim(), 'CLI race --quick');
  assert.match(stale.stderr, /warning: the build is stale: src\/core\/edited\.ts is newer than dist\/src\/cli\/main\.js/);
  assert.match(stale.stderr, /npm run build/);
});

test('prepack refuses a stale build (packing never builds) and leaves package.json as it was', async () => {
  await put('assembly/kernel.ts', '\n', 0);
  const r = await node('scripts/pack-manifest.mjs', ['prepack']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /assembly\/kernel\.ts is newer than build\/metaoptim\.simd\.wasm/);
  assert.match(r.stderr, /packing never builds/);
  const { readFile } = await import('node:fs/promises');
  assert.match(await readFile(join(clone, 'package.json'), 'utf8'), /"scripts"/);
});
