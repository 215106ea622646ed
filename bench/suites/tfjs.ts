// The TensorFlow.js adapter (metaoptim/tfjs), kernel "tfjs optimizer step": one Adam step on a
// 1,011,010-parameter model (a 1000-1000-10 MLP's four variables), gradients given as tf tensors,
// on the tfjs-wasm backend (and tfjs-cpu for reference):
//   tf.train.adam       TF.js's own Adam: `applyGradients` (baseline)
//   metaoptim-tfjs      `tfOptimizer(adam()).applyGradients`, copies included: every gradient is
//                       read out of TF.js (`dataSync`) into WebAssembly memory, the fused kernel
//                       steps, every parameter is copied out and assigned as a new tensor
// Same hyper-parameters (lr 1e-3, β 0.9/0.999, ε 1e-7); one op = one optimizer step.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { type Runtime, adam, createRuntime } from '../../src/index.js';
import { tfOptimizer } from '../../src/tfjs/index.js';
import { Rng } from '../../src/core/index.js';
import type { BenchCase, Suite, SuiteOptions } from '../types.js';

type Tf = typeof import('@tensorflow/tfjs-core');

const SHAPES: number[][] = [[1000, 1000], [1000], [1000, 10], [10]];
const PARAMS = SHAPES.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
const H = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

async function loadTf(note: (t: string) => void): Promise<{ tf: Tf; backends: string[] } | undefined> {
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  } catch (err) {
    note(`@tensorflow/tfjs-core or a backend could not be loaded (${String(err)}): no tfjs suite`);
    return undefined;
  }
  tf.enableProdMode();
  const backends: string[] = [];
  for (const b of ['wasm', 'cpu']) {
    try {
      if (!(await tf.setBackend(b))) throw new Error('setBackend returned false');
      await tf.ready();
      backends.push(b);
    } catch (err) {
      note(`tfjs-${b} backend could not initialize (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return { tf, backends };
}

/** Deterministic values in [−s, s) from the one seeded Rng. */
function fill(n: number, seed: number, s: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => (r.uniform() * 2 - 1) * s);
}

function stepCase(tf: Tf, backend: string, impl: 'tf.train.adam' | 'metaoptim-tfjs', runtime: Runtime): BenchCase {
  let live: { vars: import('@tensorflow/tfjs-core').Variable[]; grads: import('@tensorflow/tfjs-core').Tensor[]; opt: import('@tensorflow/tfjs-core').Optimizer } | undefined;
  let map: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
  return {
    kernel: `tfjs optimizer step (${backend})`,
    size: PARAMS,
    impl,
    baseline: impl === 'tf.train.adam',
    // Adam's own traffic (read p, g, m, v; write p, m, v), as in the optimizers suite.
    bytesPerOp: 28 * PARAMS,
    async setup() {
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
      const vars = SHAPES.map((sh, i) => tf.variable(tf.tensor(fill(sh.reduce((a, b) => a * b, 1), 11 + i, 0.05), sh)));
      const grads = SHAPES.map((sh, i) => tf.tensor(fill(sh.reduce((a, b) => a * b, 1), 101 + i, 1e-2), sh));
      const opt = impl === 'tf.train.adam' ? tf.train.adam(H.lr, H.beta1, H.beta2, H.eps) : tfOptimizer(adam(H), { runtime });
      map = Object.fromEntries(vars.map((v, i) => [v.name, grads[i]!]));
      live = { vars, grads, opt };
    },
    fn() {
      live!.opt.applyGradients(map);
    },
    teardown() {
      if (!live) return;
      live.opt.dispose();
      for (const t of [...live.vars, ...live.grads]) t.dispose();
      live = undefined;
      map = {};
    },
  };
}

let runtime: Runtime | undefined;

const suite: Suite = {
  name: 'tfjs',
  async cases(opts: SuiteOptions): Promise<BenchCase[]> {
    const note = opts.note ?? ((t: string) => process.stderr.write(`note: ${t}\n`));
    const env = await loadTf(note);
    if (!env) return [];
    runtime = await createRuntime({ build: 'simd' });
    const out: BenchCase[] = [];
    for (const b of opts.quick ? env.backends.slice(0, 1) : env.backends) {
      out.push(stepCase(env.tf, b, 'tf.train.adam', runtime));
      out.push(stepCase(env.tf, b, 'metaoptim-tfjs', runtime));
    }
    note(`metaoptim-tfjs = tfOptimizer(adam()).applyGradients: gradients copied out of TF.js into WebAssembly memory, the fused SIMD step, parameters copied out into new tensors; ${PARAMS.toLocaleString('en-US')} parameters in 4 variables`);
    return out;
  },
  dispose() {
    runtime?.dispose();
    runtime = undefined;
  },
};

export default suite;
