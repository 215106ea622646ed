#!/usr/bin/env node
// Prints the held-out comparison of the pretrained MLP optimizer against Adam (lr grid).
// Run after `npm run build`:   node scripts/evaluate-learned.mjs [--tasks 10] [--steps 200]
//   [--theta path/to/mlp-lopt-digits.json] [--json]
// Protocol: `evaluateLearned` (src/l2o/pretrain/evaluate.ts): held-out digits-MLP tasks (unseen
// sampling seeds, hidden widths 24/48/96 that the family never draws), mean training loss over
// the run, Adam tuned over ADAM_LR_GRID on the same tasks.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const m = await import(resolve(root, 'dist/src/index.js'));
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
await m.ready();
const file = arg('theta') ? m.decodeLearnedTheta(readFileSync(resolve(arg('theta')), 'utf8')) : await m.loadLearnedTheta();
const family = await m.digitsMlpFamily();
const t0 = Date.now();
const e = m.evaluateLearned({
  family, theta: file.theta, normEps: file.options.normEps, tasks: Number(arg('tasks', 10)), steps: Number(arg('steps', 200)),
  onProgress: (d, t) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s] task ${d}/${t}`),
});
if (argv.includes('--json')) console.log(JSON.stringify({ thetaHash: file.thetaHash, learned: e.learned, tunedAdam: e.tunedAdam, oracleAdam: e.oracleAdam, adam: e.adam, configs: e.configs, winsVsTuned: e.winsVsTuned }));
else {
  console.log(`θ ${file.thetaHash} (${file.provenance.script}, seed ${file.provenance.seed}, ${file.provenance.metaIterations} meta-iterations, ${file.provenance.wallTimeSeconds} s)`);
  console.log(m.evaluationTable(e));
}
