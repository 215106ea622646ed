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
// Breakdown of this build's call (no baseline): node scripts/qp-box-ab.mjs --breakdown [--rounds 10]
//   prints, per call, the whole solveBatch, then each part called alone on the same context:
//   qp_box_f64 (with λ), the same with boxMaxIter = 1 (first step, flags, residuals, λ),
//   qp_box_prep_f64, the copy of the inputs into WebAssembly and building the result arrays.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const baseline = arg('baseline', undefined);
const rounds = Number(arg('rounds', 15));
const breakdown = process.argv.includes('--breakdown');
if (!baseline && !breakdown) throw new Error('usage: node scripts/qp-box-ab.mjs --baseline <built tree> [--rounds 15] | --breakdown [--rounds 10]');

async function side(dir) {
  const load = (p) => import(resolve(dir, 'dist', p));
  const { createRuntime } = await load('src/index.js');
  return { qp: await load('src/qp/index.js'), rt: await createRuntime({ build: 'simd' }) };
}
const { generate, normal, rng } = await import(resolve(root, 'dist/test/support/qp-helpers.js'));
const sides = breakdown ? { this: await side(root) } : { this: await side(root), baseline: await side(resolve(baseline)) };

/** Best CPU time per call (µs) of each function, rounds of ~100 ms interleaved. */
function best(fns) {
  const out = Object.fromEntries(Object.keys(fns).map((k) => [k, Infinity]));
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
      out[k] = Math.min(out[k], (c.user + c.system) / it);
    }
  }
  return out;
}

/** The parts of one solveBatch call of this build, each timed alone on a solved context. */
function parts(batch, n, count) {
  const { qp, rt } = sides.this;
  const k = rt.kernels;
  const ctx = qp.solveBatch(batch, { runtime: rt }).context;
  const p = (name) => ctx.ptr(name);
  const box = (maxIter) => () => k.qp_box_f64(count, n, ctx.sharedMask, p('Q'), p('p'), p('lb'), p('ub'), p('z'), p('mu'),
    ctx.i32ptr(0), ctx.i32ptr(count * n), p('L'), p('work'), p('info'), maxIter, p('lam'), 2 * n, 0, n);
  const off = ctx.off;
  const fns = {
    whole: () => qp.solveBatch(batch, { runtime: rt }).context.dispose(),
    qp_box_f64: box(Math.max(50, 2 * n)),
    'qp_box_f64 (boxMaxIter 1)': box(1),
    qp_box_prep_f64: () => k.qp_box_prep_f64(n, p('Q'), count, p('p'), count, p('lb'), count, p('ub'), count),
    'copy in': () => {
      const v = ctx.block();
      for (const f of ['Q', 'p', 'lb', 'ub']) v.set(batch[f].batch, off[f]);
    },
    // as runBox builds them: z and λ copied out, statuses, residuals, iterations
    'result arrays': () => {
      const status = new Array(count);
      for (let t = 0; t < count; t++) status[t] = 'optimal';
      return [ctx.view('z', count * n).slice(), ctx.view('lam', count * 2 * n).slice(), status, new Float64Array(count), new Float64Array(count), new Int32Array(count)];
    },
  };
  const b = best(fns);
  ctx.dispose();
  return Object.entries(b).map(([name, us]) => `${name} ${us.toFixed(1)} µs (${(100 * us / b.whole).toFixed(0)} %)`).join(', ');
}

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
  if (breakdown) {
    console.log(`n = ${n} ×${count}, per call: ${parts(batch, n, count)}`);
    continue;
  }
  const fns = Object.fromEntries(Object.entries(sides).map(([k, s]) => [k, () => s.qp.solveBatch(batch, { runtime: s.rt }).context.dispose()]));
  const b = best(fns);
  console.log(`n = ${n} ×${count}: this ${b.this.toFixed(1)} µs/call (${(b.this / count).toFixed(3)} µs/QP), baseline ${b.baseline.toFixed(1)} µs/call (${(b.baseline / count).toFixed(3)} µs/QP), this is ${(b.baseline / b.this).toFixed(3)}× faster`);
}
