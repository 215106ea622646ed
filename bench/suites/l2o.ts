// Learned-optimizer steps over all parameters (SPEC B.1.2, B.2) on the digits 64-20-10 MLP's
// parameter count, beside Adam (fused kernel) as the baseline, and one truncated-backprop window
// of the LSTM optimizer (B.1.3). Sizes P = 1,510 (digits 64-20-10), 10⁵ and 10⁶ (quick: 200), with
// the Adam-residual MLP (adamResidualLOpt; matrix shapes, so its factored-moment pass runs too).
// GFLOP/s counts the per-parameter networks' multiply-adds only (2 flops each): mlp-lopt
// 2·(8·32 + 32·32 + 32·2) = 2,688 per parameter (its time features are folded per call),
// adam-residual 2·(8·16 + 16·2) = 320.
import { type Optimizer, adam, createRuntime } from '../../src/index.js';
import { adamResidualLOpt, lstmLOpt, mlpLOpt, tbpttWindow } from '../../src/l2o/index.js';
import { noisyQuadraticTask } from '../../src/tasks/index.js';
import { Rng } from '../../src/core/rng.js';
import type { BenchCase, Suite } from '../types.js';

const suite: Suite = {
  name: 'l2o',
  async cases({ quick }) {
    const out: BenchCase[] = [];
    const P = quick ? 200 : 1510;
    const flops: Record<string, number> = { 'mlp-lopt': 2688, 'adam-residual': 320 };
    const arTheta = adamResidualLOpt.init(0);
    for (let i = 192; i < arTheta.length; i++) arTheta[i] = 0.01; // a live output layer (θ₀ is exactly Adam)
    for (const build of ['simd', 'scalar'] as const) {
      const rt = await createRuntime({ build });
      const rng = new Rng(1);
      for (const size of quick ? [P] : [P, 1e5, 1e6]) {
        const g = rng.fillNormal(new Float32Array(size)) as Float32Array;
        const shapes = size === 1510 ? [[20, 64], [20], [10, 20], [10]] : size % 1000 === 0 ? [[1000, size / 1000]] : [[size]];
        const opts: [string, Optimizer][] = [['adam', adam()], ['mlp-lopt', mlpLOpt.optimizer(mlpLOpt.init(0))], ['lstm-lopt', lstmLOpt.optimizer(lstmLOpt.init(0))],
          ['adam-residual', adamResidualLOpt.optimizer(arTheta, { shapes })]];
        for (const [name, opt] of opts) {
          const s = opt.init(rng.fillNormal(new Float32Array(size)), { runtime: rt });
          out.push({ kernel: 'optimizer step', size, impl: `${name}-${build}`, baseline: name === 'adam' && build === 'simd', ...(flops[name] ? { flopsPerOp: flops[name]! * size } : {}), fn: () => void opt.step(s, g), teardown: () => s.dispose() });
        }
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
