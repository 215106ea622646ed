import type { Lab, LabOptions, LabResult } from '../labs/lab.js';
import { MetaoptimError } from '../core/errors.js';
import { type DynamicsConfig, FULL_CONFIG, QUICK_CONFIG, runDynamics } from './experiment.js';
import { buildReport, summaryLines } from './report.js';

/**
 * `npx metaoptim lab dynamics [--quick] [--seed n] [--meta-epochs n] [--test-runs n]` —
 * reproduces the five findings of Sobotka et al. (SPEC B.1.9) on the digits 64-20-10
 * variants; see src/dynamics/experiment.ts (what runs), findings.ts (verdict rules) and
 * docs/l2o.md (results). `--quick`: sigmoid and LeakyReLU only, a small meta-training budget
 * (3 epochs × 3 runs of 100 steps), 2 test runs of 200 steps, β ∈ {0, 1}.
 */
export const dynamicsLab: Lab = {
  name: 'dynamics',
  summary: 'Training dynamics of learned optimizers (Sobotka et al.): LSTM L2O vs Adam, SGD-momentum, Lion on digits; symmetry, tail index, covariance, magnitudes',
  options: [
    { name: 'meta-epochs', type: 'integer', help: 'meta-training epochs of the LSTM (quick 3, full 6)' },
    { name: 'test-runs', type: 'integer', help: 'recorded test runs per optimizer (quick 2, full 3)' },
  ],
  async run(o: LabOptions): Promise<LabResult> {
    const base = o.quick ? QUICK_CONFIG : FULL_CONFIG;
    const cfg: DynamicsConfig = structuredClone(base);
    const intOpt = (k: string) => {
      const v = o.extra?.[k];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new MetaoptimError('INVALID_ARGUMENT', `lab dynamics: --${k} must be a positive integer, got ${String(v)}`);
      return n;
    };
    cfg.meta.epochs = intOpt('meta-epochs') ?? cfg.meta.epochs;
    cfg.test.runs = intOpt('test-runs') ?? cfg.test.runs;
    const results = await runDynamics(cfg, { seed: o.seed, onProgress: o.onProgress, signal: o.signal });
    const command = `npx metaoptim lab dynamics${o.quick ? ' --quick' : ''}${o.seed ? ` --seed ${o.seed}` : ''}`;
    return { results, report: buildReport(results, command), summary: summaryLines(results) };
  },
};
