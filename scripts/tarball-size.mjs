#!/usr/bin/env node
// What the packed tarball weighs, and of what: runs `npm pack --dry-run --json` (with its
// prepack step, as `npm publish` would) and prints the packed size, then each group of files
// gzip-compressed on its own (the tarball compresses them together, so the parts add up to a
// little more than the whole). Usage: node scripts/tarball-size.mjs [--json]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('../', import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const out = execFileSync(npm, ['pack', '--dry-run', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
const pack = JSON.parse(out.toString())[0];

const GROUPS = [
  ['JavaScript', (p) => p.startsWith('dist/') && p.endsWith('.js') && !p.includes('wasm-inline')],
  ['type declarations (.d.ts)', (p) => p.endsWith('.d.ts')],
  ['inlined WebAssembly (metaoptim/inline)', (p) => p.includes('wasm-inline') && p.endsWith('.js')],
  ['WebAssembly (build/*.wasm)', (p) => p.endsWith('.wasm')],
  ['data/', (p) => p.startsWith('data/')],
  ['README, CHANGELOG, LICENSE, package.json, bin/', () => true],
];
const parts = GROUPS.map(([name]) => ({ name, files: 0, bytes: 0, gzip: 0, chunks: [] }));
for (const f of pack.files) {
  const i = GROUPS.findIndex(([, match]) => match(f.path));
  parts[i].files++;
  parts[i].bytes += f.size;
  // Manifest read from disk after postpack restored it: close enough for package.json's share.
  parts[i].chunks.push(readFileSync(new URL(f.path, root)));
}
for (const p of parts) {
  p.gzip = gzipSync(Buffer.concat(p.chunks), { level: 9 }).length;
  delete p.chunks;
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ size: pack.size, unpackedSize: pack.unpackedSize, entryCount: pack.entryCount, parts }));
} else {
  console.log(`packed ${pack.size} B, unpacked ${pack.unpackedSize} B, ${pack.entryCount} files`);
  for (const p of parts) console.log(`  ${p.name.padEnd(48)} ${String(p.files).padStart(4)} files ${String(p.bytes).padStart(8)} B  gzip ${String(p.gzip).padStart(7)} B`);
}
