// core/linalg.ts: the one small dense f64 linear-algebra module. Every routine is checked
// against known matrices and against the other routines on random SPD matrices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError } from '../../src/core/errors.js';
import {
  addOuter,
  cholSolve,
  cholesky,
  dot,
  gram,
  luSolve,
  matTVec,
  matVec,
  norm,
  normalizeInPlace,
  powerIteration,
  symmetricEigen,
  tryLuSolve,
} from '../../src/core/linalg.js';
import { Rng } from '../../src/core/rng.js';

const code = (c: string) => (e: unknown) => e instanceof MetaoptimError && e.code === c;
const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** A random SPD matrix A = BᵀB/n + δI (n×n) from a seed, with known-good conditioning. */
function spd(n: number, seed: number, delta = 0.5): Float64Array {
  const r = new Rng(seed);
  const B = r.fillNormal(new Float64Array(n * n));
  const A = gram(B, n, n);
  for (let i = 0; i < n * n; i++) A[i] = A[i]! / n;
  for (let i = 0; i < n; i++) A[i * n + i] = A[i * n + i]! + delta;
  return A;
}

const sizeSeed = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer());

test('cholesky of a known matrix: [[4,2],[2,3]] = LLᵀ with L = [[2,0],[1,√2]]', () => {
  const L = cholesky([4, 2, 2, 3], 2);
  assert.deepEqual(Array.from(L), [2, 0, 1, Math.SQRT2]);
  assert.deepEqual(Array.from(cholesky([9], 1)), [3]);
  assert.equal(cholesky([], 0).length, 0);
});

test('cholesky reproduces A = LLᵀ with L lower triangular, on random SPD matrices', () => {
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const A = spd(n, seed);
      const L = cholesky(A, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (j > i) assert.equal(L[i * n + j], 0);
          let s = 0;
          for (let k = 0; k < n; k++) s += L[i * n + k]! * L[j * n + k]!;
          close(s, A[i * n + j]!, 1e-12, `(${i},${j})`);
        }
        assert.ok(L[i * n + i]! > 0);
      }
    }),
    { numRuns: 100 },
  );
});

test('cholSolve, luSolve and the eigen-decomposition solve the same SPD system', () => {
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const A = spd(n, seed);
      const b = new Rng(seed, 1).fillNormal(new Float64Array(n));
      const x1 = cholSolve(cholesky(A, n), n, Float64Array.from(b));
      const x2 = luSolve(A, b, n);
      // x = V diag(1/λ) Vᵀ b
      const { values, vectors } = symmetricEigen(A, n);
      const y = matTVec(vectors, n, n, b);
      for (let i = 0; i < n; i++) y[i] = y[i]! / values[i]!;
      const x3 = matVec(vectors, n, n, y);
      const r = matVec(A, n, n, x1);
      for (let i = 0; i < n; i++) {
        close(r[i]!, b[i]!, 1e-10, `residual ${i}`);
        close(x2[i]!, x1[i]!, 1e-9, `lu vs chol ${i}`);
        close(x3[i]!, x1[i]!, 1e-8, `eigen vs chol ${i}`);
      }
    }),
    { numRuns: 100 },
  );
});

test('cholesky: non-PD and indefinite matrices throw NOT_POSITIVE_DEFINITE with { pivot, index }', () => {
  assert.throws(() => cholesky([1, 2, 2, 1], 2), (e: unknown) => {
    assert.ok(code('NOT_POSITIVE_DEFINITE')(e));
    const d = (e as MetaoptimError).details as { pivot: number; index: number };
    assert.equal(d.index, 1);
    assert.equal(d.pivot, -3); // 1 − 2²/1
    return true;
  });
  assert.throws(() => cholesky([0, 0, 0, 1], 2), code('NOT_POSITIVE_DEFINITE'));
  assert.throws(() => cholesky([1, 1, 1, 1], 2), code('NOT_POSITIVE_DEFINITE')); // singular PSD
  assert.throws(() => cholesky([NaN], 1), code('NOT_POSITIVE_DEFINITE'));
  assert.throws(() => cholesky([1, 2, 3], 2), code('LENGTH_MISMATCH'));
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const A = spd(n, seed);
      // Subtract more than λmin along the bottom eigenvector: no longer PD.
      const { values, vectors } = symmetricEigen(A, n);
      const v = Float64Array.from({ length: n }, (_, i) => vectors[i * n + n - 1]!);
      addOuter(A, n, -(values[n - 1]! + 0.1), v, v);
      assert.throws(() => cholesky(A, n), code('NOT_POSITIVE_DEFINITE'));
    }),
    { numRuns: 50 },
  );
});

