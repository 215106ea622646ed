// The published shape of the package: the tarball installs with no other package, every subpath
// export resolves from a consumer's folder in Node and through a bundler (esbuild), and the
// root export stays small and free of the laboratory (no vega in a bundle of `adam`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Subpath exports and one name each must provide (a function or class users reach for first). */
export const SUBPATHS: Record<string, string> = {
  'metaoptim': 'adam',
  'metaoptim/core': 'Rng',
  'metaoptim/nn': 'mlp',
  'metaoptim/tasks': 'digitsMlpTask',
  'metaoptim/data': 'loadDigits',
  'metaoptim/analysis': 'recordRun',
  'metaoptim/l2o': 'learned',
  'metaoptim/dco': 'metaTrain',
  'metaoptim/qp': 'solveBatch',
  'metaoptim/bilevel': 'pbgdFree',
  'metaoptim/restart': 'runRestarts',
  'metaoptim/labs': 'runFixed',
};

let consumer = '';

before(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'metaoptim-consumer-'));
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], { cwd: root, maxBuffer: 1 << 26 });
  const file = (JSON.parse(stdout) as { filename: string }[])[0]!.filename;
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--offline', join(consumer, file)], { cwd: consumer, maxBuffer: 1 << 26 });
});

after(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

test('npm install --omit=dev of the tarball installs metaoptim alone', async () => {
  const { stdout } = await run(npm, ['ls', '--omit=dev', '--all', '--json'], { cwd: consumer });
  const tree = JSON.parse(stdout) as { dependencies?: Record<string, { dependencies?: object }> };
  assert.deepEqual(Object.keys(tree.dependencies ?? {}), ['metaoptim']);
  // An optional peer that is not installed (@tensorflow/tfjs-core) is listed as an empty entry: nothing installed.
  const installed = Object.entries(tree.dependencies!.metaoptim!.dependencies ?? {}).filter(([, d]) => Object.keys(d).length > 0);
  assert.deepEqual(installed.map(([name]) => name), []);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies?: object };
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'the library has no runtime dependencies');
});

test('every subpath export resolves in Node from a consumer folder', async () => {
  const lines = Object.entries(SUBPATHS).map(
    ([spec, name], i) => `const m${i} = await import(${JSON.stringify(spec)}); if (typeof m${i}[${JSON.stringify(name)}] !== 'function') throw new Error(${JSON.stringify(spec)} + ' lacks ' + ${JSON.stringify(name)});`,
  );
  const file = join(consumer, 'subpaths.mjs');
  await writeFile(file, lines.join('\n') + "\nconst root = await import('metaoptim');\nconsole.log(Object.keys(root).length);\n");
  const { stdout } = await run(process.execPath, [file], { cwd: consumer });
  const n = Number(stdout.trim());
  assert.ok(n > 20 && n <= 60, `root export has ${n} names (≤ 60)`);
});

test('the root export has at most 60 names and no laboratory or experiment constant', async () => {
  const rootModule = (await import(join(consumer, 'node_modules/metaoptim/dist/src/index.js'))) as Record<string, unknown>;
  const names = Object.keys(rootModule);
  assert.ok(names.length <= 60, `${names.length} names: ${names.join(', ')}`);
  const constants = names.filter((n) => /^[A-Z][A-Z0-9_]+$/.test(n) && n !== 'CHECKPOINT_VERSION');
  assert.deepEqual(constants, [], 'experiment constants in the root');
  const laboratory = names.filter((n) => /Lab$|^lab|esStep|runParticle|^race|Grid$/.test(n));
  assert.deepEqual(laboratory, [], 'laboratory names in the root');
  for (const want of ['ready', 'adam', 'adamw', 'sgd', 'momentum', 'eve', 'lion', 'chain', 'cosineDecay', 'train', 'MetaoptimError', 'readCheckpoint']) {
    assert.equal(typeof rootModule[want], 'function', `root lacks ${want}`);
  }
});

test('esbuild bundles every subpath from the consumer folder, and a bundle of adam() holds no vega', async () => {
  const esbuild = await import('esbuild');
  const entry = join(consumer, 'bundle-entry.mjs');
  await writeFile(
    entry,
    Object.entries(SUBPATHS).map(([spec, name], i) => `import { ${name} as x${i} } from ${JSON.stringify(spec)};`).join('\n') +
      `\nconsole.log([${Object.keys(SUBPATHS).map((_, i) => `typeof x${i}`).join(', ')}].every((t) => t === 'function'));\n`,
  );
  const out = join(consumer, 'bundle.mjs');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, absWorkingDir: consumer, logLevel: 'silent', external: ['node:*'] });
  const { stdout } = await run(process.execPath, [out], { cwd: consumer });
  assert.equal(stdout.trim(), 'true');
  const small = join(consumer, 'adam-entry.mjs');
  await writeFile(small, "import { adam } from 'metaoptim';\nconsole.log(typeof adam);\n");
  const res = await esbuild.build({ entryPoints: [small], bundle: true, platform: 'node', format: 'esm', write: false, absWorkingDir: consumer, logLevel: 'silent', metafile: true });
  const inputs = Object.keys(res.metafile!.inputs);
  assert.ok(!inputs.some((p) => /vega|\/labs\/|\/report\/|\/cli\//.test(p)), `adam() bundle pulls in: ${inputs.filter((p) => /vega|labs|report|cli/.test(p)).join(', ')}`);
});
