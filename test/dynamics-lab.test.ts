import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError, type Optimizer, type Task, lion, momentum, ready, sgd } from '../src/index.js';
import { wouldUpdate } from '../src/analysis/index.js';
import { labs } from '../src/labs/registry.js';
import { type DynamicsConfig, type DynamicsResults, runDynamics } from '../src/dynamics/experiment.js';
import { spearman } from '../src/dynamics/findings.js';
import { lionSgdInterp } from '../src/dynamics/interp.js';
import { pickByScore, pickLearningRate } from '../src/dynamics/lr-protocol.js';
import { buildReport } from '../src/dynamics/report.js';

await ready();

const TINY: DynamicsConfig = {
  variants: ['sigmoid', 'relu_bn'],
  lr: { grid: [1e-3, 1e-2, 0.1], runs: 1, steps: 5 },
  meta: { epochs: 1, runsPerEpoch: 1, innerSteps: 20, unroll: 10, metaLr: 1e-2, metaTestRuns: 1 },
  test: { runs: 2, steps: 20, checkpointEvery: 10, histogramSteps: [1, 10], symmetryWindow: 20 },
  interp: { variant: 'sigmoid', lambdas: [0, 0.5, 1], seeds: 1, steps: 20, sgdLr: 0.5, lionLr: 0.005 },
  reg: { variant: 'sigmoid', betas: [0, 0.5] },
};

/** Every number reachable in `x` (arrays and records), with its path. */
function numbers(x: unknown, path = '', out: [string, number][] = []): [string, number][] {
  if (typeof x === 'number') out.push([path, x]);
  else if (Array.isArray(x)) x.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) numbers(v, `${path}.${k}`, out);
  return out;
}

/** The results without wall-clock times. */
function withoutTimes(r: DynamicsResults): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'seconds' ? undefined : v)));
}

let first: DynamicsResults | undefined;

test('lab dynamics: a tiny budget produces every section with finite numbers', async () => {
  const r = await runDynamics(TINY, { seed: 3 });
  first = r;
  assert.deepEqual(r.variants.map((v) => v.variant), ['sigmoid', 'relu_bn']);
  for (const v of r.variants) {
    assert.deepEqual(v.kinds, v.variant === 'relu_bn' ? ['translation', 'scale'] : ['translation']);
    for (const n of ['l2o', 'adam', 'sgdm', 'lion'] as const) {
      const s = v.optimizers[n];
      assert.equal(s.runs + s.failedRuns, 2);
      assert.equal(s.loss.length, 20);
      assert.deepEqual(s.symmetry.steps, [1, 10, 20]);
      assert.deepEqual(s.checkpoints.steps, [1, 10, 20]);
      assert.deepEqual(s.histograms.map((h) => h.step), [1, 10]);
      assert.ok(s.norms.perTensor.W1 && s.norms.perTensor.b2);
      for (const k of v.kinds) assert.ok(Number.isFinite(s.earlySymmetry[k]) && s.earlySymmetry[k] >= 0, `${v.variant} ${n} ${k}`);
      for (const a of [s.checkpoints.updAlpha, s.checkpoints.gradAlpha, s.checkpoints.updLambda, s.checkpoints.updTrace]) {
        assert.ok(a.length === 3 && a.every((x) => Number.isFinite(x) && x > 0), `${v.variant} ${n}`);
      }
      // Hill is finite but not meaningful for Lion's lattice-valued (±η) updates.
      assert.ok(s.checkpoints.updHill.every(Number.isFinite));
      if (n === 'sgdm') {
        // At step 1 SGD-momentum's update is −η·g: Hill (scale-invariant) gives the gradient's tail index.
        // (The block-sum estimator is not scale-invariant here: ln(|x| + ε) with the exact zeros of
        // the always-blank digits pixels.)
        assert.ok(Math.abs(s.checkpoints.updHill[0]! - s.checkpoints.gradHill[0]!) < 1e-4 * s.checkpoints.gradHill[0]!);
      }
      if (n !== 'l2o') assert.ok(TINY.lr.grid.includes(s.lr!));
    }
    // SGD-momentum respects the translation symmetry up to f32 rounding; Lion does not.
    assert.ok(v.optimizers.sgdm.earlySymmetry.translation < 1e-3 * v.optimizers.lion.earlySymmetry.translation);
  }
  assert.deepEqual(r.interp.settings.map((s) => s.name), ['spec', 'B.1.1 picks']);
  for (const st of r.interp.settings) assert.deepEqual(st.rows.map((x) => x.lambda), [0, 0.5, 1]);
  assert.deepEqual(r.reg.rows.map((x) => x.beta), [0, 0.5]);
  assert.equal(r.reg.kind, 'translation');
  assert.deepEqual(r.findings.items.map((f) => f.id), [1, 2, 3, 4, 5]);
  for (const f of r.findings.items) {
    assert.ok(['reproduced', 'partly', 'not reproduced'].includes(f.verdict));
    assert.ok(f.evidence.length > 0);
  }
  // Every number of the summaries is finite (no NaN/Inf leaks into results.json).
  const bad = numbers(withoutTimes(r)).filter(([, x]) => !Number.isFinite(x));
  assert.deepEqual(bad, []);
  const doc = buildReport(r, 'test');
  assert.equal(doc.sections.length, 1 + 2 + 2);
  assert.ok(doc.sections.slice(1, 3).every((s) => (s.charts?.length ?? 0) >= 7));
  assert.ok(labs.some((l) => l.name === 'dynamics'));
});

