// The shipped pretrained MLP optimizer (`learned()`), its θ file, and the pretraining recipe.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MetaoptimError, createRuntime, readCheckpoint } from '../../src/index.js';
import { decodeLearnedTheta, encodeLearnedTheta, learned, loadLearnedTheta, imitationTheta, loptUnroll, lstmLOpt, mlpLOpt, pretrainLearned, runOn, taskSegments, tbpttTrain } from '../../src/l2o/index.js';
import { heldOutDigitsConfigs } from '../../src/labs/learned/held-out.js';
import { digitsMlpFamily, noisyQuadraticFamily } from '../../src/tasks/index.js';
import { Rng } from '../../src/core/rng.js';

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const fileUrl = new URL('../../../data/learned/mlp-lopt-digits.json', import.meta.url);

test("learned({ name: 'lolv2' }) loads the LOLv2 θ and is an ordinary Optimizer", async () => {
  const opt = await learned({ name: 'lolv2' });
  const file = await loadLearnedTheta();
  assert.equal(opt.name, 'mlp-lopt');
  assert.equal(opt.hyperparams.thetaHash, file.thetaHash);
  assert.equal(opt.hyperparams.normEps, file.options.normEps);
  // init / step / save / restore: a restored state continues bit for bit.
  const rt = await createRuntime();
  const rng = new Rng(5);
  const n = 37;
  const p0 = new Float32Array(n);
  rng.fillNormal(p0, 0.1);
  const a = opt.init(p0, { runtime: rt });
  const grads = Array.from({ length: 6 }, () => rng.fillNormal(new Float32Array(n), 0.01) as Float32Array);
  for (const g of grads.slice(0, 3)) opt.step(a, g);
  assert.ok(!same(a.params, p0), 'the steps moved the parameters');
  const b = opt.restore(a.save(), { runtime: rt });
  for (const g of grads.slice(3)) {
    opt.step(a, g);
    opt.step(b, g);
  }
  assert.ok(same(a.params, b.params));
  for (const k of Object.keys(a.slots)) assert.ok(same(a.view(k), b.view(k)), k);
  assert.ok(a.params.every(Number.isFinite));
  // Non-finite policy: 'throw' (default) leaves the state untouched; 'skip' counts a skipped step.
  const before = a.params.slice();
  const bad = grads[0]!.slice();
  bad[3] = NaN;
  assert.throws(() => opt.step(a, bad), (e: unknown) => e instanceof MetaoptimError && e.code === 'NON_FINITE_GRADIENT');
  assert.ok(same(a.params, before));
  const skip = await learned({ name: 'lolv2', nonFinite: 'skip' });
  const c = skip.init(p0, { runtime: rt });
  skip.step(c, bad);
  assert.ok(same(c.params, p0));
  assert.equal(c.scalars.skipped, 1);
  // A checkpoint names the optimizer and records the θ hash.
  assert.equal(readCheckpoint(a.save()).hyperparams.thetaHash, file.thetaHash);
  for (const s of [a, b, c]) s.dispose();
});

