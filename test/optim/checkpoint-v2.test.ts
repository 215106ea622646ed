// Issue 15, item 2: checkpoints are checked, not trusted. Format 2 carries a CRC-32; restore
// validates every scalar and slot, refuses other hyper-parameters unless told what to do, and
// still reads version-1 files (fixtures written by the version-1 writer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import {
  type OptState,
  type Optimizer,
  adam,
  chain,
  cosineDecay,
  eve,
  lion,
  momentum,
  optimizerOf,
  readCheckpoint,
  scaleByAdam,
  scaleByEve,
  scaleByLearningRate,
  sgd,
  trace,
} from '../../src/optim/index.js';
import { checkpointCrc, encodeCheckpoint } from '../../src/optim/checkpoint.js';
import { ready } from '../../src/runtime/index.js';
import { sameBits } from '../support/optimizers.js';
import { V1_FIXTURES, readV1Fixture, v1Run } from '../support/checkpoint-fixtures.js';

/** BAD_CHECKPOINT whose details.field matches `field`. */
const bad = (field: RegExp) => (e: unknown) => {
  assert.ok(e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT', String(e));
  const d = e.details as { field: string; reason: string };
  assert.match(d.field, field, `${d.field}: ${d.reason}`);
  assert.equal(typeof d.reason, 'string');
  return true;
};

function trained(opt: Optimizer, n = 7, steps = 4): OptState {
  const s = opt.init(Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1)));
  for (let k = 0; k < steps; k++) opt.step(s, Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7 + k)), { loss: 3 / (k + 1) });
  return s;
}

/** The checkpoint with `edit` applied to its decoded contents, re-sealed with a valid CRC-32. */
function reseal(bytes: Uint8Array, edit: (c: ReturnType<typeof readCheckpoint>) => void): Uint8Array {
  const c = readCheckpoint(bytes);
  edit(c);
  return encodeCheckpoint({ ...c, hyperHash: c.hyperHash! });
}

test('CRC-32: every single-bit flip and every truncation of a version-2 checkpoint is BAD_CHECKPOINT', async () => {
  await ready();
  const opt = adam({ lr: 0.01 });
  const s = trained(opt, 3);
  const bytes = s.save();
  for (let bit = 0; bit < 8 * bytes.length; bit++) {
    const b = bytes.slice();
    b[bit >> 3]! ^= 1 << (bit & 7);
    assert.throws(() => opt.restore(b), bad(/^(crc|magic|version|length|header.*)$/), `bit ${bit}`);
  }
  for (let len = 0; len < bytes.length; len++) assert.throws(() => opt.restore(bytes.subarray(0, len)), bad(/./), `length ${len}`);
  s.dispose();
});

test("crafted values (issue 15's list) are BAD_CHECKPOINT naming the field", async () => {
  await ready();
  const opt = adam({ lr: 0.01 });
  const s = trained(opt);
  const bytes = s.save();
  for (const v of [NaN, -1, 0.5, Infinity, 1e308, -0]) {
    assert.throws(() => opt.restore(reseal(bytes, (c) => (c.scalars.count = v))), bad(/^scalars\.count$/), `count ${v}`);
    assert.throws(() => opt.restore(reseal(bytes, (c) => (c.scalars.skipped = v))), bad(/^scalars\.skipped$/), `skipped ${v}`);
  }
  for (const v of [-1e-3, NaN, Infinity]) assert.throws(() => opt.restore(reseal(bytes, (c) => (c.arrays.v![2] = v))), bad(/^arrays\.v$/), `v ${v}`);
  for (const v of [Infinity, -Infinity, NaN]) {
    assert.throws(() => opt.restore(reseal(bytes, (c) => (c.arrays.params![0] = v))), bad(/^arrays\.params$/), `params ${v}`);
    assert.throws(() => opt.restore(reseal(bytes, (c) => (c.arrays.m![1] = v))), bad(/^arrays\.m$/), `m ${v}`);
  }
  assert.throws(() => opt.restore(reseal(bytes, (c) => (c.arrays.m = new Float32Array(0)))), bad(/^arrays\.m$/), 'zero-length array');
  assert.throws(() => opt.restore(reseal(bytes, (c) => delete c.arrays.v)), bad(/^arrays\.v$/), 'missing array');
  assert.throws(() => opt.restore(reseal(bytes, (c) => (c.arrays.w = new Float32Array(7)))), bad(/^arrays\.w$/), 'extra array');
  assert.throws(() => opt.restore(reseal(bytes, (c) => (c.scalars.extra = 1))), bad(/^scalars\.extra$/), 'extra scalar');
  assert.throws(() => opt.restore(reseal(bytes, (c) => delete c.scalars.count)), bad(/^scalars\.count$/), 'missing scalar');
  assert.throws(() => opt.restore(reseal(bytes, (c) => (c.hyperHash = '00000000'))), bad(/^header\.hyperHash$/), 'hash vs hyper-parameters');
  // Duplicate arrays: a hand-made header listing `m` twice, with a valid CRC.
  const c = readCheckpoint(bytes);
  const header = new TextEncoder().encode(JSON.stringify({ optimizer: 'adam', size: 7, hyperparams: c.hyperparams, hyperHash: c.hyperHash, scalars: [], arrays: ['params', 'm', 'm'].map((name) => ({ name, dtype: 'f32', length: 7 })) }));
  const dup = new Uint8Array(Math.ceil((16 + header.length) / 8) * 8 + 3 * 28);
  dup.set([0x4d, 0x4f, 0x50, 0x54]);
  new DataView(dup.buffer).setUint32(4, 2, true);
  new DataView(dup.buffer).setUint32(8, header.length, true);
  dup.set(header, 16);
  new DataView(dup.buffer).setUint32(12, checkpointCrc(dup), true);
  assert.throws(() => opt.restore(dup), bad(/^arrays\.m$/), 'duplicate arrays');
  s.dispose();
});

