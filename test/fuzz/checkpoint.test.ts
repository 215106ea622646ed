// Fuzz (issue 15, item 8): random bit flips and truncations of checkpoints of every optimizer
// kind. Each corrupted checkpoint is either BAD_CHECKPOINT or a bit-exact restore, and a state
// that restores then steps without producing NaN from valid inputs. Three sources:
//   raw      version-2 bytes, corrupted: the CRC-32 must catch every one;
//   resealed version-2 bytes corrupted INSIDE the payload and re-sealed with a valid CRC (a
//            writer bug or a crafted file): the per-field validation must catch what is invalid;
//   v1       the version-1 fixtures (no CRC), corrupted anywhere.
// Fixed seed in CI; FUZZ_RUNS=<n> for longer runs (test/support/fuzz.ts).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { MetaoptimError } from '../../src/core/errors.js';
import { dcog, dcogd, dcom } from '../../src/dco/index.js';
import { learned, lstmLOpt, mlpLOpt } from '../../src/l2o/index.js';
import {
  type OptState,
  type Optimizer,
  adam,
  adamw,
  chain,
  cosineDecay,
  eve,
  lion,
  lionSgdInterp,
  momentum,
  readCheckpoint,
  scaleByEve,
  scaleByLearningRate,
  sgd,
  trace,
} from '../../src/optim/index.js';
import { encodeCheckpoint } from '../../src/optim/checkpoint.js';
import { type Runtime, createRuntime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz.js';
import { V1_FIXTURES, readV1Fixture } from '../support/checkpoint-fixtures.js';


let rt: Runtime;
let kinds: [string, Optimizer][];
before(async () => {
  rt = await createRuntime();
  kinds = [
    ['sgd', sgd({ lr: 0.1 })],
    ['momentum', momentum({ lr: 0.05 })],
    ['nesterov', momentum({ lr: 0.05, nesterov: true, weightDecay: 0.01 })],
    ['adam', adam({ lr: 0.01 })],
    ['adamw', adamw({ lr: cosineDecay({ init: 0.01, decaySteps: 20 }) })],
    ['eve-clip', eve({ lr: 0.01 })],
    ['eve-thresholds', eve({ lr: 0.01, variant: 'thresholds' })],
    ['lion', lion({ lr: 1e-3 })],
    ['lion-sgd-interp', lionSgdInterp({ lambda: 0.5 })],
    ['chain', chain(trace({ momentum: 0.5 }), scaleByEve({ variant: 'thresholds' }), scaleByLearningRate(0.01))],
    ['mlp-lopt', mlpLOpt.optimizer(mlpLOpt.init(1))],
    ['lstm-lopt', lstmLOpt.optimizer(lstmLOpt.init(2))],
    ['learned', await learned()],
    ['dcog', dcog.optimizer(dcog.init(1, 5, { lr: 0.05 }))],
    ['dcog-full-tr', dcog.optimizer(dcog.init(2, 5, { lr: 0.05, parameterization: 'full' }), { trustRegion: 0.5 })],
    ['dcom', dcom.optimizer(dcom.init(3, 5, { lr: 0.02, momentum: 0.5 }))],
    ['dcogd', dcogd.optimizer(dcogd.init(4, 5, { lr: 0.05 }))],
  ];
});

/** A state of `opt` (5 parameters; DCO θ is for 5) after 3 steps. */
function trained(opt: Optimizer): OptState {
  const s = opt.init(Float32Array.from({ length: 5 }, (_, i) => Math.sin(i + 1)), { runtime: rt });
  for (let k = 0; k < 3; k++) opt.step(s, Float32Array.from({ length: 5 }, (_, i) => Math.cos(i * 0.7 + k)), { loss: 3 / (k + 1) });
  return s;
}

/** A corruption: bit flips at (fractional) positions, then an optional truncation. */
const corruption = fc.record({
  flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 })), { minLength: 0, maxLength: 6 }),
  cut: fc.option(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { nil: undefined }),
});

function corrupt(bytes: Uint8Array, c: { flips: [number, number][]; cut: number | undefined }, from = 0): Uint8Array {
  const out = bytes.slice();
  for (const [at, bit] of c.flips) out[from + Math.floor(at * (out.length - from))]! ^= 1 << bit;
  return c.cut === undefined ? out : out.subarray(0, Math.floor(c.cut * out.length));
}

/**
 * The property: BAD_CHECKPOINT, or a restore equal bit for bit to what the bytes hold (`expect`
 * = the checkpoint contents), after which one step from a finite gradient yields no NaN.
 */
