import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, createRuntime, ready } from '../../src/index.js';
import { f2sa } from '../../src/bilevel/f2sa.js';
import { pbgd } from '../../src/bilevel/pbgd.js';
import { pbgdFree } from '../../src/bilevel/pbgd-free.js';
import { type BilevelProblem, defineProblem } from '../../src/bilevel/problem.js';
import { flatQuadratic1d, quadratic1d, ridgeQuadratic } from '../../src/bilevel/problems/quadratic.js';
import { toyProblem } from '../../src/bilevel/problems/toy.js';

await ready();

/** Matches UNKNOWN_OPTION for `key` with the suggested closest valid key. */
const unknownOption = (key: string, suggestion: string) => (e: unknown) =>
  (e as { code?: string }).code === 'UNKNOWN_OPTION' && (e as { details: { key: string; suggestion: string } }).details.key === key && (e as { details: { suggestion: string } }).details.suggestion === suggestion;

type Call = string;
/** Wraps a problem so every oracle call is logged as "<f|g>(<which gradients>)@<y tag>". */
function spy(p: BilevelProblem, tagY: (y: Float32Array) => string): { problem: BilevelProblem; calls: Call[] } {
  const calls: Call[] = [];
  const log = (o: string, y: Float32Array, gx: unknown, gy: unknown) =>
    calls.push(`${o}(${gx ? 'x' : ''}${gy ? 'y' : ''})@${tagY(y)}`);
  return {
    calls,
    problem: defineProblem({
      ...p,
      upper: (x, y, gx, gy) => (log('f', y, gx, gy), p.upper(x, y, gx, gy)),
      lower: (x, y, gx, gy) => (log('g', y, gx, gy), p.lower(x, y, gx, gy)),
      metrics: undefined,
      upperObjective: undefined,
      lowerSolution: undefined,
    }),
  };
}

test('gradient counts follow each algorithm: PBGD-Free 2K+1, PBGD T_in+5, F2SA 3T_in+3 per iteration', async () => {
  const p = ridgeQuadratic();
  for (const K of [1, 3]) {
    const r = await pbgdFree(p, { iterations: 7, gamma: 2, inner: K, eta: 0.1, etaY: 0.1 });
    assert.deepEqual(r.counts, { fx: 7, fy: 7 * K, gx: 0, gy: 7 * K, total: 7 * (2 * K + 1), values: 0 });
    assert.deepEqual(r.trace.map((t) => t.gradEvals), Array.from({ length: 8 }, (_, i) => i * (2 * K + 1)));
  }
  for (const T_in of [1, 4]) {
    const r = await pbgd(p, { iterations: 5, gammaMax: 2, inner: T_in });
    assert.deepEqual(r.counts, { fx: 5, fy: 5, gx: 10, gy: 5 * (T_in + 1), total: 5 * (T_in + 5), values: 0 });
    const s = await f2sa(p, { iterations: 5, inner: T_in });
    assert.deepEqual(s.counts, { fx: 5, fy: 5 * T_in, gx: 10, gy: 10 * T_in, total: 5 * (3 * T_in + 3), values: 0 });
  }
});

