// Learned-optimizer steps over all parameters (SPEC B.1.2, B.2) on the digits 64-20-10 MLP's
// parameter count, beside Adam (fused kernel) as the baseline, and one truncated-backprop window
// of the LSTM optimizer (B.1.3). Sizes P = 1,510 (digits 64-20-10), 10⁵ and 10⁶ (quick: 200), with
// the Adam-residual MLP (adamResidualLOpt; matrix shapes, so its factored-moment pass runs too).
// GFLOP/s counts the per-parameter networks' multiply-adds only (2 flops each): mlp-lopt
// 2·(8·32 + 32·32 + 32·2) = 2,688 per parameter (its time features are folded per call),
// adam-residual 2·(8·16 + 16·2) = 320. Celo and Celo-Adam (issue 16) run beside Adam.
// Equal hidden size (issue 12): `adam-residual-h32` is the same step (factored-moment pass +
// fused kernel, `adam_residual_h_f32`) with a hidden layer of 32 units, mlp-lopt's width
// (2·(8·32 + 32·2) = 640 flops per parameter; mlp-lopt has two such layers), and
// `adam-residual-h16k` the kernel path at 16 without the optimizer wrapper, its control (their
// scratch: `adam_residual_scratch_bytes(H)`).
import { type OptState, type Optimizer, adam, createRuntime } from '../../src/index.js';
import { adamResidualConfig, adamResidualLOpt, celoAdamFromTheta, celoFromTheta, loadCeloTheta, lstmLOpt, mlpLOpt, tbpttWindow } from '../../src/l2o/index.js';
import { SchedulerKernel, initScheduler, lossDecays, schedulerWeights } from '../../src/l2o/celo/scheduler.js';
import { noisyQuadraticTask } from '../../src/tasks/index.js';
import { Rng } from '../../src/core/rng.js';
import { Region } from '../../src/runtime/arena.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { BenchCase, Suite } from '../types.js';

const suite: Suite = {
  name: 'l2o',
  async cases({ quick, note }) {
    const out: BenchCase[] = [];
    // Celo / Celo-Adam (issue 16) beside Adam at P = 1e4, 1e5 and 1e6 (an MLP-like split into a matrix
    // and a bias); params/s = hz × size. `celo-scheduler` is the LSTM scheduler alone (WebAssembly products + TypeScript cell,
    // once per step, independent of P; `-scalar` on the scalar build): its share of a Celo step is hz(celo)/hz(celo-scheduler).
    const celoTheta = await loadCeloTheta('celo'), celoAdamTheta = await loadCeloTheta('celo-adam');
    const celoSizes: [number, number[][]][] = quick ? [[210, [[20, 10], [10]]]] : [[10000, [[100, 99], [100]]], [100000, [[316, 316], [144]]], [1000000, [[1000, 999], [1000]]]];
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
        const w = schedulerWeights(celoTheta);
        const st = initScheduler(w), dec = lossDecays(1e9);
        let t = 0, k: SchedulerKernel | undefined;
        out.push({
          kernel: 'celo step', size: P, impl: build === 'simd' ? 'celo-scheduler' : 'celo-scheduler-scalar',
          setup: () => void (k = new SchedulerKernel(rt, w)), fn: () => void k!.step(st, dec, t++, 1e9, 1), teardown: () => k!.dispose(),
        });
      }
    }
    note?.('params/s = hz × size; celo-scheduler(-scalar) = the LSTM scheduler alone (per step, any P; simd / scalar build).', 'celo step');
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
        const p0 = rng.fillNormal(new Float32Array(size)) as Float32Array;
        for (const [name, opt] of opts) {
          let s: OptState | undefined; // made in setup: with --rounds > 1 every round gets a fresh state
          out.push({
            kernel: 'optimizer step', size, impl: `${name}-${build}`, baseline: name === 'adam' && build === 'simd', ...(flops[name] ? { flopsPerOp: flops[name]! * size } : {}),
            setup: () => void (s = opt.init(p0, { runtime: rt })), fn: () => void opt.step(s!, g), teardown: () => s!.dispose(),
          });
        }
        for (const H of [32, 16]) out.push(arKernelCase(rt, build, size, shapes, g, H));
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

/**
 * One Adam-residual step at hidden width H straight on the kernels (factored moments per tensor,
 * then `adam_residual_h_f32`), state in arena regions: the equal-hidden-size row.
 */
function arKernelCase(rt: Runtime, build: string, size: number, shapes: number[][], g: Float32Array, H: number): BenchCase {
  const a = rt.arena, k = rt.kernels;
  const thSize = 11 * H + H + 2 * H + 2;
  const tensors = shapes.map((sh) => (sh.length === 2 ? [sh[0]!, sh[1]!] : [1, sh[0]!]));
  let regs: Region<Float32Array | Uint8Array>[] = [];
  let run = () => {};
  return {
    kernel: 'optimizer step', size, impl: `adam-residual-${H === 16 ? 'h16k' : `h${H}`}-${build}`, flopsPerOp: 2 * (8 * H + 2 * H) * size,
    setup: () => {
      const rng = new Rng(3);
      const reg = (n: number, fill?: Float32Array) => {
        const r = new Region(a, Float32Array, Math.max(n, 1));
        if (fill) r.view.set(fill);
        regs.push(r);
        return r;
      };
      const p = reg(size, rng.fillNormal(new Float32Array(size)) as Float32Array), gr = reg(size, g), m1 = reg(size), m2 = reg(size), m3 = reg(size), v = reg(size), fac = reg(size), fr = reg(size);
      const theta = Float32Array.from({ length: thSize }, (_, i) => (i < 12 * H ? rng.normal() / Math.sqrt(11) : 0.01));
      const c = adamResidualConfig({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, 10, 1e-3, [0.1, -1, 0]);
      const thR = reg(thSize, theta), cfg = reg(c.length, c);
      const sc = new Region(a, Uint8Array, k.adam_residual_scratch_bytes(H));
      regs.push(sc);
      run = () => {
        let off = 0;
        for (const [rows, cols] of tensors) {
          k.adam_residual_factor_f32(gr.ptr + 4 * off, v.ptr + 4 * off, fac.ptr + 4 * off, fr.ptr + 4 * off, rows!, cols!, c[6]!, c[7]!, c[11]!);
          off += rows! * cols!;
        }
        k.adam_residual_h_f32(p.ptr, gr.ptr, m1.ptr, m2.ptr, m3.ptr, v.ptr, fr.ptr, size, thR.ptr, cfg.ptr, sc.ptr, H);
      };
    },
    fn: () => run(),
    teardown: () => {
      for (const r of regs) r.release();
      regs = [];
    },
  };
}

export default suite;
