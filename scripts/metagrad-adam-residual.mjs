#!/usr/bin/env node
// Diagnostic: where does PES put meta-gradient signal in the Adam-residual θ? For a start θ it
// runs `--particles` antithetic PES particles (tasks of the meta-training distribution, runs of
// `--steps` steps, truncations of K = 25) for `--truncations` truncations each and prints, per
// θ block, the norm of the mean estimate, the RMS of one estimate and the RMS t-statistic
// (mean / standard error, per coordinate): t ≈ 1 is pure noise, t ≫ 1 is signal.
// Run after `npm run build`:
//   node scripts/metagrad-adam-residual.mjs [--theta shipped|init] [--residual-init 0.05]
//     [--particles 16] [--truncations 8] [--steps 200] [--sigma 0.02] [--seed 0]
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ready } = await import(resolve(root, 'dist/src/index.js'));
const { Rng } = await import(resolve(root, 'dist/src/core/rng.js'));
const l2o = await import(resolve(root, 'dist/src/l2o/index.js'));
const { truncatedPes } = await import(resolve(root, 'dist/src/l2o/outer/index.js'));
const { createRuntime } = await import(resolve(root, 'dist/src/runtime/runtime.js'));

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const which = arg('theta', 'shipped');
const particles = Number(arg('particles', 16)), truncs = Number(arg('truncations', 8)), steps = Number(arg('steps', 200));
const sigma = Number(arg('sigma', 0.02)), seed = Number(arg('seed', 0)), rinit = Number(arg('residual-init', 0)), K = 25;
await ready();
const shipped = which === 'shipped' ? l2o.decodeAdamResidualTheta(readFileSync(resolve(root, 'data/learned/adam-residual.json'), 'utf8')) : null;
// The shipped θ is measured in the residual form it was meta-trained for (its file's options.form).
const form = shipped?.options.form ?? 'additive';
let theta = shipped
  ? shipped.theta
  : (() => { const t = l2o.adamResidualInit(seed); t[l2o.AR_LR_BIAS] = Math.log(0.05 / 1e-3); return t; })();
if (rinit > 0) theta = l2o.arResidualStart(theta, seed, rinit);
const rt = await createRuntime();
const u = l2o.arUnroll(rt, await l2o.loadMetaData(), { minSteps: steps, maxSteps: steps, augmentProb: 0.25, form });
const n = theta.length;
const rng = new Rng(seed, 0x6d67);
const t0 = Date.now();
// (1) Sensitivity per block: antithetic perturbations of ONE block (σ on its values, 0 elsewhere),
// whole runs of `steps` steps from the start on the same task: RMS of (L⁺ − L⁻)/2 over tasks.
// A block with no first-order effect shows 0 (exactly 0 when the update does not depend on it).
const blocks = { ...l2o.AR_BLOCKS, all: Array.from({ length: n }, (_, i) => i) };
const sens = {};
for (const [name, idx] of Object.entries(blocks)) {
  let s2 = 0;
  for (let i = 0; i < particles; i++) {
    const eps = new Float64Array(n);
    for (const j of idx) eps[j] = sigma * rng.normal();
    const st = u.start(seed * 1000 + i);
    const lp = u.unroll(Float32Array.from(theta, (v, j) => v + eps[j]), st, steps).loss;
    const lm = u.unroll(Float32Array.from(theta, (v, j) => v - eps[j]), st, steps).loss;
    s2 += ((lp - lm) / 2) ** 2;
  }
  sens[name] = Math.sqrt(s2 / particles);
}
// (2) PES estimates (the trainer's estimator): per particle the mean of its truncations' ĝ
// (independent across particles), then per block the norm of the mean, the RMS of one estimate
// and the RMS t-statistic (mean / standard error, per coordinate; ≈ 1 is noise).
const samples = [];
for (let i = 0; i < particles; i++) {
  let p = truncatedPes.particle(u.start(seed * 1000 + i), n);
  const acc = new Float64Array(n);
  let k = 0;
  for (let t = 0; t < truncs; t++) {
    const eps = Float64Array.from({ length: n }, () => sigma * rng.normal());
    const r = truncatedPes.step(u, theta, p, eps, sigma, K);
    for (let j = 0; j < n; j++) acc[j] += r.grad[j];
    k++;
    p = r.next;
    if (r.done) break;
  }
  samples.push(acc.map((v) => v / k));
}
console.log(`θ ${which}${rinit ? ` + residual start ${rinit}` : ''}: ${particles} tasks/particles, runs of ${steps} steps, σ ${sigma}, ${truncs} PES truncations of ${K} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
console.log('block       size  sensitivity  |mean ĝ|   rms ĝ     rms t');
for (const [name, idx] of Object.entries(blocks)) {
  let mn2 = 0, rms = 0, t2 = 0;
  for (const i of idx) {
    const xs = samples.map((g) => g[i]);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    mn2 += m * m;
    rms += xs.reduce((a, b) => a + b * b, 0) / xs.length;
    t2 += v > 0 ? (m * m) / (v / xs.length) : 0;
  }
  console.log(`${name.padEnd(10)} ${String(idx.length).padStart(5)}  ${sens[name].toExponential(2)}    ${Math.sqrt(mn2).toExponential(2)}  ${Math.sqrt(rms / idx.length).toExponential(2)}  ${Math.sqrt(t2 / idx.length).toFixed(2)}`);
}
