// Training step (forward + backward + Adam, batch 64, softmax CE, ReLU) for 784-128-10
// (synthetic inputs) and 64-64-10: metaoptim (SIMD and scalar builds) vs tfjs-backend-wasm
// (`optimizer.minimize`) vs a plain-JS loop. One op = one step; ratios vs plain-js.
import { adam, createRuntime } from '../../src/index.js';
import { mlp } from '../../src/nn/index.js';
import { Rng } from '../../src/core/index.js';
import { PlainMlp } from '../competitors/plain-mlp.js';
import { loadTfWasm, tfMlp } from '../competitors/tfjs-wasm.js';
import type { BenchCase, Suite } from '../types.js';

const BATCH = 64;

function synthetic(sizes: number[]): { x: Float32Array; y: Int32Array } {
  const r = new Rng(123);
  const x = Float32Array.from({ length: BATCH * sizes[0]! }, () => r.uniform());
  const y = Int32Array.from({ length: BATCH }, () => r.int(sizes[sizes.length - 1]!));
  return { x, y };
}

function flops(sizes: number[]): number {
  // forward 2·B·in·out per layer, backward dW 2·B·in·out, dX for layers above the first.
  let f = 0;
  for (let l = 1; l < sizes.length; l++) f += 2 * BATCH * sizes[l - 1]! * sizes[l]! * (l === 1 ? 2 : 3);
  return f;
}

const suite: Suite = {
  name: 'train-step',
  async cases({ quick }) {
    const shapes = quick ? [[64, 64, 10]] : [[784, 128, 10], [64, 64, 10]];
    const out: BenchCase[] = [];
    const tf = await loadTfWasm();
    for (const sizes of shapes) {
      const kernel = `train-step ${sizes.join('-')}`;
      const size = `batch ${BATCH}`;
      const { x, y } = synthetic(sizes);
      const flopsPerOp = flops(sizes);
      for (const build of ['simd', 'scalar'] as const) {
        let step: () => void = () => {};
        let done: () => void = () => {};
        out.push({
          kernel, size, impl: `metaoptim-${build}`, flopsPerOp,
          async setup() {
            const runtime = await createRuntime({ build });
            const model = mlp({ sizes, activation: 'relu', maxBatch: BATCH, runtime });
            const opt = adam({ lr: 1e-3 });
            const state = opt.init(model.init(1, new Float32Array(model.size)), { runtime });
            // Inputs live in WebAssembly memory too: the step copies nothing.
            const xr = runtime.arena.alloc(x.byteLength);
            const yr = runtime.arena.alloc(y.byteLength);
            runtime.arena.f32(xr, x.length).set(x);
            runtime.arena.i32(yr, y.length).set(y);
            const batch = { x: runtime.arena.f32(xr, x.length), y: runtime.arena.i32(yr, y.length) };
            step = () => {
              model.loss(state.params, batch, state.grads);
              opt.step(state);
            };
            done = () => {
              state.dispose();
              model.dispose();
              runtime.dispose();
            };
          },
          fn: () => step(),
          teardown: () => done(),
        });
      }
      let plain: PlainMlp | undefined;
      out.push({
        kernel, size, impl: 'plain-js', baseline: true, flopsPerOp,
        setup() {
          plain = new PlainMlp(sizes, BATCH);
        },
        fn() {
          plain!.step(x, y, BATCH);
        },
      });
      if (tf) {
        let t: ReturnType<typeof tfMlp> | undefined;
        out.push({
          kernel, size, impl: 'tfjs-wasm', flopsPerOp,
          setup() {
            t = tfMlp(tf, sizes, BATCH, x, y);
          },
          fn() {
            t!.step();
          },
          teardown() {
            t?.dispose();
          },
        });
      }
    }
    return out;
  },
};

export default suite;
