#!/usr/bin/env node
// Meta-trains the shipped MLP learned optimizer and writes data/learned/mlp-lopt-digits.json.
// Run after `npm run build`:   node scripts/pretrain-learned.mjs [--seed 0] [--iterations N]
//   [--workers 2] [--out data/learned/mlp-lopt-digits.json] [--checkpoint .pretrain/ckpt.bin]
// The recipe is `pretrainLearned` (src/l2o/pretrain/pretrain.ts) with PRETRAIN_DEFAULTS; the same
// seed and options give the same θ (for any worker count). A checkpoint is written every 10
// meta-iterations and an interrupted run continues from it when started again with the same
// seed, also with a larger --iterations (the wall time of earlier attempts is added to the
// recorded time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ready, pretrainLearned, PRETRAIN_DEFAULTS, encodeLearnedTheta } = await import(resolve(root, 'dist/src/index.js'));

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const seed = Number(arg('seed', PRETRAIN_DEFAULTS.seed));
const iterations = Number(arg('iterations', PRETRAIN_DEFAULTS.pes.iterations));
const workers = Number(arg('workers', PRETRAIN_DEFAULTS.pes.workers));
const out = resolve(arg('out', resolve(root, 'data/learned/mlp-lopt-digits.json')));
const ckpt = resolve(arg('checkpoint', resolve(root, '.pretrain/checkpoint.bin')));
const side = `${ckpt}.json`;

await ready();
let resume, before = 0;
if (existsSync(ckpt) && existsSync(side)) {
  const meta = JSON.parse(readFileSync(side, 'utf8'));
  // Same seed and at most as far as asked: continuing (even to more iterations) gives the bits of
  // one uninterrupted run, since PES runs in chunks between validations either way.
  if (meta.seed === seed && meta.iteration <= iterations) {
    resume = new Uint8Array(readFileSync(ckpt));
    before = meta.elapsedMs;
    console.error(`resuming from ${ckpt} (iteration ${meta.iteration}, ${(before / 1000).toFixed(0)} s so far)`);
  }
}
const t0 = Date.now();
const elapsed = () => before + Date.now() - t0;
let lastLine = 0;
const r = await pretrainLearned({
  seed,
  pes: { iterations, workers },
  resume,
  checkpointEvery: 10,
  onCheckpoint: (bytes, iteration) => {
    mkdirSync(dirname(ckpt), { recursive: true });
    writeFileSync(`${ckpt}.tmp`, bytes);
    renameSync(`${ckpt}.tmp`, ckpt);
    writeFileSync(side, JSON.stringify({ seed, iterations, iteration, elapsedMs: elapsed() }));
  },
  onProgress: (e) => {
    const now = Date.now();
    if (now - lastLine < 2000 && e.done !== e.total) return;
    lastLine = now;
    const loss = e.metrics?.loss;
    console.error(`[${(elapsed() / 1000).toFixed(0)} s] ${e.label} ${e.done}/${e.total}${loss !== undefined ? ` loss ${loss.toFixed(4)}` : ''}`);
  },
});
let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {}
const wallTimeSeconds = Math.round(elapsed() / 100) / 10;
const provenance = {
  script: 'scripts/pretrain-learned.mjs',
  function: 'pretrainLearned (src/l2o/pretrain/pretrain.ts)',
  seed,
  metaIterations: iterations,
  recipe: r.recipe,
  selected: r.selected,
  selectedIteration: r.selectedIteration,
  validationMeanLoss: r.validation,
  validations: r.validations,
  imitation: r.imitation,
  finalMetaLoss: r.history.length ? r.history.slice(-20).reduce((a, h) => a + h.loss, 0) / Math.min(20, r.history.length) : null,
  wallTimeSeconds,
  machine: `${(await import('node:os')).cpus().length} cores, node ${process.version}`,
  gitCommit: commit,
  createdAt: new Date().toISOString(),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodeLearnedTheta(r.theta, r.recipe.normEps, provenance));
console.error(`wrote ${out}: selected ${r.selected}, validation ${JSON.stringify(r.validation)}, ${wallTimeSeconds} s`);
