// Learned-optimizer steps over all parameters (SPEC B.1.2, B.2) on the digits 64-20-10 MLP's
// parameter count, beside Adam (fused kernel) as the baseline, and one truncated-backprop window
// of the LSTM optimizer (B.1.3).
import { type OptState, type Optimizer, adam, createRuntime } from '../../src/index.js';
import { celoAdamFromTheta, celoFromTheta, loadCeloTheta, lstmLOpt, mlpLOpt, tbpttWindow } from '../../src/l2o/index.js';
import { initScheduler, lossDecays, schedulerStep, schedulerWeights } from '../../src/l2o/celo/scheduler.js';
import { noisyQuadraticTask } from '../../src/tasks/index.js';
import { Rng } from '../../src/core/rng.js';
import type { BenchCase, Suite } from '../types.js';

const suite: Suite = {
  name: 'l2o',
  async cases({ quick, note }) {
    const out: BenchCase[] = [];
    // Celo / Celo-Adam (issue 16) beside Adam at P = 1e4 and 1e5 (an MLP-like split into a matrix
    // and a bias); params/s = hz × size. `celo-scheduler` is the LSTM scheduler alone (TypeScript,
    // once per step, independent of P): its share of a Celo step is hz(celo)/hz(celo-scheduler).
    const celoTheta = await loadCeloTheta('celo'), celoAdamTheta = await loadCeloTheta('celo-adam');
    const celoSizes: [number, number[][]][] = quick ? [[210, [[20, 10], [10]]]] : [[10000, [[100, 99], [100]]], [100000, [[316, 316], [144]]]];
    for (const [P, shapes] of celoSizes) {
      for (const build of ['simd', 'scalar'] as const) {
        const rt = await createRuntime({ build });
        const rng = new Rng(2);
        const g = rng.fillNormal(new Float32Array(P)) as Float32Array;
        const opts: [string, Optimizer][] = [
          ['adam', adam()],
          ['celo', celoFromTheta(celoTheta, { numSteps: 1e9, shapes })],
          ['celo-adam', celoAdamFromTheta(celoAdamTheta, { numSteps: 1e9 })],
        ];
        const p0 = Float32Array.from(rng.fillNormal(new Float32Array(P)), (x) => 0.1 * x);
        for (const [name, opt] of opts) {
          let s: OptState | undefined;
          out.push({
            kernel: 'celo step', size: P, impl: `${name}-${build}`, baseline: name === 'adam' && build === 'simd',
            setup: () => void (s = opt.init(p0, { runtime: rt })), fn: () => void opt.step(s!, g, { loss: 1 }), teardown: () => s!.dispose(),
          });
        }
      }
      const w = schedulerWeights(celoTheta);
      const st = initScheduler(w), dec = lossDecays(1e9);
      let t = 0;
      out.push({ kernel: 'celo step', size: P, impl: 'celo-scheduler', fn: () => void schedulerStep(w, st, dec, t++, 1e9, 1) });
    }
    note?.('params/s = hz × size; celo-scheduler = the LSTM scheduler alone (per step, any P).', 'celo step');
    const P = quick ? 200 : 1510;
    for (const build of ['simd', 'scalar'] as const) {
      const rt = await createRuntime({ build });
      const rng = new Rng(1);
      const g = rng.fillNormal(new Float32Array(P)) as Float32Array;
      const opts: [string, Optimizer][] = [['adam', adam()], ['mlp-lopt', mlpLOpt.optimizer(mlpLOpt.init(0))], ['lstm-lopt', lstmLOpt.optimizer(lstmLOpt.init(0))]];
      for (const [name, opt] of opts) {
        const s = opt.init(rng.fillNormal(new Float32Array(P)), { runtime: rt });
        out.push({ kernel: 'optimizer step', size: P, impl: `${name}-${build}`, baseline: name === 'adam' && build === 'simd', fn: () => void opt.step(s, g), teardown: () => s.dispose() });
      }
      const K = quick ? 4 : 20;
      const task = noisyQuadraticTask({ dim: P, seed: 1, hMin: 0.1, hMax: 10, noise: 0.1 });
      const theta = lstmLOpt.init(0);
      const st = lstmLOpt.optimizer(theta).init(task.init(0), { runtime: rt });
      out.push({ kernel: `tbptt window K=${K}`, size: P, impl: `metaoptim-${build}`, baseline: build === 'simd', fn: () => void tbpttWindow(task, st, theta, 0, K), teardown: () => st.dispose() });
    }
    return out;
  },
};

export default suite;
