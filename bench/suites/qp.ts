// QP and Cholesky benchmarks (issue 5 goals): box QPs (active set) and general inequality QPs
// (interior point) against quadprog (Goldfarb–Idnani, the baseline) and a plain-JS
// primal-dual active-set solver; the backward pass; dense Cholesky factor+solve against
// ml-matrix (the baseline) and plain JS; batched throughput for 1,000 QPs of n = 16.
// Problems are random with a planted optimum (about half the bounds active), fixed seeds.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import quadprog from 'quadprog';
import { Region } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/index.js';
import * as qp from '../../src/qp/index.js';
import type { Runtime } from '../../src/index.js';
import { type Problem, generate, normal, rng } from '../../test/support/qp-helpers.js';
import { cholFactor, cholSolve } from '../../test/support/reference/linalg.js';
import { refBox } from '../../test/support/reference/qp.js';
import type { BenchCase, Suite } from '../types.js';

type Box = Problem & { lb: number[]; ub: number[] };

function boxProblem(seed: number, n: number): Box {
  const P = generate(seed, { n });
  // Bounds around the unconstrained optimum so that about half of them bind.
  const N = normal(rng(seed + 1));
  const lb = P.z0!.map((z) => z + 0.5 * N() - 0.25);
  const ub = lb.map((l) => l + 0.2 + Math.abs(N()) * 0.5);
  return { ...P, lb, ub };
}

/** quadprog's 1-based inputs; it overwrites Dmat and dvec, so every call gets fresh copies. */
function quadprogCall(P: Problem & { lb?: number[]; ub?: number[] }): () => void {
  const n = P.n;
  const cols: { a: number[]; b: number }[] = [];
  (P.G ?? []).forEach((g, k) => cols.push({ a: g.map((x) => -x), b: -P.h![k]! }));
  P.lb?.forEach((l, j) => cols.push({ a: Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)), b: l }));
  P.ub?.forEach((u, j) => cols.push({ a: Array.from({ length: n }, (_, i) => (i === j ? -1 : 0)), b: -u }));
  const Am: number[][] = [[]];
  for (let i = 0; i < n; i++) Am.push([0, ...cols.map((c) => c.a[i]!)]);
  const b0 = [0, ...cols.map((c) => c.b)];
  const Q1 = P.Q.map((r) => [0, ...r]);
  const d1 = [0, ...P.p.map((x) => -x)];
  return () => {
    const D = [[] as number[], ...Q1.map((r) => r.slice())];
    const r = quadprog.solveQP(D, d1.slice(), Am, b0, 0);
    if (r.message) throw new Error(r.message);
  };
}

function plainBox(P: Box): () => void {
  const n = P.n;
  const Q = Float64Array.from(P.Q.flat()), p = Float64Array.from(P.p), lb = Float64Array.from(P.lb), ub = Float64Array.from(P.ub);
  return () => {
    refBox(n, Q, p, lb, ub, Math.max(50, 2 * n));
  };
}

function spd(seed: number, n: number): Float64Array {
  const N = normal(rng(seed));
  const M = Float64Array.from({ length: n * n }, N);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += M[k * n + i]! * M[k * n + j]!;
    A[i * n + j] = s / n + (i === j ? 1 : 0);
  }
  return A;
}

function choleskyCases(rt: Runtime, n: number): BenchCase[] {
  const A = spd(n, n);
  const b = Float64Array.from({ length: n }, normal(rng(7)));
  const flops = (n * n * n) / 3 * 2 + 4 * n * n;
  const region = new Region(rt.arena, Float64Array, n * n + n);
  const k = rt.kernels;
  const mlA = new Matrix(Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, (i + 1) * n))));
  const mlB = Matrix.columnVector(Array.from(b));
  const scratch = new Float64Array(n * n), x = new Float64Array(n);
  return [
    {
      kernel: 'cholesky factor+solve', size: n, impl: `metaoptim-${rt.build}`, flopsPerOp: flops,
      fn: () => {
        const v = region.view;
        v.set(A);
        v.set(b, n * n);
        k.chol_factor_f64(region.ptr, n, n);
        k.chol_solve_f64(region.ptr, n, n, region.ptr + n * n * 8);
      },
    },
    { kernel: 'cholesky factor+solve', size: n, impl: 'ml-matrix', baseline: true, flopsPerOp: flops, fn: () => void new CholeskyDecomposition(mlA).solve(mlB) },
    {
      kernel: 'cholesky factor+solve', size: n, impl: 'plain-js', flopsPerOp: flops,
      fn: () => {
        scratch.set(A);
        x.set(b);
        cholFactor(scratch, n);
        cholSolve(scratch, n, x);
      },
    },
  ];
}

