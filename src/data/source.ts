import { MetaoptimError } from '../core/errors.js';
import { isNode } from '../runtime/load.js';

// Where the shipped data files come from: the package's own `data/` folder, read with
// `fs` in Node and fetched (relative to this module) elsewhere. Gzip is inflated with
// zlib in Node and `DecompressionStream` in browsers.

const FILES = {
  digits: () => new URL('../../../data/digits.csv.gz', import.meta.url),
  iris: () => new URL('../../../data/iris.csv', import.meta.url),
  wine: () => new URL('../../../data/wine_data.csv', import.meta.url),
} as const;

export type DataFile = keyof typeof FILES;

/** The text of a shipped data file (inflated if gzipped). `base` overrides the location. */
export async function readDataText(file: DataFile, base?: string | URL): Promise<string> {
  const url = base ? new URL(FILES[file]().pathname.split('/').pop()!, base) : FILES[file]();
  let bytes: Uint8Array;
  if (isNode && url.protocol === 'file:') {
    const fsName = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
    try {
      bytes = await fs.readFile(url);
    } catch (err) {
      throw new MetaoptimError('DATA_UNAVAILABLE', `cannot read ${url.pathname}: ${String(err)}`);
    }
  } else {
    const res = await fetch(url);
    if (!res.ok) throw new MetaoptimError('DATA_UNAVAILABLE', `cannot fetch ${url.href}: HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  if (url.pathname.endsWith('.gz')) bytes = await gunzip(bytes);
  return new TextDecoder().decode(bytes);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (isNode) {
    const zlibName = 'node:zlib';
    const zlib = (await import(/* @vite-ignore */ /* webpackIgnore: true */ zlibName)) as typeof import('node:zlib');
    return zlib.gunzipSync(bytes);
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
