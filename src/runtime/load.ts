import { MetaoptimError } from '../core/errors.js';

export type Build = 'simd' | 'scalar';

// A minimal module whose only function uses v128 (i8x16.splat + i8x16.popcnt):
// `WebAssembly.validate` accepts it exactly when the engine supports fixed-width SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * True when this engine validates WebAssembly fixed-width SIMD (v128).
 * The probe is a 31-byte module using `i8x16.popcnt`; `ready()` uses it to pick the build.
 * @example
 * ```ts
 * import { simdSupported } from 'metaoptim';
 * console.log(simdSupported() ? 'SIMD build available' : 'scalar build only');
 * ```
 */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export const isNode: boolean =
  typeof process === 'object' && process !== null && typeof process.versions === 'object' && !!process.versions.node;

// Literal `new URL('…', import.meta.url)` expressions, so bundlers (webpack 5, Vite,
// Rollup, esbuild) see the .wasm files as assets and copy them with no configuration.
function wasmUrl(build: Build): URL {
  return build === 'simd'
    ? new URL('../../../build/metaoptim.simd.wasm', import.meta.url)
    : new URL('../../../build/metaoptim.scalar.wasm', import.meta.url);
}

export interface LoadOptions {
  /** Pre-fetched module bytes (skips file/network access). */
  bytes?: BufferSource;
  /** Where to fetch the module from instead of the package's own file. */
  url?: string | URL;
}

/** Compiles the requested build: from the package file in Node, by `fetch` elsewhere. */
export async function compileModule(build: Build, opts: LoadOptions = {}): Promise<WebAssembly.Module> {
  if (typeof WebAssembly !== 'object') {
    throw new MetaoptimError('WASM_UNAVAILABLE', 'this JavaScript engine has no WebAssembly');
  }
  if (opts.bytes) return WebAssembly.compile(opts.bytes);
  const url = opts.url ? new URL(String(opts.url), isNode ? `file://${process.cwd()}/` : globalThis.location?.href) : wasmUrl(build);
  if (isNode && url.protocol === 'file:') {
    // The specifier is a variable so that browser bundlers do not try to resolve it.
    const fsName = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
    return WebAssembly.compile(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new MetaoptimError('WASM_UNAVAILABLE', `could not fetch ${url.href}: HTTP ${response.status}`);
  }
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
