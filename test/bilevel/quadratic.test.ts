import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ready } from '../../src/index.js';
import { f2sa } from '../../src/bilevel/f2sa.js';
import { pbgd } from '../../src/bilevel/pbgd.js';
import { pbgdFree } from '../../src/bilevel/pbgd-free.js';
import { type QuadraticProblem, flatQuadratic, flatQuadratic1d, quadratic1d, ridgeQuadratic } from '../../src/bilevel/problems/quadratic.js';

await ready();

const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

// Step sizes from the problem's curvature (see docs/bilevel.md "choosing steps").
const runFree = (p: QuadraticProblem, gamma: number, iterations = 6000) =>
  pbgdFree(p, { iterations, gamma, eta: 0.6 / p.curvature.Lf, etaY: 1 / (p.curvature.Lg + p.curvature.Lf / gamma) });
const runPbgd = (p: QuadraticProblem, gamma: number, iterations = 6000) =>
  pbgd(p, { iterations, gammaMax: gamma, lrX: (0.2 * Math.min(gamma, 10)) / p.curvature.Lf, lrY: gamma / (gamma * p.curvature.Lg + p.curvature.Lf), lrInner: 1 / p.curvature.Lg });
const runF2sa = (p: QuadraticProblem, gamma: number, iterations = 6000) =>
  f2sa(p, { iterations, lambdaMax: gamma, lambda0: 1, lambdaStep: 0.1, alpha: 1 / (p.curvature.Lg + p.curvature.Lf / gamma), beta: 1 / p.curvature.Lg, xi: 0.6 / p.curvature.Lf });

test('closed-form predictions: flat-1d is exact for every method, quadratic-1d matches the derived formulas', async () => {
  const flat = flatQuadratic1d();
  assert.ok(Math.abs(flat.solution().x[0]! - 1) < 1e-12);
  for (const g of [0.1, 1, 3, 100]) {
    const a = flat.pbgdFreeFixedPoint(g), b = flat.penaltyFixedPoint(g);
    assert.ok(maxErr([a.x[0]!, a.y[0]!, b.x[0]!, b.y[0]!, b.z[0]!], [1, 1, 1, 1, 1]) < 1e-12);
  }
  const q = quadratic1d();
  assert.ok(Math.abs(q.solution().x[0]! - 0.2) < 1e-12);
  assert.ok(Math.abs(q.solution().F - 0.4) < 1e-12);
  for (const g of [0.5, 1, 10, 1000]) {
    assert.ok(Math.abs(q.pbgdFreeFixedPoint(g).x[0]! - (g + 1) / (3 * g + 1)) < 1e-12);
    assert.ok(Math.abs(q.penaltyFixedPoint(g).x[0]! - (g + 1) / (5 * g + 1)) < 1e-12);
    assert.ok(Math.abs(q.penaltyFixedPoint(g).y[0]! - ((g + 1) / (5 * g + 1)) * ((g - 1) / (g + 1))) < 1e-12);
  }
});

test('the vector flat family is exact for PBGD-Free; the vector ridge is biased while the penalty fixed point converges as γ grows', async () => {
  const flat = flatQuadratic({ n: 4, m: 6, seed: 3 });
  const sol = flat.solution();
  for (const g of [0.2, 2, 50]) {
    assert.ok(maxErr(flat.pbgdFreeFixedPoint(g).x, sol.x) < 1e-10);
    assert.ok(maxErr(flat.penaltyFixedPoint(g).x, sol.x) < 1e-10);
  }
  const ridge = ridgeQuadratic();
  const rs = ridge.solution();
  const biasFree = [1, 10, 100, 1e4].map((g) => maxErr(ridge.pbgdFreeFixedPoint(g).x, rs.x));
  const biasPen = [1, 10, 100, 1e4].map((g) => maxErr(ridge.penaltyFixedPoint(g).x, rs.x));
  for (const b of biasFree) assert.ok(b > 1e-2, `PBGD-Free bias ${b} should stay O(1)`);
  for (let i = 1; i < biasPen.length; i++) assert.ok(biasPen[i]! < biasPen[i - 1]!, `penalty bias must shrink with γ: ${biasPen}`);
  assert.ok(biasPen[3]! < 1e-3 * biasPen[0]!, `penalty bias at γ = 1e4: ${biasPen[3]}`);
});

