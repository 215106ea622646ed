// The single-QP fast path of qp.solve (src/qp/single.ts) against the general path: qp.solveBatch
// on the same single problem runs prepare → solveDense, so the two must agree BIT FOR BIT (z, λ, ν,
// residuals, iterations, backward gradients), in both builds. Problems the fast path hands back
// (lb/ub, bounds-only G under 'auto', non-PD Q under 'auto', bad inputs) give what the general
// path gives: the same solver, the same errors and certificates.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { createRuntime, MetaoptimError, ready, type Runtime } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

let rts: Runtime[] = [];
before(async () => {
  await ready();
  rts = [await createRuntime({ build: 'simd' }), await createRuntime({ build: 'scalar' })];
});

const bits = (x: ArrayLike<number>): string => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',');

function sameResult(a: qp.QpResult, b: qp.QpBatchResult, what: string): void {
  assert.equal(a.method, b.method, `${what}: method`);
  assert.equal(bits(a.z), bits(b.z), `${what}: z`);
  assert.equal(bits(a.lambda), bits(b.lambda), `${what}: lambda`);
  assert.equal(bits(a.nu), bits(b.nu), `${what}: nu`);
  assert.equal(a.status, b.status[0], `${what}: status`);
  assert.equal(a.iterations, b.iterations[0], `${what}: iterations`);
  for (const k of ['stationarity', 'primal', 'complementarity', 'dual'] as const) {
    assert.ok(Object.is(a.residuals[k], b.residuals[k][0]), `${what}: residual ${k}`);
  }
}

function codeOf(f: () => unknown): [string, unknown] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof MetaoptimError, String(e));
    return [e.code, e.details];
  }
  return ['none', undefined];
}

test('qp.solve (fast path) equals qp.solveBatch on the same problem bit for bit, backward included, in both builds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 24 }), fc.boolean(), fc.integer(), (n, ne0, ni, flat, seed) => {
      const ne = Math.min(ne0, n - 1);
      const P = generate(seed, { n, ne, ni, active: Math.floor(ni / 3) });
      const input = flat
        ? { Q: Float64Array.from(P.Q.flat()), p: Float64Array.from(P.p), ...(ne ? { A: Float64Array.from(P.A!.flat()), b: P.b } : {}), ...(ni ? { G: P.G!.flat(), h: P.h } : {}) }
        : { Q: P.Q, p: P.p, ...(ne ? { A: P.A, b: P.b } : {}), ...(ni ? { G: P.G, h: P.h } : {}) };
      const v = Array.from({ length: n }, normal(rng(seed + 1)));
      for (const rt of rts) {
        for (const method of ['auto', 'active-set'] as const) {
          const a = qp.solve(input, { runtime: rt, method });
          const b = qp.solveBatch(input, { runtime: rt, method });
          sameResult(a, b, `${rt.build} ${method} n=${n} ne=${ne} ni=${ni}`);
          const ga = qp.backward(a.context, v), gb = qp.backward(b.context, v);
          for (const k of ['Q', 'p', 'A', 'b', 'G', 'h'] as const) assert.equal(bits(ga[k] ?? []), bits(gb[k] ?? []), `gradient ${k}`);
          a.context.dispose();
          b.context.dispose();
        }
      }
    }),
    { numRuns: 40 },
  );
});

test('an unsymmetric Q is symmetrized exactly as the general path does; repeated solves are identical', () => {
  const P = generate(3, { n: 5, ni: 7, active: 2 });
  const Q = P.Q.map((r, i) => r.map((x, j) => x + (i > j ? 0.1 * (i + j) : -0.05 * j)));
  const a = qp.solve({ ...P, Q }), b = qp.solveBatch({ Q, p: P.p, G: P.G!, h: P.h! }), c = qp.solve({ ...P, Q });
  sameResult(a, b, 'unsymmetric Q');
  assert.equal(bits(a.z), bits(c.z));
  for (const r of [a, b, c]) r.context.dispose();
});

