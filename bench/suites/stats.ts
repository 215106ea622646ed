// Analysis statistics (SPEC B.1.6, B.1.7): covariance of T samples × d dims (f64), the Gram
// form K = VVᵀ/L used for λ_max, and Hill's tail index (O(N) selection), against ml-matrix,
// simple-statistics and plain-JS loops. Sizes: the 1000×256 target, 93 minibatches
// × 1,510 digits-MLP parameters, 10⁶ noise values.
//
// Native competitor (full runs only, when Debian's libopenblas-dev is installed):
//   openblas-dsyrk     bench/native/covariance.c: means, centring, cblas_dsyrk, mirror;
//                      OPENBLAS_NUM_THREADS=1 (metaoptim runs on one core)
//   openblas-dsyrk-2t  the same on every core (OPENBLAS_NUM_THREADS unset)
// metaoptim-simd-kernels is `covariance()` without the API's copies: the samples already sit in
// WebAssembly memory and the buffers are allocated once, so only pack_center_f64 and
// syrk_packed_f64 run — the same work as the C program's timed call.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Matrix, covariance as mlCovariance } from 'ml-matrix';
import { quickselect } from 'simple-statistics';
import { covariance, gram, tailIndexHill } from '../../src/analysis/index.js';
import { type Runtime, createRuntime } from '../../src/index.js';
import { Region } from '../../src/runtime/index.js';
import { Rng } from '../../src/core/rng.js';
import type { BenchCase, Suite } from '../types.js';

const run = promisify(execFile);

/** Plain JS: column means, then the upper triangle of Σ (x−μ)(x−μ)ᵀ row by row, mirrored. */
function covPlain(x: Float64Array, T: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) mean[i]! += x[t * d + i]!;
  for (let i = 0; i < d; i++) mean[i]! /= T;
  const c = new Float64Array(d * d), row = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < d; i++) row[i] = x[t * d + i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const ri = row[i]!, o = i * d;
      for (let j = i; j < d; j++) c[o + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[j * d + i] = c[i * d + j]! /= T;
  return c;
}

/** Plain JS Gram form: center the rows by the column mean, then K = V·Vᵀ/L (upper triangle, mirrored). */
function gramPlain(x: Float64Array, L: number, P: number): Float64Array {
  const mean = new Float64Array(P);
  for (let l = 0; l < L; l++) for (let i = 0; i < P; i++) mean[i]! += x[l * P + i]!;
  for (let i = 0; i < P; i++) mean[i]! /= L;
  const v = new Float64Array(L * P);
  for (let l = 0; l < L; l++) for (let i = 0; i < P; i++) v[l * P + i] = x[l * P + i]! - mean[i]!;
  const k = new Float64Array(L * L);
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      let s = 0;
      for (let i = 0; i < P; i++) s += v[a * P + i]! * v[b * P + i]!;
      k[a * L + b] = k[b * L + a] = s / L;
    }
  }
  return k;
}

