// qp.solveBatchAsync: the answers of solveBatch, in chunks with yields between them; backward
// through the chunk contexts; cancellation with the problems solved so far; option checks.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, qp, ready } from '../../src/index.js';
import type { ProgressEvent } from '../../src/core/loop.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

function generalBatch(count: number, n: number) {
  const probs = Array.from({ length: count }, (_, t) => generate(300 + t, { n, ne: 1, ni: 3, active: 1 }));
  return { probs, batch: { Q: probs[0]!.Q, p: probs.map((x) => x.p), A: probs.map((x) => x.A!), b: probs.map((x) => x.b!), G: probs.map((x) => x.G!), h: probs.map((x) => x.h!) } };
}

test('solveBatchAsync equals solveBatch bit for bit, whatever the chunk size (interior point and box)', async () => {
  const n = 4, count = 23;
  const { batch } = generalBatch(count, n);
  const R = normal(rng(5));
  const box = { Q: batch.Q, p: { batch: Float64Array.from({ length: count * n }, R), count }, lb: new Float64Array(n).fill(-0.3), ub: new Float64Array(n).fill(0.4) };
  for (const problem of [batch, box]) {
    const sync = qp.solveBatch(problem);
    for (const chunkSize of [1, 5, 23, 100, undefined]) {
      const events: ProgressEvent[] = [];
      const r = await qp.solveBatchAsync(problem, { chunkSize, onProgress: (e) => events.push(e) });
      assert.equal(r.count, count);
      assert.deepEqual(r.z, sync.z);
      assert.deepEqual(r.lambda, sync.lambda);
      assert.deepEqual(r.nu, sync.nu);
      assert.deepEqual(r.status, sync.status);
      assert.deepEqual(r.iterations, sync.iterations);
      assert.deepEqual(r.residuals, sync.residuals);
      const size = chunkSize ?? Math.floor(4e5 / n ** 3);
      assert.equal(r.chunks.length, Math.ceil(count / Math.min(size, count)));
      assert.deepEqual(r.chunks.map((c) => c.start), r.chunks.map((_, i) => i * Math.min(size, count)));
      assert.ok(r.chunks.every((c) => c.method === sync.method && c.context === null));
      assert.deepEqual(events.at(-1), { ...events.at(-1)!, label: 'qp.solveBatchAsync', done: count, total: count });
    }
    sync.context.dispose();
  }
});

test('keepContexts: backward through each chunk gives the per-problem gradients of the whole batch; shared inputs sum over chunks', async () => {
  const n = 4, count = 11;
  const { batch } = generalBatch(count, n);
  const dz = Array.from({ length: count }, (_, t) => Array.from({ length: n }, normal(rng(40 + t))));
  const sync = qp.solveBatch(batch);
  const gs = qp.backward(sync.context, dz);
  const r = await qp.solveBatchAsync(batch, { chunkSize: 4, keepContexts: true });
  const sumQ = new Float64Array(n * n);
  for (const c of r.chunks) {
    assert.ok(c.context);
    const g = qp.backward(c.context, dz.slice(c.start, c.start + c.count));
    assert.deepEqual(g.p, gs.p.subarray(c.start * n, (c.start + c.count) * n));
    g.Q.forEach((v, i) => (sumQ[i] = sumQ[i]! + v));
    c.context.dispose();
  }
  assert.ok(maxDiff(sumQ, gs.Q) < 1e-12, 'shared Q: the sum of the chunks’ gradients');
  sync.context.dispose();
});

test('solveBatchAsync rejects with ABORTED { iteration, partial: the problems solved so far } soon after an abort', async () => {
  const n = 20, count = 40_000;
  const { probs } = generalBatch(1, n);
  const R = normal(rng(9));
  const problem = { Q: probs[0]!.Q, p: { batch: Float64Array.from({ length: count * n }, R), count }, G: probs[0]!.G!, h: probs[0]!.h!.map((v) => v + 1) };
  const ctl = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ctl.abort(), 30);
  const err = await qp.solveBatchAsync(problem, { signal: ctl.signal }).then(() => assert.fail('should have been aborted'), (e: MetaoptimError) => e);
  assert.ok(performance.now() - t0 < 1000, 'rejected long before the whole batch');
  assert.equal(err.code, 'ABORTED');
  const d = err.details as { iteration: number; partial: qp.QpBatchAsyncResult };
  assert.ok(d.iteration > 0 && d.iteration < count, `iteration ${d.iteration}`);
  assert.equal(d.partial.count, d.iteration);
  assert.equal(d.partial.z.length, d.iteration * n);
  assert.equal(d.partial.status.length, d.iteration);
  assert.ok(d.partial.chunks.every((c) => c.context === null));
  // The partial answers are the answers: the first problems solved alone agree.
  const head = qp.solveBatch({ ...problem, p: { batch: problem.p.batch.subarray(0, 3 * n), count: 3 } });
  assert.deepEqual(d.partial.z.subarray(0, 3 * n), head.z);
  head.context.dispose();
});

test('qp option objects are checked: unknown keys, a bad method, the chunk size', async () => {
  const Q = [[2, 0], [0, 1]], p = [1, 1];
  const unknown = (key: string, suggestion: string) => (e: MetaoptimError) =>
    e.code === 'UNKNOWN_OPTION' && e.details!.key === key && e.details!.suggestion === suggestion;
  assert.throws(() => qp.solve({ Q, p }, { maxIters: 10 } as never), unknown('maxIters', 'maxIter'));
  assert.throws(() => qp.solveBatch({ Q, p: [p, p] }, { tolerance: 1e-9 } as never), (e: MetaoptimError) => e.code === 'UNKNOWN_OPTION');
  assert.throws(() => qp.solve({ Q, p }, { method: 'box' as never }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(qp.solveBatchAsync({ Q, p: [p, p] }, { chunksize: 2 } as never), unknown('chunksize', 'chunkSize'));
  await assert.rejects(qp.solveBatchAsync({ Q, p: [p, p] }, { chunkSize: 0 }), (e: MetaoptimError) => e.code === 'INVALID_HYPERPARAMETER');
  // A per-problem error keeps its index in the whole batch.
  await assert.rejects(qp.solveBatchAsync({ Q, p: [p, p, p], lb: [[0, 0], [0, 0], [2, 0]], ub: [1, 1] }, { chunkSize: 1 }),
    (e: MetaoptimError) => e.code === 'QP_INFEASIBLE' && e.details!.problem === 2);
});
