import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDigits, loadIris, loadWine, splitDataset, standardize } from '../../src/data/index.js';
import { Rng } from '../../src/core/rng.js';

test('digits, iris and wine load with their documented shapes', async () => {
  const d = await loadDigits();
  assert.equal(d.rows, 1797);
  assert.equal(d.features, 64);
  assert.equal(d.classes, 10);
  assert.ok(d.x.every((v) => v >= 0 && v <= 1));
  assert.equal(d.x[2], 5 / 16); // first row starts 0,0,5,13,…
  assert.equal(d.y[0], 0);
  const i = await loadIris();
  assert.deepEqual([i.rows, i.features, i.classes], [150, 4, 3]);
  assert.deepEqual(i.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.equal(i.x[0], Math.fround(5.1));
  const w = await loadWine();
  assert.deepEqual([w.rows, w.features, w.classes], [178, 13, 3]);
  for (const ds of [d, i, w]) {
    const counts = new Array(ds.classes).fill(0);
    for (const y of ds.y) counts[y]++;
    assert.ok(counts.every((c) => c > 0));
  }
});

test('splits are fixed by the seed, disjoint and complete; standardization uses train statistics', async () => {
  const d = await loadDigits();
  const a = splitDataset(d, { test: 397, seed: 0 });
  const b = splitDataset(d, { test: 397, seed: 0 });
  const c = splitDataset(d, { test: 397, seed: 1 });
  assert.equal(a.train.rows, 1400);
  assert.deepEqual(a.test.x, b.test.x);
  assert.notDeepEqual(a.test.y, c.test.y);
  const sum = (ys: Int32Array) => ys.reduce((s, v) => s + v, 0);
  assert.equal(sum(a.train.y) + sum(a.test.y), sum(d.y));
  const s = standardize(splitDataset(await loadWine(), { test: 0.3, seed: 3 }));
  const f = s.train.features;
  for (let j = 0; j < f; j++) {
    let m = 0;
    for (let r = 0; r < s.train.rows; r++) m += s.train.x[r * f + j]!;
    assert.ok(Math.abs(m / s.train.rows) < 1e-5);
  }
});

test('Rng is reproducible, uniform-looking, and fork() depends only on (seed, k)', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 1000 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.uniform()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  const n = Array.from({ length: 20000 }, () => a.normal());
  const mu = n.reduce((s, x) => s + x, 0) / n.length;
  const v = n.reduce((s, x) => s + (x - mu) ** 2, 0) / n.length;
  assert.ok(Math.abs(mu) < 0.03 && Math.abs(v - 1) < 0.05);
  assert.deepEqual(new Rng(7).fork(3).u32(), new Rng(7).fork(3).u32());
  assert.notEqual(new Rng(7).fork(3).u32(), new Rng(7).fork(4).u32());
  const p = new Rng(1).permutation(50);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
});
