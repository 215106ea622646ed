// The single-QP fast path of `qp.solve` (issue 14: ≥ 10× quadprog for one general QP): a problem
// with Q, p and optional A, b, G, h (no lb/ub) goes straight into the dense active-set kernel.
// The inputs are read ONCE, from the user's arrays directly into the context's WebAssembly
// block (no intermediate packed copy, no bound augmentation, no per-field bookkeeping), then
// the same kernel call and the same status handling as the batch path run (dense.ts runDense).
// Results are bit for bit those of `qp.solveBatch` on the same single problem (tested).
//
// Anything unusual returns undefined BEFORE the kernel runs, and solve.ts takes the general
// path, which owns every error message: a missing or mistyped field, a length mismatch, a
// non-number or non-finite entry, lb/ub given, a G that describes only bounds (the box path
// under 'auto'). After the kernel: Q not positive definite or the iteration limit under
// 'auto' also returns undefined (the general path then runs the interior point).
import { isWasmView } from '../runtime/arena.js';
import { type GradientMap, QpContext, type QpLayout, qpLayout } from './context.js';
import { runDense } from './dense.js';
import type { Field } from './prepare.js';
import { copyMat, copyVec, detectBounds, isArrayLike } from './input.js';
import { INFO } from './rows.js';
import type { Opts, QpResult } from './types.js';

/** Shapes of a plain single problem, or undefined when it is not one (see the file comment). */
export interface SingleShape {
  n: number;
  ne: number;
  ni: number;
}

const isList = isArrayLike;

/** Rows of a matrix input with `cols` columns (nested or flat), or −1 when it is neither. */
function rowsOf(X: unknown, cols: number): number {
  if (!isList(X)) return -1;
  if (X.length > 0 && isList(X[0])) return X.length;
  return X.length % cols === 0 ? X.length / cols : -1;
}

/**
 * True when x or one of its rows is a view of WebAssembly memory (box-direct.ts onWasm without
 * its packed `{ batch }` case, which is never a single problem's field: the general path takes it).
 */
