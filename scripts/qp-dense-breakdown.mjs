#!/usr/bin/env node
// Where the time of one general QP goes (the figures of "Single general QPs: where the time
// goes" in docs/qp.md): the bench's inequality problem (n variables, 2n random rows, a third
// active; `npm run bench -- --suite qp --filter "inequality QP"`), CPU time per call
// (process.cpuUsage, best of 7 rounds), for
//   the kernel qp_dense_f64 called directly on prepared memory, on three variants of the problem:
//     no rows           the fixed costs of Q: Ruiz on Q, Cholesky, J = L⁻ᵀ, z̃ = −Q̃⁻¹p̃, KKT check
//     rows inactive     h moved far away: + Ruiz on the rows, one scan, the KKT rows
//     full              the solve; (full − rows inactive) / changes = one active-set change
//   qp.solve end to end, and its JavaScript part (the same call with a stub kernel), and three
//     pieces of that part alone (reading the inputs, the context, the result arrays),
//   quadprog on the same problem (the bench's call, fresh copies of its inputs each time).
// `--baseline file.wasm` adds the kernel rows of another SIMD build (e.g. of main:
//   git archive main assembly asconfig.json | tar -x -C /tmp/base && cd /tmp/base &&
//   npx asc assembly/index.ts --target simd --outFile /tmp/base.wasm).
//
// Run after `npm run build`:   node scripts/qp-dense-breakdown.mjs [--n 8] [--baseline file.wasm]
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import quadprog from 'quadprog';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(resolve(root, 'dist', p));
const { createRuntime } = await load('src/index.js');
const qp = await load('src/qp/index.js');
const { generate } = await load('test/support/qp-helpers.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const n = Number(arg('n', 8));
const baseline = arg('baseline', undefined);
const P = generate(50 + n, { n, ni: 2 * n, active: Math.floor((2 * n) / 3) });

/** CPU µs per call of fn, best of 7 rounds of ~100 ms. */
function time(fn) {
  for (let i = 0; i < 3000; i++) fn();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    let it = 0;
    const c0 = process.cpuUsage(), t0 = performance.now();
    do {
      for (let i = 0; i < 50; i++) fn();
      it += 50;
    } while (performance.now() - t0 < 100);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / it);
  }
  return best;
}

/** qp_dense_f64 of runtime rt on (G, h) with P's Q and p, its parts laid out once. */
function kernelCall(rt, G, h) {
  const k = rt.kernels;
  const ni = h.length;
  const parts = { Q: n * n, p: n, A: 0, b: 0, G: ni * n, h: ni, z: n, nu: 0, lam: ni, J: n * n, R: n * n, act: n, scl: n + ni, info: 8, work: k.qp_dense_work_len(n, 0, ni) };
  const off = {};
  let total = 0;
  for (const [name, len] of Object.entries(parts)) {
    off[name] = total;
    total += len + (len & 1);
  }
  const ptr = rt.arena.alloc(total * 8);
  const v = new Float64Array(rt.arena.memory.buffer, ptr, total);
  v.set(P.Q.flat(), off.Q);
  v.set(P.p, off.p);
  v.set(G.flat(), off.G);
  v.set(h, off.h);
  const a = Object.fromEntries(Object.entries(off).map(([name, o]) => [name, ptr + 8 * o]));
  return () => k.qp_dense_f64(1, n, 0, ni, 63, a.Q, a.p, a.A, a.b, a.G, a.h, a.z, a.nu, a.lam, a.J, a.R, a.act, a.scl, a.work, a.info, 1e-9, 1000);
}

function kernelRow(rt) {
  const none = time(kernelCall(rt, [], []));
  const inactive = time(kernelCall(rt, P.G, P.h.map((x) => x + 1e6)));
  const full = time(kernelCall(rt, P.G, P.h));
  return { none, inactive, full };
}

const rt = await createRuntime({ build: 'simd' });
const rows = [['this build', kernelRow(rt)]];
if (baseline) rows.unshift(['baseline', kernelRow(await createRuntime({ build: 'simd', bytes: readFileSync(baseline) }))]);

// The JavaScript part: the same qp.solve with a kernel that only writes status 0.
const stub = Object.create(rt);
Object.defineProperty(stub, 'kernels', {
  value: Object.assign({}, rt.kernels, { qp_dense_f64: (...a) => new Float64Array(rt.arena.memory.buffer, a[18], 8).fill(0) }),
});
Object.defineProperty(stub, 'disposed', { get: () => false });
const solve = time(() => qp.solve(P, { runtime: rt }).context.dispose());
const js = time(() => qp.solve(P, { runtime: stub }).context.dispose());

// Pieces of the JavaScript part, each alone: reading the inputs (nested rows, finiteness
// checked) into WebAssembly memory, the context (arena block + QpContext, no zero-fill) with
// dispose, and the three result arrays (z, λ, ν copied out of WebAssembly memory).
const { copyMat, copyVec } = await load('src/qp/input.js');
const { QpContext } = await load('src/qp/context.js');
const ni = P.h.length;
const blk = rt.arena.alloc(8 * (n * n + n + ni * n + ni));
const bv = () => new Float64Array(rt.arena.memory.buffer, blk, n * n + n + ni * n + ni);
const read = time(() => {
  const v = bv();
  return copyMat(P.Q, n, n, v, 0, true) && copyVec(P.p, n, v, n * n, true) && copyMat(P.G, ni, n, v, n * n + n, true) && copyVec(P.h, ni, v, n * n + n + ni * n, true);
});
const layout = { off: {}, total: 2 * n * n + 3 * n * n + 4 * ni * n };
const ctxCost = time(() => new QpContext({ method: 'active-set', count: 1, n, ne: 0, ni, runtime: rt, sharedMask: 63, map: { given: {} }, layout, zeroed: false }).dispose());
const results = time(() => {
  const v = bv();
  return [v.slice(0, n), v.slice(n, n + ni), v.slice(0, 0)];
});
rt.arena.release(blk);

const Q1 = P.Q.map((r) => [0, ...r]);
const cols = P.G.map((g, k) => ({ a: g.map((x) => -x), b: -P.h[k] }));
const Am = [[]];
for (let i = 0; i < n; i++) Am.push([0, ...cols.map((c) => c.a[i])]);
const b0 = [0, ...cols.map((c) => c.b)];
const d1 = [0, ...P.p.map((x) => -x)];
const quad = time(() => quadprog.solveQP([[], ...Q1.map((r) => r.slice())], d1.slice(), Am, b0, 0));

const r = qp.solve(P, { runtime: rt });
const changes = r.iterations;
r.context.dispose();
const f = (x) => x.toFixed(3).padStart(9);
console.log(`n = ${n}, ni = ${2 * n}, ${changes} active-set changes; CPU µs per call (best of 7)`);
console.log('kernel        Q part   rows part  full solve  per change');
for (const [name, k] of rows) console.log(`${name.padEnd(11)} ${f(k.none)} ${f(k.inactive - k.none)} ${f(k.full)} ${f((k.full - k.inactive) / changes)}`);
console.log(`qp.solve ${f(solve)} (JavaScript part with a stub kernel ${f(js)}); quadprog ${f(quad)}: ${(quad / solve).toFixed(2)}×`);
console.log(`JavaScript pieces: reading the inputs ${f(read)}, context + dispose ${f(ctxCost)}, result arrays z, λ, ν ${f(results)}`);
