#!/usr/bin/env node
// Experiment of issue 14 (cov3), kept in the git history only: the 4 × 6 register tile
// (syrk_packed46_f64 + pack6_f64 in assembly/covariance.ts of this commit) against the 4 × 4
// syrk_packed_f64, fastest calls, alternating 300 ms rounds in one process; also checks that both
// give the same bits. Run after `npm run build`:
//   node scripts/covariance-tile46.mjs [simd|scalar] [T=1000] [d=256] [rounds=8]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { createRuntime } = await import(resolve(root, 'dist/src/index.js'));
const { Region } = await import(resolve(root, 'dist/src/runtime/index.js'));
const { Rng } = await import(resolve(root, 'dist/src/core/rng.js'));
const build = process.argv[2] ?? 'simd';
const T = Number(process.argv[3] ?? 1000), d = Number(process.argv[4] ?? 256), width = (d + 3) & ~3, w6 = Math.ceil(d / 6) * 6;
const rt = await createRuntime({ build });
const x = new Rng(1).fillNormal(new Float64Array(T * d));
const R = (n) => new Region(rt.arena, Float64Array, n);
const [input, mean, packed, pk6, work, out, out2] = [T * d, d, T * width, T * w6, T > 1024 ? Math.ceil(d / 4) * Math.ceil(d / 6) * 24 + 16 * width * width : 24, d * d, d * d].map(R);
input.view.set(x);
const k = rt.kernels;
k.pack_center_f64(packed.ptr, input.ptr, mean.ptr, T, d);
k.pack6_f64(pk6.ptr, packed.ptr, T, d);
k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, d, T, 1 / T);
k.syrk_packed46_f64(out2.ptr, packed.ptr, pk6.ptr, work.ptr, d, T, 1 / T);
let diff = 0; for (let i = 0; i < d * d; i++) if (!Object.is(out.view[i], out2.view[i])) diff++;
console.log('bit diffs', diff);
const f = {
  old: () => k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, d, T, 1 / T),
  new46: () => k.syrk_packed46_f64(out2.ptr, packed.ptr, pk6.ptr, work.ptr, d, T, 1 / T),
  pack6: () => k.pack6_f64(pk6.ptr, packed.ptr, T, d),
  pack: () => k.pack_center_f64(packed.ptr, input.ptr, mean.ptr, T, d),
};
const best = {};
for (let r = 0; r < Number(process.argv[5] ?? 8); r++) for (const [n, g] of Object.entries(f)) {
  const end = performance.now() + 300;
  while (performance.now() < end) { const t = performance.now(); g(); const e = performance.now() - t; best[n] = Math.min(best[n] ?? Infinity, e); }
}
for (const [n, v] of Object.entries(best)) console.log(n, v.toFixed(3), 'ms');