test("Eve's d outside its documented range (0, −1, NaN, ±Infinity, 1e-320, c + 1) is BAD_CHECKPOINT, both variants and in chains", async () => {
  await ready();
  for (const opt of [eve({ lr: 0.01 }), eve({ lr: 0.01, variant: 'thresholds' })]) {
    const s = trained(opt);
    const bytes = s.save();
    const hi = opt.hyperparams.variant === 'clip' ? (opt.hyperparams.c as number) : (opt.hyperparams.K as number);
    for (const d of [0, -1, NaN, Infinity, -Infinity, 1e-320, hi + 1]) {
      assert.throws(() => opt.restore(reseal(bytes, (c) => (c.scalars.d = d))), bad(/^scalars\.d$/), `${String(opt.hyperparams.variant)} d = ${d}`);
    }
    const ref = opt.hyperparams.variant === 'clip' ? 'fPrev' : 'fHat';
    assert.throws(() => opt.restore(reseal(bytes, (c) => (c.scalars[ref] = Infinity))), bad(new RegExp(`^scalars\\.${ref}$`)));
    s.dispose();
  }
  const ch = chain(trace({ momentum: 0.5 }), scaleByEve({ variant: 'thresholds' }), scaleByLearningRate(0.01));
  const s = trained(ch);
  assert.throws(() => ch.restore(reseal(s.save(), (c) => (c.scalars['1.d'] = 0))), bad(/^scalars\.1\.d$/));
  assert.throws(() => ch.restore(reseal(s.save(), (c) => (c.arrays['1.v']![0] = -1))), bad(/^arrays\.1\.v$/));
  s.dispose();
});

test("hyper-parameter mismatch: refused by default; 'optimizer' continues with the new ones; 'checkpoint' re-makes the saved ones", async () => {
  await ready();
  const small = adam({ lr: 0.1 });
  const s = trained(small);
  const bytes = s.save();
  const big = adam({ lr: 1000 });
  assert.throws(() => big.restore(bytes), (e: unknown) => {
    bad(/^hyperparams$/)(e);
    assert.deepEqual((e as MetaoptimError).details!.keys, ['lr']);
    return true;
  });
  const asOpt = big.restore(bytes, { hyperparams: 'optimizer' });
  assert.equal(asOpt.hyperparams.lr, 1000);
  assert.equal(optimizerOf(asOpt), big);
  const asCk = big.restore(bytes, { hyperparams: 'checkpoint' });
  const remade = optimizerOf(asCk)!;
  assert.equal(asCk.hyperparams.lr, 0.1);
  assert.equal(remade.hyperparams.lr, 0.1);
  assert.throws(() => big.step(asCk, new Float32Array(7)), (e: unknown) => (e as MetaoptimError).code === 'STATE_MISMATCH');
  // The re-made optimizer continues exactly like the original.
  const g = Float32Array.from({ length: 7 }, (_, i) => 0.1 * i - 0.3);
  remade.step(asCk, g);
  small.step(s, g);
  assert.ok(sameBits(asCk.params, s.params));
  assert.deepEqual(asCk.save(), s.save());
  for (const x of [asOpt, asCk, s]) x.dispose();
  assert.throws(() => big.restore(bytes, { hyperparams: 'mine' as never }), (e: unknown) => (e as MetaoptimError).code === 'INVALID_ARGUMENT');
});