test('luSolve with pivoting: needs a row exchange, solves a known system, SINGULAR on singular ones', () => {
  // The leading zero forces a pivot: [[0,1],[1,0]]·x = [2,3] → x = [3,2].
  assert.deepEqual(Array.from(luSolve([0, 1, 1, 0], [2, 3], 2)), [3, 2]);
  const x = luSolve([2, 1, 1, 1, 3, 2, 1, 0, 0], [4, 5, 6], 3);
  // Hand solution: x = [6, 15, −23].
  [6, 15, -23].forEach((v, i) => close(x[i]!, v, 1e-12));
  assert.throws(() => luSolve([1, 2, 2, 4], [1, 1], 2), (e: unknown) => code('SINGULAR')(e) && /singular/.test((e as Error).message));
  assert.equal(tryLuSolve([1, 2, 2, 4], [1, 1], 2), undefined);
  assert.equal(tryLuSolve([0, 0, 0, 0], [0, 0], 2), undefined);
  // With a tolerance, a nearly singular matrix counts as singular.
  assert.ok(tryLuSolve([1, 1, 1, 1 + 1e-12], [1, 2], 2) !== undefined);
  assert.equal(tryLuSolve([1, 1, 1, 1 + 1e-12], [1, 2], 2, 1e-9), undefined);
  assert.throws(() => luSolve([1, 0, 0, 1], [1], 2), code('LENGTH_MISMATCH'));
  // Inputs are untouched.
  const A = [0, 1, 1, 0];
  const b = [2, 3];
  luSolve(A, b, 2);
  assert.deepEqual(A, [0, 1, 1, 0]);
  assert.deepEqual(b, [2, 3]);
});

test('luSolve solves random non-symmetric well-conditioned systems', () => {
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const r = new Rng(seed);
      const A = r.fillNormal(new Float64Array(n * n));
      for (let i = 0; i < n; i++) A[i * n + i] = A[i * n + i]! + 3 * n; // diagonally dominant
      const xTrue = r.fillNormal(new Float64Array(n));
      const b = matVec(A, n, n, xTrue);
      const x = luSolve(A, b, n);
      for (let i = 0; i < n; i++) close(x[i]!, xTrue[i]!, 1e-10, `x${i}`);
    }),
    { numRuns: 100 },
  );
});

test('symmetricEigen: known spectra, descending order, orthonormal vectors, A = VΛVᵀ', () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  close(values[0]!, 3, 1e-14);
  close(values[1]!, 1, 1e-14);
  close(Math.abs(vectors[0]!), Math.SQRT1_2, 1e-14); // (1, 1)/√2 for λ = 3
  close(vectors[0]! * vectors[2]!, 0.5, 1e-14);
  const diag = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, 3], 3);
  assert.deepEqual(Array.from(diag.values), [5, 3, 1]);
  assert.equal(symmetricEigen([1, 0, 0, 1], 2, { vectors: false }).vectors.length, 0);
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const A = spd(n, seed);
      const { values: l, vectors: V } = symmetricEigen(A, n);
      for (let i = 1; i < n; i++) assert.ok(l[i - 1]! >= l[i]!);
      let trace = 0;
      for (let i = 0; i < n; i++) trace += A[i * n + i]!;
      close(l.reduce((a, b) => a + b, 0), trace, 1e-12, 'trace');
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let vtv = 0;
          let rec = 0;
          for (let k = 0; k < n; k++) {
            vtv += V[k * n + i]! * V[k * n + j]!;
            rec += V[i * n + k]! * l[k]! * V[j * n + k]!;
          }
          close(vtv, i === j ? 1 : 0, 1e-12, `VᵀV(${i},${j})`);
          close(rec, A[i * n + j]!, 1e-11, `VΛVᵀ(${i},${j})`);
        }
      }
    }),
    { numRuns: 60 },
  );
});

