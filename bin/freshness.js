// Is this checkout built, and is the build current? Used by the `metaoptim` launcher
// (bin/metaoptim.js), `npm install`'s prepare step and `npm pack`'s prepack step
// (scripts/prepare.mjs, scripts/pack.mjs), so that nothing ever rebuilds silently and nothing
// is packed from a stale build. In the published package (no src/ or assembly/) only the
// presence of the outputs is checked.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest file (path and mtime) under `dir`, recursively; undefined when there is none. */
export function newestFile(dir) {
  let best;
  if (!existsSync(dir)) return best;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    const cand = entry.isDirectory() ? newestFile(p) : { path: p, mtimeMs: statSync(p).mtimeMs };
    if (cand && (!best || cand.mtimeMs > best.mtimeMs)) best = cand;
  }
  return best;
}

/**
 * The build's state under `rootUrl` (a file URL or path of the package root):
 * `{ clone, missing: [file…], stale: [{ output, newer }…] }`. Outputs: build/*.wasm (from
 * assembly/), src/runtime/wasm-inline.ts (from build/*.wasm) and dist/src (from src/).
 */
export function buildState(rootUrl) {
  const root = typeof rootUrl === 'string' ? rootUrl : fileURLToPath(rootUrl);
  const at = (p) => join(root, p);
  const clone = existsSync(at('src')) && existsSync(at('assembly'));
  const rules = [
    { output: 'build/metaoptim.simd.wasm', inputs: ['assembly', 'asconfig.json'] },
    { output: 'build/metaoptim.scalar.wasm', inputs: ['assembly', 'asconfig.json'] },
    { output: 'src/runtime/wasm-inline.ts', inputs: ['build/metaoptim.simd.wasm', 'build/metaoptim.scalar.wasm', 'scripts/inline-wasm.mjs'], cloneOnly: true },
    { output: 'dist/src/cli/main.js', inputs: ['src', 'tsconfig.json'] },
    { output: 'dist/src/runtime/wasm-inline.js', inputs: ['src/runtime/wasm-inline.ts'] },
  ];
  const missing = [];
  const stale = [];
  for (const rule of rules) {
    if (rule.cloneOnly && !clone) continue;
    if (!existsSync(at(rule.output))) {
      missing.push(rule.output);
      continue;
    }
    if (!clone) continue;
    const built = statSync(at(rule.output)).mtimeMs;
    for (const input of rule.inputs) {
      if (!existsSync(at(input))) continue;
      const newest = statSync(at(input)).isDirectory() ? newestFile(at(input)) : { path: at(input), mtimeMs: statSync(at(input)).mtimeMs };
      if (newest && newest.mtimeMs > built) {
        stale.push({ output: rule.output, newer: newest.path.slice(root.length).replace(/^[\\/]/, '') });
        break;
      }
    }
  }
  return { clone, missing, stale };
}

/** One line saying what is wrong with the build and how to fix it, or undefined when it is current. */
export function buildProblem(state) {
  if (state.missing.length) return `not built: ${state.missing.join(', ')} missing`;
  if (state.stale.length) return `the build is stale: ${state.stale.map((s) => `${s.newer} is newer than ${s.output}`).join('; ')}`;
  return undefined;
}
