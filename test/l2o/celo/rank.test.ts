import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import { type Runtime, createRuntime } from '../../../src/index.js';
import { celo, celoFromTheta, loadCeloTheta } from '../../../src/l2o/index.js';
import { celoLayout, factoredDims, shapesFromScalars, shapesToScalars } from '../../../src/l2o/celo/layout.js';
import { type Tensor, refInit, refUpdate } from '../../support/reference/celo.js';
import { type Nd, factoredDimsNd, ndInit, ndUpdate } from '../../support/reference/celo-nd.js';
import { checkSaveRestore } from '../../support/conformance.js';

let rtP: Promise<Runtime> | undefined;
const rt = () => (rtP ??= createRuntime({ build: 'simd' }));
const sz = (s: number[]) => s.reduce((a, b) => a * b, 1);
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('rank > 2: Celo factors the two largest axes (argsort); the port takes them when they are the last two, as a batch of matrices', () => {
  for (const s of [[2, 3, 4], [2, 4, 3], [4, 4, 4], [1, 1, 5], [3, 3, 8, 16], [3, 2, 2], [32, 3, 3, 32], [5, 1, 4], [7, 7]]) assert.deepEqual(factoredDims(s), factoredDimsNd(s), JSON.stringify(s));
  const l = celoLayout('t', [[2, 3, 4], [5], [2, 4, 3], [3, 3, 8, 16], [1, 1, 5]], 24 + 5 + 24 + 1152 + 5);
  assert.deepEqual(l.map((t) => [t.offset, t.batch, t.rows, t.cols, t.swap, t.thin, t.vec]), [
    [0, 2, 3, 4, 0, false, false], [24, 1, 1, 5, 0, false, true], [29, 2, 4, 3, 1, false, false], [53, 9, 8, 16, 0, false, false], [1205, 1, 1, 5, 0, true, false],
  ]);
  // [3, 2, 2]: argsort → (d1, d0) = (2, 0); [32, 3, 3, 32] → (0, 3): not the last two axes
  for (const s of [[3, 2, 2], [32, 3, 3, 32], [5, 1, 4]]) assert.throws(() => celoLayout('t', [s], sz(s)), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /two largest axes/.test(e.message), JSON.stringify(s));
  // the shapes survive the checkpoint scalars, rank included
  const shapes = [[2, 3, 4], [5], [3, 3, 8, 16], [4, 6]];
  const sc: Record<string, number> = {};
  shapesToScalars(shapes, sc);
  assert.deepEqual(shapesFromScalars(sc), shapes);
});

test('the N-d transcription equals the 2-D transcription on vectors and matrices (both orientations)', async () => {
  const th = (await loadCeloTheta('celo')).arrays as Record<string, Float32Array>;
  const shapes = [[3, 5], [4, 3], [5], [2, 2]];
  const rng = new Rng(5);
  const mk = (s: number[]) => Array.from({ length: sz(s) }, () => rng.normal());
  const p = shapes.map(mk);
  const to2 = (x: number[], s: number[]): Tensor => (s.length === 1 ? x : Array.from({ length: s[0]! }, (_, r) => x.slice(r * s[1]!, (r + 1) * s[1]!)));
  const a = refInit(th, p.map((x, i) => to2(x, shapes[i]!)), 20);
  const b = ndInit(th, p.map((x, i) => ({ shape: shapes[i]!, data: x })), 20);
  for (let t = 0; t < 4; t++) {
    const g = shapes.map(mk);
    refUpdate(th, a, g.map((x, i) => to2(x, shapes[i]!)), 2 / (1 + t), false);
    ndUpdate(th, b, g.map((x, i) => ({ shape: shapes[i]!, data: x })), 2 / (1 + t));
    a.params.forEach((x, i) => {
      const fa = (Array.isArray(x[0]) ? (x as number[][]).flat() : (x as number[]));
      fa.forEach((v, j) => assert.ok(Math.abs(v - b.params[i]!.data[j]!) <= 1e-12 * Math.max(1, Math.abs(v)), `step ${t} tensor ${i} [${j}]`));
    });
  }
});