test('each method converges to its predicted fixed point to 1e-6 (flat-1d, quadratic-1d, vector flat, vector ridge; γ = 2, 10)', async () => {
  const problems = [flatQuadratic1d(), quadratic1d(), flatQuadratic(), ridgeQuadratic()];
  for (const p of problems) {
    for (const g of [2, 10]) {
      const pf = p.pbgdFreeFixedPoint(g), pp = p.penaltyFixedPoint(g);
      const a = await runFree(p, g);
      assert.ok(maxErr(a.x, pf.x) < 1e-6 && maxErr(a.y, pf.y) < 1e-6, `pbgd-free ${p.name} γ=${g}: ${maxErr(a.x, pf.x)}`);
      const b = await runPbgd(p, g);
      assert.ok(maxErr(b.x, pp.x) < 1e-6 && maxErr(b.y, pp.y) < 1e-6 && maxErr(b.z!, pp.z) < 1e-6, `pbgd ${p.name} γ=${g}: ${maxErr(b.x, pp.x)}`);
      const c = await runF2sa(p, g);
      assert.ok(maxErr(c.x, pp.x) < 1e-6 && maxErr(c.y, pp.y) < 1e-6 && maxErr(c.z!, pp.z) < 1e-6, `f2sa ${p.name} γ=${g}: ${maxErr(c.x, pp.x)}`);
      // The recorded F(x) is the exact upper objective at the final x.
      const last = a.trace.at(-1)!;
      assert.equal(last.iter, 6000);
      assert.ok(Math.abs(last.F! - p.upperObjective!(a.x)) < 1e-12);
    }
  }
});

test('property: PBGD-Free reaches x = y = 1 on the flat problem for any γ > 0', async () => {
  const p = flatQuadratic1d();
  await fc.assert(
    fc.asyncProperty(fc.double({ min: 0.05, max: 1000, noNaN: true }), async (gamma) => {
      const r = await runFree(p, gamma, 4000);
      return Math.abs(r.x[0]! - 1) < 1e-6 && Math.abs(r.y[0]! - 1) < 1e-6;
    }),
    { numRuns: 25 },
  );
});

test('non-flat quadratic-1d: PBGD-Free stays biased for every γ, PBGD and F2SA approach x* = 1/5 as γ grows', async () => {
  const p = quadratic1d();
  const errs: number[][] = [];
  for (const g of [1, 10, 100]) {
    const a = await runFree(p, g, 8000), b = await runPbgd(p, g, 8000), c = await runF2sa(p, g, 8000);
    assert.ok(Math.abs(a.x[0]! - (g + 1) / (3 * g + 1)) < 1e-6, `pbgd-free γ=${g}: ${a.x[0]}`);
    assert.ok(Math.abs(b.x[0]! - (g + 1) / (5 * g + 1)) < 1e-6, `pbgd γ=${g}: ${b.x[0]}`);
    assert.ok(Math.abs(c.x[0]! - (g + 1) / (5 * g + 1)) < 1e-6, `f2sa γ=${g}: ${c.x[0]}`);
    errs.push([a.x[0]! - 0.2, b.x[0]! - 0.2, c.x[0]! - 0.2].map(Math.abs));
  }
  for (const e of errs) assert.ok(e[0]! > 0.13, `PBGD-Free bias ${e[0]} (→ 2/15 as γ → ∞)`);
  assert.ok(errs[2]![1]! < 0.01 && errs[2]![2]! < 0.01);
  assert.ok(errs[0]![1]! > errs[1]![1]! && errs[1]![1]! > errs[2]![1]!);
  // F(x) at the end: the penalty methods win on the non-flat problem.
  const F = (x: number) => p.upperObjective!(Float32Array.of(x));
  assert.ok(F(1 / 3) > F((100 + 1) / (500 + 1)));
});
