// Checkpoint bytes in the forms users hold them: a Node Buffer read from a file (which shares a
// pooled ArrayBuffer, and whose slice() does not copy), any ArrayBufferView, and malformed
// headers, which must be BAD_CHECKPOINT with a reason, never a raw TypeError.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { CHECKPOINT_VERSION, adam, eve, readCheckpoint } from '../../src/optim/index.js';
import { checkpointCrc } from '../../src/optim/checkpoint.js';
import { ready } from '../../src/runtime/index.js';

const bad = (why: RegExp) => (e: unknown) => e instanceof MetaoptimError && e.code === 'BAD_CHECKPOINT' && why.test(e.message);

function trained(opt: ReturnType<typeof adam>, n: number) {
  const st = opt.init(Float32Array.from({ length: n }, (_, i) => Math.sin(i)));
  for (let k = 0; k < 5; k++) opt.step(st, Float32Array.from({ length: n }, (_, i) => Math.cos(i + k)), { loss: 1 + k });
  return st;
}

test('restore accepts a Buffer read from a file (pooled, offset), Buffer.from, a DataView and a sub-view, bit-exact', async () => {
  await ready();
  const dir = await mkdtemp(join(tmpdir(), 'metaoptim-ckpt-'));
  try {
    for (const opt of [adam({ lr: 1e-2 }), eve({ lr: 1e-2 })]) {
      const st = trained(opt, 37);
      const bytes = st.save();
      const file = join(dir, `${opt.name}.ckpt`);
      writeFileSync(file, bytes);
      const small = Buffer.from(bytes); // small Buffers come from the shared pool, at an offset
      const padded = new Uint8Array(bytes.length + 13);
      padded.set(bytes, 13);
      const forms: ArrayBufferView[] = [readFileSync(file), small, new DataView(padded.buffer, 13, bytes.length), padded.subarray(13)];
      for (const form of forms) {
        const back = opt.restore(form);
        assert.deepEqual(back.save(), bytes, `${opt.name} from ${form.constructor.name}`);
        back.dispose();
      }
      st.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A checkpoint of format `version` (1, or 2 with a correct CRC-32) whose header is `header` (no payload). */
function withHeader(header: unknown, version = CHECKPOINT_VERSION): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const at = version === 1 ? 12 : 16;
  const out = new Uint8Array(Math.ceil((at + h.length) / 8) * 8);
  out.set([0x4d, 0x4f, 0x50, 0x54], 0); // "MOPT"
  const dv = new DataView(out.buffer);
  dv.setUint32(4, version, true);
  dv.setUint32(8, h.length, true);
  out.set(h, at);
  if (version === 2) dv.setUint32(12, checkpointCrc(out), true);
  return out;
}

test('malformed headers are BAD_CHECKPOINT naming the field, never a raw TypeError', async () => {
  await ready();
  for (const version of [1, 2]) {
  const ok = { optimizer: 'adam', size: 0, hyperparams: {}, scalars: [], arrays: [], ...(version === 2 ? { hyperHash: '00000000' } : {}) };
  assert.equal(readCheckpoint(withHeader(ok, version)).optimizer, 'adam', 'the crafted form itself is readable');
  const cases: [unknown, RegExp][] = [
    [null, /header is not an object/],
    [{ ...ok, optimizer: 3 }, /header\.optimizer/],
    [{ ...ok, size: -1 }, /header\.size/],
    [{ ...ok, size: 0.5 }, /header\.size/],
    [{ ...ok, hyperparams: null }, /header\.hyperparams/],
    [{ ...ok, scalars: undefined }, /header\.scalars/],
    [{ ...ok, scalars: [1] }, /header\.scalars/],
    [{ ...ok, arrays: {} }, /header\.arrays/],
    [{ ...ok, arrays: [{ name: 'params', dtype: 'f32', length: -4 }] }, /header\.arrays/],
    [{ ...ok, scalars: ['count', 'count'] }, /appears twice/],
  ];
  if (version === 2) cases.push([{ ...ok, hyperHash: 7 }, /header\.hyperHash/]);
  for (const [header, why] of cases) {
    assert.throws(() => readCheckpoint(withHeader(header, version)), bad(why), JSON.stringify(header));
    assert.throws(() => adam().restore(withHeader(header, version)), bad(why), JSON.stringify(header));
  }
  }
  assert.throws(() => adam().restore('MOPT' as never), bad(/expected bytes/));
});
