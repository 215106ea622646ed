import type { OptState } from '../../optim/state.js';
import { Region } from '../../runtime/arena.js';
import type { Kernels } from '../../runtime/kernels.js';
import type { CeloTensor } from './layout.js';
import { type FfWeights, foldWeights, paramScale } from './update.js';

/** Pointers and scratch of one batched update (arena regions). */
interface BatchedScratch {
  /** Byte addresses of the slots params, grads, m0, m1, m2, v, f0, f1, f2. */
  ptrs: Readonly<Record<string, number>>;
  /** Int32 pointer table (12 entries) and its view: [m0, m1, m2, v | vr0, vr1, vr2, vc0, vc1, vc2]. */
  table: number; tv: Int32Array;
  /** 16-byte aligned work area (≥ celo_work_bytes(R, C)), 36 f64 sums and their view, 178 f32 weights and their view. */
  work: number; sums: number; sv: Float64Array; w: number; wv: Float32Array;
}

/**
 * One Celo update of a tensor of rank > 2 (`t.batch` > 1 matrices R×C, layout.ts): the factored
 * accumulators and row/column factors per matrix (common.py factored_rolling over the two
 * largest axes, the others kept), the feature second moments summed over the whole tensor
 * (celo.py `_second_moment_normalizer` over all axes; tiled row/column features count B·R and
 * B·C entries), ψ over the whole tensor, then the MLP and update per matrix with the one folded
 * weight table. Pass 1 per matrix: celo_fac_mat_f32, celo_prep_mat_f32, celo_accstats_f32 (the
 * matrix's momenta and second moment advanced, its sums added in f64, b = 0, 1, …); pass 2 per
 * matrix: celo_prep_mat_f32 again (the factors live in the work area), celo_mlp_f32.
 */
function batchedTensor(k: Kernels, t: CeloTensor, ff: FfWeights, lrm: number, sc: BatchedScratch): void {
  const P = sc.ptrs, R = t.rows, C = t.cols, RC = R * C;
  const elem = new Float64Array(18), side = new Float64Array(12);
  const mv = sc.table, fac = sc.table + 16;
  const point = (b: number) => {
    const o = 4 * (t.offset + b * RC);
    const f = 4 * (t.offset + b * (R + C));
    sc.tv.set([P.m0! + o, P.m1! + o, P.m2! + o, P.v! + o, P.f0! + f, P.f1! + f, P.f2! + f, P.f0! + f + 4 * R, P.f1! + f + 4 * R, P.f2! + f + 4 * R]);
    return o;
  };
  for (let b = 0; b < t.batch; b++) {
    const o = point(b);
    k.celo_fac_mat_f32(P.grads! + o, R, C, fac, sc.work);
    k.celo_prep_mat_f32(R, C, fac, t.swap, sc.work, sc.sums + 24 * 8);
    k.celo_accstats_f32(P.params! + o, P.grads! + o, mv, fac, R, C, 0, sc.work, sc.sums);
    for (let j = 0; j < 18; j++) elem[j] += sc.sv[j]!;
    for (let j = 0; j < 12; j++) side[j] += sc.sv[24 + j]!;
  }
  const table = new Float32Array(178);
  foldWeights(ff, { ...t, rows: t.batch * R, cols: t.batch * C }, elem, side, table);
  sc.wv.set(table);
  const psi = paramScale(elem[2]!, t.length);
  for (let b = 0; b < t.batch; b++) {
    const o = point(b);
    k.celo_prep_mat_f32(R, C, fac, t.swap, sc.work, sc.sums + 24 * 8);
    k.celo_mlp_f32(P.params! + o, P.grads! + o, mv, fac, R, C, 0, sc.work, sc.w, psi, lrm);
  }
}

/**
 * The Celo update of the rank > 2 tensors of state `s` (`t.batch` > 1), beside `celoUpdate` on
 * the others (celo.ts); each tensor's momenta and second moment advance in its own pass 1.
 * Scratch comes from the state's arena and is returned before this function ends.
 */
export function celoUpdateBatched(s: OptState, k: Kernels, tensors: readonly CeloTensor[], ff: FfWeights, lrm: number): void {
  // One scratch region: [sums 36 f64 | table 12 i32 | weights 178 f32 | work], 16-byte aligned parts.
  const workBytes = tensors.reduce((a, t) => Math.max(a, k.celo_work_bytes(t.rows, t.cols)), 0);
  const scratch = new Region(s.runtime.arena, Uint8Array, 16 + 288 + 48 + 720 + workBytes);
  try {
    const base = (scratch.ptr + 15) & ~15, buf = scratch.view.buffer;
    const sums = base, table = sums + 288, w = table + 48, work = w + 720;
    const sc: BatchedScratch = {
      ptrs: s.ptrs as Readonly<Record<string, number>>, table, tv: new Int32Array(buf, table, 12), work,
      sums, sv: new Float64Array(buf, sums, 36), w, wv: new Float32Array(buf, w, 178),
    };
    for (const t of tensors) batchedTensor(k, t, ff, lrm, sc);
  } finally {
    scratch.release();
  }
}
