// Issue 16 goal check on our side (the learned-optimizer lab is being rebuilt separately): Celo and
// Celo-Adam, untuned, against Adam tuned per task (lrGrid() 7-point half-decade grid, tuneLr on
// seed 1, score final training loss), final runs from seed 0, on held-out tasks: the lab's held-out
// digits MLPs (heldOutDigitsConfigs: widths 24/48/96, sampled depth, activation, BN, batch size) plus
// iris and wine MLPs (hidden 32, batch 32). `steps` steps (= Celo's numSteps).
// Win: lower final training loss than tuned Adam. Speed-up (Celo paper): with the minibatch losses
// smoothed by a trailing 25-step mean, T_adam = first step where Adam's smoothed loss reaches its own
// last value, T_x = first step where x's reaches that value (∞ if never, speed-up 0); speed-up = T_adam/T_x.
// Usage: npm run build && node scripts/celo-heldout.mjs [--steps 1000] [--tasks 8] [--json out.json]
import { writeFileSync } from 'node:fs';
import { arg } from './celo-args.mjs';
import { adam, ready } from '../dist/src/index.js';
import { iqm } from '../dist/src/core/stats.js';
import { celo, celoAdam, shapesOf } from '../dist/src/l2o/index.js';
import { heldOutDigitsConfigs, describeConfig } from '../dist/src/labs/learned/held-out.js';
import { lrGrid, runFixed, tuneLr } from '../dist/src/labs/protocol.js';
import { digitsMlpFamily, irisTask, wineTask } from '../dist/src/tasks/index.js';

const steps = Number(arg('steps', 1000));
const nDigits = Number(arg('tasks', 8));
await ready();
const family = await digitsMlpFamily();
const tasks = heldOutDigitsConfigs(family, nDigits).map((c) => [`digits ${describeConfig(c)}`, () => family.task(c)]);
tasks.push(['iris 32 relu b32', () => irisTask({ hidden: [32], batchSize: 32 })], ['wine 32 relu b32', () => wineTask({ hidden: [32], batchSize: 32 })]);

const smooth = (xs) => {
  const out = new Float64Array(xs.length);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    if (i >= 25) s -= xs[i - 25];
    out[i] = s / Math.min(i + 1, 25);
  }
  return out;
};
const firstBelow = (c, target) => {
  for (let i = 0; i < c.length; i++) if (c[i] <= target) return i + 1;
  return Infinity;
};
const rows = [];
for (const [name, make] of tasks) {
  const task = await make();
  const shapes = shapesOf(task.model.tensors);
  const tuned = await tuneLr((lr) => adam({ lr }), task, lrGrid(), { steps, runs: 1, seed: 1, score: 'finalLoss' });
  const a = await runFixed(adam({ lr: tuned.lr }), task, steps, { seed: 0 });
  const sa = smooth(a.losses);
  const target = sa[sa.length - 1];
  const tA = firstBelow(sa, target);
  const row = { task: name, params: task.model.size ?? shapes.reduce((x, s) => x + s.reduce((p, q) => p * q, 1), 0), adamLr: tuned.lr, adam: a.finalLoss };
  for (const [key, opt] of [['celo', await celo({ numSteps: steps, shapes })], ['celoAdam', await celoAdam({ numSteps: steps })]]) {
    const r = await runFixed(opt, task, steps, { seed: 0 });
    const t = r.diverged ? Infinity : firstBelow(smooth(r.losses), target);
    row[key] = r.finalLoss;
    row[`${key}SpeedUp`] = Number.isFinite(t) ? tA / t : 0;
  }
  rows.push(row);
  console.log(JSON.stringify(row));
  task.dispose?.();
}
const summary = { steps, tasks: rows.length };
for (const k of ['celo', 'celoAdam']) {
  summary[`${k}WinRate`] = rows.filter((r) => r[k] < r.adam).length / rows.length;
  summary[`${k}SpeedUpIqm`] = iqm(rows.map((r) => r[`${k}SpeedUp`]));
}
console.log(JSON.stringify(summary));
const out = arg('json', null);
if (out) writeFileSync(out, JSON.stringify({ rows, summary }, null, 1) + '\n');
