#!/usr/bin/env node
// Prints the table "What the estimators give on synthetic samples" of docs/l2o.md: the block-sum
// and Hill tail indices (k = √N and k = N/16) over seeds 0–4 with N = 2^18 samples.
// Run after `npm run build`:   node scripts/tail-estimators.mjs
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const m = await import(resolve(root, 'dist/src/index.js'));
await m.ready();
const N = 2 ** 18, seeds = [0, 1, 2, 3, 4];
const cases = [
  ['Gaussian', (s) => new m.Rng(s, 0x6761).fillNormal(new Float64Array(N))],
  ['stable 0.8', (s) => m.stableSamples(0.8, N, s)],
  ['stable 1.2', (s) => m.stableSamples(1.2, N, s)],
  ['stable 1.5', (s) => m.stableSamples(1.5, N, s)],
  ['Pareto 0.8', (s) => m.paretoSamples(0.8, N, s)],
  ['Pareto 1.5', (s) => m.paretoSamples(1.5, N, s)],
];
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
console.log('| samples | block-sum α̂ | Hill α̂ (k = √N) | Hill α̂ (k = N/16) |\n|---|---|---|---|');
for (const [name, draw] of cases) {
  const bs = [], hill = [], hill16 = [];
  for (const s of seeds) {
    const x = draw(s);
    bs.push(m.tailIndexBlockSum(x).alpha);
    hill.push(m.tailIndexHill(x).alpha);
    hill16.push(m.tailIndexHill(x, { k: N / 16 }).alpha);
  }
  console.log(`| ${name} | ${range(bs)} | ${range(hill)} | ${range(hill16)} |`);
}