test('the exact oracle call sequence of one iteration, and which iterate each gradient is taken at', async () => {
  // Each iterate lives in its own WASM buffer, so the view's byteOffset tells y from z.
  // Value-only calls ("f()") are the records' evaluations and are left out.
  const base = flatQuadratic1d();
  const { problem, calls: all } = spy(base, (y) => `${y.byteOffset}`);
  const calls = () => all.filter((c) => !c.startsWith('f()'));
  await pbgdFree(problem, { iterations: 2, gamma: 2, inner: 2, recordEvery: 100 });
  const free = calls().map((c) => c.split('@')[0]);
  assert.deepEqual(free, ['f(y)', 'g(y)', 'f(y)', 'g(y)', 'f(x)', 'f(y)', 'g(y)', 'f(y)', 'g(y)', 'f(x)']);
  all.length = 0;
  await pbgd(problem, { iterations: 1, inner: 2, recordEvery: 100 });
  const pb = calls().map((c) => c.split('@'));
  assert.deepEqual(pb.map((c) => c[0]), ['g(y)', 'g(y)', 'f(xy)', 'g(xy)', 'g(x)']);
  // inner steps and the last ∇ₓg are at z; the joint gradients at y (a different buffer)
  assert.equal(pb[0]![1], pb[1]![1]);
  assert.equal(pb[0]![1], pb[4]![1]);
  assert.notEqual(pb[0]![1], pb[2]![1]);
  assert.equal(pb[2]![1], pb[3]![1]);
  all.length = 0;
  await f2sa(problem, { iterations: 1, inner: 2, recordEvery: 100 });
  const fs = calls().map((c) => c.split('@'));
  assert.deepEqual(fs.map((c) => c[0]), ['g(y)', 'f(y)', 'g(y)', 'g(y)', 'f(y)', 'g(y)', 'f(x)', 'g(x)', 'g(x)']);
  const zTag = fs[0]![1], yTag = fs[1]![1];
  assert.notEqual(zTag, yTag);
  assert.deepEqual(fs.map((c) => c[1]), [zTag, yTag, yTag, zTag, yTag, yTag, yTag, yTag, zTag]); // ∇ₓf and ∇_y f at y (paper version)
});

test('bad inputs raise typed errors', async () => {
  const p = quadratic1d();
  const code = (c: string) => (e: unknown) => e instanceof MetaoptimError && e.code === c;
  await assert.rejects(pbgdFree(p, { iterations: 3, x0: new Float32Array(2) }), code('BILEVEL_SHAPE'));
  await assert.rejects(pbgd(p, { iterations: 3, y0: new Float32Array(0) }), code('BILEVEL_SHAPE'));
  await assert.rejects(f2sa(p, { iterations: 3, x0: Float32Array.of(NaN) }), code('BILEVEL_NON_FINITE'));
  await assert.rejects(pbgdFree(p, { iterations: 3, x0: [1] as unknown as Float32Array }), code('BILEVEL_SHAPE'));
  assert.throws(() => defineProblem({ ...p, dimX: 0 }), code('BILEVEL_SHAPE'));
  assert.throws(() => defineProblem({ ...p, dimY: 1.5 }), code('BILEVEL_SHAPE'));
  assert.throws(() => defineProblem({ ...p, bounds: { lo: new Float32Array(3), hi: 1 } }), code('BILEVEL_SHAPE'));
  assert.throws(() => defineProblem({ ...p, bounds: { lo: NaN, hi: 1 } }), code('BILEVEL_NON_FINITE'));
  assert.throws(() => defineProblem({ ...p, bounds: { lo: 2, hi: 1 } }), code('BILEVEL_INVALID'));
  await assert.rejects(pbgdFree(p, { iterations: 3, gamma: 0 }), code('INVALID_HYPERPARAMETER'));
  await assert.rejects(pbgd(p, { iterations: 3, lrX: NaN }), code('INVALID_HYPERPARAMETER'));
  await assert.rejects(f2sa(p, { iterations: 2.5 }), code('INVALID_HYPERPARAMETER'));
  await assert.rejects(f2sa(p, { iterations: 3, lambda0: 5, lambdaMax: 1 }), code('INVALID_HYPERPARAMETER'));
  // An oracle that produces NaN (value or gradient) is caught at that iteration.
  let n = 0;
  const nanAt3 = defineProblem({ ...p, upperObjective: undefined, lower: (x, y, gx, gy) => { const v = p.lower(x, y, gx, gy); if (gy && ++n > 3) gy[0] = NaN; return v; } });
  await assert.rejects(pbgdFree(nanAt3, { iterations: 10 }), (e: unknown) => e instanceof MetaoptimError && e.code === 'BILEVEL_NON_FINITE' && e.details?.iteration === 3);
  // A divergent step size ends in BILEVEL_NON_FINITE rather than silent NaN.
  await assert.rejects(pbgdFree(p, { iterations: 2000, eta: 50, etaY: 5 }), code('BILEVEL_NON_FINITE'));
});

