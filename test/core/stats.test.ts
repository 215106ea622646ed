// core/stats.ts: the one set of summary statistics (sample sd, type-7 quantiles, IQM,
// bootstrap CI, Spearman). Known values are worked by hand or taken from R/numpy defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError } from '../../src/core/errors.js';
import { bootstrapCi, finite, iqm, mean, meanSd, median, quantile, ranks, sd, spearman } from '../../src/core/stats.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const finiteArr = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 });

test('mean and SAMPLE sd (n − 1): known values, one value, none', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  // Σ(x − 2.5)² = 5, /(4 − 1) → sd = √(5/3) (R: sd(1:4) = 1.290994)
  close(sd([1, 2, 3, 4]), Math.sqrt(5 / 3));
  close(sd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7)); // the population sd of this set is 2
  assert.equal(sd([3]), 0);
  assert.ok(Number.isNaN(sd([])));
  assert.ok(Number.isNaN(mean([])));
  assert.deepEqual(meanSd([1, 3]), { mean: 2, sd: Math.SQRT2, n: 2 });
  fc.assert(
    fc.property(finiteArr, fc.double({ min: -1e3, max: 1e3, noNaN: true }), (xs, c) => {
      // Shift-invariant, and sd² · (n − 1) = Σ(x − mean)².
      close(sd(xs.map((x) => x + c)), sd(xs), 1e-6);
      const m = mean(xs);
      close(sd(xs) ** 2 * (xs.length - 1), xs.reduce((s, x) => s + (x - m) ** 2, 0), 1e-9);
    }),
  );
});

test('quantile type 7 (R default, numpy linear) against hand values', () => {
  const xs = [7, 1, 3, 5]; // sorted 1 3 5 7; h = (n − 1)q
  assert.equal(quantile(xs, 0), 1);
  assert.equal(quantile(xs, 1), 7);
  assert.equal(quantile(xs, 0.5), 4); // h = 1.5 → 3 + 0.5·2
  assert.equal(quantile(xs, 0.25), 2.5); // h = 0.75 → 1 + 0.75·2
  close(quantile(xs, 0.9), 6.4); // h = 2.7 → 5 + 0.7·2
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4]), 4);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  for (const q of [-0.1, 1.1, NaN]) assert.throws(() => quantile([1], q), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  fc.assert(
    fc.property(finiteArr, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      assert.ok(quantile(xs, lo) <= quantile(xs, hi));
      assert.ok(quantile(xs, lo) >= Math.min(...xs) && quantile(xs, hi) <= Math.max(...xs));
    }),
  );
});

test('iqm: mean of the middle 50 % with fractional boundary weights', () => {
  // n = 4: slots [0,.25) [.25,.5) [.5,.75) [.75,1): middle two values, each weight .25.
  assert.equal(iqm([1, 2, 3, 100]), 2.5);
  // n = 8: values 3..6 of the sorted 1..8.
  assert.equal(iqm([8, 1, 7, 2, 6, 3, 5, 4]), 4.5);
  // n = 5: slot width .2; weights 0, .15, .2, .15, 0 → (2·.15 + 3·.2 + 4·.15)/.5 = 3.
  assert.equal(iqm([1, 2, 3, 4, 1000]), 3);
  // n = 3: slot width 1/3; weights 1/12, 1/3, 1/12 (sum ½) → (1/12·1 + 1/3·2 + 1/12·10)/½.
  close(iqm([1, 2, 10]), (1 / 12 + 2 / 3 + 10 / 12) / 0.5);
  assert.equal(iqm([42]), 42);
  assert.ok(Number.isNaN(iqm([])));
  fc.assert(
    fc.property(finiteArr, (xs) => {
      const v = iqm(xs);
      assert.ok(v >= quantile(xs, 0.25) - 1e-9 * Math.max(1, Math.abs(v)) && v <= quantile(xs, 0.75) + 1e-9 * Math.max(1, Math.abs(v)));
    }),
  );
});

test('NaN propagates through mean, sd, quantile, median, iqm; finite() drops non-finite values', () => {
  const xs = [1, NaN, 3];
  for (const f of [mean, sd, median, iqm, (a: number[]) => quantile(a, 0.1)]) assert.ok(Number.isNaN(f(xs)), f.name);
  assert.ok(Number.isNaN(sd([NaN])));
  assert.equal(mean([1, Infinity]), Infinity);
  assert.deepEqual(finite([1, NaN, Infinity, -2, -Infinity]), [1, -2]);
});

test('bootstrapCi: deterministic per seed, brackets the estimate, narrows with more data', () => {
  const xs = Array.from({ length: 30 }, (_, i) => Math.sin(i) * 10 + i / 3);
  const a = bootstrapCi(xs, mean, { seed: 3, resamples: 500 });
  const b = bootstrapCi(xs, mean, { seed: 3, resamples: 500 });
  assert.deepEqual(a, b);
  const c = bootstrapCi(xs, mean, { seed: 4, resamples: 500 });
  assert.notDeepEqual(a, c);
  assert.equal(a.estimate, mean(xs));
  assert.ok(a.lo < a.estimate && a.estimate < a.hi);
  // The default statistic is the mean; the default seed is 0.
  assert.deepEqual(bootstrapCi(xs, undefined, { resamples: 300 }), bootstrapCi(xs, mean, { seed: 0, resamples: 300 }));
  // A wider level gives a wider interval; four copies of the data a narrower one.
  const wide = bootstrapCi(xs, mean, { seed: 3, resamples: 500, level: 0.99 });
  assert.ok(wide.lo <= a.lo && wide.hi >= a.hi);
  const more = bootstrapCi([...xs, ...xs, ...xs, ...xs], mean, { seed: 3, resamples: 500 });
  assert.ok(more.hi - more.lo < a.hi - a.lo);
  // Constant data: a zero-width interval. No data: NaN bounds.
  assert.deepEqual(bootstrapCi([2, 2, 2], median, { resamples: 50 }), { lo: 2, hi: 2, estimate: 2 });
  const none = bootstrapCi([], mean);
  assert.ok(Number.isNaN(none.lo) && Number.isNaN(none.hi));
  assert.throws(() => bootstrapCi(xs, mean, { level: 1 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
});

test('ranks give ties their mean rank; spearman with ties, monotone maps, NaN pairs dropped', () => {
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.deepEqual(ranks([1, 1, 1]), [2, 2, 2]);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // With ties: x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4): Pearson of the ranks.
  // Σ(rx − 2.5)(ry − 2.5) = 2.25 + 0 + 0 + 2.25 = 4.5; Σ(rx − 2.5)² = 4.5; Σ(ry − 2.5)² = 5 → 4.5/√22.5.
  close(spearman([1, 2, 2, 3], [1, 2, 3, 4]), 4.5 / Math.sqrt(22.5));
  // A pair with a NaN is dropped, not propagated.
  assert.equal(spearman([1, NaN, 2, 3], [1, 100, 2, 3]), 1);
  assert.ok(Number.isNaN(spearman([1], [1])));
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))); // constant input
  assert.throws(() => spearman([1, 2], [1]), (e: unknown) => e instanceof MetaoptimError && e.code === 'LENGTH_MISMATCH');
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 30 }), (xs) => {
      // Invariant under any strictly increasing map, and symmetric.
      const ys = xs.map((x) => x * x * x + 7);
      close(spearman(xs, ys), 1);
      const zs = xs.map((x, i) => (i % 3) - x / 10);
      close(spearman(xs, zs), spearman(zs, xs));
      assert.ok(Math.abs(spearman(xs, zs)) <= 1 + 1e-12);
    }),
  );
});
