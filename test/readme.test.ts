// Every ```js block of README.md runs as written (imports of 'metaoptim' resolve to this
// package through its own `exports`, because the files are written inside the package).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

test('every js example in the README runs and prints what it says', async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 5, `found ${blocks.length} js blocks`);
  const dir = new URL('dist/readme-examples/', root);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const outputs: string[] = [];
  for (const [i, code] of blocks.entries()) {
    const file = new URL(`example-${i}.mjs`, dir);
    await writeFile(file, code);
    const { stdout, stderr } = await run(process.execPath, [file.pathname], { cwd: root.pathname, timeout: 60_000 });
    assert.equal(stderr, '', `example ${i} wrote to stderr:\n${stderr}`);
    outputs.push(stdout);
  }
  // Spot checks of the printed results the README's comments promise.
  const quick = outputs[0]!;
  assert.match(quick, /Float32Array\(3\)[^]*(3\.0000|2\.9999)/);
  const perOptimizer = outputs.find((o) => o.includes('lion'))!;
  for (const line of perOptimizer.trim().split('\n')) {
    const loss = Number(line.split(' ').pop());
    assert.ok(loss < 1e-3, `README optimizer example did not converge: ${line}`);
  }
  assert.ok(outputs.some((o) => o.startsWith('true\n0.9')), 'checkpoint example prints true');
  assert.ok(outputs.some((o) => o.trim() === '1400 397'), 'data example prints the split');
  assert.ok(outputs.includes('true\n'), 'the digits MLP example reaches 93 % test accuracy');
  assert.ok(outputs.includes('-0.400 -0.600\n2 4\n'), 'the QP example prints its solution and gradient shapes');
  assert.ok(outputs.includes('1.0000 9000\n'), 'PBGD-Free reaches x = 1 on the flat problem');
  assert.ok(outputs.includes('3 lstm-lopt -0.10 0.10\n'), 'the learned-optimizer example prints Adam\'s would-be update');
  assert.ok(outputs.includes('ABORTED true\n'), 'the cancellation example aborts train with its partial result');
});
