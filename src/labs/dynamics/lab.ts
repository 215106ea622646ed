import { abortedError, isAborted } from '../../core/loop.js';
import { type Lab, type LabOptions, type LabResult, checkLabExtra, labInteger } from '../lab.js';
import { type DynamicsConfig, FULL_CONFIG, QUICK_CONFIG } from './config.js';
import { runDynamics } from './experiment.js';
import { buildReport, summaryLines } from './report.js';
import type { DynamicsResults } from './types.js';

/**
 * `npx metaoptim lab dynamics [--quick] [--seed n] [--meta-epochs n] [--test-runs n]` —
 * reproduces the five findings of Sobotka et al. (SPEC B.1.9) on the digits 64-20-10
 * variants; see experiment.ts (what runs, one file per part), findings.ts (verdict rules) and
 * docs/l2o.md (results). `--quick`: sigmoid and LeakyReLU only, a small meta-training budget
 * (3 epochs × 3 runs of 100 steps), 2 test runs of 200 steps, β ∈ {0, 1}.
 * On abort it rejects with ABORTED whose `details.partial` is the `LabResult` of what finished
 * (results header `partial: true`).
 */
export const dynamicsLab: Lab = {
  name: 'dynamics',
  summary: 'Training dynamics of learned optimizers (Sobotka et al.): LSTM L2O vs Adam, SGD-momentum, Lion on digits; symmetry, tail index, covariance, magnitudes',
  options: [
    { name: 'meta-epochs', type: 'integer', help: 'meta-training epochs of the LSTM (quick 3, full 6)' },
    { name: 'test-runs', type: 'integer', help: 'recorded test runs per optimizer (quick 2, full 3)' },
  ],
  async run(o: LabOptions): Promise<LabResult> {
    const cfg: DynamicsConfig = structuredClone(o.quick ? QUICK_CONFIG : FULL_CONFIG);
    checkLabExtra(dynamicsLab, o);
    cfg.meta.epochs = labInteger(dynamicsLab, o, 'meta-epochs', cfg.meta.epochs);
    cfg.test.runs = labInteger(dynamicsLab, o, 'test-runs', cfg.test.runs);
    const command = `npx metaoptim lab dynamics${o.quick ? ' --quick' : ''}${o.seed ? ` --seed ${o.seed}` : ''}`;
    const labResult = (results: DynamicsResults): LabResult => ({ results, report: buildReport(results, command), summary: summaryLines(results) });
    try {
      return labResult(await runDynamics(cfg, { seed: o.seed, quick: o.quick, onProgress: o.onProgress, signal: o.signal }));
    } catch (err) {
      if (isAborted(err)) {
        const partial = err.details.partial as DynamicsResults | undefined;
        throw abortedError('lab dynamics', err.details.iteration, partial ? labResult(partial) : undefined);
      }
      throw err;
    }
  },
};