test('pbgdFree, pbgd and f2sa aborted from a timer reject with ABORTED and the partial trace, long before the full run', async () => {
  const p = ridgeQuadratic();
  const T = 20_000_000; // minutes of work: only the abort can end it in time
  for (const run of [
    (signal: AbortSignal) => pbgdFree(p, { iterations: T, recordEvery: 1000, signal }),
    (signal: AbortSignal) => pbgd(p, { iterations: T, recordEvery: 1000, signal }),
    (signal: AbortSignal) => f2sa(p, { iterations: T, recordEvery: 1000, signal }),
  ]) {
    const ctl = new AbortController();
    const started = performance.now();
    setTimeout(() => ctl.abort(), 150);
    const err = await run(ctl.signal).then(
      () => assert.fail('should have been aborted'),
      (e: unknown) => e as MetaoptimError & { details: { iteration: number; partial: { iterations: number; x: Float32Array; trace: { iter: number }[]; counts: { total: number } } } },
    );
    const took = performance.now() - started;
    assert.equal(err.code, 'ABORTED');
    const { iteration, partial } = err.details;
    assert.ok(iteration > 0 && iteration < T, `iteration ${iteration}`);
    assert.equal(partial.iterations, iteration);
    assert.equal(partial.x.length, p.dimX);
    assert.equal(partial.trace[0]!.iter, 0);
    assert.ok(partial.trace.at(-1)!.iter <= iteration && partial.trace.every((t) => t.iter % 1000 === 0));
    assert.ok(partial.counts.total > 0);
    assert.ok(took < 1000, `rejected after ${took} ms`);
  }
  // Already aborted: rejects before the first iteration with the starting point.
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(pbgd(p, { iterations: 10, signal: ctl.signal }), (e: unknown) => e instanceof MetaoptimError && e.code === 'ABORTED' && (e.details as { iteration: number }).iteration === 0);
});

test('onProgress: one event shape, the first at iteration 0 and the last at T, with the upper objective', async () => {
  const events: { label: string; done: number; total: number; elapsedMs: number; metrics?: Record<string, number> }[] = [];
  await f2sa(ridgeQuadratic(), { iterations: 300, recordEvery: 10, onProgress: (e) => events.push(e) });
  assert.equal(events[0]!.done, 0);
  assert.equal(events.at(-1)!.done, 300);
  for (const e of events) {
    assert.equal(e.label, 'f2sa on ridge-3x8');
    assert.equal(e.total, 300);
    assert.ok(e.elapsedMs >= 0 && Number.isFinite(e.metrics!.upper!));
  }
});

test('unknown options are errors naming the closest key', async () => {
  const p = quadratic1d();
  await assert.rejects(pbgdFree(p, { iterations: 3, gama: 2 } as never), unknownOption('gama', 'gamma'));
  await assert.rejects(pbgd(p, { iterations: 3, lr_x: 0.1 } as never), { code: 'UNKNOWN_OPTION' });
  await assert.rejects(f2sa(p, { iterations: 3, lamdaMax: 3 } as never), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.details?.suggestion === 'lambdaMax');
  assert.throws(() => ridgeQuadratic({ sed: 1 } as never), { code: 'UNKNOWN_OPTION' });
  assert.throws(() => quadratic1d({ A: 1 } as never), unknownOption('A', 'a'));
});

