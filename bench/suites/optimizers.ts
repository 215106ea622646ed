// Optimizer step throughput: adam, adamw, eve, lion, momentum at 4,096 … 16,777,216 f32
// parameters, for these implementations:
//   metaoptim-simd        opt.step(state) with the gradient already in state.grads (zero copy)
//   metaoptim-simd-views  the same after `state.params` was handed out (as a training loop that
//                         reads its parameters does): every step reads p as well as g before
//                         the write (adam, adamw, eve; see src/optim/state.ts, "handed out")
//   metaoptim-simd-copy   opt.step(state, grads) from a JS Float32Array (copies 4·n bytes)
//   metaoptim-simd-kernel the raw fused kernel export, without step()'s checks and the
//                         non-finite gradient scan (shows what those cost)
//   metaoptim-simd-bound4 the raw kernel in mode 3: the bound pass over all inputs (p, g and the
//                         slots), then the write: step() before bounds were carried
//   metaoptim-simd-exact  the raw kernel's exact check pass (mode 1) then its write (mode 2,
//                         or 0): the all-or-nothing step before the bound pass of mode 3
//   metaoptim-scalar      createRuntime({ build: 'scalar' }), zero copy
//   plain-js              a hand-written Float32Array loop of the same math (baseline)
//   tfjs-cpu, tfjs-wasm   @tensorflow/tfjs-core optimizers (adam, momentum only)
//   native-c              bench/native/optimizers.c, compiled here when a C compiler exists
//   native-c-sse          the same C limited to 128-bit SSE vectors (WebAssembly SIMD's width)
// Memory traffic per step: adam/adamw/eve read p, g, m, v and write p, m, v (28·n bytes);
// lion and momentum read p, g, m and write p, m (20·n bytes).

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Optimizer, type OptState, type Runtime, adam, adamw, createRuntime, eve, lion, momentum } from '../../src/index.js';
import type { BenchCase, Suite, SuiteOptions } from '../types.js';

const run = promisify(execFile);

type Kernel = 'adam' | 'adamw' | 'eve' | 'lion' | 'momentum';
const KERNELS: readonly Kernel[] = ['adam', 'adamw', 'eve', 'lion', 'momentum'];
const SIZES = [4096, 65536, 1048576, 16777216];
const QUICK_SIZES = [4096, 65536];

// Hyper-parameters shared by every implementation (and by bench/native/optimizers.c).
const H = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 1e-2, lionLr: 1e-4, lionB2: 0.99, momLr: 1e-2, mu: 0.9 };

const bytesPerElement = (k: Kernel): number => (k === 'lion' || k === 'momentum' ? 20 : 28);

/** Eve needs a loss per step; alternate two values so the feedback coefficient moves. */
const eveLoss = (count: number): number => (count & 1 ? 1.5 : 1);

/** Deterministic parameters and gradients in [−1, 1) (xorshift32, as in the C program). */
function fill(n: number): { p: Float32Array; g: Float32Array } {
  const p = new Float32Array(n);
  const g = new Float32Array(n);
  let x = 12345;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    p[i] = next() * 2 - 1;
    g[i] = next() * 2 - 1;
  }
  return { p, g };
}

function makeOptimizer(k: Kernel): Optimizer {
  switch (k) {
    case 'adam':
      return adam({ lr: H.lr, beta1: H.b1, beta2: H.b2, eps: H.eps });
    case 'adamw':
      return adamw({ lr: H.lr, beta1: H.b1, beta2: H.b2, eps: H.eps, weightDecay: H.wd });
    case 'eve':
      return eve({ lr: H.lr, beta1: H.b1, beta2: H.b2, eps: H.eps });
    case 'lion':
      return lion({ lr: H.lionLr, beta1: H.b1, beta2: H.lionB2 });
    case 'momentum':
      return momentum({ lr: H.momLr, momentum: H.mu });
  }
}

// ---- plain JavaScript baseline ---------------------------------------------------------
// Written the way a performance-minded JS programmer would: one loop over Float32Arrays,
// double-precision temporaries, per-step scalars hoisted out of the loop.

interface JsState {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  count: number;
  d: number;
  fPrev: number;
}

function adamJs(s: JsState, wd: number, c1Div: number): void {
  const { p, g, m, v } = s;
  const t = s.count + 1;
  const b1 = H.b1, b2 = H.b2, ob1 = 1 - b1, ob2 = 1 - b2, lr = H.lr, eps = H.eps;
  const c1 = 1 / (1 - b1 ** t) / c1Div;
  const r2 = 1 / Math.sqrt(1 - b2 ** t);
  const n = p.length;
  if (wd === 0) {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + ob1 * gi;
      const vi = b2 * v[i]! + ob2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * (mi * c1)) / (Math.sqrt(vi) * r2 + eps);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const pi = p[i]!;
      const mi = b1 * m[i]! + ob1 * gi;
      const vi = b2 * v[i]! + ob2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi - lr * ((mi * c1) / (Math.sqrt(vi) * r2 + eps) + wd * pi);
    }
  }
  s.count++;
}

