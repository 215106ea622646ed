// The three-budget protocol of labs/protocol.ts (issue 13) and the suite's contestants.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { pickContestants, registerContestants, suiteContestants } from '../../src/labs/contestants.js';
import { type ProtocolContestant, lrGrid, rankAcrossTasks, runFixed, runMetrics, runThreeBudgets } from '../../src/labs/protocol.js';
import { momentum, sgd } from '../../src/optim/sgd.js';
import { ready } from '../../src/runtime/runtime.js';
import { quadraticTask } from '../../src/tasks/functions.js';

const mom: ProtocolContestant = {
  name: 'momentum',
  config: 'momentum',
  defaultLr: 1e-2,
  extra: { name: 'momentum', values: [0, 0.5, 0.9], default: 0.9 },
  make: ({ lr, extra }) => momentum({ lr, momentum: extra }),
};

test('runThreeBudgets: one-shot = defaults, small = argmin over the 7-point grid, large = argmin over lr × extra; reported runs are runFixed on the reported seeds', async () => {
  await ready();
  const task = quadraticTask({ n: 6, condition: 30, seed: 4 });
  const steps = 40;
  const r = await runThreeBudgets(mom, task, { steps, target: 1e-3, reportSeeds: [0, 1, 2], tuneSeeds: [100, 101], curvePoints: 10 });
  const [one, small, large] = r.budgets;
  assert.deepEqual(r.budgets.map((b) => b.budget), ['oneShot', 'small', 'large']);
  assert.equal(one!.lr, 1e-2);
  assert.deepEqual(one!.tuning, []);
  const col = small!.tuning[0]!;
  assert.deepEqual(col.lrs, lrGrid({ center: 1e-2 }));
  assert.equal(small!.lr, col.lrs[col.scores.indexOf(Math.min(...col.scores))]);
  // the tuning score is the final training loss summed over the tuning seeds
  const want = (await runFixed(momentum({ lr: col.lrs[2]! }), task, steps, { seed: 100, batchOffset: 100 * steps })).finalLoss + (await runFixed(momentum({ lr: col.lrs[2]! }), task, steps, { seed: 101, batchOffset: 101 * steps })).finalLoss;
  assert.equal(col.scores[2], want);
  // large: three columns (the default's is the small budget's), the overall argmin wins
  assert.deepEqual(large!.tuning.map((t) => t.extra), [0, 0.5, 0.9]);
  assert.deepEqual(large!.tuning[2]!.scores, col.scores);
  const all = large!.tuning.flatMap((t) => t.scores.map((s, i) => ({ s, lr: t.lrs[i]!, extra: t.extra })));
  const best = all.reduce((a, b) => (b.s < a.s ? b : a));
  assert.deepEqual([large!.lr, large!.extra], [best.lr, best.extra]);
  // reported runs: seeds 0, 1, 2, each bit-equal to runFixed
  for (const b of r.budgets) {
    assert.deepEqual(b.runs.map((x) => x.seed), [0, 1, 2]);
    const f = await runFixed(momentum({ lr: b.lr!, momentum: b.extra! }), task, steps, { seed: 1, batchOffset: steps, evalSplits: ['train', 'test'] });
    assert.equal(b.runs[1]!.finalLoss, f.finalLoss);
    assert.equal(b.runs[1]!.auc, f.summedLoss / steps);
  }
  assert.equal(r.curves.small!.length, 10);
  await assert.rejects(runThreeBudgets(mom, task, { steps, target: 1, reportSeeds: [0, 1], tuneSeeds: [1] }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /disjoint/.test(e.message));
});

test('a contestant without a learning rate runs its defaults in every budget, once', async () => {
  const task = quadraticTask({ n: 4, condition: 10, seed: 1 });
  let made = 0;
  const fixed: ProtocolContestant = { name: 'fixed', config: 'sgd(0.05)', defaultLr: null, make: () => (made++, sgd({ lr: 0.05 })) };
  const r = await runThreeBudgets(fixed, task, { steps: 20, target: 1e-9, reportSeeds: [0, 1], tuneSeeds: [9] });
  assert.equal(made, 2, 'the reported seeds ran once, not once per budget');
  assert.ok(r.budgets.every((b) => b.runs === r.budgets[0]!.runs && b.tuning.length === 0));
});

test('runMetrics: steps to target is the first minibatch loss at or below it; diverged runs score +∞ and null', async () => {
  const task = quadraticTask({ n: 4, condition: 10, seed: 1 });
  const r = await runFixed(sgd({ lr: 0.1 }), task, 200, { seed: 0, evalSplits: ['train', 'test'] });
  const target = r.losses[37]!;
  const m = runMetrics(r, 0, 200, target);
  assert.ok(m.stepsToTarget! <= 37 && r.losses[m.stepsToTarget!]! <= target);
  for (let t = 0; t < m.stepsToTarget!; t++) assert.ok(r.losses[t]! > target);
  const d = runMetrics(await runFixed(sgd({ lr: 1e3 }), task, 50, { seed: 0 }), 0, 50, 1);
  assert.deepEqual([d.diverged, d.finalLoss, d.auc, d.stepsToTarget, d.testLoss], [true, Infinity, Infinity, null, null]);
});

test('rankAcrossTasks: wins (ties shared), mean ranks with ties and non-finite scores last', () => {
  const r = rankAcrossTasks(['a', 'b', 'c'], [
    [1, 2, 3],
    [5, 5, Infinity],
    [NaN, 0, 1],
  ]);
  assert.deepEqual(r.wins, [2, 2, 0]);
  assert.deepEqual(r.ranks, [[1, 2, 3], [1.5, 1.5, 3], [3, 1, 2]]);
  assert.deepEqual(r.meanRank, [(1 + 1.5 + 3) / 3, (2 + 1.5 + 1) / 3, (3 + 3 + 2) / 3]);
});

test('the suite contestants: the list of issue 13, extensible, unique names', () => {
  const names = suiteContestants().map((c) => c.name);
  for (const n of ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'adam-cosine', 'adam-exp', 'adam-inv', 'adam-invsqrt', 'eve', 'eve-thresholds', 'lion', 'learned', 'sgd+feedback', 'adamw+feedback', 'lion+feedback']) assert.ok(names.includes(n), n);
  assert.equal(new Set(names).size, names.length);
  // the k′ protocol: the decayed lr at the last step is α/k′
  for (const name of ['adam-cosine', 'adam-exp', 'adam-inv', 'adam-invsqrt']) {
    const c = pickContestants([name])[0]!;
    assert.deepEqual(c.extra!.values, [1e4, 5e3, 1e3, 5e2, 1e2, 50, 10, 5]);
    const opt = c.make({ lr: 0.1, extra: 100, steps: 1000 });
    const lr = (opt.hyperparams as { lr: (t: number) => number }).lr;
    assert.ok(Math.abs(lr(0) - 0.1) < 1e-15 && Math.abs(lr(1000) - 0.001) < 1e-12, `${name}: ${lr(0)} → ${lr(1000)}`);
  }
  registerContestants([{ name: 'test-extra', config: 'x', defaultLr: 1, make: () => sgd() }]);
  assert.ok(suiteContestants().some((c) => c.name === 'test-extra'));
  assert.throws(() => registerContestants([{ name: 'adam', config: 'x', defaultLr: 1, make: () => sgd() }]), /exists/);
  assert.throws(() => pickContestants(['nosuch']), /unknown contestant "nosuch"/);
});
