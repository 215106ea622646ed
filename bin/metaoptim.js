#!/usr/bin/env node
// The `metaoptim` command (package.json "bin"). It never builds anything: in a clone whose build
// is missing it says so and how to build, and stops; when the build is stale it warns on stderr
// and runs it. Then it hands over to dist/src/cli/main.js (see docs/cli.md).
import { buildProblem, buildState } from './freshness.js';

const state = buildState(new URL('../', import.meta.url));
const problem = buildProblem(state);
if (state.missing.includes('dist/src/cli/main.js') || (problem && !state.clone)) {
  process.stderr.write(`metaoptim: ${problem}. ${state.clone ? 'Build this clone with `npm run build` (about a minute) or `npm install`.' : 'Reinstall the package.'}\n`);
  process.exit(1);
}
if (problem) process.stderr.write(`metaoptim: warning: ${problem}; running it anyway. Rebuild with \`npm run build\`.\n`);
const { runCli } = await import('../dist/src/cli/main.js');
await runCli(process.argv.slice(2));
