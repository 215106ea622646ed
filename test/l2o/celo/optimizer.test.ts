import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import { type Runtime, createRuntime, readCheckpoint } from '../../../src/index.js';
import { celo, celoAdam, celoAdamFromTheta, celoFromTheta, loadCeloTheta, parseCeloTheta, shapesOf } from '../../../src/l2o/index.js';
import { mlpLayout } from '../../../src/nn/layout.js';
import { checkNonFinitePolicies, checkSaveRestore, runParabola } from '../../support/conformance.js';

let rts: Promise<[Runtime, Runtime]> | undefined;
const runtimes = () => (rts ??= Promise.all([createRuntime({ build: 'simd' }), createRuntime({ build: 'scalar' })]));
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const SHAPES = [[6, 4], [6], [3, 6], [3]];
const N = 24 + 6 + 18 + 3;

function steps(count: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, t) => ({ g: Float32Array.from({ length: N }, () => Math.fround(rng.normal())), loss: 2 / (1 + t) }));
}

test('shipped θ: manifest, sizes and SHA-256 are checked; a flipped byte is refused', async () => {
  const c = await loadCeloTheta('celo');
  const a = await loadCeloTheta('celo-adam');
  assert.equal(Object.values(c.arrays).reduce((s, x) => s + x.length, 0), 37089);
  assert.equal(Object.values(a.arrays).reduce((s, x) => s + x.length, 0), 36865);
  const dir = new URL('../../../../data/learned/', import.meta.url);
  const manifest = readFileSync(new URL('celo-theta.json', dir), 'utf8');
  const bin = new Uint8Array(readFileSync(new URL('celo-theta.bin', dir)));
  bin[1000] ^= 1;
  await assert.rejects(parseCeloTheta('celo', manifest, bin), (e: Error & { code?: string }) => e.code === 'BAD_CHECKPOINT' && /SHA-256/.test(e.message));
  await assert.rejects(parseCeloTheta('celo', manifest, bin.subarray(4)), code('BAD_CHECKPOINT'));
  await assert.rejects(parseCeloTheta('celo', '{"format":"x"}', bin), code('BAD_CHECKPOINT'));
  await assert.rejects(loadCeloTheta('celo', new URL('file:///nonexistent-folder/')), code('DATA_UNAVAILABLE'));
  await assert.rejects(celo({ base: 'file:///nonexistent-folder/' }), code('DATA_UNAVAILABLE'));
});

test('celo / celoAdam: checkpoints round-trip bit for bit across builds (shapes and scheduler state included)', async () => {
  const [a, b] = await runtimes();
  const p0 = Float32Array.from({ length: N }, (_, i) => Math.sin(i) / 2);
  checkSaveRestore(await celo({ numSteps: 40, shapes: SHAPES }), p0, steps(8, 1), a, a);
  checkSaveRestore(await celoAdam({ numSteps: 40 }), p0, steps(8, 2), a, a);
  checkSaveRestore(await celo({ numSteps: 40, shapes: SHAPES }), p0, steps(6, 3), b, b);
  const opt = await celo({ numSteps: 40 });
  const s = opt.init(p0, { runtime: a, shapes: SHAPES, numSteps: 12 });
  opt.step(s, steps(1, 4)[0]!.g, { loss: 1 });
  const c = readCheckpoint(s.save());
  assert.equal(c.optimizer, 'celo');
  assert.equal(c.scalars.numSteps, 12);
  assert.deepEqual([c.scalars.tensors, c.scalars.dim0r, c.scalars.dim0c, c.scalars.dim1r, c.scalars.dim1c], [4, 6, 4, 6, 0]);
  const r = opt.restore(s.save(), { runtime: a });
  assert.deepEqual(r.save(), s.save());
  const other = celoAdamFromTheta(await loadCeloTheta("celo-adam"), { numSteps: 5 });
  assert.throws(() => other.restore(s.save()), code("BAD_CHECKPOINT"));
  s.dispose();
  r.dispose();
});

