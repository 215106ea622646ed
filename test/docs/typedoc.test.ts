// `npm run docs` builds the API reference with typedoc (typedoc.config.mjs): one module per
// entry of package.json "exports", and warnings are errors there, so a clean exit proves a
// build without warnings (broken {@link}s, exported signatures naming unexported types, …).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { entryFiles } from './entries.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('npm run docs builds the API reference with no warnings, one module per export', { timeout: 180_000 }, async () => {
  const config = (await import(`${ROOT}typedoc.config.mjs`)) as { default: { treatWarningsAsErrors?: boolean; entryPoints: string[] } };
  assert.equal(config.default.treatWarningsAsErrors, true, 'warnings must fail the build');
  const entries = entryFiles(ROOT).map((f) => `./${f.slice(ROOT.length)}`);
  assert.deepEqual(config.default.entryPoints, entries, 'entry points = the root and every subpath export');
  assert.equal(JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts.docs, 'typedoc');
  const out = mkdtempSync(join(tmpdir(), 'metaoptim-docs-'));
  try {
    const { stdout, stderr } = await run(process.execPath, [`${ROOT}node_modules/typedoc/bin/typedoc`, '--out', out], { cwd: ROOT, timeout: 170_000 });
    const log = stdout + stderr;
    assert.doesNotMatch(log, /warning|error/i, log);
    assert.ok(existsSync(join(out, 'index.html')));
    // One module page per JavaScript export (not the .wasm files), named as users import it (each entry file starts with
    // `/** @module metaoptim/<subpath> */`).
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, unknown> };
    const names = Object.keys(pkg.exports).filter((k) => k !== './package.json' && !k.endsWith('.wasm')).map((k) => `metaoptim${k.slice(1)}`);
    assert.equal(names.length, entries.length);
    for (const name of names) {
      assert.ok(existsSync(join(out, 'modules', `${name.replace(/\//g, '_')}.html`)), `no page for ${name}: give its entry file a "/** @module ${name} */" comment`);
    }
    const adam = readFileSync(join(out, 'functions', 'metaoptim.adam.html'), 'utf8');
    assert.match(adam, /Kingma/, 'the adam page has its doc comment');
    assert.match(adam, /Example[^]*<pre><code class="ts">[^]*ready/, 'the adam page shows its @example as highlighted code');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