test('problems the fast path hands back get the general path: box, interior point, lb/ub, errors and certificates', () => {
  // G of ±unit rows alone: the box solver under 'auto'.
  const box = { Q: [[2, 0], [0, 1]], p: [-4, 1], G: [[1, 0], [0, -1]], h: [1, 0] };
  const rb = qp.solve(box);
  assert.equal(rb.method, 'box');
  rb.context.dispose();
  // Semidefinite Q under 'auto': the interior point; under 'active-set': QP_NOT_PD.
  const psd = { Q: [[1, 0], [0, 0]], p: [0, -1], G: [[1, 1], [0, 1]], h: [2, 1] };
  const ri = qp.solve(psd);
  assert.equal(ri.method, 'ipm');
  ri.context.dispose();
  assert.equal(codeOf(() => qp.solve(psd, { method: 'active-set' }))[0], 'QP_NOT_PD');
  // lb/ub: the general path (bounds appended as rows) agrees with the same bounds written as G rows.
  const P = generate(8, { n: 4, ni: 3, active: 1 });
  const withBounds = qp.solve({ ...P, lb: [-1, -1, -1, -1], ub: [1, 1, 1, 1] }, { method: 'active-set' });
  const eye = [0, 1, 2, 3].map((j) => [0, 1, 2, 3].map((i) => (i === j ? 1 : 0)));
  const asRows = qp.solve({ Q: P.Q, p: P.p, G: [...P.G!, ...eye.map((r) => r.map((x) => -x)), ...eye], h: [...P.h!, 1, 1, 1, 1, 1, 1, 1, 1] }, { method: 'active-set' });
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(withBounds.z[j]! - asRows.z[j]!) < 1e-12);
  withBounds.context.dispose();
  asRows.context.dispose();
  // Bad inputs: the same typed errors as qp.solveBatch (the general path owns them).
  const bad: Record<string, unknown>[] = [
    { ...P, p: [1, NaN, 0, 0] },
    { ...P, Q: P.Q.map((r, i) => (i === 2 ? [r[0], r[1], Infinity, r[3]] : r)) },
    { ...P, G: P.G!.slice(1) },
    { ...P, h: [1, 2] },
    { ...P, Q: [[1, 0], [0, 1]] },
    { ...P, G: P.G!.map((r) => r.map(String)) },
    { ...P, A: [[1, 0, 0, 0]] },
  ];
  for (const B of bad) {
    const [c1, d1] = codeOf(() => qp.solve(B as unknown as qp.QpProblem));
    const [c2, d2] = codeOf(() => qp.solveBatch(B as unknown as qp.QpBatchProblem));
    assert.notEqual(c1, 'none');
    assert.equal(c1, c2);
    assert.deepEqual(d1, d2);
  }
  assert.equal(codeOf(() => qp.solve(P, { tolerance: 1 } as unknown as qp.QpOptions))[0], 'UNKNOWN_OPTION');
  // Infeasible: the same Farkas certificate as the general path, bit for bit.
  const inf = { Q: [[1, 0], [0, 1]], p: [0, 0], G: [[1, 1], [-1, -1]], h: [1, -3] };
  const [c1, d1] = codeOf(() => qp.solve(inf));
  const [c2, d2] = codeOf(() => qp.solveBatch(inf));
  assert.equal(c1, 'QP_INFEASIBLE');
  assert.equal(c2, 'QP_INFEASIBLE');
  assert.deepEqual(d1, d2);
});

test('the fast path frees its memory on dispose, and a disposed context refuses backward', () => {
  const rt = rts[0]!;
  const before = rt.arena.stats().used;
  const P = generate(12, { n: 6, ne: 1, ni: 9, active: 3 });
  const r = qp.solve(P, { runtime: rt });
  assert.equal(r.method, 'active-set');
  assert.ok(rt.arena.stats().used > before);
  r.context.dispose();
  assert.equal(rt.arena.stats().used, before);
  assert.equal(codeOf(() => qp.backward(r.context, new Array(6).fill(1)))[0], 'DISPOSED');
});

test('fast path: inputs that are views of WebAssembly memory survive the memory growth of the solve (general path copies first)', async () => {
  const rt = await createRuntime({ build: 'scalar' });
  const P = generate(5, { n: 6, ni: 8, active: 3 });
  const want = qp.solve(P, { runtime: rt });
  want.context.dispose();
  // p and h as views of the runtime's own memory, at the top of the heap, with no room left above.
  const ptr = rt.arena.alloc(8 * 14);
  const view = new Float64Array(rt.arena.memory.buffer, ptr, 14);
  view.set(P.p);
  view.set(P.h!, 6);
  const st = rt.arena.stats();
  rt.arena.alloc(st.capacity - st.top - 16);
  const cap = rt.arena.capacity;
  const r = qp.solve({ ...P, p: view.subarray(0, 6), h: view.subarray(6, 14) }, { runtime: rt });
  assert.ok(rt.arena.capacity > cap, 'the solve grew the memory');
  assert.equal(r.status, 'optimal');
  assert.deepEqual(r.z, want.z);
  r.context.dispose();
  rt.dispose();
});
