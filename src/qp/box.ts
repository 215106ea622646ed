// Bounds-only QPs (lb ≤ z ≤ ub, or G rows that are ±unit vectors): the primal-dual active-set
// kernel of assembly/qpbox.ts over the whole batch in one call.
import { MetaoptimError } from '../core/errors.js';
import { QpContext } from './context.js';
import type { BoundRow } from './input.js';
import type { Field, Prepared } from './prepare.js';
import { copyField, given, INFO, lambdaRows, nonFinite } from './rows.js';
import type { Opts, QpBatchResult, QpStatus } from './types.js';

/** Box bounds as packed lb/ub (from lb/ub, or from bound rows of G, h). */
function boxBounds(P: Prepared): { lb: Field; ub: Field } {
  const n = P.n;
  if (!P.boundRows) {
    return {
      lb: P.fields.lb ?? { data: new Float64Array(n).fill(-Infinity), shared: true },
      ub: P.fields.ub ?? { data: new Float64Array(n).fill(Infinity), shared: true },
    };
  }
  const h = P.fields.h!;
  const copies = h.shared ? 1 : P.count;
  const lb = new Float64Array(copies * n).fill(-Infinity), ub = new Float64Array(copies * n).fill(Infinity);
  for (let k = 0; k < copies; k++) {
    P.boundRows.forEach((row, r) => {
      const v = h.data[k * P.ni + r]!;
      if (row.sign === 1) ub[k * n + row.variable] = v;
      else lb[k * n + row.variable] = -v;
    });
    for (let j = 0; j < n; j++) {
      if (lb[k * n + j]! > ub[k * n + j]!) {
        throw new MetaoptimError('QP_INFEASIBLE', `qp: the rows of G, h bounding variable ${j} cross (lower ${lb[k * n + j]} > upper ${ub[k * n + j]})`, { problem: k, variable: j });
      }
    }
  }
  return { lb: { data: lb, shared: h.shared }, ub: { data: ub, shared: h.shared } };
}

/**
 * The f64 parts of a box context: Q, p, lb, ub with the given lengths (one copy when shared),
 * z, μ, the factors, scratch, info and the user-facing λ (`lam` entries per problem).
 * Box contexts are allocated without the arena's zero-fill (`zeroed: false`): Q, p, lb, ub
 * are copied in whole, and qp_box_f64 writes every entry that it,
 * `runBox` and the backward pass read (z, μ, flags and idx in full; of L, the lower triangle
 * of the m×m factor; info fields 0–6; the λ blocks); test/qp/box-uninit.test.ts solves on
 * memory filled with NaN garbage and expects the bits of a fresh runtime.
 */
export function boxParts(count: number, n: number, q: number, p: number, lb: number, ub: number, lam: number, work: number): [string, number][] {
  return [['Q', q], ['p', p], ['lb', lb], ['ub', ub],
    ['z', count * n], ['mu', count * n], ['L', count * n * n], ['work', work], ['info', count * INFO],
    ['lam', count * lam]];
}

export function solveBox(P: Prepared, o: Opts): QpBatchResult | undefined {
  const { count, n } = P;
  const { lb, ub } = boxBounds(P);
  const Q = P.fields.Q!, p = P.fields.p!;
  const shared = (Q.shared ? 1 : 0) | (p.shared ? 2 : 0) | (lb.shared ? 4 : 0) | (ub.shared ? 8 : 0);
  const ctx = new QpContext({
    method: 'box', count, n, ne: 0, ni: 0, runtime: o.runtime, sharedMask: shared,
    map: { given: given(P), ...(P.boundRows ? { boundRows: P.boundRows } : {}) },
    parts: boxParts(count, n, Q.data.length, p.data.length, lb.data.length, ub.data.length, P.boundRows ? 0 : lambdaRows(P), o.runtime.kernels.qp_box_work_len(n)),
    i32Length: 2 * count * n, zeroed: false,
  });
  try {
    copyField(ctx, 'Q', Q);
    copyField(ctx, 'p', p);
    copyField(ctx, 'lb', lb);
    copyField(ctx, 'ub', ub);
  } catch (err) {
    ctx.dispose();
    throw err;
  }
  return runBox(ctx, o, P.fields.lb ? 0 : -1, P.fields.ub ? (P.fields.lb ? n : 0) : -1, P.boundRows, lambdaRows(P));
}