test("'checkpoint' re-makes sgd, eve and chains; schedules and learned θ are not representable; 'optimizer' still needs the same layout", async () => {
  await ready();
  const cases: [Optimizer, Optimizer][] = [
    [sgd({ momentum: 0 }), sgd({ momentum: 0.9 })],
    [eve({ variant: 'thresholds', k: 0.2 }), eve({ variant: 'thresholds' })],
    [chain(trace({ momentum: 0.5 }), scaleByLearningRate(0.1)), chain(trace({ momentum: 0.9 }), scaleByLearningRate(0.2))],
    [lion({ beta2: 0.9 }), lion()],
  ];
  for (const [a, b] of cases) {
    const s = trained(a);
    const r = b.restore(s.save(), { hyperparams: 'checkpoint' });
    const g = new Float32Array(7).fill(0.3);
    optimizerOf(r)!.step(r, g, { loss: 0.5 });
    a.step(s, g, { loss: 0.5 });
    assert.deepEqual(r.save(), s.save(), a.name);
    r.dispose();
    s.dispose();
  }
  // Different layouts cannot be forced: momentum 0 has no trace buffer.
  const s0 = trained(sgd({ momentum: 0 }));
  assert.throws(() => momentum({ momentum: 0.9 }).restore(s0.save(), { hyperparams: 'optimizer' }), bad(/./));
  assert.throws(() => sgd({ momentum: 0.9 }).restore(s0.save(), { hyperparams: 'optimizer' }), bad(/^arrays\.trace$/));
  const eClip = trained(eve());
  assert.throws(() => eve({ variant: 'thresholds' }).restore(eClip.save(), { hyperparams: 'optimizer' }), bad(/^scalars\./));
  // Not representable from a file.
  const sched = trained(adam({ lr: cosineDecay({ init: 0.1, decaySteps: 10 }) }));
  assert.throws(() => adam().restore(sched.save(), { hyperparams: 'checkpoint' }), (e: unknown) => bad(/^hyperparams$/)(e) && /not representable/.test((e as Error).message));
  const m1 = mlpLOpt.optimizer(mlpLOpt.init(1)), m2 = mlpLOpt.optimizer(mlpLOpt.init(2));
  const ms = trained(m1);
  assert.throws(() => m2.restore(ms.save()), (e: unknown) => bad(/^hyperparams$/)(e) && ((e as MetaoptimError).details!.keys as string[]).includes('thetaHash'));
  assert.throws(() => m2.restore(ms.save(), { hyperparams: 'checkpoint' }), (e: unknown) => /not representable/.test((e as Error).message));
  const moved = m2.restore(ms.save(), { hyperparams: 'optimizer' });
  assert.equal(optimizerOf(moved), m2);
  const l1 = lstmLOpt.optimizer(lstmLOpt.init(1)), l2 = lstmLOpt.optimizer(lstmLOpt.init(2));
  const ls = trained(l1, 3, 2);
  assert.throws(() => l2.restore(ls.save()), bad(/^hyperparams$/));
  for (const x of [s0, eClip, sched, ms, moved, ls]) x.dispose();
});

test('version-1 files (written by the version-1 writer) restore bit-exactly, and are checked the same way', async () => {
  await ready();
  for (const [name, make] of Object.entries(V1_FIXTURES)) {
    const bytes = readV1Fixture(name);
    const c = readCheckpoint(bytes);
    assert.equal(c.version, 1, name);
    const opt = make();
    const back = opt.restore(bytes);
    // The same run with today's code (the fixture script's steps): the same bits everywhere.
    const again = v1Run(opt);
    assert.ok(sameBits(back.params, again.params), name);
    for (const slot of Object.keys(again.slots)) assert.ok(sameBits(back.view(slot), again.view(slot)), `${name} ${slot}`);
    assert.deepEqual(back.scalars, again.scalars, name);
    assert.deepEqual(back.save(), again.save(), `${name}: saved again as version 2`);
    assert.equal(readCheckpoint(back.save()).version, 2);
    // Version-1 hyper-parameters are compared too.
    const other = name === 'chain' ? chain(trace({ momentum: 0.6 }), scaleByAdam(), scaleByLearningRate(0.01)) : name.startsWith('eve') ? eve({ lr: 2e-2, variant: name === 'eve-clip' ? 'clip' : 'thresholds' }) : opt.name === 'adam' ? adam() : opt.name === 'lion' ? lion() : momentum();
    assert.throws(() => other.restore(bytes), bad(/^hyperparams$/), `${name}: other hyper-parameters`);
    const r2 = other.restore(bytes, { hyperparams: 'checkpoint' });
    assert.ok(sameBits(r2.params, again.params), `${name}: 'checkpoint' from version 1`);
    for (const x of [back, again, r2]) x.dispose();
  }
  // A version-1 file's values are validated: flip Adam's count to −1 in place (version 1 has no CRC).
  const bytes = readV1Fixture('adam');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  const scalarsAt = Math.ceil((12 + hlen) / 8) * 8;
  const hacked = Uint8Array.from(bytes);
  new DataView(hacked.buffer).setFloat64(scalarsAt, -1, true);
  assert.throws(() => adam({ lr: 1e-2 }).restore(hacked), bad(/^scalars\.count$/));
});
