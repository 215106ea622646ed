// Issue 15, items 2 and 5: meta-training checkpoints and learned θ files are checked on resume /
// load, field by field (BAD_CHECKPOINT { field, reason }), never a raw TypeError or a silent
// acceptance of iteration −5, NaN or 1e9.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeJson, encodeJson } from '../../src/core/codec.js';
import { MetaoptimError } from '../../src/core/errors.js';
import { type TruncatedUnroll, esMetaTrain } from '../../src/l2o/index.js';
import { decodeLearnedTheta } from '../../src/l2o/pretrain/learned.js';
import { adam } from '../../src/optim/index.js';
import { ready } from '../../src/runtime/index.js';

const bad = (field: RegExp) => (e: unknown) => {
  assert.ok(e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT', String(e));
  assert.match(String((e.details as { field: string }).field), field, e.message);
  return true;
};

/** A tiny inner problem: s ← 0.5·s + θ, loss ½‖s − 1‖², runs of 6 steps. */
const toy: TruncatedUnroll<{ s: number[]; t: number }> = {
  thetaSize: 2,
  start: () => ({ s: [0.2, -0.1], t: 0 }),
  unroll(theta, st, steps) {
    const s = st.s.slice();
    let sum = 0, n = 0, t = st.t;
    while (n < steps && t < 6) {
      for (let i = 0; i < 2; i++) s[i] = 0.5 * s[i]! + theta[i]!;
      sum += 0.5 * s.reduce((q, v) => q + (v - 1) ** 2, 0);
      n++;
      t++;
    }
    return { state: { s, t }, loss: sum / n, done: t >= 6 };
  },
};

test('meta-training resume: iteration, history, particles and the meta state are validated', async () => {
  await ready();
  for (const estimator of ['es', 'pes'] as const) {
    const base = { estimator, unroll: toy as TruncatedUnroll<unknown>, theta: Float32Array.from([0.1, 0.2]), particles: 2, sigma: 0.05, truncation: 2, seed: 3 };
    const run = await esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations: 3 });
    const saved = decodeJson(run.checkpoint) as Record<string, unknown>;
    const resume = (edit: (s: Record<string, any>) => void, iterations = 5) => {
      const copy = decodeJson(encodeJson(saved)) as Record<string, any>;
      edit(copy);
      return esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.01 }), iterations, resume: encodeJson(copy) });
    };
    // The untouched checkpoint resumes.
    assert.equal((await resume(() => {})).history.length, 5);
    for (const it of [-5, NaN, 1e9, 2.5, '3', null]) await assert.rejects(resume((s) => (s.iteration = it)), bad(/^iteration$/), `iteration ${String(it)}`);
    await assert.rejects(resume(() => {}, 2), bad(/^iteration$/), 'a checkpoint beyond the requested iterations');
    await assert.rejects(resume((s) => (s.history = null)), bad(/^history$/));
    await assert.rejects(resume((s) => s.history.pop()), bad(/^history$/));
    await assert.rejects(resume((s) => (s.history[1].loss = NaN)), bad(/^history\[1\]\.loss$/));
    await assert.rejects(resume((s) => (s.history[0].iteration = 7)), bad(/^history\[0\]\.iteration$/));
    await assert.rejects(resume((s) => (s.history[2].restarts = -1)), bad(/^history\[2\]\.restarts$/));
    await assert.rejects(resume((s) => (s.history[2].gradNorm = -1)), bad(/^history\[2\]\.gradNorm$/));
    await assert.rejects(resume((s) => (s.particles = null)), bad(/^particles$/));
    await assert.rejects(resume((s) => s.particles.pop()), bad(/^particles$/));
    const key = estimator === 'pes' ? 'neg' : 'state';
    await assert.rejects(resume((s) => delete s.particles[1][key]), bad(new RegExp(`^particles\\[1\\]\\.${key}$`)));
    if (estimator === 'pes') {
      await assert.rejects(resume((s) => (s.particles[0].xi = new Float64Array(3))), bad(/^particles\[0\]\.xi$/));
      await assert.rejects(resume((s) => (s.particles[0].xi[1] = Infinity)), bad(/^particles\[0\]\.xi$/));
    }
    await assert.rejects(resume((s) => (s.meta = 'x')), bad(/^meta$/));
    await assert.rejects(resume((s) => (s.meta[s.meta.length - 1] ^= 1)), bad(/^meta\.crc$/));
    await assert.rejects(resume((s) => (s.format = 'other')), bad(/^format$/));
    await assert.rejects(resume((s) => (s.config.seed = 4)), bad(/^config$/));
    // A resume with another meta-optimizer is refused (its hyper-parameters are in the meta state).
    await assert.rejects(esMetaTrain({ ...base, metaOptimizer: adam({ lr: 0.02 }), iterations: 5, resume: run.checkpoint }), bad(/^meta\.hyperparams$/));
  }
});

test('learned θ files: tampered θ, hash, options or format are BAD_CHECKPOINT naming the field', () => {
  const text = readFileSync(new URL('../../../data/learned/mlp-lopt-digits.json', import.meta.url), 'utf8');
  const ok = decodeLearnedTheta(text);
  assert.equal(ok.theta.length, 1762);
  const json = JSON.parse(text);
  const edit = (f: (j: any) => void) => {
    const j = JSON.parse(text);
    f(j);
    return JSON.stringify(j);
  };
  assert.throws(() => decodeLearnedTheta(edit((j) => (j.thetaHash = '00000000'))), bad(/^thetaHash$/));
  assert.throws(() => decodeLearnedTheta(edit((j) => (j.format = 'x'))), bad(/^format$/));
  assert.throws(() => decodeLearnedTheta(edit((j) => (j.options.normEps = -1))), bad(/^options\.normEps$/));
  assert.throws(() => decodeLearnedTheta(edit((j) => delete j.options)), bad(/^options\.normEps$/));
  // θ with a NaN entry, with its hash recomputed: the hash alone would pass it.
  const theta = ok.theta.slice();
  theta[5] = NaN;
  const nanFile = decodeJson(encodeJson({ ...json, theta })) as Record<string, unknown>;
  assert.throws(() => decodeLearnedTheta(new TextDecoder().decode(encodeJson({ ...nanFile, theta }))), bad(/^theta$/));
  // One flipped θ byte without a new hash.
  const flipped = ok.theta.slice();
  new Uint8Array(flipped.buffer)[100]! ^= 4;
  assert.throws(() => decodeLearnedTheta(new TextDecoder().decode(encodeJson({ ...json, theta: flipped }))), bad(/^(thetaHash|theta)$/));
});