test('the θ file: hash, options and provenance; a tampered file is rejected', async () => {
  const text = readFileSync(fileUrl, 'utf8');
  const f = decodeLearnedTheta(text);
  assert.equal(f.theta.length, mlpLOpt.thetaSize);
  assert.ok(f.theta.every(Number.isFinite));
  const p = f.provenance as Record<string, any>;
  assert.equal(p.script, 'scripts/pretrain-learned.mjs');
  assert.equal(typeof p.seed, 'number');
  assert.ok(Number.isInteger(p.metaIterations) && p.metaIterations > 0);
  assert.ok(p.wallTimeSeconds > 0 && p.wallTimeSeconds <= 20 * 60, `meta-training took ${p.wallTimeSeconds} s`);
  assert.ok('gitCommit' in p && typeof p.createdAt === 'string');
  assert.ok(p.recipe && p.recipe.normEps === f.options.normEps);
  // Round trip, and a flipped θ bit no longer matches the recorded hash.
  assert.ok(same(decodeLearnedTheta(encodeLearnedTheta(f.theta, f.options.normEps, f.provenance)).theta, f.theta));
  const json = JSON.parse(text);
  const bytes = Buffer.from(json.theta.$f32, 'base64');
  bytes[100] ^= 1;
  json.theta.$f32 = bytes.toString('base64');
  assert.throws(() => decodeLearnedTheta(JSON.stringify(json)), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT');
  assert.throws(() => decodeLearnedTheta('{"format":"other"}'), (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT');
  await assert.rejects(loadLearnedTheta(new URL('./no-such-folder/', import.meta.url)), (e: unknown) => e instanceof MetaoptimError && e.code === 'DATA_UNAVAILABLE');
});

test('on a held-out digits task (unseen seed and width) the learned optimizer cuts the training loss in 200 steps', async () => {
  const family = await digitsMlpFamily();
  const config = heldOutDigitsConfigs(family, 1)[0]!;
  assert.ok(config.hidden.every((w) => w === 24), 'width 24 is not one the family samples');
  const task = family.task(config);
  try {
    const opt = await learned({ name: 'lolv2', segments: taskSegments(task) });
    const l0 = task.loss(task.init(0), 0);
    const r = runOn(task, opt, 200, 0);
    assert.ok(!r.diverged);
    // Measured with the shipped θ: 2.24 → 0.004 (last 10 steps), test accuracy 97.5 %, mean loss
    // 0.081 (tuned Adam: 0.096). The bounds are loose: any working optimizer meets them.
    assert.ok(r.finalLoss < 0.05 * l0, `final ${r.finalLoss} vs initial ${l0}`);
    assert.ok(r.testAccuracy > 0.9, `test accuracy ${r.testAccuracy}`);
  } finally {
    task.dispose();
  }
});

test('pretrainLearned on a tiny budget is deterministic given its seed', async () => {
  const tiny = (seed: number) =>
    pretrainLearned({
      seed,
      imitation: { taskSeeds: [3], steps: 15, fitSteps: 60, daggerRounds: 0, perTensor: 4 },
      pes: { iterations: 2, particles: 2, truncation: 4, innerSteps: 8, staggerSteps: 0, workers: 0 },
      validationTasks: 1,
      validationSteps: 8,
    });
  const a = await tiny(1);
  const b = await tiny(1);
  assert.ok(same(a.theta, b.theta) && same(a.pesTheta, b.pesTheta) && same(a.imitationTheta, b.imitationTheta));
  assert.equal(a.history.length, 2);
  assert.ok(!same(a.pesTheta, a.imitationTheta), 'PES moved θ');
  assert.ok(same(a.theta, a.selected === 'pes' ? a.pesTheta : a.imitationTheta));
  const c = await tiny(2);
  assert.ok(!same(c.imitationTheta, a.imitationTheta), 'another seed gives another θ');
});

const tinyRecipe = {
  imitation: { taskSeeds: [3], steps: 15, fitSteps: 60, daggerRounds: 0, perTensor: 4 },
  pes: { particles: 2, truncation: 4, innerSteps: 8, staggerSteps: 0, workers: 0 },
  validationTasks: 1,
  validationSteps: 8,
};

test('pretrainLearned is cancellable in each stage; its partial checkpoint resumes to the bits of an uninterrupted run', async () => {
  // Imitation stage (nothing to resume): ABORTED { iteration: 0, partial: undefined }.
  const ac1 = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac1.abort(), 50);
  await assert.rejects(pretrainLearned({ ...tinyRecipe, seed: 1, imitation: { ...tinyRecipe.imitation, fitSteps: 10_000_000 }, pes: { ...tinyRecipe.pes, iterations: 2 }, signal: ac1.signal }), (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
    assert.deepEqual(e.details, { iteration: 0, partial: undefined });
    return true;
  });
  assert.ok(performance.now() - t0 < 1000);
  // PES stage: the abort lands in a run of a million meta-iterations; the partial resumes.
  const ac2 = new AbortController();
  let armed = false;
  let cut: { iteration: number; partial: Uint8Array } | undefined;
  await assert.rejects(
    pretrainLearned({
      ...tinyRecipe, seed: 1, pes: { ...tinyRecipe.pes, iterations: 1_000_000 }, signal: ac2.signal,
      onProgress: (e) => {
        if (e.label === 'pretrainLearned: pes' && !armed) {
          armed = true;
          setTimeout(() => ac2.abort(), 40);
        }
      },
    }),
    (e: unknown) => {
      assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
      cut = e.details as { iteration: number; partial: Uint8Array };
      assert.ok(cut.partial instanceof Uint8Array && cut.iteration >= 0 && cut.iteration < 1_000_000, `iteration ${cut.iteration}`);
      return true;
    },
  );
  const n = cut!.iteration + 2;
  const plain = await pretrainLearned({ ...tinyRecipe, seed: 1, pes: { ...tinyRecipe.pes, iterations: n } });
  const resumed = await pretrainLearned({ ...tinyRecipe, seed: 1, pes: { ...tinyRecipe.pes, iterations: n }, resume: cut!.partial });
  assert.ok(same(resumed.pesTheta, plain.pesTheta) && same(resumed.theta, plain.theta));
  assert.deepEqual(resumed.validations, plain.validations);
});

test('every l2o factory and trainer rejects an unknown option, naming the closest valid one', async () => {
  const unknown = (f: () => unknown, hint: string) => assert.throws(f, (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.message.includes(`'${hint}'`));
  const unknownAsync = (p: Promise<unknown>, hint: string) => assert.rejects(p, (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && e.message.includes(`'${hint}'`));
  unknown(() => mlpLOpt.optimizer(mlpLOpt.init(0), { normEsp: 1e-8 } as never), 'normEps');
  unknown(() => lstmLOpt.optimizer(lstmLOpt.init(0), { outscale: 0.2 } as never), 'outScale');
  unknown(() => noisyQuadraticFamily({ dims: 3 } as never), 'dim');
  const rt = await createRuntime();
  unknown(() => loptUnroll({ family: noisyQuadraticFamily(), lopt: mlpLOpt, runtime: rt, innersteps: 5 } as never), 'innerSteps');
  await unknownAsync(learned({ segment: [3] } as never), 'segments');
  await unknownAsync(tbpttTrain({ family: noisyQuadraticFamily(), theta: lstmLOpt.init(0), runs: 1, outscale: 0.1 } as never), 'outScale');
  await unknownAsync(pretrainLearned({ validationTask: 2 } as never), 'validationTasks');
  await unknownAsync(pretrainLearned({ pes: { iteration: 3 } } as never), 'iterations');
  const family = await digitsMlpFamily();
  await unknownAsync(imitationTheta({ family, runtime: rt, taskSeeds: [0], lr: 0.1, fitstep: 3 } as never), 'fitSteps');
});
