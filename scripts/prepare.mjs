// package.json "prepare" in a clone. `npm install` (and `npm ci`, `npm rebuild`) builds the
// WebAssembly binaries and dist/ with `npm run build`, saying so first. Any other command that
// runs prepare — notably `npx metaoptim` in a clone, which links the clone and runs its
// prepare — builds nothing: it says whether the build is missing or stale and how to build.
// The published package has no scripts at all (scripts/pack-manifest.mjs strips them).
import { spawnSync } from 'node:child_process';
import { buildProblem, buildState } from '../bin/freshness.js';
import { restoreIfIdle } from './pack-manifest.mjs';

restoreIfIdle();
const command = process.env.npm_command ?? '';
if (['install', 'ci', 'rebuild'].includes(command)) {
  process.stderr.write(`metaoptim: building the WebAssembly binaries and dist/ (npm run build, about a minute)…\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, ['run', 'build'], { stdio: 'inherit', cwd: new URL('../', import.meta.url) });
  process.exit(res.status ?? 1);
}
const problem = buildProblem(buildState(new URL('../', import.meta.url)));
if (problem) process.stderr.write(`metaoptim: not building on \`npm ${command}\`: ${problem}. Run \`npm run build\`.\n`);
