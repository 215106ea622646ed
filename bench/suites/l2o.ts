// Learned-optimizer steps over all parameters (SPEC B.1.2, B.2) on the digits 64-20-10 MLP's
// parameter count, beside Adam (fused kernel) as the baseline, and one truncated-backprop window
// of the LSTM optimizer (B.1.3).
import { type Optimizer, adam, createRuntime, lstmLOpt, mlpLOpt, noisyQuadraticTask, tbpttWindow } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import type { BenchCase, Suite } from '../types.js';

const suite: Suite = {
  name: 'l2o',
  async cases({ quick }) {
    const out: BenchCase[] = [];
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
