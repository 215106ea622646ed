#!/usr/bin/env node
// Box QP, this build against another one in ONE process (the "against main" figures of the box
// sections of docs/qp.md): the bench's batched box problems (`npm run bench -- --suite qp
// --filter "box QP"`: n = 8 ×256 and n = 32 ×64, planted optimum, about half the bounds
// active), `qp.solveBatch(…).context.dispose()` per call, CPU time per call
// (process.cpuUsage), rounds of ~100 ms alternating between the two builds, best of `--rounds`.
// The baseline is a built copy of another tree: its dist/ and build/ folders beside a
// package.json and a node_modules link, e.g. for main:
//   git worktree add /tmp/base main && cd /tmp/base && ln -s <repo>/node_modules && npm run build
//
// Run after `npm run build`:   node scripts/qp-box-ab.mjs --baseline /tmp/base [--rounds 15]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const baseline = arg('baseline', undefined);
const rounds = Number(arg('rounds', 15));
if (!baseline) throw new Error('usage: node scripts/qp-box-ab.mjs --baseline <built tree> [--rounds 15]');

async function side(dir) {
  const load = (p) => import(resolve(dir, 'dist', p));
  const { createRuntime } = await load('src/index.js');
  return { qp: await load('src/qp/index.js'), rt: await createRuntime({ build: 'simd' }) };
}
const { generate, normal, rng } = await import(resolve(root, 'dist/test/support/qp-helpers.js'));
const sides = { this: await side(root), baseline: await side(resolve(baseline)) };

/** The bench's box problem (bench/suites/qp.ts boxProblem). */
function boxProblem(seed, n) {
  const P = generate(seed, { n });
  const N = normal(rng(seed + 1));
  const lb = P.z0.map((z) => z + 0.5 * N() - 0.25);
  return { ...P, lb, ub: lb.map((l) => l + 0.2 + Math.abs(N()) * 0.5) };
}

for (const [n, count, seed] of [[8, 256, 8000], [32, 64, 32000]]) {
  const probs = Array.from({ length: count }, (_, t) => boxProblem(seed + t, n));
  const packed = (f) => ({ batch: Float64Array.from(probs.flatMap((P) => f(P).flat())), count });
  const batch = { Q: packed((P) => P.Q), p: packed((P) => P.p), lb: packed((P) => P.lb), ub: packed((P) => P.ub) };
  const fns = Object.fromEntries(Object.entries(sides).map(([k, s]) => [k, () => s.qp.solveBatch(batch, { runtime: s.rt }).context.dispose()]));
  const best = { this: Infinity, baseline: Infinity };
  for (const f of Object.values(fns)) for (let i = 0; i < 200; i++) f();
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(fns)) {
      let it = 0;
      const c0 = process.cpuUsage(), t0 = performance.now();
      do {
        f();
        it++;
      } while (performance.now() - t0 < 100);
      const c = process.cpuUsage(c0);
      best[k] = Math.min(best[k], (c.user + c.system) / it);
    }
  }
  console.log(`n = ${n} ×${count}: this ${best.this.toFixed(1)} µs/call (${(best.this / count).toFixed(3)} µs/QP), baseline ${best.baseline.toFixed(1)} µs/call (${(best.baseline / count).toFixed(3)} µs/QP), this is ${(best.baseline / best.this).toFixed(3)}× faster`);
}
