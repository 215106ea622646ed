// The dense active-set path (assembly/qpdense.ts: Goldfarb–Idnani on the Ruiz-equilibrated
// problem, unscaled KKT check, Farkas certificate): the whole batch in one kernel call. Bounds
// are appended as rows of G. Returns undefined when Q is not positive definite (or, under
// method 'auto', when the iteration limit is hit) so that the interior point takes over.
import { MetaoptimError } from '../core/errors.js';
import { farkasCheck, infeasibleError, splitCertificate } from './certify.js';
import { QpContext } from './context.js';
import type { Field, Prepared } from './prepare.js';
import { augment, column, copyField, given, INFO, nonFinite, userLambda } from './rows.js';
import type { Opts, QpBatchResult, QpStatus } from './types.js';

const BIT: Record<string, number> = { Q: 1, p: 2, A: 4, b: 8, G: 16, h: 32 };

export function solveDense(P: Prepared, o: Opts): QpBatchResult | undefined {
  const { count, n, ne } = P;
  const aug = augment(P);
  const ni = aug.rows.user + aug.rows.lower.length + aug.rows.upper.length;
  const f: Partial<Record<string, Field>> = { Q: P.fields.Q, p: P.fields.p, A: P.fields.A, b: P.fields.b, G: aug.G, h: aug.h };
  let shared = 0;
  for (const [name, bit] of Object.entries(BIT)) if (!f[name] || f[name]!.shared) shared |= bit;
  const k = o.runtime.kernels;
  const nn = n * n;
  const ctx = new QpContext({
    method: 'active-set', count, n, ne, ni, runtime: o.runtime, sharedMask: shared,
    map: { given: given(P), rows: aug.rows },
    parts: [
      ['Q', f.Q!.data.length], ['p', f.p!.data.length], ['A', f.A?.data.length ?? 0], ['b', f.b?.data.length ?? 0],
      ['G', f.G?.data.length ?? 0], ['h', f.h?.data.length ?? 0],
      ['z', count * n], ['nu', count * ne], ['lam', count * ni], ['J', count * nn], ['R', count * nn], ['act', count * n],
      ['scl', count * (n + ne + ni)], ['info', count * INFO], ['work', k.qp_dense_work_len(n, ne, ni)],
    ],
  });
  try {
    for (const name of ['Q', 'p', 'A', 'b', 'G', 'h']) copyField(ctx, name, f[name]);
    return runDense(ctx, o, () => f, (lam) => userLambda(P, aug.rows, lam, ni));
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}

/** qp_dense_f64 on the parts of ctx (the kernel's argument list in one place). */
export function callDense(ctx: QpContext, o: Opts): void {
  const { count, n, ne, ni } = ctx;
  o.runtime.kernels.qp_dense_f64(count, n, ne, ni, ctx.sharedMask, ctx.ptr('Q'), ctx.ptr('p'), ctx.ptr('A'), ctx.ptr('b'), ctx.ptr('G'), ctx.ptr('h'),
    ctx.ptr('z'), ctx.ptr('nu'), ctx.ptr('lam'), ctx.ptr('J'), ctx.ptr('R'), ctx.ptr('act'), ctx.ptr('scl'),
    ctx.ptr('work'), ctx.ptr('info'), o.kktTol, o.activeSetMaxIter || 10 * (n + ne + ni));
}

/**
 * Runs qp_dense_f64 (unless `ran`: the caller already did) on the inputs already in `ctx` (parts Q, p, A, b, G, h; shapes from ctx)
 * and turns info into statuses, errors and the result. `fields` gives the kernel's inputs in
 * JavaScript memory (only read for a Farkas certificate); `lambda` maps the kernel's λ to the
 * user's layout. Returns undefined (ctx disposed) when method 'auto' should try the interior
 * point (Q̃ not positive definite, or the iteration limit). Disposes ctx on any throw.
 */
export function runDense(ctx: QpContext, o: Opts, fields: () => Partial<Record<string, Field>>,
  lambda: (lam: Float64Array) => Float64Array, ran = false): QpBatchResult | undefined {
  const { count, n, ne, ni } = ctx;
  try {
    if (!ran) callDense(ctx, o);
    const info = ctx.view('info', count * INFO).slice();
    const status: QpStatus[] = new Array<QpStatus>(count);
    for (let t = 0; t < count; t++) {
      const st = info[t * INFO]!;
      const where = count > 1 ? ` (problem ${t})` : '';
      if (st === 0) {
        status[t] = 'optimal';
        continue;
      }
      if (st === 3) {
        status[t] = 'inaccurate';
        continue;
      }
      if (st === 2 || (st === 1 && o.method === 'auto')) {
        if (o.method === 'auto') {
          ctx.dispose();
          return undefined;
        }
        if (st === 1) {
          status[t] = 'inaccurate';
          continue;
        }
        const piv = info[t * INFO + 5]!;
        throw new MetaoptimError('QP_NOT_PD', `qp: Q is not positive definite${where} (the active-set solver needs it): smallest Cholesky pivot ${piv} of the equilibrated Q; use method 'ipm' for a semidefinite Q`, {
          problem: t, pivot: piv, hint: "method: 'ipm', or add εI to Q",
        });
      }
      if (st === 1) {
        status[t] = 'inaccurate';
        continue;
      }
      if (st === 5) throw nonFinite(t, count);
      if (st === 6) {
        throw new MetaoptimError('QP_RANK_DEFICIENT', `qp: the rows of A are linearly dependent${where} (redundant equalities); remove dependent rows`, { problem: t });
      }
      // st === 4: infeasible, with the Farkas multipliers in lam (G rows) and nu (A rows).
      const yG = ctx.view('lam', count * ni).slice(t * ni, (t + 1) * ni);
      const yA = ctx.view('nu', count * ne).slice(t * ne, (t + 1) * ne);
      const f = fields();
      const check = farkasCheck(t, n, ne, ni, f.G, f.h, f.A, f.b, yG, yA);
      const g = ctx.map.given;
      throw infeasibleError(t, count, splitCertificate(ctx.map.rows!, n, ne, { G: g.G !== undefined, A: g.A !== undefined, lb: g.lb !== undefined, ub: g.ub !== undefined }, yG, yA, check));
    }
    const z = ctx.view('z', count * n).slice();
    const nu = ctx.view('nu', count * ne).slice();
    const lam = ctx.view('lam', count * ni);
    return {
      count, n, z, lambda: lambda(lam), nu, status,
      iterations: column(new Int32Array(count), info, 1),
      residuals: {
        stationarity: column(new Float64Array(count), info, 2),
        primal: column(new Float64Array(count), info, 3),
        complementarity: column(new Float64Array(count), info, 4),
        dual: column(new Float64Array(count), info, 7),
      },
      method: 'active-set',
      context: ctx,
    };
  } catch (err) {
    ctx.dispose();
    throw err;
  }
}
