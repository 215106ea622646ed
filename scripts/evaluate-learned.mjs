#!/usr/bin/env node
// Prints the held-out comparison of the pretrained MLP optimizer against Adam tuned per task:
// the function behind `npx metaoptim lab learned` (src/labs/learned/evaluate.ts), as a Markdown table.
// Run after `npm run build`:   node scripts/evaluate-learned.mjs [--tasks 10] [--steps 200]
//   [--tune-runs 2] [--theta path/to/mlp-lopt-digits.json] [--json]
// Protocol: held-out digits-MLP tasks (unseen sampling seeds, hidden widths 24/48/96 that the
// family never draws); Adam's lr tuned per task by tuneLr over ADAM_GRID on other inits; mean
// training loss over the run (runFixed, the one divergence rule), mean ± sample sd over tasks.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const m = await import(resolve(root, 'dist/src/index.js'));
const { learned: lab } = await import(resolve(root, 'dist/src/labs/index.js'));
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
await m.ready();
const file = arg('theta') ? m.decodeLearnedTheta(readFileSync(resolve(arg('theta')), 'utf8')) : await m.loadLearnedTheta();
const family = await m.digitsMlpFamily();
const e = await lab.evaluateLearned({
  family, theta: file.theta, normEps: file.options.normEps,
  tasks: Number(arg('tasks', 10)), steps: Number(arg('steps', 200)), tuneRuns: Number(arg('tune-runs', 2)),
  onProgress: (p) => console.error(`[${(p.elapsedMs / 1000).toFixed(0)} s] task ${p.done}/${p.total}`),
});
if (argv.includes('--json')) console.log(JSON.stringify({ thetaHash: file.thetaHash, ...e }));
else {
  console.log(`θ ${file.thetaHash} (${file.provenance.script}, seed ${file.provenance.seed}, ${file.provenance.metaIterations} meta-iterations, ${file.provenance.wallTimeSeconds} s)`);
  console.log(lab.evaluationTable(e));
}