/**
 * Runs qp_box_f64 on a filled box context (Q, p, lb, ub in place) and builds the result:
 * λ for lb at offset `lo` and for ub at `up` of each problem's row (−1: not given), or, with
 * `boundRows`, one λ per bound row of the user's G (`rows` per problem). Undefined (context
 * freed) when some problem needs the interior point; QP_NON_FINITE on overflow.
 */
export function runBox(ctx: QpContext, o: Opts, lo: number, up: number, boundRows?: BoundRow[], rows = (lo >= 0 ? ctx.n : 0) + (up >= 0 ? ctx.n : 0)): QpBatchResult | undefined {
  const { count, n } = ctx;
  try {
    const k = o.runtime.kernels;
    // The kernel also writes λ for lb then ub at the end of each problem (none with boundRows).
    k.qp_box_f64(count, n, ctx.sharedMask, ctx.ptr('Q'), ctx.ptr('p'), ctx.ptr('lb'), ctx.ptr('ub'), ctx.ptr('z'), ctx.ptr('mu'),
      ctx.i32ptr(0), ctx.i32ptr(count * n), ctx.ptr('L'), ctx.ptr('work'), ctx.ptr('info'), o.boxMaxIter,
      ctx.ptr('lam'), rows, boundRows ? -1 : lo, boundRows ? -1 : up);
    // A view, not a copy: nothing below allocates in the arena, so the memory cannot grow under it.
    const info = ctx.view('info', count * INFO);
    for (let t = 0; t < count; t++) {
      const st = info[t * INFO]!;
      if (st === 5) throw nonFinite(t, count);
      if (st !== 0) {
        // Cycling, or Q_II not positive definite: the interior point decides (it accepts PSD Q with finite bounds).
        ctx.dispose();
        return undefined;
      }
    }
    const z = ctx.view('z', count * n).slice();
    let lambda: Float64Array;
    if (boundRows) {
      const mu = ctx.view('mu', count * n).slice();
      const flags = ctx.i32view(0, count * n).slice();
      lambda = new Float64Array(count * rows);
      for (let t = 0; t < count; t++) {
        boundRows.forEach((row, r) => {
          const f = flags[t * n + row.variable]!, m = mu[t * n + row.variable]!;
          lambda[t * rows + r] = row.sign === 1 ? (f === 2 ? m : 0) : f === 1 ? -m : 0;
        });
      }
    } else {
      lambda = ctx.view('lam', count * rows).slice();
    }
    // The KKT check of the user's (unscaled: the box path never scales) problem: relative
    // stationarity on the free variables and the bound violation; complementarity and the dual
    // sign hold exactly by the flag rule at convergence.
    const status = new Array<QpStatus>(count);
    const stationarity = new Float64Array(count), primal = new Float64Array(count), iterations = new Int32Array(count);
    const tol = o.kktTol;
    for (let t = 0, r = 0; t < count; t++, r += INFO) {
      const s = info[r + 2]! / info[r + 4]!, pr = info[r + 3]!;
      stationarity[t] = s;
      primal[t] = pr;
      iterations[t] = info[r + 1]!;
      status[t] = s <= tol && pr <= tol ? 'optimal' : 'inaccurate';
    }
    return {
      count, n, z, lambda, nu: new Float64Array(0),
      status,
      iterations,
      residuals: {
        stationarity,
        primal,
        complementarity: new Float64Array(count),
        dual: new Float64Array(count),
      },
      method: 'box',
      context: ctx,
    };
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}