function wasmIn(x: unknown): boolean {
  if (ArrayBuffer.isView(x)) return isWasmView(x);
  if (!isList(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const r = x[i];
    if (ArrayBuffer.isView(r) && isWasmView(r)) return true;
  }
  return false;
}

/** The shapes of `problem` when the fast path applies to it, else undefined. */
export function singleShape(problem: unknown): SingleShape | undefined {
  if (problem === null || typeof problem !== 'object') return undefined;
  const P = problem as Record<string, unknown>;
  if (P.lb !== undefined || P.ub !== undefined) return undefined;
  // A view of WebAssembly memory could be detached by the context's allocation: general path.
  if (wasmIn(P.Q) || wasmIn(P.p) || wasmIn(P.A) || wasmIn(P.b) || wasmIn(P.G) || wasmIn(P.h)) return undefined;
  const p = P.p;
  if (!isList(p) || p.length === 0 || P.Q === undefined) return undefined;
  const n = p.length;
  if (rowsOf(P.Q, n) !== n) return undefined;
  if ((P.A === undefined) !== (P.b === undefined) || (P.G === undefined) !== (P.h === undefined)) return undefined;
  let ne = 0, ni = 0;
  if (P.b !== undefined) {
    if (!isList(P.b)) return undefined;
    ne = P.b.length;
    if (rowsOf(P.A, n) !== ne) return undefined;
  }
  if (P.h !== undefined) {
    if (!isList(P.h)) return undefined;
    ni = P.h.length;
    if (rowsOf(P.G, n) !== ni) return undefined;
  }
  return { n, ne, ni };
}

interface Shape {
  layout: QpLayout;
  map: GradientMap;
  /** Byte offsets of the kernel's parts inside the block (layout.off × 8). */
  bytes: Readonly<Record<'Q' | 'p' | 'A' | 'b' | 'G' | 'h' | 'z' | 'nu' | 'lam' | 'J' | 'R' | 'act' | 'scl' | 'info' | 'work', number>>;
}

/** Layouts and gradient maps by shape (read-only, shared by the contexts of that shape). */
const shapes = new Map<number, Shape>();

function shapeOf(n: number, ne: number, ni: number, hasA: boolean, hasG: boolean, workLen: (n: number, ne: number, ni: number) => number): Shape {
  const cacheable = ne < 4096 && ni < 1 << 20;
  const key = ((ni * 4096 + ne) * 256 + n) * 4 + (hasA ? 2 : 0) + (hasG ? 1 : 0);
  const hit = cacheable ? shapes.get(key) : undefined;
  if (hit) return hit;
  const nn = n * n;
  const given: GradientMap['given'] = { Q: true, p: true };
  if (hasA) given.A = given.b = true;
  if (hasG) given.G = given.h = true;
  const layout = qpLayout([
    ['Q', nn], ['p', n], ['A', ne * n], ['b', ne], ['G', ni * n], ['h', ni],
    ['z', n], ['nu', ne], ['lam', ni], ['J', nn], ['R', nn], ['act', n],
    ['scl', n + ne + ni], ['info', INFO], ['work', workLen(n, ne, ni)],
  ]);
  const o = layout.off;
  const shape: Shape = {
    layout,
    bytes: {
      Q: o.Q! * 8, p: o.p! * 8, A: o.A! * 8, b: o.b! * 8, G: o.G! * 8, h: o.h! * 8, z: o.z! * 8, nu: o.nu! * 8, lam: o.lam! * 8,
      J: o.J! * 8, R: o.R! * 8, act: o.act! * 8, scl: o.scl! * 8, info: o.info! * 8, work: o.work! * 8,
    },
    map: { given: Object.freeze(given), rows: Object.freeze({ user: ni, lower: Object.freeze([]) as unknown as number[], upper: Object.freeze([]) as unknown as number[] }) },
  };
  if (cacheable) {
    if (shapes.size >= 64) shapes.clear();
    shapes.set(key, shape);
  }
  return shape;
}

/** True when row 0 of the matrix at v[off…] is ±e_j (a quick test before detectBounds, which allocates). */
function unitRow(v: Float64Array, off: number, n: number): boolean {
  let nz = 0;
  for (let j = 0; j < n; j++) {
    const x = v[off + j]!;
    if (x === 0) continue;
    if (x !== 1 && x !== -1) return false;
    nz++;
  }
  return nz === 1;
}

/**
 * Solves one plain problem of shape `s` with the dense active set. Returns undefined (nothing
 * allocated, nothing thrown) when the general path must take it; see the file comment.
 */
export function solveSingleDense(problem: Record<string, unknown>, s: SingleShape, o: Opts): QpResult | undefined {
  const { n, ne, ni } = s;
  const k = o.runtime.kernels;
  const shape = shapeOf(n, ne, ni, ne > 0 || problem.A !== undefined, problem.G !== undefined, k.qp_dense_work_len);
  // No zero-fill: the inputs are written below, and the kernel writes every other part before
  // it reads it (z, ν, λ, J, the scales and all of info; R and act up to the active count).
  const ctx = new QpContext({
    method: 'active-set', count: 1, n, ne, ni, runtime: o.runtime, sharedMask: 63, map: shape.map, layout: shape.layout, zeroed: false,
  });
  const v = ctx.block();
  const off = shape.layout.off;
  let ok = copyMat(problem.Q as ArrayLike<unknown>, n, n, v, off.Q!, true)
    && copyVec(problem.p as ArrayLike<unknown>, n, v, off.p!, true)
    && (ne === 0 || (copyMat(problem.A as ArrayLike<unknown>, ne, n, v, off.A!, true) && copyVec(problem.b as ArrayLike<unknown>, ne, v, off.b!, true)))
    && (ni === 0 || (copyMat(problem.G as ArrayLike<unknown>, ni, n, v, off.G!, true) && copyVec(problem.h as ArrayLike<unknown>, ni, v, off.h!, true)));
  if (ok) {
    // Q ← ½(Q + Qᵀ), the same arithmetic as input.ts symmetrize (so bit-identical results).
    const q = off.Q!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const a = q + i * n + j, b = q + j * n + i;
        const m = 0.5 * (v[a]! + v[b]!);
        v[a] = m;
        v[b] = m;
      }
    }
    // Under 'auto', a G of ±unit rows alone is a box problem: the general path routes it.
    if (o.method === 'auto' && ne === 0 && ni > 0 && unitRow(v, off.G!, n) && detectBounds(v.subarray(off.G!, off.G! + ni * n), ni, n)) ok = false;
  }
  if (!ok) {
    ctx.dispose();
    return undefined;
  }
  const b = ctx.ptr('Q') - off.Q! * 8, at = shape.bytes;
  try {
    // callDense's argument list, with the byte offsets precomputed per shape.
    k.qp_dense_f64(1, n, ne, ni, 63, b + at.Q, b + at.p, b + at.A, b + at.b, b + at.G, b + at.h,
      b + at.z, b + at.nu, b + at.lam, b + at.J, b + at.R, b + at.act, b + at.scl,
      b + at.work, b + at.info, o.kktTol, o.activeSetMaxIter || 10 * (n + ne + ni));
  } catch (err) {
    ctx.dispose();
    throw err;
  }
  // The kernel allocates nothing, so the view read before the call is still the live one.
  const w = v;
  const inf = off.info!;
  const st = w[inf]!;
  if (st === 0 || st === 3) {
    // Solved (optimal, or 'inaccurate' after the unscaled KKT check): the result straight from memory.
    return {
      z: w.slice(off.z!, off.z! + n),
      lambda: w.slice(off.lam!, off.lam! + ni),
      nu: w.slice(off.nu!, off.nu! + ne),
      status: st === 0 ? 'optimal' : 'inaccurate',
      iterations: w[inf + 1]!,
      residuals: { stationarity: w[inf + 2]!, primal: w[inf + 3]!, complementarity: w[inf + 4]!, dual: w[inf + 7]! },
      method: 'active-set',
      context: ctx,
    };
  }
  // Every other outcome (errors, certificates, the interior-point hand-over) as in the batch path.
  const fields = (): Partial<Record<string, Field>> => {
    const x = ctx.block();
    const f = (name: string, len: number): Field => ({ data: x.slice(off[name]!, off[name]! + len), shared: true });
    return { G: f('G', ni * n), h: f('h', ni), A: f('A', ne * n), b: f('b', ne) };
  };
  const r = runDense(ctx, o, fields, (lam) => lam.slice(0, ni), true);
  return r && {
    z: r.z, lambda: r.lambda, nu: r.nu, status: r.status[0]!, iterations: r.iterations[0]!,
    residuals: { stationarity: r.residuals.stationarity[0]!, primal: r.residuals.primal[0]!, complementarity: r.residuals.complementarity[0]!, dual: r.residuals.dual[0]! },
    method: r.method, context: r.context,
  };
}