test('determinism: same seed → same bits; SIMD and scalar runtimes agree bit for bit', async () => {
  const toy = toyProblem();
  const a = await pbgd(toy, { iterations: 300, gammaMax: 10, lrX: 0.1, lrY: 0.1, seed: 42 });
  const b = await pbgd(toy, { iterations: 300, gammaMax: 10, lrX: 0.1, lrY: 0.1, seed: 42 });
  const c = await pbgd(toy, { iterations: 300, gammaMax: 10, lrX: 0.1, lrY: 0.1, seed: 43 });
  assert.deepEqual([...a.x, ...a.y], [...b.x, ...b.y]);
  assert.deepEqual(a.trace.map((t) => t.F), b.trace.map((t) => t.F));
  assert.notDeepEqual(a.trace[0]!.F, c.trace[0]!.F);
  const p = ridgeQuadratic({ n: 5, m: 9 }); // odd sizes exercise the scalar tails
  const [simd, scalar] = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
  for (const run of [
    (rt: typeof simd) => f2sa(p, { iterations: 200, runtime: rt }),
    (rt: typeof simd) => pbgd(p, { iterations: 200, runtime: rt }),
    (rt: typeof simd) => pbgdFree(p, { iterations: 200, runtime: rt }),
  ]) {
    const u = await run(simd), v = await run(scalar);
    assert.deepEqual([...u.x, ...u.y], [...v.x, ...v.y]);
  }
});

test('box-constrained x: the toy stays in [0, 3] and per-coordinate bounds are honoured', async () => {
  const toy = toyProblem();
  for (const run of [
    () => pbgdFree(toy, { iterations: 200, gamma: 10, eta: 0.5, etaY: 0.05, x0: Float32Array.of(2.9), y0: Float32Array.of(-2.9) }),
    () => pbgd(toy, { iterations: 200, gammaMax: 10, lrX: 5, lrY: 0.5, x0: Float32Array.of(0.01) }),
    () => f2sa(toy, { iterations: 200, lambdaMax: 10, xi: 2, x0: Float32Array.of(2.99) }),
  ]) {
    const r = await run();
    assert.ok(r.x[0]! >= 0 && r.x[0]! <= 3);
  }
  const mins = toy.localMinima();
  assert.equal(mins.length, 3);
  // PBGD with γ = 10, α = 0.1/γ (the released toy setting) from x0 = 1 ends at the nearby local minimum of F up to O(1/γ).
  const r = await pbgd(toy, { iterations: 20000, gammaMax: 10, lrX: 0.1, lrY: 0.1, lrInner: 0.2, scaleLoss: true, x0: Float32Array.of(1), y0: Float32Array.of(-1) });
  assert.ok(Math.abs(r.x[0]! - mins[1]!.x) < 0.05, `${r.x[0]} vs ${mins[1]!.x}`);
  // Per-coordinate bounds go through project_box_f32.
  const p = ridgeQuadratic();
  const lo = Float32Array.from([-0.01, 0, -1]), hi = Float32Array.from([0.01, 0, 1]);
  const boxed = defineProblem({ ...p, bounds: { lo, hi } });
  for (const r2 of [await pbgdFree(boxed, { iterations: 500 }), await pbgd(boxed, { iterations: 500 }), await f2sa(boxed, { iterations: 500 })]) {
    r2.x.forEach((v, i) => assert.ok(v >= lo[i]! && v <= hi[i]!, `x[${i}] = ${v}`));
    assert.equal(r2.x[1], 0);
  }
});

test('traces: counts and times are monotone, recordEvery is honoured, memory is reported in Node', async () => {
  const r = await f2sa(ridgeQuadratic(), { iterations: 95, recordEvery: 10 });
  assert.deepEqual(r.trace.map((t) => t.iter), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
  for (let i = 1; i < r.trace.length; i++) {
    assert.ok(r.trace[i]!.gradEvals > r.trace[i - 1]!.gradEvals);
    assert.ok(r.trace[i]!.elapsedMs >= r.trace[i - 1]!.elapsedMs);
  }
  assert.ok(typeof r.peakRssBytes === 'number' && r.peakRssBytes > 0);
  assert.ok(r.solverBytes >= 4 * (2 * 3 + 5 * 8));
});
