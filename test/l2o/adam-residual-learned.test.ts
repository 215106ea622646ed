// The shipped Adam-residual θ: learned() loads it by default, checks its hash, keeps LOLv2 by name.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { MetaoptimError, createRuntime } from '../../src/index.js';
import { ADAM_RESIDUAL_FILE, AR_THETA_SIZE, decodeAdamResidualTheta, encodeAdamResidualTheta, learned, loadAdamResidualTheta } from '../../src/l2o/index.js';

const fileUrl = new URL(`../../../data/learned/${ADAM_RESIDUAL_FILE}`, import.meta.url);

test('learned() is the Adam-residual optimizer with the shipped θ; the file is small and has its provenance', async () => {
  const text = readFileSync(fileUrl, 'utf8');
  assert.ok(text.length <= 100_000, `${text.length} bytes`);
  const f = decodeAdamResidualTheta(text);
  assert.equal(f.theta.length, AR_THETA_SIZE);
  const p = f.provenance as Record<string, any>;
  assert.equal(p.script, 'scripts/metatrain-adam-residual.mjs');
  for (const k of ['seed', 'recipe', 'metaIterations', 'wallTimeSeconds', 'machine', 'commit', 'date']) assert.ok(k in p, k);
  assert.ok(p.wallTimeSeconds <= 2 * 3600, 'within the 2-hour budget');
  const opt = await learned({ shapes: [[3, 4], [3]], horizon: 50 });
  assert.equal(opt.name, 'adam-residual');
  assert.equal(opt.hyperparams.thetaHash, f.thetaHash);
  assert.equal(opt.hyperparams.lr, f.options.lr);
  const rt = await createRuntime();
  const s = opt.init(new Float32Array(15).fill(0.5), { runtime: rt });
  for (let t = 0; t < 5; t++) opt.step(s, Float32Array.from({ length: 15 }, (_, i) => Math.sin(i + t)), { loss: 1 / (t + 1) });
  assert.ok(s.params.every(Number.isFinite) && s.params.some((v) => v !== 0.5));
  s.dispose();
  assert.equal((await learned({ name: 'lolv2' })).name, 'mlp-lopt');
  await assert.rejects(learned({ segments: [3] }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(learned({ name: 'lolv2', shapes: [[3]] }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(learned({ name: 'other' as never }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
});

test('a θ file whose bits do not match its hash is rejected (BAD_CHECKPOINT), also through learned({ base })', async () => {
  const f = decodeAdamResidualTheta(readFileSync(fileUrl, 'utf8'));
  const round = decodeAdamResidualTheta(encodeAdamResidualTheta(f.theta, f.options, f.provenance));
  assert.ok(round.theta.every((v, i) => Object.is(v, f.theta[i])));
  const json = JSON.parse(readFileSync(fileUrl, 'utf8'));
  const bytes = Buffer.from(json.theta.$f32, 'base64');
  bytes[17] ^= 4;
  json.theta.$f32 = bytes.toString('base64');
  const dir = mkdtempSync(join(tmpdir(), 'ar-theta-'));
  writeFileSync(join(dir, ADAM_RESIDUAL_FILE), JSON.stringify(json));
  const base = pathToFileURL(dir + '/');
  await assert.rejects(learned({ base }), (e: MetaoptimError) => e.code === 'BAD_CHECKPOINT' && /hash/.test(e.message));
  await assert.rejects(loadAdamResidualTheta(base), (e: MetaoptimError) => e.code === 'BAD_CHECKPOINT');
  assert.throws(() => decodeAdamResidualTheta(JSON.stringify({ ...JSON.parse(readFileSync(fileUrl, 'utf8')), optimizer: 'mlp-lopt' })), (e: MetaoptimError) => e.code === 'BAD_CHECKPOINT');
  await assert.rejects(learned({ base: pathToFileURL(join(dir, 'none') + '/') }), (e: MetaoptimError) => e.code === 'DATA_UNAVAILABLE');
});

test('the θ file records the residual form; learned({ base }) makes the optimizer in that form; a bad form is rejected', async () => {
  const f = decodeAdamResidualTheta(readFileSync(fileUrl, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'ar-form-'));
  writeFileSync(join(dir, ADAM_RESIDUAL_FILE), encodeAdamResidualTheta(f.theta, { lr: f.options.lr, form: 'multiplicative' }, f.provenance));
  const opt = await learned({ base: pathToFileURL(dir + '/'), shapes: [[3]] });
  assert.equal(opt.hyperparams.form, 'multiplicative');
  assert.equal((await learned({ shapes: [[3]] })).hyperparams.form, f.options.form === 'multiplicative' ? 'multiplicative' : undefined);
  const bad = JSON.parse(encodeAdamResidualTheta(f.theta, { lr: 0.1 }, {}));
  bad.options.form = 'product';
  assert.throws(() => decodeAdamResidualTheta(JSON.stringify(bad)), (e: MetaoptimError) => e.code === 'BAD_CHECKPOINT' && /form/.test(e.message));
});
