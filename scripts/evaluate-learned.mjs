#!/usr/bin/env node
// The held-out evaluation of the shipped learned optimizer (`lab learned`, src/labs/learned/):
// the Adam-residual MLP, Celo and Celo-Adam (and with --lolv2 the LOLv2 MLP optimizer) against Adam, Adam + cosine,
// AdamW and Lion, each tuned per task and horizon on a 7-point half-decade grid, on the 20-task
// held-out suite (suite.ts), 5 seeds, horizons 200 and 2,000. Prints the Markdown table.
// Run after `npm run build`:
//   node scripts/evaluate-learned.mjs [--tasks 20] [--seeds 5] [--horizons 200,2000] [--tune-runs 1]
//     [--lolv2] [--shard k/n] [--json out.json] [--merge a.json b.json …]
//     [--base dir/] [--candidate dir/] [--baselines adam,lion] [--skip-celo]
// --base: the adam-residual θ file (adam-residual.json) from that folder instead of data/learned/;
// --candidate: a second adam-residual contestant ('candidate (adam-residual)') from that folder's
// file — the quick check of a newly meta-trained θ against the shipped one in the same run;
// --baselines: only these tuned baselines (default all four); --skip-celo: no Celo contestants.
// --shard k/n runs the suite tasks i with i mod n = k (e.g. two processes on two cores); --merge
// combines the --json files of the shards into one table (the summary is recomputed over all pairs).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const m = await import(resolve(root, 'dist/src/index.js'));
const { learned: lab } = await import(resolve(root, 'dist/src/labs/index.js'));
const { loadAdamResidualTheta } = await import(resolve(root, 'dist/src/l2o/index.js'));
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
await m.ready();
const base = arg('base') ? pathToFileURL(resolve(arg('base')) + '/') : undefined;
const file = await loadAdamResidualTheta(base);
if (argv.includes('--merge')) {
  const after = argv.slice(argv.indexOf('--merge') + 1);
  const files = after.slice(0, after.findIndex((a) => a.startsWith('--')) >>> 0);
  const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const order = new Map(lab.HELD_OUT_SUITE.map((t, i) => [t.id, i]));
  const pairs = parts.flatMap((p) => p.pairs).sort((a, b) => order.get(a.task) - order.get(b.task) || a.steps - b.steps);
  const revive = (x) => (x === null ? Infinity : x);
  for (const p of pairs) for (const e of Object.values(p.entries)) { e.stepsToTarget = revive(e.stepsToTarget); for (const r of e.runs) { r.meanLoss = revive(r.meanLoss); r.finalLoss = revive(r.finalLoss); } }
  const names = Object.keys(pairs[0].entries);
  const e = { ...parts[0], pairs, summary: lab.summarizeContest(pairs, names, parts[0].reference) };
  console.log(`θ ${file.thetaHash} (${file.provenance.script}, seed ${file.provenance.seed}, ${file.provenance.metaIterations} meta-iterations, ${file.provenance.wallTimeSeconds} s)`);
  console.log(lab.contestTable(e));
  if (arg('json')) writeFileSync(arg('json'), JSON.stringify(e));
  process.exit(0);
}
const tasks = Number(arg('tasks', lab.HELD_OUT_SUITE.length));
const [k, n] = String(arg('shard', '0/1')).split('/').map(Number);
const suite = lab.HELD_OUT_SUITE.slice(0, tasks).filter((_, i) => i % n === k);
const only = arg('baselines') ? String(arg('baselines')).split(',') : null;
const baselines = lab.CONTESTANT_BASELINES.filter((c) => !only || only.includes(c.name));
const learnedOnes = await lab.learnedContestants({ lolv2: argv.includes('--lolv2'), celo: !argv.includes('--skip-celo'), base });
if (arg('candidate')) {
  const [cand] = await lab.learnedContestants({ celo: false, base: pathToFileURL(resolve(arg('candidate')) + '/') });
  learnedOnes.splice(1, 0, { ...cand, name: 'candidate (adam-residual)' });
}
const contestants = [...baselines, ...learnedOnes];
const t0 = Date.now();
const e = await lab.runContest({
  suite, contestants, seeds: Number(arg('seeds', 5)), tuneRuns: Number(arg('tune-runs', 1)), horizons: String(arg('horizons', '200,2000')).split(',').map(Number),
  onProgress: (p) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s] pair ${p.done}/${p.total}`),
});
if (arg('json')) writeFileSync(arg('json'), JSON.stringify({ thetaHash: file.thetaHash, elapsedMs: Date.now() - t0, ...e }));
console.log(`θ ${file.thetaHash} (${file.provenance.script}, seed ${file.provenance.seed}, ${file.provenance.metaIterations} meta-iterations, ${file.provenance.wallTimeSeconds} s)`);
console.log(lab.contestTable(e));