/** Eve (clip variant, c = 10, β3 = 0.999, f* = 0) feedback, then the Adam loop. */
function eveJs(s: JsState): void {
  const f = eveLoss(s.count);
  if (!Number.isNaN(s.fPrev)) {
    const dt = Math.abs(f - s.fPrev) / Math.max(Math.min(f, s.fPrev), 2.2250738585072014e-308);
    s.d = 0.999 * s.d + 0.001 * Math.min(Math.max(dt, 0.1), 10);
  }
  s.fPrev = f;
  adamJs(s, 0, s.d);
}

function lionJs(s: JsState): void {
  const { p, g, m } = s;
  const b1 = H.b1, ob1 = 1 - H.b1, b2 = H.lionB2, ob2 = 1 - H.lionB2, lr = H.lionLr;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = m[i]!;
    const c = b1 * mi + ob1 * gi;
    p[i] -= lr * (+(c > 0) - +(c < 0)); // branch-free sign: 3–4× faster than Math.sign here
    m[i] = b2 * mi + ob2 * gi;
  }
  s.count++;
}

function momentumJs(s: JsState): void {
  const { p, g, m: t } = s;
  const mu = H.mu, lr = H.momLr;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const ti = mu * t[i]! + g[i]!;
    t[i] = ti;
    p[i] -= lr * ti;
  }
  s.count++;
}

const JS_STEP: Record<Kernel, (s: JsState) => void> = {
  adam: (s) => adamJs(s, 0, 1),
  adamw: (s) => adamJs(s, H.wd, 1),
  eve: eveJs,
  lion: lionJs,
  momentum: momentumJs,
};

// ---- TensorFlow.js ---------------------------------------------------------------------

type Tf = typeof import('@tensorflow/tfjs-core');

interface TfjsEnv {
  tf: Tf;
  backends: string[];
}

/** Loads tfjs-core with the cpu and wasm backends; backends that fail are noted and left out. */
async function loadTfjs(note: (t: string, k?: string) => void): Promise<TfjsEnv | undefined> {
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (err) {
    note(`@tensorflow/tfjs-core or tfjs-backend-cpu could not be loaded (${String(err)}): no tfjs rows`);
    return undefined;
  }
  tf.enableProdMode(); // no debug checks, no console banner
  const backends: string[] = [];
  for (const name of ['cpu', 'wasm']) {
    try {
      if (name === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // In Node the Emscripten loader reads the .wasm files from a file-system prefix.
        const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(`${dirname(main)}/`);
      }
      if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
      await tf.ready();
      backends.push(name);
    } catch (err) {
      note(`tfjs-${name} backend could not initialize (${err instanceof Error ? err.message : String(err)}): no tfjs-${name} rows`);
    }
  }
  return { tf, backends };
}

let tfVarId = 0;

function tfjsCase(env: TfjsEnv, backend: string, k: 'adam' | 'momentum', n: number): BenchCase {
  const { tf } = env;
  let vars: { p: import('@tensorflow/tfjs-core').Variable; g: import('@tensorflow/tfjs-core').Tensor; opt: import('@tensorflow/tfjs-core').Optimizer; name: string } | undefined;
  return {
    kernel: k,
    size: n,
    impl: `tfjs-${backend}`,
    bytesPerOp: bytesPerElement(k) * n,
    async setup() {
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
      const { p, g } = fill(n);
      const name = `metaoptim_bench_${tfVarId++}`;
      const opt = k === 'adam' ? tf.train.adam(H.lr, H.b1, H.b2, H.eps) : tf.train.momentum(H.momLr, H.mu);
      vars = { p: tf.variable(tf.tensor1d(p), true, name), g: tf.tensor1d(g), opt, name };
    },
    fn() {
      vars!.opt.applyGradients({ [vars!.name]: vars!.g });
    },
    teardown() {
      if (!vars) return;
      vars.opt.dispose();
      vars.p.dispose();
      vars.g.dispose();
      vars = undefined;
    },
  };
}

// ---- native C --------------------------------------------------------------------------

interface NativeBuild {
  dir: string;
  /** impl name → binary: `native-c` (-march=native, AVX2 here) and `native-c-sse` (128-bit SSE only). */
  bins: Array<{ impl: string; bin: string }>;
}

