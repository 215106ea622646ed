// Box contexts are allocated without the arena's zero-fill (src/qp/box.ts boxParts,
// `zeroed: false`): every entry the kernels, runBox and the backward pass read must have been
// written first. Each solve here runs once on memory primed with zeros and once on memory primed
// with garbage (NaN, or −1 whose i32 halves are 0 and 0xBFF00000), in both builds, through the
// direct path (packed/shared), the general path (per-problem lists) and the bound-rows path
// (G, h); results and gradients must be the same bits.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { createRuntime, type Runtime } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { Region } from '../../src/runtime/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

let builds: Runtime[] = [];
before(async () => {
  builds = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
});

/** Fills the next allocations' memory with `fill` (a block taken and released at the top). */
function prime(rt: Runtime, fill: number): void {
  const r = new Region(rt.arena, Float64Array, 1 << 15);
  r.view.fill(fill);
  r.release();
}

interface Run { r: qp.QpBatchResult; g: qp.QpGradients | undefined }

function run(rt: Runtime, fill: number, problem: qp.QpBatchProblem, v: Float64Array): Run {
  prime(rt, fill);
  const r = qp.solveBatch(problem, { runtime: rt });
  const g = r.method === 'box' ? qp.backward(r.context, v) : undefined;
  r.context.dispose();
  return { r, g };
}

function same(a: Run, b: Run, what: string): void {
  assert.equal(a.r.method, 'box', `${what}: the box path solved it`);
  assert.equal(b.r.method, a.r.method, what);
  assert.deepEqual(b.r.z, a.r.z, `${what}: z`);
  assert.deepEqual(b.r.lambda, a.r.lambda, `${what}: λ`);
  assert.deepEqual(b.r.status, a.r.status, `${what}: status`);
  assert.deepEqual(b.r.iterations, a.r.iterations, `${what}: iterations`);
  assert.deepEqual(b.r.residuals, a.r.residuals, `${what}: residuals`);
  assert.deepEqual(b.g, a.g, `${what}: gradients`);
}

test('box QP on unzeroed memory: garbage left in the arena never changes a result or a gradient (both builds, all paths)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 7 }), fc.integer(), fc.boolean(), (n, count, seed, sharedQ) => {
      const N = normal(rng(seed));
      const probs = Array.from({ length: count }, (_, t) => {
        const P = generate(seed + t, { n });
        const lb = P.z0!.map((z) => z + 0.5 * N() - 0.25);
        return { Q: P.Q, p: P.p, lb, ub: lb.map((l) => l + 0.2 + Math.abs(N()) * 0.5) };
      });
      const packed = (xs: unknown[]) => ({ batch: Float64Array.from(xs.flat(2) as number[]), count });
      const Q = sharedQ ? probs[0]!.Q : packed(probs.map((P) => P.Q));
      const unit = (j: number, s: number) => Array.from({ length: n }, (_, i) => (i === j ? s : 0));
      const forms: [string, qp.QpBatchProblem][] = [
        ['direct', { Q, p: packed(probs.map((P) => P.p)), lb: packed(probs.map((P) => P.lb)), ub: packed(probs.map((P) => P.ub)) } as qp.QpBatchProblem],
        ['direct, lb only', { Q, p: packed(probs.map((P) => P.p)), lb: packed(probs.map((P) => P.lb)) } as qp.QpBatchProblem],
        ['general', { Q: sharedQ ? probs[0]!.Q : probs.map((P) => P.Q), p: probs.map((P) => P.p), lb: probs.map((P) => P.lb), ub: probs.map((P) => P.ub) } as qp.QpBatchProblem],
        ['bound rows', {
          Q: sharedQ ? probs[0]!.Q : probs.map((P) => P.Q), p: probs.map((P) => P.p),
          G: [...Array.from({ length: n }, (_, j) => unit(j, 1)), ...Array.from({ length: n }, (_, j) => unit(j, -1))],
          h: probs.map((P) => [...P.ub, ...P.lb.map((l) => -l)]),
        } as qp.QpBatchProblem],
      ];
      const v = Float64Array.from({ length: count * n }, N);
      for (const rt of builds) {
        for (const [name, problem] of forms) {
          const clean = run(rt, 0, problem, v);
          same(clean, run(rt, Number.NaN, problem, v), `${rt.build} ${name} NaN`);
          same(clean, run(rt, -1, problem, v), `${rt.build} ${name} −1`);
        }
      }
    }),
    { numRuns: 25 },
  );
});
