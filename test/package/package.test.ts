// The published shape of the package: the tarball (packed with its prepack step, as `npm publish`
// does) stays within its size budget, ships no source map and no lifecycle script; it installs
// with no other package; every subpath export resolves from a consumer's folder in Node and
// through a bundler (esbuild) and runs a small example there; and the root export stays small
// and free of the laboratory (no vega in a bundle of `adam`, no inlined WebAssembly either).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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
  'metaoptim/inline': 'ready',
};

/**
 * The packed size (`npm pack --json` → size) must stay at or below this. Issue 11's goal is
 * 300 kB and is NOT met: README "Install and bundlers" gives the measured size and its parts
 * (`node scripts/tarball-size.mjs`). The largest single part is Celo's published θ (about 300 kB
 * of incompressible f32, which `celo()` must ship); the budget is the measurement (897 kB) plus
 * about 10 % of room, and catches unplanned growth (a source map, a stray folder).
 */
export const TARBALL_BUDGET_BYTES = 1_000_000;

interface PackEntry {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
let packed: PackEntry;
let consumer = '';

before(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'metaoptim-consumer-'));
  // With its scripts: prepack refuses a stale build and writes the published package.json.
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', consumer], { cwd: root, maxBuffer: 1 << 26 });
  packed = (JSON.parse(stdout) as PackEntry[])[0]!;
  const file = packed.filename;
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
  assert.ok(!inputs.some((p) => p.includes('wasm-inline')), 'the root entry must not pull in the inlined WebAssembly');
  const inline = join(consumer, 'inline-entry.mjs');
  await writeFile(inline, "import { ready } from 'metaoptim/inline';\nconsole.log(typeof ready);\n");
  const withInline = await esbuild.build({ entryPoints: [inline], bundle: true, platform: 'node', format: 'esm', write: false, absWorkingDir: consumer, logLevel: 'silent', metafile: true });
  assert.ok(Object.keys(withInline.metafile!.inputs).some((p) => p.includes('wasm-inline')));
});

