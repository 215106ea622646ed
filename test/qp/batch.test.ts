// One-call batches equal one-by-one solves: the dense active set bit for bit (each problem runs
// the same kernel code on the same data), with shared inputs (one Q and G, per-problem p and h)
// kept once; the backward pass of a batch equals per-problem backward passes, with shared
// gradients summed; statuses and failures are reported per problem.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError, ready } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

before(async () => {
  await ready();
});

/** count problems with n = 24, 14 inequalities and 2 equalities sharing Q, A and G; p, b, h per problem. */
function cvxpyShape(count: number, seed: number) {
  const base = generate(seed, { n: 24, ne: 2, ni: 14, active: 5 });
  const N = normal(rng(seed + 1));
  const probs = Array.from({ length: count }, () => {
    const z = Array.from({ length: 24 }, N);
    const p = base.p.map((x) => x + 0.3 * N());
    const b = base.A!.map((a) => a.reduce((s, x, j) => s + x * z[j]!, 0));
    const h = base.G!.map((g) => g.reduce((s, x, j) => s + x * z[j]!, 0) + Math.abs(N()));
    return { p, b, h };
  });
  return { base, probs };
}

test('active-set batch == one-by-one, bit for bit (shared Q, A, G; per-problem p, b, h), backward too', () => {
  const count = 37;
  const { base, probs } = cvxpyShape(count, 7);
  const batch = qp.solveBatch({
    Q: base.Q, A: base.A!, G: base.G!,
    p: { batch: Float64Array.from(probs.flatMap((x) => x.p)), count },
    b: probs.map((x) => x.b), h: probs.map((x) => x.h),
  });
  assert.equal(batch.method, 'active-set');
  const vs = Array.from({ length: count }, (_, t) => Array.from({ length: 24 }, normal(rng(100 + t))));
  const g = qp.backward(batch.context, vs);
  const sumG = new Float64Array(14 * 24);
  probs.forEach((x, t) => {
    const one = qp.solve({ Q: base.Q, A: base.A!, G: base.G!, p: x.p, b: x.b, h: x.h });
    assert.deepEqual(one.z, batch.z.subarray(t * 24, (t + 1) * 24), `z[${t}]`);
    assert.deepEqual(one.lambda, batch.lambda.subarray(t * 14, (t + 1) * 14), `lambda[${t}]`);
    assert.deepEqual(one.nu, batch.nu.subarray(t * 2, (t + 1) * 2), `nu[${t}]`);
    assert.equal(one.status, batch.status[t]);
    assert.equal(one.iterations, batch.iterations[t]);
    const go = qp.backward(one.context, vs[t]!);
    assert.deepEqual(go.p, g.p.subarray(t * 24, (t + 1) * 24));
    assert.deepEqual(go.h, g.h!.subarray(t * 14, (t + 1) * 14));
    assert.deepEqual(go.b, g.b!.subarray(t * 2, (t + 1) * 2));
    go.G!.forEach((x, i) => (sumG[i] = sumG[i]! + x));
    one.context.dispose();
  });
  assert.equal(g.G!.length, 14 * 24, 'shared G gets one gradient');
  g.G!.forEach((x, i) => assert.ok(Math.abs(x - sumG[i]!) <= 1e-12 * (1 + Math.abs(x)), 'the sum of per-problem gradients'));
  batch.context.dispose();
});

test('interior-point batch == one-by-one (same kernel per problem)', () => {
  const count = 9;
  const { base, probs } = cvxpyShape(count, 11);
  const batch = qp.solveBatch({ Q: base.Q, A: base.A!, G: base.G!, p: probs.map((x) => x.p), b: probs.map((x) => x.b), h: probs.map((x) => x.h) }, { method: 'ipm' });
  probs.forEach((x, t) => {
    const one = qp.solve({ Q: base.Q, A: base.A!, G: base.G!, p: x.p, b: x.b, h: x.h }, { method: 'ipm' });
    assert.deepEqual(one.z, batch.z.subarray(t * 24, (t + 1) * 24));
    assert.equal(one.status, batch.status[t]);
    one.context.dispose();
  });
  batch.context.dispose();
});

test('a batch with one infeasible problem names it, with its certificate', () => {
  const count = 5;
  const { base, probs } = cvxpyShape(count, 13);
  // Row 1 of G again with the opposite sign: g₁z ≥ h₁ − 10 (feasible), but g₁z ≥ h₁ + 1 in problem 3.
  const G = [...base.G!, base.G![1]!.map((x) => -x)];
  const hs = probs.map((x, t) => [...x.h, -x.h[1]! + (t === 3 ? -1 : 10)]);
  try {
    qp.solveBatch({ Q: base.Q, A: base.A!, G, p: probs.map((x) => x.p), b: probs.map((x) => x.b), h: hs });
    assert.fail('expected QP_INFEASIBLE');
  } catch (e) {
    assert.ok(e instanceof MetaoptimError && e.code === 'QP_INFEASIBLE', String(e));
    assert.equal(e.details!.problem, 3);
    assert.match(e.message, /problem 3/);
    assert.ok((e.details!.certificate as { gap: number }).gap < 0);
  }
});
