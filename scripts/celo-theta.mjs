// Converts Celo's published meta-parameters (the anchor JSON made from the authors' flax msgpack,
// amoudgl/celo @ 66d976116f39da286951f0c5e0a18eee8d1fd66b, MIT) into the package's compact form:
//   data/learned/celo-theta.bin, data/learned/celo-adam-theta.bin   raw little-endian f32, arrays in
//                                                                   manifest order, unchanged values
//   data/learned/celo-theta.json                                    manifest: array names, shapes,
//                                                                   offsets, SHA-256 of each .bin, provenance
//   data/learned/CELO-LICENSE                                       the authors' MIT licence
// Usage: node scripts/celo-theta.mjs [anchor folder]   (default ../shared/anchors/celo)
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const src = resolve(process.argv[2] ?? '../shared/anchors/celo');
const out = resolve('data/learned');
const manifest = {
  format: 'metaoptim-celo-theta',
  version: 1,
  paper: 'Moudgil, Knyazev, Lajoie, Belilovsky. Celo: Training Versatile Learned Optimizers on a Compute Diet. TMLR 2025.',
  source: 'github.com/amoudgl/celo @ 66d976116f39da286951f0c5e0a18eee8d1fd66b: algoperf/submissions/celo/theta.state and algoperf/submissions/celo_adam/theta.state (flax msgpack), converted by scripts/celo-theta.mjs',
  license: 'MIT, Copyright (c) 2025 Abhinav Moudgil (data/learned/CELO-LICENSE)',
  optimizers: {},
};
for (const [name, file] of [['celo', 'celo-theta.json'], ['celo-adam', 'celo-adam-theta.json']]) {
  const j = JSON.parse(readFileSync(join(src, file), 'utf8'));
  const arrays = [];
  const parts = [];
  let offset = 0;
  for (const [key, v] of Object.entries(j)) {
    if (v.dtype !== 'float32') throw new Error(`${key}: dtype ${v.dtype}`);
    const bytes = Buffer.from(v.data, 'base64');
    const length = v.shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== 4 * length) throw new Error(`${key}: ${bytes.length} bytes for shape ${v.shape}`);
    arrays.push({ name: key, shape: v.shape, offset });
    parts.push(bytes);
    offset += length;
  }
  const bin = Buffer.concat(parts);
  const binName = `${name}-theta.bin`;
  writeFileSync(join(out, binName), bin);
  manifest.optimizers[name] = { file: binName, floats: offset, sha256: createHash('sha256').update(bin).digest('hex'), arrays };
  console.log(`${binName}: ${arrays.length} arrays, ${offset} floats`);
}
// One array per line: readable diffs, small file.
const text = JSON.stringify(manifest, null, 1).replace(/\{\s*"name": ("[^"]*"),\s*"shape": \[([^\]]*)\],\s*"offset": (\d+)\s*\}/g,
  (_, n, sh, off) => `{ "name": ${n}, "shape": [${sh.replace(/\s+/g, '').split(',').join(', ')}], "offset": ${off} }`);
writeFileSync(join(out, 'celo-theta.json'), text + '\n');
copyFileSync(join(src, 'LICENSE'), join(out, 'CELO-LICENSE'));
