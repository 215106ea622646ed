// The single-QP fast path allocates its context without the arena's zero-fill (src/qp/single.ts,
// `zeroed: false`): the inputs are written by the reader, and qp_dense_f64 writes every other
// part before it reads it (z, ν, λ, J, the scales and all eight info entries, R and act up to
// the active count). Each solve here runs once on memory primed with zeros and once on memory
// primed with garbage (NaN, or −1), in both builds; results, residuals, gradients, errors and
// certificates must be the same bits. Outcomes covered: solved, infeasible (Farkas
// certificate), Q not positive definite (QP_NOT_PD under 'active-set', the interior point under
// 'auto') and the iteration limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRuntime, MetaoptimError, type Runtime } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import { generate, normal, rng } from '../support/qp-helpers.js';

const runtimes = Promise.all((['simd', 'scalar'] as const).map((build) => createRuntime({ build })));

/** Leaves `fill` in the memory the next allocations get: a block at the top, filled, then freed. */
function prime(rt: Runtime, fill: number): void {
  const ptr = rt.arena.alloc(8 << 15, false);
  rt.arena.f64(ptr, 1 << 15).fill(fill);
  rt.arena.release(ptr);
}

const bits = (x: ArrayLike<number> | undefined): string => Array.from(x ?? [], (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',');

/** Everything observable of one qp.solve (and its backward), as a string; errors by code and details. */
function run(rt: Runtime, fill: number, problem: qp.QpProblem, opts: qp.QpOptions, v: number[]): string {
  prime(rt, fill);
  let r: qp.QpResult;
  try {
    r = qp.solve(problem, { ...opts, runtime: rt });
  } catch (e) {
    assert.ok(e instanceof MetaoptimError, String(e));
    return `${e.code} ${JSON.stringify(e.details)}`;
  }
  const g = qp.backward(r.context, v);
  r.context.dispose();
  const res = Object.values(r.residuals).map((x) => bits([x])).join(';');
  return [r.method, r.status, r.iterations, bits(r.z), bits(r.lambda), bits(r.nu), res,
    ...(['Q', 'p', 'A', 'b', 'G', 'h'] as const).map((k) => bits(g[k]))].join('|');
}

test('qp.solve fast path on unzeroed memory: garbage left in the arena never changes a result, gradient, error or certificate (both builds)', async () => {
  const builds = await runtimes;
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 }), fc.integer(),
      (n, ne0, ni, twist, seed) => {
        const ne = Math.min(ne0, n - 1);
        const P = generate(seed, { n, ne, ni, active: Math.floor(ni / 3) });
        const problem: qp.QpProblem = { Q: P.Q, p: P.p, ...(ne ? { A: P.A, b: P.b } : {}), ...(ni ? { G: P.G, h: P.h } : {}) };
        let opts: qp.QpOptions = { method: 'active-set' };
        if (twist === 1 && ni >= 2) {
          // Contradictory pair g·z ≤ h, −g·z ≤ −h − 1: QP_INFEASIBLE with a Farkas certificate.
          problem.G = P.G!.map((r, k) => (k === 1 ? P.G![0]!.map((x) => -x) : r));
          problem.h = P.h!.map((x, k) => (k === 1 ? -P.h![0]! - 1 : x));
        } else if (twist === 2) {
          // Q not positive definite: QP_NOT_PD (named solver) or the interior point ('auto').
          problem.Q = P.Q.map((r, i) => r.map((x, j) => (i === j && i === n - 1 ? -1 : x)));
          opts = { method: seed % 2 ? 'active-set' : 'auto' };
        } else if (twist === 3 && ni > 0) {
          opts = { method: 'active-set', activeSetMaxIter: 1 }; // the iteration limit: 'inaccurate'
        }
        const v = Array.from({ length: n }, normal(rng(seed + 1)));
        for (const rt of builds) {
          const clean = run(rt, 0, problem, opts, v);
          seen.add(clean.split(/[| ]/)[0]!);
          assert.equal(run(rt, Number.NaN, problem, opts, v), clean, `${rt.build} NaN`);
          assert.equal(run(rt, -1, problem, opts, v), clean, `${rt.build} −1`);
        }
      }),
    { numRuns: 40 },
  );
  for (const what of ['active-set', 'QP_INFEASIBLE', 'QP_NOT_PD']) assert.ok(seen.has(what), `never reached: ${what} (${[...seen]})`);
});
