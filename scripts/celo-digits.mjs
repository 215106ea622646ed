// Issue 16 behaviour check on Celo's own meta-training distribution: 8×8 digits, MLP 64-32-10
// (ReLU), batch 64, 1,000 steps. Celo and Celo-Adam untuned (published θ) against Adam at its best
// learning rate of the 7-point half-decade grid (labs/protocol.ts lrGrid(), tuneLr on the same seed,
// score = final training loss), seeds 0…4 (seed s: task.init(s), minibatch stream seed s).
// Pass: each of Celo, Celo-Adam has a lower final training loss than tuned Adam on ≥ 4 of 5 seeds.
// Usage: npm run build && node scripts/celo-digits.mjs [--steps 1000] [--seeds 5] [--json out.json]
import { writeFileSync } from 'node:fs';
import { arg } from './celo-args.mjs';
import { adam, ready } from '../dist/src/index.js';
import { celo, celoAdam, shapesOf } from '../dist/src/l2o/index.js';
import { lrGrid, runFixed, tuneLr } from '../dist/src/labs/protocol.js';
import { digitsMlpTask } from '../dist/src/tasks/index.js';

const steps = Number(arg('steps', 1000));
const seeds = Number(arg('seeds', 5));
await ready();
const grid = lrGrid();
const rows = [];
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
for (let seed = 0; seed < seeds; seed++) {
  const task = await digitsMlpTask({ hidden: [32], batchSize: 64, streamSeed: seed });
  const shapes = shapesOf(task.model.tensors);
  const tuned = await tuneLr((lr) => adam({ lr }), task, grid, { steps, runs: 1, seed, score: 'finalLoss' });
  const a = await runFixed(adam({ lr: tuned.lr }), task, steps, { seed });
  const c = await runFixed(await celo({ numSteps: steps, shapes }), task, steps, { seed });
  const ca = await runFixed(await celoAdam({ numSteps: steps }), task, steps, { seed });
  const row = {
    seed, adamLr: tuned.lr,
    adam: { final: a.finalLoss, meanRun: mean(Array.from(a.losses)) },
    celo: { final: c.finalLoss, meanRun: mean(Array.from(c.losses)) },
    celoAdam: { final: ca.finalLoss, meanRun: mean(Array.from(ca.losses)) },
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  task.dispose?.();
}
const wins = (k) => rows.filter((r) => r[k].final < r.adam.final).length;
const winsRun = (k) => rows.filter((r) => r[k].meanRun < r.adam.meanRun).length;
const summary = {
  steps, seeds, grid,
  celoWins: wins('celo'), celoAdamWins: wins('celoAdam'),
  celoWinsMeanRun: winsRun('celo'), celoAdamWinsMeanRun: winsRun('celoAdam'),
  meanFinal: { adam: mean(rows.map((r) => r.adam.final)), celo: mean(rows.map((r) => r.celo.final)), celoAdam: mean(rows.map((r) => r.celoAdam.final)) },
  pass: wins('celo') >= Math.ceil(0.8 * seeds) && wins('celoAdam') >= Math.ceil(0.8 * seeds),
};
console.log(JSON.stringify(summary));
const out = arg('json', null);
if (out) writeFileSync(out, JSON.stringify({ rows, summary }, null, 1) + '\n');