function restoresExactlyOrRefuses(opt: Optimizer, bytes: Uint8Array, label: string): 'refused' | 'restored' {
  let st: OptState;
  try {
    st = opt.restore(bytes, { runtime: rt });
  } catch (e) {
    assert.ok(e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT', `${label}: ${String(e)}`);
    const d = e.details as { field?: unknown; reason?: unknown } | undefined;
    assert.ok(typeof d?.field === 'string' && typeof d.reason === 'string', `${label}: details { field, reason }`);
    return 'refused';
  }
  try {
    const c = readCheckpoint(bytes);
    assert.equal(st.size, c.size, label);
    for (const [name, a] of Object.entries(c.arrays)) {
      assert.deepEqual(new Uint8Array(st.view(name).slice().buffer), new Uint8Array(a.slice().buffer), `${label}: ${name}`);
    }
    assert.deepEqual(st.scalars, c.scalars, label);
    try {
      opt.step(st, Float32Array.from({ length: st.size }, (_, i) => ((i % 3) - 1) * 0.5), { loss: 0.7 });
      assert.ok(!st.params.some(Number.isNaN), `${label}: a step from a restored state made NaN`);
    } catch (e) {
      // A typed refusal (e.g. a non-finite result under the 'throw' policy) is not corruption.
      assert.ok(e instanceof MetaoptimError, `${label}: ${String(e)}`);
    }
  } finally {
    st.dispose();
  }
  return 'restored';
}

test('raw bit flips and truncations of version-2 checkpoints of every kind: BAD_CHECKPOINT or bit-exact', () => {
  for (const [label, opt] of kinds) {
    const s = trained(opt);
    const bytes = s.save();
    s.dispose();
    fc.assert(
      fc.property(corruption, (c) => {
        const b = corrupt(bytes, c);
        const same = b.length === bytes.length && b.every((x, i) => x === bytes[i]);
        const r = restoresExactlyOrRefuses(opt, b, label);
        assert.equal(r, same ? 'restored' : 'refused', `${label}: the CRC-32 catches every corruption`);
      }),
      fuzzParams(25),
    );
  }
});

test('payload corruption re-sealed with a valid CRC-32: every kind refuses invalid values and restores valid ones exactly', () => {
  for (const [label, opt] of kinds) {
    const s = trained(opt);
    const c0 = readCheckpoint(s.save());
    s.dispose();
    // The payload alone (scalars, then arrays), re-encoded after the flips.
    const names = Object.keys(c0.scalars);
    const arrays = Object.keys(c0.arrays);
    const payload = new Uint8Array(8 * names.length + arrays.reduce((n, a) => n + 4 * c0.arrays[a]!.length, 0));
    let tally = 0;
    fc.assert(
      fc.property(corruption, (c) => {
        const dv = new DataView(payload.buffer);
        let off = 0;
        names.forEach((nm) => ((dv.setFloat64(off, c0.scalars[nm]!, true)), (off += 8)));
        for (const a of arrays) {
          payload.set(new Uint8Array(c0.arrays[a]!.slice().buffer), off);
          off += 4 * c0.arrays[a]!.length;
        }
        const p = corrupt(payload, { flips: c.flips, cut: undefined });
        const pv = new DataView(p.buffer);
        const scalars: Record<string, number> = {};
        names.forEach((nm, i) => (scalars[nm] = pv.getFloat64(8 * i, true)));
        const arr: Record<string, Float32Array> = {};
        off = 8 * names.length;
        for (const a of arrays) {
          arr[a] = new Float32Array(p.slice(off, off + 4 * c0.arrays[a]!.length).buffer);
          off += 4 * c0.arrays[a]!.length;
        }
        const bytes = encodeCheckpoint({ ...c0, scalars, arrays: arr, hyperHash: c0.hyperHash! });
        if (restoresExactlyOrRefuses(opt, bytes, label) === 'refused') tally++;
      }),
      fuzzParams(40),
    );
    assert.ok(tally > 0, `${label}: some corruptions were invalid values and refused`);
  }
});

test('bit flips and truncations of version-1 files (no CRC): BAD_CHECKPOINT or an exact, valid restore', () => {
  for (const [name, make] of Object.entries(V1_FIXTURES)) {
    const bytes = readV1Fixture(name);
    const opt = make();
    assert.equal(restoresExactlyOrRefuses(opt, bytes, name), 'restored');
    fc.assert(
      fc.property(corruption, (c) => void restoresExactlyOrRefuses(opt, corrupt(bytes, c), `v1 ${name}`)),
      fuzzParams(60),
    );
  }
});
