#!/usr/bin/env node
// Meta-trains the Adam-residual learned optimizer with PES (metaTrainAdamResidual,
// src/l2o/adam-residual/metatrain.ts) and writes its θ file (data/learned/adam-residual.json).
// Run after `npm run build`:
//   node scripts/metatrain-adam-residual.mjs [--seed 0] [--minutes 60] [--iterations N] [--workers 2]
//     [--checkpoint .metatrain/adam-residual.bin] [--out data/learned/adam-residual.json] [--quick]
//     [--recipe cosine|shipped|residual|multiplicative] [--start data/learned/adam-residual.json]
// --recipe cosine (default): AR_COSINE_RECIPE, the recipe of the shipped θ (run 1,250 iterations,
//   `--iterations 1250`, to reproduce its selection); --recipe shipped: AR_RECIPE, the previous θ's;
// --recipe residual: AR_RESIDUAL_RECIPE (every block moves, random output-layer start, per-block σ);
// --recipe multiplicative: AR_MULTIPLICATIVE_RECIPE (the residual as a per-coordinate lr multiplier,
//   validation at 300 and 2,000 steps); --recipe cosine: AR_COSINE_RECIPE (the same from Adam with cosine decay);
// --start: begin from the θ of that file instead of θ₀ (the residual start is added on top).
// Overrides of the recipe: [--particles N] [--subspace all|schedule|mlp] [--residual-init x]
//   [--block-sigma W1=0.1,out-d=0.02,schedule=0.5] [--meta-lr x] [--form additive|multiplicative]
//   [--sigma x] [--start-lr x] [--validation-steps 300,2000] (recorded in the provenance; --form also in the θ file's options).
// The run stops at --iterations or after --minutes of wall time (at the end of a validation chunk's
// checkpoint); started again it continues from the checkpoint (same seed), adding to the recorded
// time. The best validated θ is written with its provenance. --quick: the ≤ 2-minute recipe.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ready } = await import(resolve(root, 'dist/src/index.js'));
const l2o = await import(resolve(root, 'dist/src/l2o/index.js'));
const { decodeJson } = await import(resolve(root, 'dist/src/core/codec.js'));

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const quick = argv.includes('--quick');
const recipeName = arg('recipe', 'cosine');
const recipes = { shipped: l2o.AR_RECIPE, residual: l2o.AR_RESIDUAL_RECIPE, multiplicative: l2o.AR_MULTIPLICATIVE_RECIPE, cosine: l2o.AR_COSINE_RECIPE };
if (!(recipeName in recipes)) throw new Error(`--recipe must be one of ${Object.keys(recipes).join(', ')}, got ${recipeName}`);
const recipe = quick ? l2o.AR_QUICK_RECIPE : recipes[recipeName];
const overrides = {};
if (arg('particles')) overrides.particles = Number(arg('particles'));
if (arg('subspace')) overrides.subspace = arg('subspace');
if (arg('residual-init')) overrides.residualInit = Number(arg('residual-init'));
if (arg('meta-lr')) overrides.metaLr = Number(arg('meta-lr'));
if (arg('form')) overrides.form = arg('form');
if (arg('sigma')) overrides.sigma = Number(arg('sigma'));
if (arg('start-lr')) overrides.startLr = Number(arg('start-lr'));
if (arg('validation-steps')) overrides.validationSteps = arg('validation-steps').split(',').map(Number);
if (arg('block-sigma')) overrides.blockSigma = Object.fromEntries(arg('block-sigma').split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
const startFile = arg('start', null);
const startTheta = startFile ? l2o.decodeAdamResidualTheta(readFileSync(resolve(startFile), 'utf8')).theta : undefined;
const seed = Number(arg('seed', 0));
const iterations = Number(arg('iterations', recipe.iterations));
const workers = Number(arg('workers', recipe.workers));
const minutes = Number(arg('minutes', quick ? 2 : 60));
const ckpt = resolve(arg('checkpoint', resolve(root, quick ? '.metatrain/adam-residual-quick.bin' : '.metatrain/adam-residual.bin')));
const out = resolve(arg('out', quick ? resolve(root, '.metatrain/adam-residual-quick.json') : resolve(root, 'data/learned/adam-residual.json')));
const side = `${ckpt}.json`;

await ready();
let resume, before = 0;
if (existsSync(ckpt) && existsSync(side)) {
  const meta = JSON.parse(readFileSync(side, 'utf8'));
  if (meta.seed === seed && meta.quick === quick && (meta.recipe ?? 'shipped') === recipeName && JSON.stringify(meta.overrides ?? {}) === JSON.stringify(overrides)) {
    resume = new Uint8Array(readFileSync(ckpt));
    before = meta.elapsedMs;
    console.error(`resuming from ${ckpt} (iteration ${meta.iteration}, ${(before / 1000).toFixed(0)} s so far)`);
  }
}
const t0 = Date.now();
const elapsed = () => before + Date.now() - t0;
const save = (bytes, iteration) => {
  mkdirSync(dirname(ckpt), { recursive: true });
  writeFileSync(`${ckpt}.tmp`, bytes);
  renameSync(`${ckpt}.tmp`, ckpt);
  writeFileSync(side, JSON.stringify({ seed, quick, recipe: recipeName, overrides, iteration, elapsedMs: elapsed() }));
};
const budget = new AbortController();
const timer = setTimeout(() => budget.abort(), Math.max(0, minutes * 60_000 - before));
let lastLine = 0;
let result, stopped = null;
try {
  result = await l2o.metaTrainAdamResidual({
    ...recipe, ...overrides, seed, iterations, workers, resume, signal: budget.signal, ...(startTheta && !resume ? { theta: startTheta } : {}),
    onCheckpoint: save,
    onProgress: (e) => {
      const now = Date.now();
      if (now - lastLine < 5000 && e.done !== e.total) return;
      lastLine = now;
      const loss = e.metrics?.loss;
      console.error(`[${(elapsed() / 1000).toFixed(0)} s] ${e.label} ${e.done}${loss !== undefined ? ` meta-loss ${loss.toFixed(4)}` : ''}`);
    },
  });
} catch (err) {
  if (err?.code !== 'ABORTED') throw err;
  stopped = err.details.iteration;
}
clearTimeout(timer);
// The state to ship: the finished run, or the last checkpoint written before the budget ran out.
const saved = result ? decodeJson(result.checkpoint) : existsSync(ckpt) ? decodeJson(new Uint8Array(readFileSync(ckpt))) : null;
if (!saved || !saved.best) {
  console.error('no finished validation chunk yet: nothing to write');
  process.exit(0);
}
let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // A private copy of the build (outside the repository) names its commit in METAOPTIM_COMMIT.
  commit = process.env.METAOPTIM_COMMIT ?? null;
}
const provenance = {
  script: 'scripts/metatrain-adam-residual.mjs',
  function: 'metaTrainAdamResidual (src/l2o/adam-residual/metatrain.ts)',
  seed,
  quick,
  recipe: { name: quick ? 'quick' : recipeName, ...recipe, ...overrides, iterations, workers, minutes, start: startFile },
  metaIterations: saved.iteration,
  stoppedByWallTime: stopped !== null,
  selectedIteration: saved.best.iteration,
  validations: saved.validations,
  wallTimeSeconds: Math.round(elapsed() / 100) / 10,
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
  commit,
  date: new Date().toISOString(),
};
mkdirSync(dirname(out), { recursive: true });
const form = overrides.form ?? recipe.form;
writeFileSync(out, l2o.encodeAdamResidualTheta(saved.best.theta, { lr: recipe.lr, ...(form && form !== 'additive' ? { form } : {}) }, provenance));
console.error(`wrote ${out}: iteration ${saved.best.iteration} of ${saved.iteration}, validation ${saved.best.loss.toFixed(4)} (θ₀ ${saved.validations[0].loss.toFixed(4)})`);
