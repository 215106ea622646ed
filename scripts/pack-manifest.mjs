// The package.json that ships in the tarball, and the swap around `npm pack` / `npm publish`.
// prepack (`node scripts/pack-manifest.mjs prepack`): refuses to pack a missing or stale build
// (it never builds: run `npm run build`), strips comments from dist/src/**/*.js like build:ts
// does (scripts/strip-comments.mjs; a no-op after a full build), saves package.json to .package.json.dev and writes the
// published manifest: no "scripts" (so no lifecycle script — prepare included — reaches a
// consumer) and no "devDependencies". postpack (`… postpack`): puts package.json back. An
// interrupted pack is repaired by the next prepack or prepare (`… restore`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { buildProblem, buildState } from '../bin/freshness.js';

const root = new URL('../', import.meta.url);
const manifest = new URL('package.json', root);
const backup = new URL('.package.json.dev', root);

/** The published form of a package.json object: the same, minus scripts and devDependencies. */
export function publishedManifest(pkg) {
  const { scripts: _scripts, devDependencies: _dev, ...rest } = pkg;
  return rest;
}

/** Puts the development package.json back if a pack left the published one in place. */
export function restore() {
  if (existsSync(backup)) renameSync(backup, manifest);
}

function prepack() {
  restore();
  const problem = buildProblem(buildState(root));
  if (problem) {
    process.stderr.write(`metaoptim prepack: ${problem}.\nRun \`npm run build\` first; packing never builds.\n`);
    process.exit(1);
  }
  // dist/src as `npm run build:ts` leaves it, even after a bare `tsc` (idempotent, usually a no-op).
  const strip = spawnSync(process.execPath, [new URL('strip-comments.mjs', import.meta.url).pathname, new URL('dist/src', root).pathname], { stdio: ['ignore', 2, 2] });
  if (strip.status !== 0) process.exit(strip.status ?? 1);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(backup, text);
  writeFileSync(manifest, JSON.stringify(publishedManifest(JSON.parse(text)), null, 2) + '\n');
}

const command = process.argv[2];
if (command === 'prepack') prepack();
else if (command === 'postpack' || command === 'restore') restore();
else if (command !== undefined) {
  process.stderr.write(`usage: node scripts/pack-manifest.mjs prepack|postpack|restore (got '${command}')\n`);
  process.exit(2);
}
