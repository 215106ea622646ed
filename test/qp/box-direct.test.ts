// The box direct path (src/qp/box-direct.ts) reads bounds-only inputs straight into WebAssembly
// memory. Its results must be the same bits as the general path (prepare.ts → box.ts), which
// it reaches through forms the direct path declines (per-problem lists); every bad input must
// raise the general path's error, and unusual forms must still be solved.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { createRuntime, MetaoptimError, ready } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

/** count box problems of size n, Q slightly unsymmetric (so symmetrization matters), some infinite bounds. */
function boxes(seed: number, n: number, count: number) {
  const N = normal(rng(seed + 7));
  return Array.from({ length: count }, (_, t) => {
    const P = generate(seed + t, { n });
    const Q = P.Q.map((r) => r.map((x) => x + 1e-3 * N()));
    // lb < 0 < ub, so shared and per-problem bounds never cross; about half bind (z0 ~ N(0, 1)).
    const lb = P.z0!.map(() => (N() > 1.5 ? -Infinity : Math.min(-0.05, -0.6 + 0.4 * N())));
    const ub = lb.map(() => (N() > 1.5 ? Infinity : Math.max(0.05, 0.6 + 0.4 * N())));
    return { Q, p: P.p, lb, ub };
  });
}

const packed = (xs: unknown[], count: number) => ({ batch: Float64Array.from(xs.flat(2) as number[]), count });

function sameResult(a: qp.QpBatchResult, b: qp.QpBatchResult): void {
  assert.equal(a.method, b.method);
  assert.deepEqual(a.z, b.z);
  assert.deepEqual(a.lambda, b.lambda);
  assert.deepEqual(a.status, b.status);
  assert.deepEqual(a.iterations, b.iterations);
  assert.deepEqual(a.residuals, b.residuals);
}

test('box direct path: packed and shared inputs give the bits of the general path (lists), backward too', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer(), fc.integer({ min: 0, max: 15 }), (n, count, seed, sharedBits) => {
      const probs = boxes(seed, n, count);
      const pick = (bit: number, name: 'Q' | 'p' | 'lb' | 'ub') =>
        sharedBits & bit ? { direct: probs[0]![name], general: probs[0]![name] } : { direct: packed(probs.map((x) => x[name]), count), general: probs.map((x) => x[name]) };
      const f = { Q: pick(1, 'Q'), p: pick(2, 'p'), lb: pick(4, 'lb'), ub: pick(8, 'ub') };
      // All shared: count 1 either way; the general form then uses a one-element list for p.
      const general = { Q: f.Q.general, p: sharedBits === 15 ? [probs[0]!.p] : f.p.general, lb: f.lb.general, ub: f.ub.general };
      const a = qp.solveBatch({ Q: f.Q.direct, p: f.p.direct, lb: f.lb.direct, ub: f.ub.direct } as qp.QpBatchProblem);
      const b = qp.solveBatch(general as qp.QpBatchProblem);
      sameResult(a, b);
      if (a.method === 'box') {
        const v = Float64Array.from({ length: a.count * n }, normal(rng(seed + 31)));
        const ga = qp.backward(a.context, v), gb = qp.backward(b.context, v);
        assert.deepEqual(ga, gb);
      }
      a.context.dispose();
      b.context.dispose();
    }),
    { numRuns: 60 },
  );
});

test('box direct path: a single solve equals the batch of one, only lb or only ub given', () => {
  const [P] = boxes(5, 6, 1);
  for (const pr of [{ Q: P!.Q, p: P!.p, lb: P!.lb }, { Q: P!.Q, p: P!.p, ub: P!.ub }, { Q: Float64Array.from(P!.Q.flat()), p: Float64Array.from(P!.p), lb: P!.lb, ub: P!.ub }]) {
    const one = qp.solve(pr);
    const b = qp.solveBatch({ ...pr, p: [Array.from(pr.p)] });
    assert.equal(one.method, 'box');
    assert.deepEqual(one.z, b.z);
    assert.deepEqual(one.lambda, b.lambda);
    assert.equal(one.status, b.status[0]);
    one.context.dispose();
    b.context.dispose();
  }
});

test('box direct path: bad inputs raise the general path errors', () => {
  const [P] = boxes(9, 4, 1);
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof MetaoptimError);
      return err.code;
    }
    return 'none';
  };
  const Qnan = P!.Q.map((r, i) => r.map((x, j) => (i === 2 && j === 1 ? NaN : x)));
  assert.equal(code(() => qp.solve({ ...P!, Q: Qnan })), 'QP_NON_FINITE');
  assert.equal(code(() => qp.solve({ ...P!, p: [1, Infinity, 0, 0] })), 'QP_NON_FINITE');
  assert.equal(code(() => qp.solve({ ...P!, lb: [0, 0, 0, 0], ub: [1, -1, 1, 1] })), 'QP_INFEASIBLE');
  assert.equal(code(() => qp.solve({ ...P!, lb: [0, Infinity, 0, 0] })), 'QP_INFEASIBLE');
  assert.equal(code(() => qp.solve({ ...P!, ub: [0, -Infinity, 0, 0] })), 'QP_INFEASIBLE');
  assert.equal(code(() => qp.solve({ ...P!, lb: [0, 0, 0] })), 'QP_SHAPE');
  assert.equal(code(() => qp.solve(P!, { tol: 1e-9, speed: 1 } as qp.QpOptions)), 'UNKNOWN_OPTION');
  assert.equal(code(() => qp.solveBatch({ ...P!, p: { batch: new Float64Array(12), count: 3 }, lb: { batch: new Float64Array(8), count: 2 } })), 'QP_SHAPE');
});

test('box direct path: inputs that are views of WebAssembly memory survive its growth (general path copies first)', async () => {
  const rt = await createRuntime({ build: 'scalar' });
  const [P] = boxes(11, 5, 1);
  const want = qp.solve(P!, { runtime: rt });
  want.context.dispose();
  // p and lb as views of the runtime's own memory; the solve allocates far more than is free.
  const ptr = rt.arena.alloc(80);
  const view = new Float64Array(rt.arena.memory.buffer, ptr, 10);
  view.set(P!.p);
  view.set(P!.lb, 5);
  const cap = rt.arena.capacity;
  const big = qp.solveBatch({ Q: P!.Q, p: view.subarray(0, 5), lb: view.subarray(5, 10), ub: { batch: Float64Array.from({ length: 5 * 4096 }, (_, i) => P!.ub[i % 5]!), count: 4096 } }, { runtime: rt });
  assert.ok(rt.arena.capacity > cap, 'the solve grew the memory');
  for (let t = 0; t < 4096; t += 1023) assert.deepEqual(big.z.subarray(t * 5, t * 5 + 5), want.z);
  big.context.dispose();
  rt.dispose();
});
