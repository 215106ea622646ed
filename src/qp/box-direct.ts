// The direct path of the box solver (issue 14: box QP ≥ 40× quadprog at n = 8 batched, ≥ 100×
// at n = 32). A problem with Q, p and lb and/or ub only (no A, b, G, h), each field either
// shared (one value) or, for `solveBatch`, packed `{ batch, count }`, is read ONCE from the
// user's arrays straight into the context's WebAssembly block: no packed JavaScript copy
// (prepare.ts), no second copy into WebAssembly, Q symmetrized in place with the same
// arithmetic as input.ts `symmetrize`. Then the same kernel call and the same result
// construction as the general box path run (box.ts `runBox`), so the results are the same bits.
//
// Anything unusual returns undefined (after freeing what it allocated, nothing thrown) and
// solve.ts takes the general path, which owns every error message: a per-problem list, a
// missing or mistyped field, a length or count mismatch, a non-number, NaN or ±Inf in Q or p,
// NaN in a bound, lb = +Inf, ub = −Inf, lb > ub, invalid options, a method other than 'auto' or
// 'box', a disposed runtime, and every
// kernel outcome other than "solved" (the general path then hands the batch to the interior
// point). An input that is a view of WebAssembly memory also takes the general path (which
// copies it BEFORE allocating): the context's allocation may grow that memory and detach it.
import { isWasmView } from '../runtime/arena.js';
import { QpContext } from './context.js';
import { copyMat, copyVec, isArrayLike, isPerProblem, type PackedBatch } from './input.js';
import { runBox, boxParts } from './box.js';
import type { Opts, QpBatchResult } from './types.js';

const isList = isArrayLike;

const isPacked = (x: unknown): x is PackedBatch => x !== null && typeof x === 'object' && 'batch' in (x as object);

/**
 * True when x, its packed data or one of its rows is a view of WebAssembly memory (the direct
 * paths here and in single.ts leave such inputs to the general path, which copies them first).
 */
export function onWasm(x: unknown): boolean {
  if (isWasmView(x)) return true;
  if (isPacked(x)) return isWasmView(x.batch);
  if (!isList(x) || ArrayBuffer.isView(x)) return false;
  for (let i = 0; i < x.length; i++) if (isWasmView(x[i])) return true;
  return false;
}

/** Problems a field holds: 1 when shared, its count when packed, −1 when the direct path cannot take it. */
function copiesOf(x: unknown, size: number, batch: boolean, rank: 1 | 2): number {
  if (!batch || !isPerProblem(x, rank)) return isList(x) ? 1 : -1;
  if (!isPacked(x) || !isList(x.batch) || x.batch.length === 0 || x.batch.length % size !== 0) return -1;
  const c = x.batch.length / size;
  return x.count === undefined || x.count === c ? c : -1;
}

/**
 * Solves a bounds-only problem (or batch) by the box kernel, reading the inputs straight into
 * WebAssembly memory; undefined when the general path must take it (see the file comment).
 */
export function solveBoxDirect(problem: unknown, batch: boolean, options: (n: number) => Opts | undefined): QpBatchResult | undefined {
  if (problem === null || typeof problem !== 'object') return undefined;
  const P = problem as Record<string, unknown>;
  if (P.A !== undefined || P.b !== undefined || P.G !== undefined || P.h !== undefined) return undefined;
  if (P.lb === undefined && P.ub === undefined) return undefined;
  const p = P.p, Q = P.Q;
  if (onWasm(Q) || onWasm(p) || onWasm(P.lb) || onWasm(P.ub)) return undefined;
  if (!isList(p) && !isPacked(p)) return undefined;
  if (!isList(Q) && !isPacked(Q)) return undefined;
  const n = batch && isPerProblem(p, 1) ? (isPacked(p) && typeof p.count === 'number' && p.count > 0 && isList(p.batch) ? p.batch.length / p.count : -1) : isList(p) ? p.length : -1;
  if (!(n > 0) || !Number.isInteger(n) || n > 4096) return undefined;
  const o = options(n);
  if (!o || (o.method !== 'auto' && o.method !== 'box') || o.runtime.disposed) return undefined;
  const names = ['Q', 'p', 'lb', 'ub'] as const;
  const copies = [0, 0, 0, 0];
  let count = -1;
  for (let f = 0; f < 4; f++) {
    const x = P[names[f]!];
    if (x === undefined) {
      copies[f] = 1;
      continue;
    }
    const c = copiesOf(x, f === 0 ? n * n : n, batch, f === 0 ? 2 : 1);
    if (c < 0) return undefined;
    copies[f] = c;
    if (isPacked(x)) {
      if (count >= 0 && c !== count) return undefined;
      count = c;
    }
  }
  if (count < 0) count = 1;
  const shared = (copies[0] === 1 && !isPacked(Q) ? 1 : 0) | (copies[1] === 1 && !isPacked(p) ? 2 : 0)
    | (copies[2] === 1 && !isPacked(P.lb) ? 4 : 0) | (copies[3] === 1 && !isPacked(P.ub) ? 8 : 0);
  const hasLb = P.lb !== undefined, hasUb = P.ub !== undefined;
  const given: Record<string, boolean> = { Q: (shared & 1) !== 0, p: (shared & 2) !== 0 };
  if (hasLb) given.lb = (shared & 4) !== 0;
  if (hasUb) given.ub = (shared & 8) !== 0;
  const ctx = new QpContext({
    method: 'box', count, n, ne: 0, ni: 0, runtime: o.runtime, sharedMask: shared, map: { given },
    parts: boxParts(count, n, copies[0]! * n * n, copies[1]! * n, copies[2]! * n, copies[3]! * n, (hasLb ? n : 0) + (hasUb ? n : 0), o.runtime.kernels.qp_box_work_len(n)),
    i32Length: 2 * count * n, zeroed: false, // every part written before it is read (box.ts boxParts)
  });
  const v = ctx.block();
  const off = ctx.off;
  let ok = true;
  for (let f = 0; f < 4 && ok; f++) {
    const name = names[f]!;
    const x = P[name];
    const at = off[name]!;
    if (x === undefined) v.fill(f === 2 ? -Infinity : Infinity, at, at + n);
    else if (isPacked(x)) ok = copyVec(x.batch, copies[f]! * (f === 0 ? n * n : n), v, at, false);
    else ok = f === 0 ? copyMat(x as ArrayLike<unknown>, n, n, v, at, false) : copyVec(x as ArrayLike<unknown>, n, v, at, false);
  }
  // In WebAssembly: Q ← ½(Q + Qᵀ) per copy (the arithmetic of input.ts symmetrize, so the same
  // bits as the general path), every entry finite (an overflow of the sum also bails out), p
  // finite, lb not NaN/+∞, ub not NaN/−∞, lb ≤ ub (a crossing pair is QP_INFEASIBLE, reported by
  // the general path).
  ok = ok && o.runtime.kernels.qp_box_prep_f64(n, ctx.ptr('Q'), copies[0]!, ctx.ptr('p'), copies[1]!,
    ctx.ptr('lb'), copies[2]!, ctx.ptr('ub'), copies[3]!) === 0;
  if (!ok) {
    ctx.dispose();
    return undefined;
  }
  return runBox(ctx, o, hasLb ? 0 : -1, hasUb ? (hasLb ? n : 0) : -1);
}
