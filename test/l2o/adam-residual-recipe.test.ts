// The recipe pieces of the second Adam-residual θ: the multiplicative form in meta-training, the
// cosine-decay schedule start, validation over several run lengths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, ready } from '../../src/index.js';
import { AR_COSINE_RECIPE, AR_LR_BIAS, AR_QUICK_RECIPE, adamResidualInit, arCosineStart, arResidualStart, arValidate, cosineScheduleFit, metaTrainAdamResidual, scheduleLogScale } from '../../src/l2o/index.js';

test('cosineScheduleFit follows ln max(½(1 + cos πp), floor); arCosineStart peaks at peakLr and ignores the loss inputs', () => {
  for (const floor of [0.02, 0.1]) {
    const f = cosineScheduleFit(floor);
    let worst = 0;
    for (let i = 0; i <= 100; i++) {
      const p = i / 100;
      let s = f.c2;
      for (let k = 0; k < 4; k++) s += f.s2[k]! * Math.tanh(f.c1[k]! + f.progress[k]! * p);
      worst = Math.max(worst, Math.abs(s - Math.log(Math.max(0.5 * (1 + Math.cos(Math.PI * p)), floor))));
    }
    assert.ok(worst < 0.15, `floor ${floor}: max error ${worst}`);
  }
  const base = adamResidualInit(3);
  const th = arCosineStart(base, 0.07, 1e-3);
  for (let i = 0; i < AR_LR_BIAS - 20; i++) assert.equal(th[i], base[i], 'only the schedule block changes');
  const at = (p: number, l = 0, tr = 0) => 1e-3 * Math.exp(scheduleLogScale(th, [p, l, tr]));
  assert.ok(Math.abs(at(0) / 0.07 - 1) < 0.15, `lr at p = 0: ${at(0)}`);
  assert.ok(at(0.5) < at(0.1) && at(0.9) < at(0.5) && at(1) < 0.07 * 0.05, 'it decays to about floor·peak');
  assert.equal(at(0.4, -3, 1), at(0.4), 'the loss inputs do not enter');
});

test('meta-training: startSchedule cosine, form multiplicative and several validation lengths make the validation score', async () => {
  await ready();
  const o = { ...AR_QUICK_RECIPE, residualInit: 0.01, form: 'multiplicative' as const, startSchedule: 'cosine' as const, startLr: 0.07, validationTasks: 1, validationSteps: [15, 30], iterations: 2, validateEvery: 2, particles: 2, truncation: 5 };
  const r = await metaTrainAdamResidual(o);
  const th0 = arCosineStart(adamResidualInit(0), 0.07, o.lr);
  const start = arResidualStart(th0, 0, 0.01);
  const v = async (th: Float32Array, form: 'additive' | 'multiplicative') => ((await arValidate(th, 1, 15, { lr: o.lr, form })) + (await arValidate(th, 1, 30, { lr: o.lr, form }))) / 2;
  assert.equal(r.validations[0]!.loss, await v(start, 'multiplicative'));
  assert.notEqual(r.validations[0]!.loss, await v(start, 'additive'), 'the form reaches the validation runs');
  assert.equal(r.validations[1]!.loss, await v(r.lastTheta, 'multiplicative'));
  assert.equal(r.recipe.form, 'multiplicative');
  assert.equal(AR_COSINE_RECIPE.form, 'multiplicative');
  await assert.rejects(metaTrainAdamResidual({ ...o, startSchedule: 'linear' as never }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(metaTrainAdamResidual({ ...o, validationSteps: [] }), (e: MetaoptimError) => e.code === 'INVALID_ARGUMENT');
});
