// examples/node/: one runnable script per capability, each importing the package by name
// ('metaoptim', 'metaoptim/<subpath>': Node's self-reference through package.json "exports").
// Each is run as a user would (node examples/node/<name>.mjs) and its output must make sense.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIR = `${ROOT}examples/node/`;

async function run(name: string): Promise<string> {
  const source = readFileSync(`${DIR}${name}`, 'utf8');
  assert.doesNotMatch(source, /from '\.|dist\//, `${name} must import the package by name`);
  const { stdout, stderr } = await exec(process.execPath, [`${DIR}${name}`], { cwd: ROOT, timeout: 120_000 });
  assert.equal(stderr, '', `${name} wrote to stderr`);
  return stdout;
}

/** Every number after `label` in `text`, in order. */
function numbers(text: string, label: RegExp): number[] {
  const m = label.exec(text);
  assert.ok(m, `no ${label} in:\n${text}`);
  return [...m[0].replace(/^\S+/, '').matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g)].map((x) => Number(x[0]));
}

const CHECKS: Record<string, (out: string) => void> = {
  'optimizers.mjs': (out) => {
    assert.match(out, /^build (simd|scalar)\n/);
    for (const name of ['momentum', 'adam', 'adamw', 'eve', 'lion']) {
      const [first, last, acc] = numbers(out, new RegExp(`^${name} +loss .*$`, 'm'));
      assert.ok(last! < first! / 2, `${name} did not train: ${first} → ${last}`);
      assert.ok(acc! > 0.8 && acc! <= 1, `${name} test accuracy ${acc}`);
    }
  },
  'learned.mjs': (out) => {
    const [first, last, acc] = numbers(out, /^adam-residual: .*$/m);
    assert.ok(last! < first! / 2 && acc! > 0.8, `the shipped learned optimizer did not train: ${out}`);
    const pes = numbers(out, /^PES: .*$/m);
    assert.equal(pes[0], 3, 'three PES iterations');
    assert.ok(pes.slice(1, 4).every(Number.isFinite) && pes[4]! > 0, `meta-parameters did not move: ${out}`);
  },
  'dco.mjs': (out) => {
    assert.match(out, /meta-gradient full/);
    const [gd, learned] = numbers(out, /relative error after gradient descent .*$/m);
    assert.ok(learned! < 1e-3 && learned! < gd! / 100, `the learned step does not solve the task: ${out}`);
  },
  'bilevel.mjs': (out) => {
    for (const name of ['pbgdFree', 'pbgd', 'f2sa']) {
      const [x, evals] = numbers(out, new RegExp(`^${name} +x = .*$`, 'm'));
      assert.ok(Math.abs(x! - 1) < 1e-3 && evals! > 0, `${name}: ${out}`);
    }
  },
  'restarts.mjs': (out) => {
    const [gd] = numbers(out, /^GD alone: .*$/m);
    const [sur, rounds] = numbers(out, /^GD \+ surrogate: .*$/m);
    assert.equal(rounds, 5);
    assert.ok(sur! < gd!, `restarts did not help on Rastrigin: ${out}`);
  },
  'dynamics.mjs': (out) => {
    for (const name of ['adam', 'lion']) {
      const [first, last, step, alpha, lambdaMax, translation] = numbers(out, new RegExp(`^${name}: .*$`, 'm'));
      assert.equal(step, 50);
      assert.ok(last! < first!, `${name} loss did not fall`);
      assert.ok(alpha! > 0 && alpha! <= 2 && lambdaMax! > 0 && translation! >= 0, `${name}: ${out}`);
    }
  },
};

test('every examples/node script has a check', () => {
  assert.deepEqual(readdirSync(DIR).filter((f) => f.endsWith('.mjs')).sort(), Object.keys(CHECKS).sort());
});

for (const [name, check] of Object.entries(CHECKS)) {
  test(`examples/node/${name} runs and prints sensible results`, { timeout: 120_000 }, async () => check(await run(name)));
}