test('celo on rank-3 and rank-4 tensors: whole steps with the published θ match the N-d transcription of the reference', async () => {
  const r = await rt();
  const theta = await loadCeloTheta('celo');
  const th = theta.arrays as Record<string, Float32Array>;
  const shapes = [[2, 3, 4], [5], [2, 4, 3], [2, 2, 3, 3], [3, 5]];
  const n = shapes.reduce((a, s) => a + sz(s), 0);
  const rng = new Rng(9);
  const p0 = Float32Array.from({ length: n }, () => Math.fround(0.5 * rng.normal()));
  const split = (flat: ArrayLike<number>): Nd[] => {
    let o = 0;
    return shapes.map((s) => ({ shape: s, data: Array.from({ length: sz(s) }, () => flat[o++]!) }));
  };
  const opt = celoFromTheta(theta, { numSteps: 30, shapes });
  const s = opt.init(p0, { runtime: r });
  const ref = ndInit(th, split(p0), 30);
  for (let t = 0; t < 6; t++) {
    const g = Float32Array.from({ length: n }, (_, i) => Math.fround((i % 7 === 0 ? 2 : 0.3) * rng.normal() + 0.05 * Math.cos(t + i)));
    const before = s.params.slice();
    const loss = 2 * Math.exp(-t / 3);
    opt.step(s, g, { loss });
    ndUpdate(th, ref, split(g), loss);
    const want = ref.params.flatMap((x) => x.data);
    let o = 0;
    shapes.forEach((sh, ti) => {
      const len = sz(sh);
      const dRef = want.slice(o, o + len).map((v, i) => v - before[o + i]!);
      const scale = Math.max(...dRef.map(Math.abs), 1e-12);
      for (let i = 0; i < len; i++) {
        const got = s.params[o + i]! - before[o + i]!;
        assert.ok(Math.abs(got - dRef[i]!) <= 2e-3 * scale + 2e-7 * Math.abs(before[o + i]!), `step ${t} tensor ${JSON.stringify(sh)} [${i}]: ${got} vs ${dRef[i]}`);
      }
      o += len;
    });
  }
  // the per-matrix factored moments sit in f0 at offset + b·(R + C): [vr | vc] of matrix b
  const f0 = s.view('f0');
  const fr = ref.fac[0]![0]!; // [2, 3, 4]: (d1, d0) = (1, 2); v_row [2, 3] (mean over the 4), v_col [2, 4]
  for (let b = 0; b < 2; b++) {
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(f0[b * 7 + i]! - fr.v_row!.data[b * 3 + i]!) <= 1e-5 * fr.v_row!.data[b * 3 + i]!, `vr ${b} ${i}`);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(f0[b * 7 + 3 + i]! - fr.v_col!.data[b * 4 + i]!) <= 1e-5 * fr.v_col!.data[b * 4 + i]!, `vc ${b} ${i}`);
  }
  s.dispose();
});

test('rank > 2 shapes: checkpoints round-trip, a wrong rank > 2 shape is INVALID_ARGUMENT at init', async () => {
  const r = await rt();
  const shapes = [[2, 3, 4], [6]];
  const rng = new Rng(2);
  const p0 = Float32Array.from({ length: 30 }, () => Math.fround(rng.normal()));
  const steps = Array.from({ length: 6 }, (_, t) => ({ g: Float32Array.from({ length: 30 }, () => Math.fround(rng.normal())), loss: 1 / (1 + t) }));
  checkSaveRestore(await celo({ numSteps: 20, shapes }), p0, steps, r, r);
  const opt = await celo({ numSteps: 20 });
  assert.throws(() => opt.init(new Float32Array(12), { runtime: r, shapes: [[3, 2, 2]] }), code('INVALID_ARGUMENT'));
});