test('powerIteration finds the top eigenvalue of symmetricEigen, reports convergence, handles zero', () => {
  fc.assert(
    fc.property(sizeSeed, ([n, seed]) => {
      const A = spd(n, seed);
      const top = symmetricEigen(A, n, { vectors: false }).values[0]!;
      const start = new Rng(seed, 2).fillNormal(new Float64Array(n));
      const res = powerIteration((x, out) => matVec(A, n, n, x, out), n, { maxIterations: 20000, tol: 1e-13, start });
      assert.ok(res.converged, `not converged after ${res.iterations}`);
      close(res.lambda, top, 1e-6, 'λmax');
      close(norm(res.vector), 1, 1e-12, '‖v‖');
    }),
    { numRuns: 60 },
  );
  // diag(4, 1): λ = 4 from the all-ones start.
  const d = powerIteration((x, out) => {
    out[0] = 4 * x[0]!;
    out[1] = x[1]!;
  }, 2);
  assert.ok(d.converged);
  close(d.lambda, 4, 1e-10);
  // Zero operator: λ = 0, converged at once.
  const z = powerIteration((_x, out) => out.fill(0), 3);
  assert.deepEqual([z.lambda, z.converged, z.iterations], [0, true, 1]);
  // tol 0 runs every iteration; an unconverged run says so.
  const all = powerIteration((x, out) => matVec([2, 0, 0, 1], 2, 2, x, out), 2, { maxIterations: 7, tol: 0 });
  assert.equal(all.iterations, 7);
  const slow = powerIteration((x, out) => matVec([1, 0, 0, 0.999999], 2, 2, x, out), 2, { maxIterations: 3, tol: 1e-300 });
  assert.equal(slow.converged, false);
  assert.throws(() => powerIteration(() => {}, 2, { start: [1] }), code('LENGTH_MISMATCH'));
});

test('matVec, matTVec, gram, addOuter, dot, norm, normalizeInPlace on known values', () => {
  const M = [1, 2, 3, 4, 5, 6]; // 2×3
  assert.deepEqual(Array.from(matVec(M, 2, 3, [1, 0, -1])), [-2, -2]);
  assert.deepEqual(Array.from(matTVec(M, 2, 3, [1, -1])), [-3, -3, -3]);
  assert.deepEqual(Array.from(gram(M, 2, 3)), [17, 22, 27, 22, 29, 36, 27, 36, 45]);
  assert.throws(() => gram(M, 2, 2), code('LENGTH_MISMATCH'));
  const G = new Float64Array(4);
  addOuter(G, 2, 2, [1, 2], [3, 4]);
  assert.deepEqual(Array.from(G), [6, 8, 12, 16]);
  assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  assert.equal(norm([3, 4]), 5);
  assert.deepEqual(Array.from(normalizeInPlace(Float64Array.from([3, 4]))), [0.6, 0.8]);
  assert.deepEqual(Array.from(normalizeInPlace(new Float64Array(2))), [0, 0]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (rows, cols, seed) => {
      const r = new Rng(seed);
      const X = r.fillNormal(new Float64Array(rows * cols));
      const v = r.fillNormal(new Float64Array(cols));
      const w = r.fillNormal(new Float64Array(rows));
      // ⟨w, Xv⟩ = ⟨Xᵀw, v⟩ and vᵀ(XᵀX)v = ‖Xv‖².
      close(dot(w, matVec(X, rows, cols, v)), dot(matTVec(X, rows, cols, w), v), 1e-12);
      close(dot(v, matVec(gram(X, rows, cols), cols, cols, v)), norm(matVec(X, rows, cols, v)) ** 2, 1e-12);
    }),
  );
});
