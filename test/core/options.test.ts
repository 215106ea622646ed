// core/errors.ts: checkOptions (closest key, aliases) and optionKeys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError, checkNumber, checkOptions, closestKey, optionKeys } from '../../src/core/errors.js';

const unknown = (key: string, suggestion: string | undefined) => (e: unknown) => {
  assert.ok(e instanceof MetaoptimError, String(e));
  assert.equal(e.code, 'UNKNOWN_OPTION');
  const d = e.details as { key: string; suggestion?: string; valid: string[] };
  assert.equal(d.key, key);
  assert.equal(d.suggestion, suggestion);
  if (suggestion) assert.match(e.message, new RegExp(`did you mean '${suggestion}'`));
  else assert.match(e.message, /valid options: /);
  return true;
};

const ADAM = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'nonFinite'];

test('checkOptions: valid keys pass (and are returned), undefined/null give {}', () => {
  const o = { lr: 1, eps: 2 };
  assert.equal(checkOptions('adam', o, ADAM), o);
  assert.deepEqual(checkOptions('adam', undefined, ADAM), {});
  assert.deepEqual(checkOptions('adam', null, ADAM), {});
  assert.deepEqual(checkOptions('adam', {}, []), {});
});

test('checkOptions: an unknown key is UNKNOWN_OPTION naming the closest valid key', () => {
  assert.throws(() => checkOptions('adam', { lrr: 1 }, ADAM), unknown('lrr', 'lr'));
  assert.throws(() => checkOptions('adam', { weightdecay: 1 }, ADAM), unknown('weightdecay', 'weightDecay'));
  assert.throws(() => checkOptions('adam', { beta_1: 1 }, ADAM), unknown('beta_1', 'beta1'));
  assert.throws(() => checkOptions('adam', { nonfinite: 'skip' }, ADAM), unknown('nonfinite', 'nonFinite'));
  assert.throws(() => checkOptions('sgd', { moment: 0.9 }, ['lr', 'momentum', 'nesterov']), unknown('moment', 'momentum'));
  // Nothing close: no suggestion, the valid keys are listed.
  assert.throws(() => checkOptions('adam', { temperature: 1 }, ADAM), unknown('temperature', undefined));
  // The owner is named in the message.
  assert.throws(() => checkOptions('myFactory', { zzz: 1 }, ['a']), /myFactory: unknown option 'zzz'/);
});

test('checkOptions: other libraries\' names are aliases (learningRate → lr, epsilon → eps, …)', () => {
  assert.throws(() => checkOptions('adam', { learningRate: 0.1 }, ADAM), unknown('learningRate', 'lr'));
  assert.throws(() => checkOptions('adam', { learning_rate: 0.1 }, ADAM), unknown('learning_rate', 'lr'));
  assert.throws(() => checkOptions('adam', { step_size: 0.1 }, ADAM), unknown('step_size', 'lr'));
  assert.throws(() => checkOptions('adam', { epsilon: 1e-8 }, ADAM), unknown('epsilon', 'eps'));
  assert.throws(() => checkOptions('adam', { weight_decay: 0.1 }, ADAM), unknown('weight_decay', 'weightDecay'));
  assert.throws(() => checkOptions('adam', { decay: 0.1 }, ADAM), unknown('decay', 'weightDecay'));
  assert.equal(closestKey('b1', ['beta1', 'b1']), 'b1');
  // An alias whose target is not valid here falls back to edit distance.
  assert.equal(closestKey('epsilon', ['lr']), undefined);
});

test('checkOptions: non-object options are INVALID_ARGUMENT', () => {
  for (const bad of [3, 'lr', [1], true]) {
    assert.throws(() => checkOptions('adam', bad as unknown as object, ADAM), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT');
  }
});

test('closestKey: a one-letter typo of any valid key is found (keys that differ in more than one letter)', () => {
  const keys = ['lr', 'eps', 'weightDecay', 'nonFinite', 'momentum', 'streamSeed', 'initialPages'];
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.nat(), fc.constantFrom('x', 'q', 'z'), (key, at, ch) => {
      const i = at % key.length;
      const typo = key.slice(0, i) + ch + key.slice(i + 1);
      fc.pre(typo !== key);
      const s = closestKey(typo, keys);
      assert.equal(s, key, `${typo} → ${s}`);
    }),
  );
});

test('optionKeys lists exactly the keys given (the compiler checks them against the type)', () => {
  interface O {
    a?: number;
    b: string;
  }
  assert.deepEqual([...optionKeys<O>({ a: 1, b: 1 })], ['a', 'b']);
  assert.ok(Object.isFrozen(optionKeys<O>({ a: 1, b: 1 })));
});

test('checkNumber: finite and in range, else INVALID_HYPERPARAMETER naming the parameter', () => {
  assert.equal(checkNumber('x', 'lr', 0.5, { min: 0, max: 1 }), 0.5);
  const bad = (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_HYPERPARAMETER';
  assert.throws(() => checkNumber('x', 'lr', NaN), bad);
  assert.throws(() => checkNumber('x', 'lr', '1'), bad);
  assert.throws(() => checkNumber('x', 'lr', 0, { min: 0, minExclusive: true }), /lr must lie in \(0, ∞\)/);
  assert.throws(() => checkNumber('x', 'beta', 1, { min: 0, max: 1, maxExclusive: true }), /beta must lie in \[0, 1\)/);
});
