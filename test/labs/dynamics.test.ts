import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError, type Task, ready, sgd } from '../../src/index.js';
import { isAborted } from '../../src/core/loop.js';
import { spearman } from '../../src/core/stats.js';
import type { LabResult } from '../../src/labs/lab.js';
import { tuneLr } from '../../src/labs/protocol.js';
import { labs } from '../../src/labs/registry.js';
import { type DynamicsConfig, QUICK_CONFIG, SPEC_B11_LR_GRID } from '../../src/labs/dynamics/config.js';
import { runDynamics } from '../../src/labs/dynamics/experiment.js';
import { findings } from '../../src/labs/dynamics/findings.js';
import { dynamicsLab } from '../../src/labs/dynamics/lab.js';
import { buildReport } from '../../src/labs/dynamics/report.js';
import type { DynamicsParts, DynamicsResults } from '../../src/labs/dynamics/types.js';

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
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'elapsedMs' ? undefined : v)));
}

let first: DynamicsResults | undefined;

test('lab dynamics: a tiny budget produces every section with finite numbers', async () => {
  const r = await runDynamics(TINY, { seed: 3 });
  first = r;
  assert.deepEqual(
    { lab: r.lab, version: r.version, seed: r.seed, quick: r.quick, partial: r.partial },
    { lab: 'dynamics', version: 2, seed: 3, quick: false, partial: false },
  );
  assert.ok(['simd', 'scalar'].includes(r.build) && r.elapsedMs > 0);
  assert.deepEqual(r.variants.map((v) => v.variant), ['sigmoid', 'relu_bn']);
  for (const v of r.variants) {
    assert.deepEqual(v.kinds, v.variant === 'relu_bn' ? ['translation', 'scale'] : ['translation']);
    for (const n of ['l2o', 'adam', 'sgdm', 'lion'] as const) {
      const s = v.optimizers[n];
      assert.equal(s.runs + s.failedRuns, 2);
      // Sample sd of two run means is |a − b|/√2: finite, ≥ 0 (and 0 only for identical runs).
      assert.ok(s.runs < 2 || (Number.isFinite(s.meanLossSd) && s.meanLossSd > 0), `${v.variant} ${n} sd ${s.meanLossSd}`);
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

test('B.1.1 protocol (tuneLr, summed loss over 3 runs × 50 steps): the argmin, ∞ for a diverged lr', async () => {
  // On SGD over f(x) = x²: x_t = x_0·(1−2η)^t, so the summed loss is Σ_r Σ_{t<50} x_r²(1−2η)^{2t};
  // η = 0.5 reaches 0 in one step; η = 10 grows as |x_0|·19^t and diverges (+∞).
  const x0 = [1.5, -0.5, 2];
  const grid = [0.01, 0.1, 0.4, 0.5, 0.7, 1, 10];
  const r = await tuneLr((lr) => sgd({ lr }), parabola(x0), grid, { runs: 3, steps: 50, score: 'summedLoss', evalSplits: [] });
  assert.equal(r.lr, 0.5);
  grid.forEach((lr, i) => {
    const q = (1 - 2 * lr) ** 2;
    let want = 0;
    for (const x of x0) for (let t = 0; t < 50; t++) want += x * x * q ** t;
    if (lr === 10) assert.equal(r.scores[i], Infinity);
    else assert.ok(Math.abs(r.scores[i]! - want) <= 1e-4 * want + 1e-30, `lr ${lr}: ${r.scores[i]} vs ${want}`);
  });
  // The lab tunes on the SPEC grid, in both modes.
  assert.deepEqual(SPEC_B11_LR_GRID, [1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 3]);
  assert.deepEqual(QUICK_CONFIG.lr, { grid: [...SPEC_B11_LR_GRID], runs: 3, steps: 50 });
});

test('findings 2 and 3: the verdict rules on hand-made numbers (core spearman)', () => {
  assert.equal(spearman([0, 0.1, 0.5, 1], [1, 4, 9, 100]), 1);
  assert.ok(Number.isNaN(spearman([1, 2], [3, 3])));
  const row = (lambda: number, translation: number, meanLoss: number) => ({ lambda, translation, meanLoss, finalLoss: meanLoss, failedRuns: 0 });
  const reg = (losses: number[]) => ({
    variant: 'sigmoid' as const, kind: 'translation' as const,
    rows: losses.map((meanLoss, i) => ({ beta: i, meanLoss, finalLoss: meanLoss, deviation: 1, translation: 1, failedRuns: 0, elapsedMs: 0 })),
  });
  const parts = (rows: ReturnType<typeof row>[], losses: number[]): DynamicsParts => ({
    variants: [], interp: { variant: 'sigmoid', settings: [{ name: 'spec', sgdLr: 0.5, lionLr: 0.005, rows }] }, reg: reg(losses),
  });
  const verdicts = (p: DynamicsParts) => Object.fromEntries(findings(p).items.map((f) => [f.id, f.verdict]));
  // ρ(λ, |D_T|) = 1 and ρ(λ, loss) = −1: reproduced; regularization 1.3× worse: reproduced.
  assert.deepEqual(verdicts(parts([row(0, 1e-7, 0.5), row(0.5, 0.01, 0.4), row(1, 0.05, 0.3)], [1, 1.3])), { 2: 'reproduced', 3: 'reproduced' });
  // Loss rising with λ: only the symmetry half holds; 1.1× worse: partly; 1.01×: not reproduced.
  assert.deepEqual(verdicts(parts([row(0, 1e-7, 0.2), row(0.5, 0.01, 0.3), row(1, 0.05, 0.4)], [1, 1.1])), { 2: 'partly', 3: 'partly' });
  assert.equal(verdicts(parts([row(0, 1, 1), row(1, 1, 1)], [1, 1.01]))[2], 'not reproduced');
  // A partial run: findings without numbers are left out (no variants → no 1, 4, 5).
  assert.deepEqual(findings(parts([row(0, 1, 1)], [1])).items, []);
});

test('lab dynamics: an abort rejects soon with ABORTED and a partial LabResult', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  let events = 0;
  setTimeout(() => ac.abort(), 150);
  const err = await dynamicsLab.run({ quick: true, seed: 0, signal: ac.signal, onProgress: () => events++ }).then(
    () => assert.fail('the lab finished despite the abort'),
    (e: unknown) => e,
  );
  const took = performance.now() - t0;
  assert.ok(isAborted(err), String(err));
  const { iteration, partial } = err.details as { iteration: number; partial: LabResult };
  const r = partial.results as DynamicsResults;
  assert.equal(r.partial, true);
  assert.equal(r.lab, 'dynamics');
  assert.equal(r.quick, true);
  assert.ok(iteration >= 0 && iteration < 20, `iteration ${iteration}`);
  assert.ok(r.variants.length < QUICK_CONFIG.variants.length);
  assert.ok(partial.report.sections.length >= 1 && partial.summary[0]!.includes('partial'));
  // The quick lab runs about a minute; the abort came at 150 ms.
  assert.ok(took < 5000, `rejected after ${took} ms`);
});

test('lab dynamics: declares its options and rejects bad values before any work', async () => {
  assert.deepEqual(dynamicsLab.options.map((o) => o.name), ['meta-epochs', 'test-runs']);
  await assert.rejects(dynamicsLab.run({ quick: true, seed: 0, extra: { 'meta-epochs': '0' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /meta-epochs/.test(e.message));
  await assert.rejects(dynamicsLab.run({ quick: true, seed: 0, extra: { 'test-run': '2' } }), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /test-run/.test(e.message));
  await assert.rejects(runDynamics(QUICK_CONFIG, { seed: 0, seeds: 3 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && /seed/.test(e.message));
});