test('lab dynamics: deterministic given the seed', async () => {
  const again = await runDynamics({ ...TINY, variants: ['sigmoid'], reg: { variant: 'sigmoid', betas: [0] } }, { seed: 3 });
  const a = withoutTimes(first!) as { variants: unknown[]; interp: { settings: unknown[] } };
  const b = withoutTimes(again) as typeof a;
  assert.deepEqual(b.variants[0], a.variants[0]);
  assert.deepEqual(b.interp, a.interp);
  const other = await runDynamics({ ...TINY, variants: ['sigmoid'], interp: { ...TINY.interp, lambdas: [0] }, reg: { variant: 'sigmoid', betas: [0] } }, { seed: 4 });
  assert.notDeepEqual((withoutTimes(other) as typeof a).variants[0], a.variants[0]);
});

/** f(x) = Σ x², gradient 2x, same for every minibatch. */
function parabola(x0: number[]): Task {
  return {
    name: 'parabola', size: 1,
    init: (seed) => Float32Array.of(x0[seed]!),
    loss(p, _b, g) {
      if (g) g[0] = 2 * p[0]!;
      return p[0]! * p[0]!;
    },
    evaluate: (p) => ({ loss: p[0]! * p[0]! }),
  };
}

test('B.1.1 protocol: picks the argmin of its grid', () => {
  // Stub scores: the argmin, the first on ties, NaN and Infinity never picked.
  assert.equal(pickByScore([1, 2, 3, 4], (lr) => [5, 2, 7, 2][lr - 1]!).lr, 2);
  assert.equal(pickByScore([1, 2, 3], (lr) => [NaN, Infinity, 9][lr - 1]!).lr, 3);
  assert.throws(() => pickByScore([1, 2], () => NaN), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 12 }), (s) => {
    const grid = s.map((_, i) => i + 1);
    const r = pickByScore(grid, (lr) => s[lr - 1]!);
    return r.lr === s.indexOf(Math.min(...s)) + 1;
  }));
  // On SGD over f(x) = x²: x_t = x_0·(1−2η)^t, so the summed loss is Σ_r Σ_{t<50} x_r²(1−2η)^{2t};
  // η = 0.5 reaches 0 in one step; η = 10 overflows f32 (|x_t| = |x_0|·19^t) and scores Infinity.
  const x0 = [1.5, -0.5, 2];
  const grid = [0.01, 0.1, 0.4, 0.5, 0.7, 1, 10];
  const r = pickLearningRate((lr) => sgd({ lr }), parabola(x0), { grid, runs: 3, steps: 50 });
  assert.equal(r.lr, 0.5);
  grid.forEach((lr, i) => {
    const q = (1 - 2 * lr) ** 2;
    let want = 0;
    for (const x of x0) for (let t = 0; t < 50; t++) want += x * x * q ** t;
    if (lr === 10) assert.equal(r.scores[i], Infinity);
    else assert.ok(Math.abs(r.scores[i]! - want) <= 1e-4 * want + 1e-30, `lr ${lr}: ${r.scores[i]} vs ${want}`);
  });
  const best = r.scores.indexOf(Math.min(...r.scores));
  assert.equal(grid[best], r.lr);
});

