// @tensorflow/tfjs-core is an optional peer dependency reached only through `metaoptim/tfjs`:
// no file of src/ outside src/tfjs/ imports any @tensorflow package (type-only imports included),
// the root entry does not reach src/tfjs/, and package.json declares the peer as optional.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importSpecifiers } from '../support/imports.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function listTs(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listTs(p) : name.endsWith('.ts') ? [p] : [];
  });
}

test('only src/tfjs/ imports @tensorflow packages, and nothing outside it imports src/tfjs/', () => {
  const offenders: string[] = [];
  let tfjsImports = 0;
  for (const file of listTs(join(ROOT, 'src'))) {
    const rel = relative(join(ROOT, 'src'), file).split('\\').join('/');
    const inside = rel.startsWith('tfjs/');
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('@tensorflow/')) {
        if (inside) tfjsImports++;
        else offenders.push(`${rel} → ${spec}`);
      }
      if (!inside && /(^|\/)tfjs(\/|\/index\.js|$)/.test(spec) && spec.startsWith('.')) offenders.push(`${rel} → ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
  assert.ok(tfjsImports >= 3, 'src/tfjs/ imports @tensorflow/tfjs-core');
});

test('package.json: ./tfjs export, @tensorflow/tfjs-core an optional peer, no runtime dependency', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    dependencies?: Record<string, string>;
  };
  assert.deepEqual(pkg.exports['./tfjs'], { types: './dist/src/tfjs/index.d.ts', default: './dist/src/tfjs/index.js' });
  assert.match(pkg.peerDependencies?.['@tensorflow/tfjs-core'] ?? '', /^\^4\./);
  assert.equal(pkg.peerDependenciesMeta?.['@tensorflow/tfjs-core']?.optional, true);
  assert.ok(!Object.keys(pkg.dependencies ?? {}).some((d) => d.startsWith('@tensorflow/')));
});

test('the root entry loads without TF.js: it never reaches @tensorflow (import graph from src/index.ts)', () => {
  const seen = new Set<string>();
  const stack = [join(ROOT, 'src/index.ts')];
  const external: string[] = [];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const spec of importSpecifiers(readFileSync(f, 'utf8'))) {
      if (spec.startsWith('@tensorflow/')) external.push(`${relative(ROOT, f)} → ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = join(f, '..', spec).replace(/\.js$/, '.ts');
      try {
        stack.push(statSync(target).isFile() ? target : join(target, 'index.ts'));
      } catch {
        stack.push(join(target.replace(/\.ts$/, ''), 'index.ts'));
      }
    }
  }
  assert.ok(seen.size > 20, `walked ${seen.size} files`);
  assert.deepEqual(external, []);
});
