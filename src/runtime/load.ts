// Where the WebAssembly module comes from: the package's own `.wasm` files (read from disk in
// Node, fetched next to this module elsewhere), bytes the caller supplies, or URLs the caller
// names — one URL, a base URL holding both builds, or one URL per build. Every way a fetch can
// go wrong (network error, HTTP status, an HTML page where the module should be) is a
// `MetaoptimError('WASM_FETCH_FAILED')` whose message says what to do, never a raw TypeError.
import { MetaoptimError, checkOptions, optionKeys } from '../core/errors.js';

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

/** The file name of each build, as shipped in the package's `build/` folder and exported as `metaoptim/<build>.wasm`. */
export const WASM_FILES: Readonly<Record<Build, string>> = {
  simd: 'metaoptim.simd.wasm',
  scalar: 'metaoptim.scalar.wasm',
};

// Literal `new URL('…', import.meta.url)` expressions, so bundlers that follow them (webpack 5,
// Vite) see the .wasm files as assets and copy them with no configuration.
function wasmUrl(build: Build): URL {
  return build === 'simd'
    ? new URL('../../../build/metaoptim.simd.wasm', import.meta.url)
    : new URL('../../../build/metaoptim.scalar.wasm', import.meta.url);
}

/** One value for whichever build runs, or one per build. */
export type PerBuild<T> = T | { simd?: T; scalar?: T };

export interface LoadOptions {
  /**
   * Pre-fetched module bytes (skips file and network access): the bytes of the build that
   * will run, or `{ simd, scalar }` with both (the build is chosen as usual, then its bytes used).
   */
  bytes?: PerBuild<BufferSource>;
  /**
   * Where to fetch the module from instead of the package's own file:
   * - a URL ending in `/` is a base holding both files (`metaoptim.simd.wasm`,
   *   `metaoptim.scalar.wasm`); the chosen build's file is fetched from it;
   * - `{ simd, scalar }` names each build's file;
   * - any other URL is the file of the build that will run (a mismatch is WASM_UNAVAILABLE).
   *
   * Relative URLs resolve against `location.href` in browsers and the working directory in Node.
   */
  url?: PerBuild<string | URL>;
}

const BUILD_KEYS = optionKeys<{ simd: unknown; scalar: unknown }>({ simd: 1, scalar: 1 });

function isBufferSource(x: unknown): x is BufferSource {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

/** Picks `build`'s entry of a `{ simd, scalar }` option; INVALID_ARGUMENT when it lacks one. */
function pick<T>(name: 'bytes' | 'url', value: { simd?: T; scalar?: T }, build: Build): T {
  checkOptions(`ready({ ${name} })`, value, BUILD_KEYS);
  const v = value[build];
  if (v === undefined) {
    const other = build === 'simd' ? 'scalar' : 'simd';
    throw new MetaoptimError(
      'INVALID_ARGUMENT',
      `ready({ ${name} }) has no '${build}' entry but the ${build} build was chosen; give both builds, or force ready({ build: '${other}' })`,
      { option: name, build },
    );
  }
  return v;
}

/** The URL to load `build` from, given `ready({ url })` (or the package's own file). */
export function resolveWasmUrl(build: Build, url: LoadOptions['url']): URL {
  if (url === undefined) return wasmUrl(build);
  const one = typeof url === 'string' || url instanceof URL ? url : pick('url', url, build);
  if (typeof one !== 'string' && !(one instanceof URL)) {
    throw new MetaoptimError('INVALID_ARGUMENT', `ready({ url }) takes a string or URL, got ${typeof one}`, { option: 'url' });
  }
  const base = isNode ? `file://${process.cwd()}/` : globalThis.location?.href;
  let resolved: URL;
  try {
    resolved = new URL(String(one), base);
  } catch {
    throw new MetaoptimError('INVALID_ARGUMENT', `ready({ url }): '${String(one)}' is not a URL (a relative URL needs a page location to resolve against)`, { option: 'url' });
  }
  return resolved.pathname.endsWith('/') ? new URL(WASM_FILES[build], resolved) : resolved;
}

const HINT =
  "serve the package's build/*.wasm files there, pass ready({ url: '<folder>/' }) or ready({ url: { simd, scalar } }), " +
  "or import ready from 'metaoptim/inline' (both builds inside the JavaScript)";

function fetchFailed(url: URL, build: Build, why: string, details: Record<string, unknown>): MetaoptimError {
  return new MetaoptimError('WASM_FETCH_FAILED', `could not load the ${build} WebAssembly module from ${url.href}: ${why}; ${HINT}`, {
    url: url.href,
    build,
    ...details,
  });
}

/** True when `bytes` start with the WebAssembly magic number `\0asm`. */
function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

async function readNodeFile(url: URL, build: Build): Promise<Uint8Array<ArrayBuffer>> {
  // The specifier is a variable so that browser bundlers do not try to resolve it.
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
  try {
    const buf = await fs.readFile(url);
    return new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw fetchFailed(url, build, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { reason: 'file', cause: e });
  }
}

async function fetchBytes(url: URL, build: Build): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw fetchFailed(url, build, `the request failed (${(e as Error).message})`, { reason: 'network', cause: e });
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    throw fetchFailed(url, build, `HTTP ${response.status}${response.status === 404 ? ' (not found: the bundler did not copy the file?)' : ''}`, {
      reason: 'http',
      status: response.status,
      contentType,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!isWasm(bytes)) {
    throw fetchFailed(url, build, `the response is not a WebAssembly module (content-type '${contentType}'${/html/i.test(contentType) ? ', an HTML page: a fallback route?' : ''})`, {
      reason: 'not-wasm',
      status: response.status,
      contentType,
    });
  }
  return bytes;
}

/** Compiles the requested build: from `bytes`, from the package file in Node, or by `fetch`. */
export async function compileModule(build: Build, opts: LoadOptions = {}): Promise<WebAssembly.Module> {
  if (typeof WebAssembly !== 'object') {
    throw new MetaoptimError('WASM_UNAVAILABLE', 'this JavaScript engine has no WebAssembly');
  }
  if (opts.bytes !== undefined) {
    const bytes = isBufferSource(opts.bytes) ? opts.bytes : pick('bytes', opts.bytes, build);
    if (!isBufferSource(bytes)) throw new MetaoptimError('INVALID_ARGUMENT', 'ready({ bytes }) takes an ArrayBuffer or a typed array', { option: 'bytes' });
    return WebAssembly.compile(bytes);
  }
  const url = resolveWasmUrl(build, opts.url);
  const bytes = isNode && url.protocol === 'file:' ? await readNodeFile(url, build) : await fetchBytes(url, build);
  return WebAssembly.compile(bytes);
}
