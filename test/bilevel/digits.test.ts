import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, loadDigits, ready } from '../../src/index.js';
import type { BilevelProblem } from '../../src/bilevel/problem.js';
import { hyperCleaning } from '../../src/bilevel/problems/hypercleaning.js';
import { representationSplit } from '../../src/bilevel/problems/representation.js';
import { pbgd } from '../../src/bilevel/pbgd.js';
import { Rng } from '../../src/core/rng.js';

await ready();
const digits = await loadDigits();

/**
 * Directional finite differences: for random unit-scale directions u, compares
 * (h(x + tu) − h(x − tu)) / 2t with ⟨∇h, u⟩, for both oracles and both blocks.
 */
function checkGradients(p: BilevelProblem, seed: number, x: Float32Array, y: Float32Array): void {
  const rng = new Rng(seed);
  for (const [name, oracle] of [['f', p.upper], ['g', p.lower]] as const) {
    const gx = new Float32Array(p.dimX), gy = new Float32Array(p.dimY);
    oracle(x, y, gx, gy);
    for (const block of ['x', 'y'] as const) {
      for (let k = 0; k < 3; k++) {
        const base = block === 'x' ? x : y;
        const u = Float32Array.from(base, () => rng.normal());
        const t = 1e-2 / Math.sqrt(base.length);
        const plus = base.map((v, i) => v + t * u[i]!), minus = base.map((v, i) => v - t * u[i]!);
        const at = (b: Float32Array) => (block === 'x' ? oracle(b, y, null, null) : oracle(x, b, null, null));
        // differences of the actually perturbed f32 points
        let dot = 0;
        const g = block === 'x' ? gx : gy;
        for (let i = 0; i < base.length; i++) dot += g[i]! * (plus[i]! - minus[i]!);
        const fd = at(plus) - at(minus);
        const scale = Math.abs(dot) + Math.abs(fd);
        assert.ok(Math.abs(fd - dot) <= 2e-3 * scale + 2e-6, `${p.name} ∇${block}${name}: fd ${fd} vs analytic ${dot}`);
      }
    }
  }
}

test('hyper-cleaning gradients match finite differences (sigmoid and box weights)', async () => {
  for (const weighting of ['sigmoid', 'box'] as const) {
    const p = hyperCleaning(digits, { train: 60, validation: 30, weighting, seed: 1 });
    const rng = new Rng(9);
    const x = Float32Array.from({ length: p.dimX }, () => (weighting === 'box' ? 0.2 + 0.6 * rng.uniform() : rng.normal()));
    const y = Float32Array.from({ length: p.dimY }, () => 0.3 * rng.normal());
    checkGradients(p, 3, x, y);
    // ∇ₓf ≡ 0: the validation loss does not depend on the weights.
    const gx = new Float32Array(p.dimX).fill(1);
    p.upper(x, y, gx, null);
    assert.ok(gx.every((v) => v === 0));
    p.release();
  }
});

test('hyper-cleaning data: seeded 50 % corruption, weights and the weighted lower solve', async () => {
  const a = hyperCleaning(digits, { train: 400, validation: 100, seed: 5 });
  const b = hyperCleaning(digits, { train: 400, validation: 100, seed: 5 });
  assert.deepEqual(a.corrupted, b.corrupted);
  const frac = a.corrupted.reduce((s, v) => s + v, 0) / 400;
  assert.ok(frac > 0.42 && frac < 0.58, `corrupted fraction ${frac}`);
  const w = a.weights(Float32Array.from([0, 100, -100, ...new Array(397).fill(0)]));
  assert.deepEqual([w[0], w[1]], [0.5, 1]);
  assert.ok(w[2]! >= 0 && w[2]! < 1e-40);
  const y = a.trainWithWeights(new Float32Array(400).fill(1));
  const g = new Float32Array(a.dimY);
  a.lower(new Float32Array(400).fill(100), y, null, g); // σ(100) = 1 in f32
  assert.ok(Math.max(...g.map(Math.abs)) < 1e-4);
  assert.ok(a.testAccuracy(y) > 0.5);
  // The cancellable variant gives the same bits; aborted, it rejects with ABORTED.
  assert.deepEqual(await a.trainWithWeightsAsync(new Float32Array(400).fill(1)), y);
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(a.trainWithWeightsAsync(new Float32Array(400).fill(1), 0, { signal: ctl.signal }), (e: unknown) => e instanceof MetaoptimError && e.code === 'ABORTED');
  assert.throws(() => hyperCleaning(digits, { train: 1300, validation: 200 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'BILEVEL_SHAPE');
  assert.throws(() => hyperCleaning(digits, { trian: 100 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.details?.suggestion === 'train');
  assert.throws(() => representationSplit(digits, { hiden: 8 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.details?.suggestion === 'hidden');
  a.release();
  b.release();
});

test('representation-split gradients match finite differences (coarse, fine and same targets)', async () => {
  for (const target of ['coarse', 'fine', 'same'] as const) {
    const p = representationSplit(digits, { hidden: 5, rows: 40, target, seed: 2 });
    const { x, y } = p.init!(new Rng(4));
    const y2 = y.map((v, i) => v + 0.3 * Math.sin(i));
    checkGradients(p, 5, x, y2);
    p.release();
  }
});

test('representation split: F(x) solves the head (‖∇_y g‖∞ ≤ 1e-5) and the flat control has ∇_y f(x, y*) = 0', async () => {
  const p = representationSplit(digits, { hidden: 4, rows: 80, target: 'same', seed: 0 });
  const { x } = p.init!(new Rng(1));
  const ys = p.solveHead(x);
  const gy = new Float32Array(p.dimY), fy = new Float32Array(p.dimY);
  p.lower(x, ys, null, gy);
  p.upper(x, ys, null, fy);
  assert.ok(Math.max(...gy.map(Math.abs)) <= 1e-5);
  assert.deepEqual(fy, gy);
  assert.ok(Math.abs(p.upperObjective!(x) - p.upper(x, ys, null, null)) < 1e-6);
  p.release();
});

test('a short PBGD run on hyper-cleaning lowers the weights of corrupted examples more than of clean ones', async () => {
  const p = hyperCleaning(digits, { train: 200, validation: 100, seed: 0 });
  const r = await pbgd(p, { iterations: 150, gammaMax: 1, lrX: 50, lrY: 0.1, lrInner: 0.1, recordEvery: 150 });
  const m = r.trace.at(-1)!.metrics!;
  assert.ok(m.meanWeightCorrupted! < m.meanWeightClean! - 0.05, JSON.stringify(m));
  p.release();
});
