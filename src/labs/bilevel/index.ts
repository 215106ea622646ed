import { MetaoptimError, checkOptions } from '../../core/errors.js';
import { LOOP_OPTION_KEYS, Loop, abortedError, isAborted } from '../../core/loop.js';
import { type Dataset, loadDigits } from '../../data/index.js';
import { ready, runtimeInfo } from '../../runtime/index.js';
import type { Lab, LabOptions, LabResult } from '../lab.js';
import { resultsHeader } from '../protocol.js';
import { type BiasPoint, biasSweep, closedForm } from './closed-form.js';
import type { Ctx, InnerRow, ProblemRuns } from './common.js';
import { cleaning, representation } from './digits.js';
import { innerSweep } from './inner.js';
import { report, summary } from './report.js';
import { toy } from './toy.js';

export const BILEVEL_PARTS = ['closed-form', 'bias', 'inner', 'toy', 'cleaning', 'representation'] as const;
export type BilevelPart = (typeof BILEVEL_PARTS)[number];

/** Version of the lab's results.json format (2: results header, `elapsedMs` everywhere). */
const RESULTS_VERSION = 2;

/**
 * `npx metaoptim lab bilevel [--quick] [--seed N] [--only part,part]`: PBGD-Free vs PBGD vs
 * F2SA on every bilevel problem (upper objective or test accuracy against gradient
 * evaluations and wall time), PBGD-Free's bias against γ on the non-flat problems, and the
 * efficiency goal table (also against baselines with T_in = 3, 10). Parts (one file each):
 * closed-form and bias (closed-form.ts), inner (inner.ts), toy (toy.ts), cleaning and
 * representation (digits.ts).
 *
 * Quick mode: ≈ 1 minute on 2 cores; full mode: longer runs, a finer γ grid and the 'fine'
 * representation target. Cancellable: on abort it rejects with ABORTED whose
 * `details.partial` is the `LabResult` of the parts (and problems) that finished, with
 * `partial: true` in the results header.
 */
export const bilevelLab: Lab = {
  name: 'bilevel',
  options: [{ name: 'only', type: 'string', help: `comma-separated parts to run (default all): ${BILEVEL_PARTS.join(', ')}` }],
  summary: 'PBGD-Free vs PBGD vs F2SA: closed-form quadratics, the nonconvex toy, digits hyper-cleaning and representation split; bias vs γ',
  async run(opts: LabOptions): Promise<LabResult> {
    checkOptions('lab bilevel', opts, ['quick', 'seed', 'extra', ...LOOP_OPTION_KEYS]);
    const extra = checkOptions('lab bilevel', opts.extra, ['only']);
    const only = typeof extra.only === 'string' ? (extra.only.split(',').map((p) => p.trim()) as BilevelPart[]) : [...BILEVEL_PARTS];
    for (const p of only) {
      if (!BILEVEL_PARTS.includes(p)) throw new MetaoptimError('INVALID_ARGUMENT', `lab bilevel: unknown part '${p}' (parts: ${BILEVEL_PARTS.join(', ')})`);
    }
    const parts = BILEVEL_PARTS.filter((p) => only.includes(p));
    await ready();
    const loop = new Loop('lab bilevel', opts, { total: parts.length });
    const ctx: Ctx = { quick: opts.quick, seed: opts.seed };
    if (opts.signal) ctx.signal = opts.signal;
    if (opts.onProgress) ctx.onProgress = opts.onProgress;
    const problems: ProblemRuns[] = [];
    const bias: BiasPoint[] = [];
    const inner: InnerRow[] = [];
    const build = (partial: boolean): LabResult => {
      const elapsedMs = loop.elapsedMs;
      const efficiency = problems.flatMap((p) => p.efficiency ?? []);
      const header = resultsHeader({ lab: 'bilevel', version: RESULTS_VERSION, seed: opts.seed, quick: opts.quick, build: runtimeInfo()?.build ?? 'unknown', elapsedMs, partial });
      const results = { ...header, parts, runtime: runtimeInfo(), problems, bias, efficiency, innerLoops: inner };
      return { results, report: report(problems, bias, efficiency, inner, opts, elapsedMs, partial), summary: summary(problems, efficiency, bias, inner) };
    };
    let done = 0;
    try {
      let digits: Dataset | undefined;
      const needDigits = parts.includes('cleaning') || parts.includes('representation') || (parts.includes('inner') && !opts.quick);
      for (const part of parts) {
        if (needDigits && !digits && part !== 'closed-form' && part !== 'bias') digits = await loadDigits();
        if (part === 'closed-form') await closedForm(ctx, problems);
        else if (part === 'bias') await biasSweep(ctx, bias);
        else if (part === 'inner') await innerSweep(ctx, inner, digits);
        else if (part === 'toy') problems.push(await toy(ctx));
        else if (part === 'cleaning') problems.push(await cleaning(ctx, digits!));
        else {
          for (const t of opts.quick ? (['same', 'coarse'] as const) : (['same', 'fine', 'coarse'] as const)) problems.push(await representation(ctx, digits!, t));
        }
        await loop.tick(++done, () => build(true));
      }
    } catch (err) {
      if (isAborted(err) || opts.signal?.aborted) throw abortedError('lab bilevel', done, build(true));
      throw err;
    }
    loop.finish(parts.length);
    return build(false);
  },
};
