// f32 GEMM at the network shapes: metaoptim gemm_f32 (SIMD, scalar) vs tfjs-backend-wasm
// matMul (allocation of the result tensor included, as a tfjs user pays it) vs plain JS.
// C = op(A)·op(B), M×N×K; flopsPerOp = 2MNK for GFLOP/s.
import { type Runtime, createRuntime } from '../../src/index.js';
import { Rng } from '../../src/core/index.js';
import { plainGemm } from '../competitors/plain-mlp.js';
import { loadTfWasm } from '../competitors/tfjs-wasm.js';
import type { BenchCase, Suite } from '../types.js';

interface Shape {
  M: number;
  N: number;
  K: number;
  tA: boolean;
  tB: boolean;
  what: string;
}

const SHAPES: Shape[] = [
  { M: 64, N: 128, K: 784, tA: false, tB: true, what: 'forward X·Wᵀ' },
  { M: 128, N: 784, K: 64, tA: true, tB: false, what: 'weight grad dZᵀ·X' },
  { M: 64, N: 64, K: 64, tA: false, tB: false, what: 'input grad dZ·W' },
  { M: 256, N: 512, K: 512, tA: false, tB: true, what: 'large forward' },
];

const suite: Suite = {
  name: 'gemm',
  async cases({ quick }) {
    const shapes = quick ? [SHAPES[2]!] : SHAPES;
    const tf = await loadTfWasm();
    const out: BenchCase[] = [];
    for (const s of shapes) {
      const { M, N, K, tA, tB } = s;
      const r = new Rng(M * 7 + N);
      const A = Float32Array.from({ length: M * K }, () => r.normal());
      const B = Float32Array.from({ length: K * N }, () => r.normal());
      const kernel = 'gemm';
      const size = `${M}x${N}x${K} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} (${s.what})`;
      const flopsPerOp = 2 * M * N * K;
      for (const build of ['simd', 'scalar'] as const) {
        let rt: Runtime | undefined;
        let ptr = [0, 0, 0, 0];
        out.push({
          kernel, size, impl: `metaoptim-${build}`, flopsPerOp,
          async setup() {
            rt = await createRuntime({ build });
            const a = rt.arena;
            ptr = [a.alloc(A.byteLength), a.alloc(B.byteLength), a.alloc(M * N * 4), a.alloc(Math.max(16, rt.kernels.gemm_work_bytes(K, N)))];
            a.f32(ptr[0]!, A.length).set(A);
            a.f32(ptr[1]!, B.length).set(B);
          },
          fn() {
            rt!.kernels.gemm_f32(+tA, +tB, M, N, K, ptr[0]!, ptr[1]!, ptr[2]!, 0, ptr[3]!);
          },
          teardown() {
            rt?.dispose();
          },
        });
      }
      const C = new Float32Array(M * N);
      out.push({ kernel, size, impl: 'plain-js', baseline: true, flopsPerOp, fn: () => plainGemm(tA, tB, M, N, K, A, B, C, false) });
      if (tf) {
        let ta: import('@tensorflow/tfjs-core').Tensor | undefined;
        let tb: import('@tensorflow/tfjs-core').Tensor | undefined;
        out.push({
          kernel, size, impl: 'tfjs-wasm', flopsPerOp,
          setup() {
            ta = tf.tensor2d(A, tA ? [K, M] : [M, K]);
            tb = tf.tensor2d(B, tB ? [N, K] : [K, N]);
          },
          fn() {
            tf.matMul(ta!, tb!, tA, tB).dispose();
          },
          teardown() {
            ta?.dispose();
            tb?.dispose();
          },
        });
      }
    }
    return out;
  },
};

export default suite;