test('the tarball: within its size budget, no source maps, no lifecycle script, both .wasm and the inline entry inside', async () => {
  const paths = packed.files.map((f) => f.path);
  assert.ok(packed.size <= TARBALL_BUDGET_BYTES, `packed ${packed.size} B > budget ${TARBALL_BUDGET_BYTES} B`);
  assert.deepEqual(paths.filter((p) => p.endsWith('.map')), [], 'source maps without their sources');
  for (const want of ['build/metaoptim.simd.wasm', 'build/metaoptim.scalar.wasm', 'dist/src/runtime/inline.js', 'dist/src/runtime/wasm-inline.js', 'bin/metaoptim.js', 'data/digits.csv.gz']) {
    assert.ok(paths.includes(want), `tarball lacks ${want}`);
  }
  assert.deepEqual(paths.filter((p) => /^(src|test|bench|assembly|scripts)\//.test(p) || p.startsWith('dist/test') || p.startsWith('dist/bench')), []);
  const installed = join(consumer, 'node_modules/metaoptim');
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.scripts, undefined, 'the published package.json has no scripts (no prepare/install hook for consumers)');
  assert.equal(manifest.devDependencies, undefined);
  const dev = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.ok(dev.scripts.prepare && dev.scripts.build, 'the clone keeps its prepare and build scripts (restored after packing)');
  const js = await readFile(join(installed, 'dist/src/runtime/load.js'), 'utf8');
  assert.doesNotMatch(js, /sourceMappingURL/);
  assert.doesNotMatch(js, /^\s*\/\/ Where the WebAssembly module comes from/m, 'comments are stripped from the shipped JavaScript');
  assert.match(js, /webpackIgnore: true/, 'bundler directives survive the comment stripping');
  const dts = await readFile(join(installed, 'dist/src/runtime/load.d.ts'), 'utf8');
  assert.match(dts, /a URL ending in `\/` is a base/, 'doc comments stay in the .d.ts');
});

/** One small example per subpath export, run in ONE Node process from the consumer folder. */
const EXAMPLES = String.raw`
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
const ok = (name, cond, info = '') => console.log((cond ? 'ok ' : 'FAIL ') + name + (info ? ' ' + info : ''));

const { ready, adam, createRuntime } = await import('metaoptim');
const info = await ready();
{
  const opt = adam({ lr: 0.1 });
  const s = opt.init(new Float32Array([0, 0, 0]));
  for (let t = 0; t < 200; t++) opt.step(s, s.params.map((x) => x - 3));
  ok('metaoptim', info.build === 'simd' && Math.abs(s.params[0] - 3) < 0.1, String(s.params[0]));
  s.dispose();
}
{
  const inline = await import('metaoptim/inline');
  const rt = await inline.createRuntime({ build: 'scalar' });
  ok('metaoptim/inline', rt.build === 'scalar' && rt.kernels.simd_enabled() === 0 && (await inline.ready()).build === info.build);
  rt.dispose();
}
{
  const simd = await readFile(fileURLToPath(import.meta.resolve('metaoptim/simd.wasm')));
  const scalar = await readFile(fileURLToPath(import.meta.resolve('metaoptim/scalar.wasm')));
  const rt = await createRuntime({ build: 'simd', bytes: { simd, scalar } });
  ok('metaoptim/simd.wasm', WebAssembly.validate(simd) && rt.kernels.simd_enabled() === 1);
  rt.dispose();
  const rs = await createRuntime({ build: 'scalar', bytes: { simd, scalar } });
  ok('metaoptim/scalar.wasm', WebAssembly.validate(scalar) && rs.kernels.simd_enabled() === 0);
  rs.dispose();
}
{
  const { Rng } = await import('metaoptim/core');
  const a = new Rng(7).uniform();
  ok('metaoptim/core', a === new Rng(7).uniform() && a >= 0 && a < 1);
}
{
  const { mlp } = await import('metaoptim/nn');
  const model = mlp({ sizes: [4, 3, 2] });
  const params = model.init(0);
  const grad = new Float32Array(model.size);
  const loss = model.loss(params, { x: new Float32Array(8).fill(0.5), y: new Int32Array([0, 1]) }, grad);
  ok('metaoptim/nn', Number.isFinite(loss) && loss > 0 && grad.some((v) => v !== 0), String(loss));
  model.dispose();
}
{
  const { rastriginTask } = await import('metaoptim/tasks');
  const { train } = await import('metaoptim');
  const run = await train(rastriginTask({ n: 4 }), adam({ lr: 1e-2 }), { steps: 20, evalSplits: [] });
  ok('metaoptim/tasks', run.steps === 20);
}
{
  const { loadDigits, splitDataset } = await import('metaoptim/data');
  const digits = await loadDigits();
  const { train, test } = splitDataset(digits, { test: 397, seed: 0 });
  ok('metaoptim/data', digits.rows === 1797 && train.rows === 1400 && test.rows === 397);
}
{
  const { wouldUpdate } = await import('metaoptim/analysis');
  const t = adam({ lr: 0.1 }).init([1, 2]);
  const { delta } = wouldUpdate(adam({ lr: 0.1 }), t, [1, -1]);
  ok('metaoptim/analysis', Math.abs(delta[0] + 0.1) < 1e-6 && Math.abs(delta[1] - 0.1) < 1e-6 && t.params[0] === 1);
  t.dispose();
}
{
  const { learned } = await import('metaoptim/l2o');
  const opt = await learned();
  const s = opt.init(new Float32Array([1, -2, 3]));
  opt.step(s, [0.5, -0.5, 1]);
  ok('metaoptim/l2o', s.params[0] !== 1 && s.params.every(Number.isFinite));
  s.dispose();
}
{
  const dco = await import('metaoptim/dco');
  const theta = dco.dcog.init(0, 3, { parameterization: 'full', lr: 0.3 });
  const opt = dco.dcog.optimizer(theta);
  const s = opt.init(new Float32Array([1, 1, 1]));
  s.grads.set([1, 2, 3]);
  opt.step(s);
  ok('metaoptim/dco', s.params[0] < 1 && s.params[2] < s.params[0], Array.from(s.params).join(' '));
  s.dispose();
}
{
  const qp = await import('metaoptim/qp');
  const r = qp.solve({ Q: [[2, 0.5], [0.5, 1]], p: [1, -1], G: [[1, 1]], h: [-1], A: [[1, -1]], b: [0.2] });
  ok('metaoptim/qp', Math.abs(r.z[0] + 0.4) < 1e-6 && Math.abs(r.z[1] + 0.6) < 1e-6);
  r.context.dispose();
}
{
  const { pbgdFree, flatQuadratic1d } = await import('metaoptim/bilevel');
  const r = await pbgdFree(flatQuadratic1d(), { iterations: 3000, gamma: 2, eta: 0.2, etaY: 0.4 });
  ok('metaoptim/bilevel', Math.abs(r.x[0] - 1) < 1e-3, String(r.x[0]));
}
{
  const { runRestarts, surrogateProposer } = await import('metaoptim/restart');
  const { rastriginTask } = await import('metaoptim/tasks');
  const r = await runRestarts(rastriginTask({ n: 4 }), { optimizer: adam({ lr: 5e-2 }), proposer: surrogateProposer(), rounds: 2, stepsPerRound: 10, seed: 1 });
  ok('metaoptim/restart', Number.isFinite(r.best.loss) && r.rounds.length >= 1 && r.proposer.length > 0, String(r.best.loss));
}
{
  // The optional peer, installed by the test just before (as a TF.js user has it).
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { tfOptimizer } = await import('metaoptim/tfjs');
  const w = tf.variable(tf.tensor1d([1, -2]), true, 'w');
  const opt = tfOptimizer(adam({ lr: 0.1 }));
  // d/dw Σw² = 2w, handed over as TF.js's NamedTensorMap.
  for (let t = 0; t < 100; t++) tf.tidy(() => opt.applyGradients({ w: tf.mul(w, 2) }));
  const v = w.dataSync();
  ok('metaoptim/tfjs', Math.abs(v[0]) < 0.2 && Math.abs(v[1]) < 0.2, Array.from(v).join(' '));
  opt.dispose();
}
{
  const { lrGrid, labs } = await import('metaoptim/labs');
  const grid = lrGrid({ center: 0.01 });
  ok('metaoptim/labs', grid.length === 7 && grid[3] === 0.01 && labs.some((l) => l.name === 'race'));
}
`;

test('one small example per subpath export runs from the consumer folder', async () => {
  // metaoptim/tfjs needs its optional peer: link the clone's TF.js into the consumer (as a TF.js
  // user has it installed), after the omit-dev tree was checked above.
  await mkdir(join(consumer, 'node_modules/@tensorflow'), { recursive: true });
  for (const pkg of ['tfjs-core', 'tfjs-backend-cpu']) {
    await symlink(join(root, 'node_modules/@tensorflow', pkg), join(consumer, 'node_modules/@tensorflow', pkg), 'dir');
  }
  const file = join(consumer, 'examples.mjs');
  await writeFile(file, EXAMPLES);
  const { stdout } = await run(process.execPath, [file], { cwd: consumer, maxBuffer: 1 << 24 });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines.filter((l) => !l.startsWith('ok ')), [], stdout);
  const covered = new Set(lines.map((l) => l.split(' ')[1]));
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'metaoptim' : `metaoptim/${k.slice(2)}`));
  assert.deepEqual(subpaths.filter((p) => !covered.has(p)), [], 'every export has an example');
});

test('the installed bin runs from the tarball with no build check noise', async () => {
  const bin = join(consumer, 'node_modules/.bin/metaoptim');
  const { stdout, stderr } = await run(bin, ['--version'], { cwd: consumer });
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(stdout.trim(), pkg.version);
  assert.equal(stderr, '');
});
