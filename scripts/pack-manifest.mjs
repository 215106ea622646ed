// The package.json that ships in the tarball, and the swap around `npm pack` / `npm publish`.
// prepack (`node scripts/pack-manifest.mjs prepack`): refuses to pack a missing or stale build
// (it never builds: run `npm run build`), strips comments from dist/src/**/*.js like build:ts
// does (scripts/strip-comments.mjs; a no-op after a full build), saves package.json to .package.json.dev and writes the
// published manifest: no "scripts" (so no lifecycle script — prepare included — reaches a
// consumer) and no "devDependencies". postpack (`… postpack`): puts package.json back. An
// interrupted pack is repaired by the next prepack or prepare (`… restore`). Packs of one clone
// run one at a time: prepack takes the lock file .package.json.lock (waiting up to 3 minutes;
// a lock older than 2 minutes is stale), postpack releases it.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { buildProblem, buildState } from '../bin/freshness.js';

const root = new URL('../', import.meta.url);
const manifest = new URL('package.json', root);
const backup = new URL('.package.json.dev', root);
const lock = new URL('.package.json.lock', root);
const STALE_MS = 2 * 60 * 1000;
const WAIT_MS = 3 * 60 * 1000;

function acquireLock() {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_MS) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > until) throw new Error(`another npm pack holds ${lock.pathname}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

function releaseLock() {
  rmSync(lock, { force: true });
}

/** The published form of a package.json object: the same, minus scripts and devDependencies. */
export function publishedManifest(pkg) {
  const { scripts: _scripts, devDependencies: _dev, ...rest } = pkg;
  return rest;
}

/** Puts the development package.json back if a pack left the published one in place. */
function restore() {
  if (existsSync(backup)) renameSync(backup, manifest);
}

/** `restore()` unless a pack is running now (its lock is held and fresh). */
export function restoreIfIdle() {
  if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs < STALE_MS) return;
  restore();
}

function prepack() {
  acquireLock();
  restore();
  const problem = buildProblem(buildState(root));
  if (problem) {
    releaseLock();
    process.stderr.write(`metaoptim prepack: ${problem}.\nRun \`npm run build\` first; packing never builds.\n`);
    process.exit(1);
  }
  // dist/src as `npm run build:ts` leaves it, even after a bare `tsc` (idempotent, usually a no-op).
  const strip = spawnSync(process.execPath, [new URL('strip-comments.mjs', import.meta.url).pathname, new URL('dist/src', root).pathname], { stdio: ['ignore', 2, 2] });
  if (strip.status !== 0) {
    releaseLock();
    process.exit(strip.status ?? 1);
  }
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(backup, text);
  writeFileSync(manifest, JSON.stringify(publishedManifest(JSON.parse(text)), null, 2) + '\n');
}

const command = process.argv[2];
if (command === 'prepack') prepack();
else if (command === 'postpack') {
  restore();
  releaseLock();
} else if (command === 'restore') restoreIfIdle();
else if (command !== undefined) {
  process.stderr.write(`usage: node scripts/pack-manifest.mjs prepack|postpack|restore (got '${command}')\n`);
  process.exit(2);
}