test('celo / celoAdam: non-finite gradient and loss policies', async () => {
  const [rt] = await runtimes();
  const theta = await loadCeloTheta('celo');
  const p0 = Float32Array.from({ length: N }, (_, i) => Math.cos(i));
  const bad = steps(1, 5)[0]!.g.slice();
  bad[3] = NaN;
  bad[30] = -Infinity;
  checkNonFinitePolicies((nonFinite) => celoFromTheta(theta, { numSteps: 30, shapes: SHAPES, nonFinite }), p0, steps(1, 6)[0]!, bad, rt);
  const adamTheta = await loadCeloTheta('celo-adam');
  checkNonFinitePolicies((nonFinite) => celoAdamFromTheta(adamTheta, { numSteps: 30, nonFinite }), p0, steps(1, 7)[0]!, bad, rt);
  const g = steps(1, 8)[0]!.g;
  for (const nonFinite of ['throw', 'skip', 'zero'] as const) {
    const opt = celoFromTheta(theta, { numSteps: 30, shapes: SHAPES, nonFinite });
    const s = opt.init(p0, { runtime: rt });
    const before = s.save();
    if (nonFinite === 'throw') {
      assert.throws(() => opt.step(s, g, { loss: NaN }), code('NON_FINITE_LOSS'));
      assert.deepEqual(s.save(), before);
    } else if (nonFinite === 'skip') {
      assert.equal(opt.step(s, g, { loss: Infinity }), false);
      assert.equal(s.scalars.skipped, 1);
      assert.deepEqual(s.params, readCheckpoint(before).arrays.params);
    } else {
      assert.equal(opt.step(s, g, { loss: NaN }), true);
      assert.equal(s.scalars.lossIter, 0, 'the loss buffer held its state');
      assert.ok(s.params.every(Number.isFinite));
    }
    assert.throws(() => opt.step(s, g), code('MISSING_LOSS'));
    s.dispose();
  }
});

test('celo: option and shape errors', async () => {
  const [rt] = await runtimes();
  const theta = await loadCeloTheta('celo');
  const p = new Float32Array(N);
  assert.throws(() => celoFromTheta(theta).init(p, { runtime: rt }), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /numSteps/.test(e.message));
  assert.throws(() => celoFromTheta(theta, { numSteps: 0 }), code('INVALID_ARGUMENT'));
  assert.throws(() => celoFromTheta(theta, { numSteps: 10, lr: 1 } as never), code('UNKNOWN_OPTION'));
  assert.throws(() => celoFromTheta(theta, { numSteps: 10 }).init(p, { runtime: rt, shapes: [[5, 5]] }), code('LENGTH_MISMATCH'));
  assert.throws(() => celoFromTheta(theta, { numSteps: 10 }).init(p, { runtime: rt, shapes: [[3, 17], [0]] }), code('INVALID_ARGUMENT'));
  // rank > 2 is taken when the two largest axes are the last two ([2, 2, 2] is); [3, 2, 2] is refused
  celoFromTheta(theta, { numSteps: 10 }).init(new Float32Array(8), { runtime: rt, shapes: [[2, 2, 2]] }).dispose();
  assert.throws(() => celoFromTheta(theta, { numSteps: 10 }).init(new Float32Array(12), { runtime: rt, shapes: [[3, 2, 2]] }), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /two largest axes/.test(e.message));
  assert.throws(() => celoFromTheta(theta, { numSteps: 10 }).init(p, { runtime: rt, seed: 1 } as never), code('UNKNOWN_OPTION'));
  // Shapes from an MLP layout (the `tensors` option) are the same as explicit shapes.
  const lay = mlpLayout([5, 4, 3], false);
  const opt = celoFromTheta(theta, { numSteps: 10 });
  const s1 = opt.init(new Float32Array(lay.size).fill(0.1), { runtime: rt, tensors: lay.tensors });
  const s2 = opt.init(new Float32Array(lay.size).fill(0.1), { runtime: rt, shapes: shapesOf(lay.tensors) });
  const g = Float32Array.from({ length: lay.size }, (_, i) => Math.sin(i));
  opt.step(s1, g, { loss: 1 });
  opt.step(s2, g, { loss: 1 });
  assert.deepEqual(s1.save(), s2.save());
  s1.dispose();
  s2.dispose();
});

test('celoAdam minimizes the conformance parabola; celo (whose step scales with the tensor RMS) from a non-zero start', async () => {
  const [rt] = await runtimes();
  const ca = runParabola(await celoAdam({ numSteps: 300 }), 300, rt);
  assert.ok(ca.L < 0.05 * ca.L0, `celo-adam: ${ca.L0} → ${ca.L}`);
  // From x₀ = 0 Celo's step ψ·… has ψ = √(1e−9): it barely moves, as in the reference (param_scale_mult).
  const opt = await celo({ numSteps: 300 });
  const s = opt.init(new Float32Array(10).fill(0.5), { runtime: rt });
  const loss = () => s.params.reduce((a, x, i) => a + 0.5 * (1 + i) * (x - 1) ** 2, 0);
  const L0 = loss();
  for (let t = 0; t < 300; t++) opt.step(s, s.params.map((x, i) => (1 + i) * (x - 1)), { loss: loss() });
  assert.ok(loss() < 0.05 * L0, `celo: ${L0} → ${loss()}`);
  s.dispose();
});