function runSteps(opt: Optimizer, p0: Float32Array, grads: Float32Array[]): Float32Array {
  const s = opt.init(p0);
  try {
    for (const g of grads) opt.step(s, g);
    return s.params.slice();
  } finally {
    s.dispose();
  }
}

const f32 = fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const vecs = fc.integer({ min: 0, max: 37 }).chain((n) => fc.record({
  p: fc.array(f32, { minLength: n, maxLength: n }),
  gs: fc.array(fc.array(f32, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 4 }),
}));

test('Lion–SGD interpolation: λ = 0 is SGD-momentum and λ = 1 is Lion, bit for bit', () => {
  fc.assert(fc.property(vecs, fc.constantFrom(0.5, 0.01, 3), fc.constantFrom(0.005, 1e-4, 0.3), ({ p, gs }, sgdLr, lionLr) => {
    const p0 = Float32Array.from(p), g = gs.map((x) => Float32Array.from(x));
    const a = runSteps(lionSgdInterp({ lambda: 0, sgdLr, lionLr }), p0, g);
    const b = runSteps(momentum({ lr: sgdLr, momentum: 0.9 }), p0, g);
    const c = runSteps(lionSgdInterp({ lambda: 1, sgdLr, lionLr }), p0, g);
    const d = runSteps(lion({ lr: lionLr, beta1: 0.9, beta2: 0.99 }), p0, g);
    assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
    assert.deepEqual(new Uint32Array(c.buffer), new Uint32Array(d.buffer));
  }), { numRuns: 60 });
});

test('Lion–SGD interpolation: λ in between is the f32 convex combination; wouldUpdate sees it', () => {
  const lambda = 0.25, sgdLr = 0.5, lionLr = 0.005, n = 13;
  const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const g = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i) - (i === 4 ? Math.cos(12) : 0)); // g[4] = 0: sign(0) = 0
  const opt = lionSgdInterp({ lambda, sgdLr, lionLr });
  const s = opt.init(p);
  try {
    const seen = wouldUpdate(opt, s, g).delta;
    assert.deepEqual(s.params.slice(), p); // observing does not step
    opt.step(s, g);
    // First step from zero states: trace = g, Lion direction = sign(0.1·g).
    const f = Math.fround, a = f(lambda * lionLr), b = f((1 - lambda) * sgdLr);
    for (let i = 0; i < n; i++) {
      const want = f(p[i]! - f(f(a * Math.sign(f(f(0.1) * g[i]!))) + f(b * g[i]!)));
      assert.equal(s.params[i], want);
      assert.equal(seen[i], s.params[i]! - p[i]!);
    }
  } finally {
    s.dispose();
  }
  assert.throws(() => lionSgdInterp({ lambda: 1.5 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_HYPERPARAMETER');
});

test('spearman: monotone relations give ±1, ties get mean ranks', () => {
  assert.equal(spearman([0, 0.1, 0.5, 1], [1, 4, 9, 100]), 1);
  assert.equal(spearman([0, 0.1, 0.5, 1], [3, 2, 1, 0]), -1);
  assert.ok(Number.isNaN(spearman([1, 2], [3, 3])));
});
