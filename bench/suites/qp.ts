// QP and Cholesky benchmarks (issue 5 and issue 14 goals), every row beside quadprog
// (Goldfarb–Idnani, the baseline) measured in the same run:
// - box QPs (primal-dual active set): n = 8 batched ×256 (goal ≥ 40×, with the one-by-one
//   ratio), n = 32 (goal ≥ 100×), n = 128; a plain-JS active set for reference;
// - general inequality QPs at n = 8, 32, 64 (goal ≥ 10× for the solver 'auto' picks, the dense
//   active set; the interior point beside it);
// - a batch of 128 QPs with 24 variables, 14 inequalities and 2 equalities, solve AND backward
//   (goal ≤ 10 ms per batch, i.e. ≥ 100 ops/s), against 128 one-by-one calls and quadprog;
// - dense Cholesky factor+solve against ml-matrix; batched throughput for 1,000 box QPs of n = 16.
// QPs/s = ops/s × the batch size in the size label. Problems are random with a planted
// optimum (about half the bounds active), fixed seeds.
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

/** count QPs of n = 24, 14 inequalities, 2 equalities (shared Q, A, G; per-problem p, b, h): solve + backward. */
function batchCases(rt: Runtime, count: number): BenchCase[] {
  const n = 24;
  const base = generate(2024, { n, ne: 2, ni: 14, active: 5 });
  const N = normal(rng(2025));
  const probs: Problem[] = Array.from({ length: count }, () => {
    const z = Array.from({ length: n }, N);
    return {
      ...base,
      p: base.p.map((x) => x + 0.3 * N()),
      b: base.A!.map((a) => a.reduce((s, x, j) => s + x * z[j]!, 0)),
      h: base.G!.map((g) => g.reduce((s, x, j) => s + x * z[j]!, 0) + Math.abs(N()) - 0.2),
    };
  });
  const packed = (f: (P: Problem) => number[]) => ({ batch: Float64Array.from(probs.flatMap(f)), count });
  const batch = { Q: base.Q, A: base.A!, G: base.G!, p: packed((P) => P.p), b: packed((P) => P.b!), h: packed((P) => P.h!) };
  const dz = Float64Array.from({ length: count * n }, normal(rng(2026)));
  const opts = { runtime: rt };
  const size = `24/14/2 ×${count}`;
  const kernel = 'QP batch solve+backward';
  const qps = probs.map(quadprogCall);
  return [
    {
      kernel, size, impl: 'metaoptim batch',
      fn: () => {
        const r = qp.solveBatch(batch, opts);
        qp.backward(r.context, dz);
        r.context.dispose();
      },
    },
    {
      kernel, size, impl: 'metaoptim one-by-one',
      fn: () => probs.forEach((P, t) => {
        const r = qp.solve(P, opts);
        qp.backward(r.context, dz.subarray(t * n, (t + 1) * n));
        r.context.dispose();
      }),
    },
    { kernel, size, impl: 'quadprog (solve only)', baseline: true, fn: () => qps.forEach((f) => f()) },
  ];
}

const suite: Suite = {
  name: 'qp',
  async cases({ quick, note }) {
    const rt = await createRuntime({ build: 'simd' });
    note?.('QPs/s = ops/s × the batch size; goal ≥ 40× quadprog at n = 8 batched, ≥ 100× at n = 32', 'box QP');
    note?.("goal ≥ 10× quadprog at n = 8, 32, 64 for the solver 'auto' picks (metaoptim-simd: the dense active set)", 'inequality QP');
    note?.('goal ≤ 10 ms per batch of 128 (≥ 100 ops/s); QPs/s = ops/s × 128', 'QP batch solve+backward');
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
      if (count > 1) {
        out.push({
          kernel: 'box QP', size: label, impl: 'metaoptim one-by-one',
          fn: () => probs.forEach((P) => qp.solve(P, opts).context.dispose()),
        });
      }
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
    // Box QP n = 32 batched (the goal reads "box QP, batched: … ≥ 100× at n = 32"):
    // 64 problems per call (16 with --quick), the same ones for every impl.
    {
      const n = 32, count = quick ? 16 : 64;
      const probs = Array.from({ length: count }, (_, t) => boxProblem(32000 + t, n));
      const packed = (f: (P: Box) => number[] | number[][]) => ({ batch: Float64Array.from(probs.flatMap((P) => f(P).flat())), count });
      const batch = { Q: packed((P) => P.Q), p: packed((P) => P.p), lb: packed((P) => P.lb), ub: packed((P) => P.ub) };
      const label = `${n} ×${count}`;
      out.push({ kernel: 'box QP', size: label, impl: 'metaoptim-simd', fn: () => qp.solveBatch(batch, opts).context.dispose() });
      const qps = probs.map(quadprogCall);
      out.push({ kernel: 'box QP', size: label, impl: 'quadprog', baseline: true, fn: () => qps.forEach((f) => f()) });
      const plain = probs.map(plainBox);
      out.push({ kernel: 'box QP', size: label, impl: 'plain-js active set', fn: () => plain.forEach((f) => f()) });
    }
    // General inequality QPs (interior point): ni = 2n random rows, about a third active.
    for (const n of quick ? [8] : [8, 32, 64]) {
      const P = generate(50 + n, { n, ni: 2 * n, active: Math.floor((2 * n) / 3) });
      out.push({ kernel: 'inequality QP', size: n, impl: 'metaoptim-simd', fn: () => qp.solve(P, opts).context.dispose() });
      out.push({ kernel: 'inequality QP', size: n, impl: 'metaoptim ipm', fn: () => qp.solve(P, { ...opts, method: 'ipm' }).context.dispose() });
      out.push({ kernel: 'inequality QP', size: n, impl: 'quadprog', baseline: true, fn: quadprogCall(P) });
      if (n === 32) {
        const solved = qp.solve(P, opts);
        const v = Float64Array.from({ length: n }, normal(rng(4)));
        out.push({ kernel: 'inequality QP backward', size: n, impl: 'metaoptim-simd', fn: () => void qp.backward(solved.context, v) });
      }
    }
    out.push(...batchCases(rt, quick ? 16 : 128));
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
