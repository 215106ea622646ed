/** @module metaoptim/inline */
// The `metaoptim/inline` entry: `ready` and `createRuntime` that take the WebAssembly module
// from the JavaScript itself (both builds, gzip + base64, generated from build/*.wasm by
// scripts/inline-wasm.mjs) instead of fetching a `.wasm` file. For bundlers and runtimes that do
// not follow `new URL('…', import.meta.url)` (esbuild, Rollup without a plugin, a single-file
// bundle, a CDN): `import { ready } from 'metaoptim/inline'` once, everything else from
// 'metaoptim' as usual — both share the same default runtime. The normal entry never imports
// this module, so its bundles hold no inlined bytes.
import { MetaoptimError } from '../core/errors.js';
import type { Build } from './load.js';
import { type Runtime, type RuntimeInfo, type RuntimeOptions, createRuntime as createFromOptions, ready as readyFromOptions } from './runtime.js';
import { SCALAR_WASM_GZ_BASE64, SIMD_WASM_GZ_BASE64 } from './wasm-inline.js';

export type { Build, RuntimeInfo, RuntimeOptions };

/** Decodes base64 then gunzips with the platform's `DecompressionStream` (browsers, Node ≥ 18, Deno, Bun). */
async function inflate(base64: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== 'function' || typeof atob !== 'function') {
    throw new MetaoptimError(
      'WASM_UNAVAILABLE',
      "metaoptim/inline needs atob and DecompressionStream('gzip'), which this engine lacks; import ready from 'metaoptim' and serve the .wasm files instead",
    );
  }
  const text = atob(base64);
  const gz = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) gz[i] = text.charCodeAt(i);
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let decoded: Promise<Record<Build, Uint8Array<ArrayBuffer>>> | undefined;

/**
 * Both builds' module bytes, decoded once (about 128 kB; a few milliseconds). The build is then
 * chosen by the usual SIMD probe, so the scalar bytes are the fallback, not a second download.
 */
export function inlineWasmBytes(): Promise<Record<Build, Uint8Array<ArrayBuffer>>> {
  decoded ??= Promise.all([inflate(SIMD_WASM_GZ_BASE64), inflate(SCALAR_WASM_GZ_BASE64)]).then(
    ([simd, scalar]) => ({ simd, scalar }),
    (err: unknown) => {
      decoded = undefined;
      throw err;
    },
  );
  return decoded;
}

async function withInline(opts: RuntimeOptions): Promise<RuntimeOptions> {
  // An explicit source wins; otherwise the inlined bytes of both builds.
  if (opts === null || typeof opts !== 'object' || opts.bytes !== undefined || opts.url !== undefined) return opts;
  return { ...opts, bytes: await inlineWasmBytes() };
}

/**
 * `ready()` of the root entry, with the module bytes taken from this bundle: instantiates the
 * default runtime once (SIMD when `WebAssembly.validate` accepts a v128 probe, else scalar;
 * `{ build }` forces one) and reports the active build. Same options and errors as
 * `ready` from 'metaoptim'; an explicit `bytes` or `url` option is used instead of the inlined bytes.
 *
 * @example
 * import { ready } from 'metaoptim/inline';
 * import { adam } from 'metaoptim';
 * await ready(); // no .wasm request
 * const s = adam({ lr: 0.1 }).init(new Float32Array(3));
 */
export async function ready(opts: RuntimeOptions = {}): Promise<RuntimeInfo> {
  return readyFromOptions(await withInline(opts));
}

/** `createRuntime()` of the root entry (an independent instance, e.g. per worker) from the inlined bytes. */
export async function createRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  return createFromOptions(await withInline(opts));
}