/** Compiles bench/native/optimizers.c into a temp dir; undefined (with a note) if impossible. */
async function compileNative(note: (t: string) => void): Promise<NativeBuild | undefined> {
  const src = fileURLToPath(new URL('../../../bench/native/optimizers.c', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'metaoptim-bench-'));
  const common = ['-O3', '-march=native', '-ffp-contract=off', '-fno-math-errno'];
  const errors: string[] = [];
  for (const cc of ['cc', 'gcc']) {
    try {
      const bins: NativeBuild['bins'] = [];
      const main = join(dir, 'optimizers');
      await run(cc, [...common, '-o', main, src, '-lm']);
      bins.push({ impl: 'native-c', bin: main });
      // Same code limited to 128-bit vectors, the width of WebAssembly SIMD.
      const sse = join(dir, 'optimizers-sse');
      try {
        await run(cc, [...common, '-mno-avx', '-mno-avx2', '-mno-avx512f', '-o', sse, src, '-lm']);
        bins.push({ impl: 'native-c-sse', bin: sse });
      } catch {
        note('native-c-sse left out: the compiler rejected -mno-avx');
      }
      return { dir, bins };
    } catch (err) {
      errors.push(`${cc}: ${(err as { code?: string }).code === 'ENOENT' ? 'not found' : String((err as Error).message).split('\n')[0]}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  note(`no native-c rows: could not compile bench/native/optimizers.c (${errors.join('; ')})`);
  return undefined;
}

function nativeCase(impl: string, bin: string, k: Kernel, n: number): BenchCase {
  return {
    kernel: k,
    size: n,
    impl,
    bytesPerOp: bytesPerElement(k) * n,
    fn() {
      throw new Error(`${impl} is self-timed: the runner calls measure()`);
    },
    async measure(timeMs: number) {
      const { stdout } = await run(bin, [k, String(n), String(timeMs)]);
      const m = /hz (\S+)/.exec(stdout);
      const hz = m ? Number(m[1]) : NaN;
      if (!(hz > 0)) throw new Error(`unexpected output from ${bin}: ${stdout.trim()}`);
      return hz;
    },
  };
}

// ---- metaoptim -------------------------------------------------------------------------

type MetaImpl = 'metaoptim-simd' | 'metaoptim-simd-views' | 'metaoptim-simd-copy' | 'metaoptim-simd-kernel' | 'metaoptim-simd-bound4' | 'metaoptim-simd-exact' | 'metaoptim-scalar';

function metaCase(rt: Runtime, impl: MetaImpl, k: Kernel, n: number): BenchCase {
  const opt = makeOptimizer(k);
  let state: OptState | undefined;
  let jsGrads: Float32Array | undefined;
  let count = 0;
  let fn: () => void = () => {};
  return {
    kernel: k,
    size: n,
    impl,
    bytesPerOp: bytesPerElement(k) * n,
    setup() {
      const { p, g } = fill(n);
      const s = opt.init(p, { runtime: rt });
      state = s;
      s.grads.set(g);
      count = 0;
      if (impl === 'metaoptim-simd-copy') {
        jsGrads = g;
        fn = k === 'eve' ? () => void opt.step(s, jsGrads, { loss: eveLoss(count++) }) : () => void opt.step(s, jsGrads);
      } else if (impl === 'metaoptim-simd-kernel') {
        fn = rawKernel(rt, s, k, 2);
      } else if (impl === 'metaoptim-simd-bound4') {
        fn = rawKernel(rt, s, k, 3);
      } else if (impl === 'metaoptim-simd-exact') {
        const check = rawKernel(rt, s, k, 1);
        const write = rawKernel(rt, s, k, 2);
        fn = () => {
          if (check() === 0) write();
        };
      } else {
        if (impl === 'metaoptim-simd-views') void s.params; // hands the parameters out for good
        fn = k === 'eve' ? () => void opt.step(s, undefined, { loss: eveLoss(count++) }) : () => void opt.step(s);
      }
    },
    fn: () => fn(),
    teardown() {
      state?.dispose();
      state = undefined;
      jsGrads = undefined;
      fn = () => {};
    },
  };
}

/** The fused kernel alone in `mode` with fixed step scalars (t = 1): no validation, no gradient scan. */
function rawKernel(rt: Runtime, s: OptState, k: Kernel, mode: 1 | 2 | 3): () => number {
  const K = rt.kernels;
  const n = s.size;
  const [p, g] = [s.ptr('params'), s.ptr('grads')];
  if (k === 'lion') {
    const m = s.ptr('m');
    return () => K.lion_f32(p, g, m, n, H.b1, 1 - H.b1, H.lionB2, 1 - H.lionB2, 0, H.lionLr, mode);
  }
  if (k === 'momentum') {
    const t = s.ptr('trace');
    return () => K.momentum_f32(p, g, t, n, H.mu, 0, H.momLr, 0, mode);
  }
  const [m, v] = [s.ptr('m'), s.ptr('v')];
  const wd = k === 'adamw' ? H.wd : 0;
  const c1 = 1 / (1 - H.b1), r2 = 1 / Math.sqrt(1 - H.b2);
  return () => K.adam_f32(p, g, m, v, n, H.b1, 1 - H.b1, H.b2, 1 - H.b2, c1, r2, H.eps, 0, wd, H.lr, mode);
}

// ---- the suite -------------------------------------------------------------------------

let runtimes: { simd: Runtime; scalar: Runtime } | undefined;
let native: NativeBuild | undefined;

const suite: Suite = {
  name: 'optimizers',

  async cases(opts: SuiteOptions): Promise<BenchCase[]> {
    const note = opts.note ?? ((t: string) => process.stderr.write(`note: ${t}\n`));
    runtimes = { simd: await createRuntime({ build: 'simd' }), scalar: await createRuntime({ build: 'scalar' }) };
    const tfjs = await loadTfjs(note);
    native = await compileNative(note);
    const sizes = opts.quick ? QUICK_SIZES : SIZES;
    const out: BenchCase[] = [];
    for (const k of KERNELS) {
      for (const n of sizes) {
        out.push(metaCase(runtimes.simd, 'metaoptim-simd', k, n));
        if (k === 'adam' || k === 'adamw' || k === 'eve') out.push(metaCase(runtimes.simd, 'metaoptim-simd-views', k, n));
        out.push(metaCase(runtimes.simd, 'metaoptim-simd-copy', k, n));
        out.push(metaCase(runtimes.simd, 'metaoptim-simd-kernel', k, n));
        out.push(metaCase(runtimes.simd, 'metaoptim-simd-bound4', k, n));
        out.push(metaCase(runtimes.simd, 'metaoptim-simd-exact', k, n));
        out.push(metaCase(runtimes.scalar, 'metaoptim-scalar', k, n));
        let js: JsState | undefined;
        out.push({
          kernel: k,
          size: n,
          impl: 'plain-js',
          baseline: true,
          bytesPerOp: bytesPerElement(k) * n,
          setup() {
            const { p, g } = fill(n);
            js = { p, g, m: new Float32Array(n), v: new Float32Array(k === 'lion' || k === 'momentum' ? 0 : n), count: 0, d: 1, fPrev: NaN };
          },
          fn: () => JS_STEP[k](js!),
          teardown() {
            js = undefined;
          },
        });
        if (tfjs && (k === 'adam' || k === 'momentum')) {
          for (const b of tfjs.backends) {
            if (b === 'cpu' && n > 1048576) continue;
            out.push(tfjsCase(tfjs, b, k, n));
          }
        }
        for (const b of native?.bins ?? []) out.push(nativeCase(b.impl, b.bin, k, n));
      }
      if (k === 'adamw' || k === 'eve' || k === 'lion') {
        const what = { adamw: 'AdamW (decoupled decay)', eve: 'Eve', lion: 'Lion' }[k];
        note(`no tfjs rows: tfjs-core has no ${what} optimizer`, k);
      } else if (tfjs?.backends.includes('cpu') && !opts.quick) {
        note('tfjs-cpu is left out at n = 16,777,216 (several seconds per step)', k);
      }
    }
    note('metaoptim-simd-views = opt.step(state) after state.params was handed out: p is read before every write (no carried bound for it)');
    note('metaoptim-simd-kernel = the fused kernel export alone (no step() validation, no non-finite gradient scan, fixed t = 1 scalars)');
    note('metaoptim-simd-bound4 = the kernel in mode 3 (bound pass over every input, then the write): step() before bounds were carried between steps');
    note('metaoptim-simd-exact = the kernel\'s exact check pass (mode 1), then its write: what step() did under \'throw\' before the bound pass (mode 3)');
    note('metaoptim-simd-copy = opt.step(state, grads) from a JS Float32Array: copies 4·n bytes into WebAssembly memory first');
    if (native) {
      note('native-c = bench/native/optimizers.c, cc -O3 -march=native -ffp-contract=off -fno-math-errno, self-timed (median step); ' +
        'native-c-sse = the same with -mno-avx -mno-avx2 (128-bit vectors, like WebAssembly SIMD)');
    }
    return out;
  },

  async dispose() {
    runtimes?.simd.dispose();
    runtimes?.scalar.dispose();
    runtimes = undefined;
    if (native) await rm(native.dir, { recursive: true, force: true });
    native = undefined;
  },
};

export default suite;