const suite: Suite = {
  name: 'qp',
  async cases({ quick }) {
    const rt = await createRuntime({ build: 'simd' });
    const out: BenchCase[] = [];
    const opts = { runtime: rt };
    // Box QPs: n = 8 batched (256 problems per call, the same 256 for every impl), n = 32, 128 single.
    const boxSizes = quick ? [8, 32] : [8, 32, 128];
    for (const n of boxSizes) {
      const count = n === 8 ? 256 : 1;
      const probs = Array.from({ length: count }, (_, t) => boxProblem(1000 * n + t, n));
      const label = count > 1 ? `${n} ×${count}` : n;
      const packed = (f: (P: Box) => number[] | number[][]) => ({ batch: Float64Array.from(probs.flatMap((P) => f(P).flat())), count });
      const batch = { Q: packed((P) => P.Q), p: packed((P) => P.p), lb: packed((P) => P.lb), ub: packed((P) => P.ub) };
      out.push({
        kernel: 'box QP', size: label, impl: 'metaoptim-simd',
        fn: () => {
          const r = count > 1 ? qp.solveBatch(batch, opts) : qp.solve(probs[0]!, opts);
          r.context.dispose();
        },
      });
      const qps = probs.map(quadprogCall);
      out.push({ kernel: 'box QP', size: label, impl: 'quadprog', baseline: true, fn: () => qps.forEach((f) => f()) });
      const plain = probs.map(plainBox);
      out.push({ kernel: 'box QP', size: label, impl: 'plain-js active set', fn: () => plain.forEach((f) => f()) });
      if (n === 32) {
        const solved = qp.solve(probs[0]!, opts);
        const v = Float64Array.from({ length: n }, normal(rng(3)));
        out.push({ kernel: 'box QP backward', size: n, impl: 'metaoptim-simd', fn: () => void qp.backward(solved.context, v) });
      }
    }
    // General inequality QPs (interior point): ni = 2n random rows, about a third active.
    for (const n of quick ? [8] : [8, 32, 64]) {
      const P = generate(50 + n, { n, ni: 2 * n, active: Math.floor((2 * n) / 3) });
      out.push({ kernel: 'inequality QP', size: n, impl: 'metaoptim-simd', fn: () => qp.solve(P, opts).context.dispose() });
      out.push({ kernel: 'inequality QP', size: n, impl: 'quadprog', baseline: true, fn: quadprogCall(P) });
      if (n === 32) {
        const solved = qp.solve(P, opts);
        const v = Float64Array.from({ length: n }, normal(rng(4)));
        out.push({ kernel: 'inequality QP backward', size: n, impl: 'metaoptim-simd', fn: () => void qp.backward(solved.context, v) });
      }
    }
    for (const n of quick ? [32] : [32, 128]) out.push(...choleskyCases(rt, n));
    if (!quick) {
      const n = 16, count = 1000;
      const probs = Array.from({ length: count }, (_, t) => boxProblem(77 + t, n));
      const packed = (f: (P: Box) => number[] | number[][]) => ({ batch: Float64Array.from(probs.flatMap((P) => f(P).flat())), count });
      const batch = { Q: packed((P) => P.Q), p: packed((P) => P.p), lb: packed((P) => P.lb), ub: packed((P) => P.ub) };
      out.push({ kernel: 'box QP batch', size: '16 ×1000', impl: 'metaoptim-simd', fn: () => qp.solveBatch(batch, opts).context.dispose() });
      const qps = probs.map(quadprogCall);
      out.push({ kernel: 'box QP batch', size: '16 ×1000', impl: 'quadprog', baseline: true, fn: () => qps.forEach((f) => f()) });
    }
    return out;
  },
};

export default suite;
