// The "Adding a lab" example of docs/cli.md is a working lab: its TypeScript is transpiled,
// its relative imports pointed at dist/src/labs/my-lab/, and it is run, aborted and checked.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import ts from 'typescript';
import type { Lab, LabResult } from '../../src/labs/lab.js';
import { isAborted } from '../../src/core/loop.js';

const root = new URL('../../../', import.meta.url);

test('the example lab of docs/cli.md runs, has the results header, and aborts with a partial LabResult', async () => {
  const doc = await readFile(new URL('docs/cli.md', root), 'utf8');
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('export const myLab'));
  assert.ok(block, 'docs/cli.md has the example lab');
  assert.ok(block.startsWith('// src/labs/my-lab/lab.ts\n'), 'it says where it lives');
  const js = ts.transpileModule(block, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
  // the file as if it were dist/src/labs/my-lab/lab.js
  const dir = new URL('dist/src/labs/my-lab/', root);
  await mkdir(dir, { recursive: true });
  const file = new URL('lab.js', dir);
  await writeFile(file, js);
  try {
    const { myLab } = (await import(file.href)) as { myLab: Lab };
    assert.equal(myLab.name, 'my-lab');
    assert.ok(myLab.options.length > 0);
    const r = await myLab.run({ quick: true, seed: 0 });
    const res = r.results as Record<string, unknown>;
    assert.deepEqual(Object.keys(res).slice(0, 7), ['lab', 'version', 'seed', 'quick', 'build', 'elapsedMs', 'partial']);
    assert.equal(res.partial, false);
    assert.equal(r.summary.length, 2);
    await assert.rejects(myLab.run({ quick: true, seed: 0, extra: { condition: '0.5' } }), /INVALID_ARGUMENT/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await myLab.run({ quick: false, seed: 0, signal: controller.signal }).then(
      () => assert.fail('not aborted'),
      (e: unknown) => e,
    );
    assert.ok(isAborted(err));
    const partial = err.details.partial as LabResult;
    assert.equal((partial.results as { partial: boolean }).partial, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