/** Plain JS Hill: |x| into a Float64Array, Hoare quickselect, then k logarithms. */
function hillPlain(x: Float64Array, k: number): number {
  const a = new Float64Array(x.length);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(x[i]!);
  const target = a.length - k - 1;
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const p = a[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  let s = 0;
  for (let i = target + 1; i < a.length; i++) s += Math.log(a[i]!);
  return 1 / (s / k - Math.log(a[target]!));
}

function hillSimpleStats(x: Float64Array, k: number): number {
  const a = Array.from(x, Math.abs);
  const target = a.length - k - 1;
  quickselect(a, target);
  let s = 0;
  for (let i = target + 1; i < a.length; i++) s += Math.log(a[i]!);
  return 1 / (s / k - Math.log(a[target]!));
}

/** Compiles bench/native/covariance.c against OpenBLAS into a temp dir; undefined (with a note) if impossible. */
async function compileOpenblas(note: (t: string, kernel?: string) => void): Promise<{ dir: string; bin: string } | undefined> {
  const src = fileURLToPath(new URL('../../../bench/native/covariance.c', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'metaoptim-bench-'));
  const bin = join(dir, 'covariance');
  try {
    await run('cc', ['-O3', '-march=native', '-o', bin, src, '-lopenblas']);
    return { dir, bin };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const why = (err as { code?: string }).code === 'ENOENT'
      ? 'no C compiler (cc)'
      : `cc could not build bench/native/covariance.c with -lopenblas (is libopenblas-dev installed?): ${String((err as Error).message).split('\n')[0]}`;
    note(`no openblas-dsyrk rows: ${why}`, 'covariance');
    return undefined;
  }
}

function openblasCase(bin: string, impl: string, threads: string | undefined, T: number, d: number, flopsPerOp: number): BenchCase {
  const env = { ...process.env };
  if (threads) env.OPENBLAS_NUM_THREADS = threads;
  else delete env.OPENBLAS_NUM_THREADS;
  return {
    kernel: 'covariance',
    size: `${T}x${d}`,
    impl,
    flopsPerOp,
    fn() {
      throw new Error(`${impl} is self-timed: the runner calls measure()`);
    },
    async measure(timeMs: number) {
      const { stdout } = await run(bin, [String(T), String(d), String(timeMs)], { env });
      const m = /hz (\S+)/.exec(stdout);
      const hz = m ? Number(m[1]) : NaN;
      if (!(hz > 0)) throw new Error(`unexpected output from ${bin}: ${stdout.trim()}`);
      return hz;
    },
  };
}

/** pack_center_f64 + syrk_packed_f64 on buffers allocated once (freed by `dispose`). */
function kernelsOnlyCase(rt: Runtime, x: Float64Array, T: number, d: number, flopsPerOp: number): BenchCase {
  const width = (d + 3) & ~3;
  const regions = [
    new Region(rt.arena, Float64Array, T * d),
    new Region(rt.arena, Float64Array, d),
    new Region(rt.arena, Float64Array, T * width),
    new Region(rt.arena, Float64Array, width * width),
    new Region(rt.arena, Float64Array, d * d),
  ] as const;
  const [input, mean, packed, work, out] = regions;
  input.view.set(x);
  held.push(...regions);
  const k = rt.kernels;
  return {
    kernel: 'covariance',
    size: `${T}x${d}`,
    impl: 'metaoptim-simd-kernels',
    flopsPerOp,
    fn() {
      k.pack_center_f64(packed.ptr, input.ptr, mean.ptr, T, d);
      k.syrk_packed_f64(out.ptr, packed.ptr, work.ptr, d, T, 1 / T);
    },
  };
}

const held: Region<Float64Array>[] = [];
let openblas: { dir: string; bin: string } | undefined;

const suite: Suite = {
  name: 'stats',
  async cases({ quick, note: noteFn }) {
    const note = noteFn ?? ((t: string, _kernel?: string) => void process.stderr.write(`note: ${t}\n`));
    const out: BenchCase[] = [];
    if (!quick) openblas = await compileOpenblas(note);
    const simd = await createRuntime({ build: 'simd' });
    const scalar = await createRuntime({ build: 'scalar' });
    const rng = new Rng(1);
    for (const [T, d] of quick ? [[200, 64]] : [[1000, 256]]) {
      const x = rng.fillNormal(new Float64Array(T * d)) as Float64Array;
      const size = `${T}x${d}`;
      const flopsPerOp = T * d * (d + 1);
      out.push({ kernel: 'covariance', size, impl: 'plain-js', baseline: true, flopsPerOp, fn: () => void covPlain(x, T, d) });
      out.push({ kernel: 'covariance', size, impl: 'metaoptim-simd', flopsPerOp, fn: () => void covariance({ data: x, rows: T, cols: d }, { runtime: simd }) });
      out.push({ kernel: 'covariance', size, impl: 'metaoptim-scalar', flopsPerOp, fn: () => void covariance({ data: x, rows: T, cols: d }, { runtime: scalar }) });
      out.push(kernelsOnlyCase(simd, x, T, d, flopsPerOp));
      if (T * d <= 256000) {
        const m = new Matrix(Array.from({ length: T }, (_, t) => Array.from(x.subarray(t * d, (t + 1) * d))));
        out.push({ kernel: 'covariance', size, impl: 'ml-matrix', flopsPerOp, fn: () => void mlCovariance(m) });
      }
      if (openblas) {
        out.push(openblasCase(openblas.bin, 'openblas-dsyrk', '1', T, d, flopsPerOp));
        out.push(openblasCase(openblas.bin, 'openblas-dsyrk-2t', undefined, T, d, flopsPerOp));
        note('openblas-dsyrk = bench/native/covariance.c (means, centring, cblas_dsyrk, mirror) on Debian\'s OpenBLAS, ' +
          'cc -O3 -march=native, self-timed (median call), one thread; openblas-dsyrk-2t = the same on every core', 'covariance');
      }
    }
    // Gram form of B.1.7: L = 93 minibatch updates of a 1,510-parameter digits MLP.
    for (const [L, P] of quick ? [[31, 200]] : [[93, 1510]]) {
      const v = rng.fillNormal(new Float64Array(L * P)) as Float64Array;
      const size = `${L}x${P}`;
      const flopsPerOp = L * (L + 1) * P;
      out.push({ kernel: 'gram', size, impl: 'plain-js', baseline: true, flopsPerOp, fn: () => void gramPlain(v, L, P) });
      out.push({ kernel: 'gram', size, impl: 'metaoptim-simd', flopsPerOp, fn: () => void gram({ data: v, rows: L, cols: P }, { runtime: simd }) });
      out.push({ kernel: 'gram', size, impl: 'metaoptim-scalar', flopsPerOp, fn: () => void gram({ data: v, rows: L, cols: P }, { runtime: scalar }) });
      const m = new Matrix(Array.from({ length: L }, (_, t) => Array.from(v.subarray(t * P, (t + 1) * P))));
      out.push({ kernel: 'gram', size, impl: 'ml-matrix', flopsPerOp, fn: () => {
        const c = m.subRowVector(m.mean('column'));
        void c.mmul(c.transpose()).div(L);
      } });
    }
    for (const N of quick ? [1e5] : [1e6]) {
      const x = Float64Array.from({ length: N }, () => rng.stable(1.5));
      const k = Math.floor(Math.sqrt(N));
      out.push({ kernel: 'hill', size: N, impl: 'plain-js', baseline: true, bytesPerOp: 16 * N, fn: () => void hillPlain(x, k) });
      out.push({ kernel: 'hill', size: N, impl: 'simple-statistics', bytesPerOp: 16 * N, fn: () => void hillSimpleStats(x, k) });
      out.push({ kernel: 'hill', size: N, impl: 'metaoptim-simd', bytesPerOp: 16 * N, fn: () => void tailIndexHill(x, { k, runtime: simd }) });
      out.push({ kernel: 'hill', size: N, impl: 'metaoptim-scalar', bytesPerOp: 16 * N, fn: () => void tailIndexHill(x, { k, runtime: scalar }) });
    }
    return out;
  },

  async dispose() {
    for (const r of held.splice(0)) r.release();
    if (openblas) await rm(openblas.dir, { recursive: true, force: true });
    openblas = undefined;
  },
};

export default suite;
