#!/usr/bin/env node
// Covariance T = 1,000 × d = 256 (f64) against OpenBLAS dsyrk on one thread, as fastest calls:
// the figures of "Measured speed (statistics)" in docs/l2o.md. The bench suite (`npm run bench
// -- --suite stats`) reports medians, which on a shared machine measure the scheduler more than
// the code; this script alternates short rounds of every contestant and keeps each one's fastest
// call, so both sides are seen at their best in the same stretch of time.
//
// Contestants (all do means, centring and the triangle of Σ, mirrored, f64):
//   covariance()   the public function on a Float64Array (copy in, kernels, copy out)
//   kernels        pack_center_f64 + syrk_packed_f64 on buffers already in WebAssembly memory
//   old kernels    center_f64 (transposed) + syrk_f64 of assembly/stats.ts (the previous path)
//   openblas       bench/native/covariance.c (cc -O3 -march=native -lopenblas), OPENBLAS_NUM_THREADS=1
// and, for the ceiling of 2-lane f64 arithmetic without FMA, the SYRK alone (panels filled once):
//   syrk_packed_f64 alone        the WebAssembly micro-kernel
//   C SSE2 syrk (no FMA)         bench/native/syrk-sse2.c, the same loop with SSE intrinsics
//   C AVX-128 syrk (no FMA, unrolled)  the same file with -O3 -mavx -mno-fma -funroll-loops: the
//                                same 2-lane mulpd/addpd/movddup, VEX-encoded (no register copies)
//                                and unrolled by two rows: the ceiling of 2-lane f64 without FMA
// plus tailIndexHill on 10⁶ stable(1.5) values (k = 1000, the bench's case).
//
// Run after `npm run build`:   node scripts/covariance-speed.mjs [--rounds 8] [--ms 400]
// Needs cc and Debian's libopenblas-dev for the OpenBLAS column (skipped with a note otherwise).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('--rounds', 8), ms = arg('--ms', 400);
const { createRuntime } = await import(resolve(root, 'dist/src/index.js'));
const { covariance, tailIndexHill } = await import(resolve(root, 'dist/src/analysis/index.js'));
const { Region } = await import(resolve(root, 'dist/src/runtime/index.js'));
const { Rng } = await import(resolve(root, 'dist/src/core/rng.js'));

const T = 1000, d = 256, width = (d + 3) & ~3;
const rt = await createRuntime({ build: 'simd' });
const x = new Rng(1).fillNormal(new Float64Array(T * d));
const hillX = Float64Array.from({ length: 1e6 }, ((r) => () => r.stable(1.5))(new Rng(2)));
const [input, mean, packed, work, out] = [T * d, d, T * width, 16, d * d].map((n) => new Region(rt.arena, Float64Array, n));
input.view.set(x);
const k = rt.kernels;
const local = {
  'covariance()': () => covariance({ data: x, rows: T, cols: d }, { runtime: rt }),
  kernels: () => {
    k.pack_center_f64(packed.ptr, input.ptr, mean.ptr, T, d);
    k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, d, T, 1 / T);
  },
  'old kernels': () => {
    k.center_f64(packed.ptr, input.ptr, mean.ptr, T, d, 1);
    k.syrk_f64(out.ptr, packed.ptr, d, T, 1 / T);
  },
  'syrk_packed_f64 alone': () => k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, d, T, 1 / T),
  'Hill 10⁶': () => tailIndexHill(hillX, { k: 1000, runtime: rt }),
};

const dir = mkdtempSync(join(tmpdir(), 'metaoptim-cov-'));
/** Compiles one bench/native program; undefined (with a note) when cc or the library is missing. */
function compile(name, flags, binName = name) {
  const bin = join(dir, binName);
  try {
    execFileSync('cc', [...flags.slice(0, -1), '-o', bin, resolve(root, `bench/native/${name}.c`), ...flags.slice(-1)], { stdio: 'pipe' });
    return bin;
  } catch (err) {
    console.log(`note: no ${name} row (${String(err.message).split('\n')[0]})`);
    return undefined;
  }
}
const natives = {
  openblas: compile('covariance', ['-O3', '-march=native', '-lopenblas']),
  'C SSE2 syrk (no FMA)': compile('syrk-sse2', ['-O2', '-msse3', '-mno-fma', '-ffp-contract=off', '-lm']),
  'C AVX-128 syrk (no FMA, unrolled)': compile('syrk-sse2', ['-O3', '-mavx', '-mno-fma', '-funroll-loops', '-ffp-contract=off', '-lm'], 'syrk-avx128'),
};

const best = Object.fromEntries([...Object.keys(local), ...Object.keys(natives)].map((n) => [n, Infinity]));
for (const f of Object.values(local)) f();
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(local)) {
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      const a = performance.now();
      f();
      best[name] = Math.min(best[name], performance.now() - a);
    }
  }
  for (const [name, bin] of Object.entries(natives)) {
    if (!bin) continue;
    const outText = execFileSync(bin, [String(T), String(d), String(ms)], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } }).toString();
    const m = /min (\S+)/.exec(outText);
    if (m) best[name] = Math.min(best[name], Number(m[1]));
  }
}
rmSync(dir, { recursive: true, force: true });
for (const r of [input, mean, packed, work, out]) r.release();

console.log(`fastest call of ${rounds} alternating rounds × ${ms} ms (T = ${T}, d = ${d}, f64, one thread)`);
console.log('| contestant | ms | time ÷ OpenBLAS |\n|---|---|---|');
for (const [name, v] of Object.entries(best)) {
  if (!Number.isFinite(v)) continue;
  const ratio = name.startsWith('Hill') || !Number.isFinite(best.openblas) ? '–' : `${(v / best.openblas).toFixed(2)}×`;
  console.log(`| ${name} | ${v.toFixed(2)} | ${ratio} |`);
}
