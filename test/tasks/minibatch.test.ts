import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { defaultRuntimeOrThrow, ready } from '../../src/runtime/index.js';
import { digitsMlpTask } from '../../src/tasks/digits.js';
import { MinibatchStream } from '../../src/tasks/minibatch.js';
import { promptTuningTask } from '../../src/tasks/prompt-tuning.js';

test('one minibatch stream: MlpTask and PromptTuningTask draw the same rows, perm_e of new Rng(seed).fork(e)', async () => {
  await ready();
  const rt = defaultRuntimeOrThrow();
  const mlp = await digitsMlpTask({ batchSize: 100, streamSeed: 5 });
  const prompt = await promptTuningTask({ tokens: 2, dim: 2, hidden: [8], pretrainSteps: 5, batchSize: 100, streamSeed: 5 });
  try {
    const perEpoch = 14; // ⌊1400 / 100⌋
    for (const b of [0, 1, 13, 14, 29, 100]) {
      const e = Math.floor(b / perEpoch), j = b % perEpoch;
      const want = new Rng(5).fork(e).permutation(1400).slice(j * 100, (j + 1) * 100);
      assert.deepEqual(mlp.batchRows(b), want);
      assert.deepEqual(prompt.batchRows(b), want);
    }
  } finally {
    mlp.dispose();
    prompt.dispose();
  }
  // The stream itself: gathered rows are the training rows of batchRows, labels too.
  const rows = 10, features = 3;
  const x = Float32Array.from({ length: rows * features }, (_, i) => i);
  const y = Int32Array.from({ length: rows }, (_, i) => 100 + i);
  const s = new MinibatchStream({ x, y, features, batchSize: 4, streamSeed: 9, runtime: rt });
  try {
    for (const b of [0, 1, 2, 7]) {
      const idx = s.batchRows(b);
      s.gather(b);
      assert.deepEqual(Array.from(s.y.view), Array.from(idx, (r) => 100 + r));
      assert.deepEqual(Array.from(s.x.view), Array.from(idx).flatMap((r) => [0, 1, 2].map((k) => r * features + k)));
    }
    assert.throws(() => s.gather(-1), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new MinibatchStream({ x, y, features, batchSize: 11, streamSeed: 0, runtime: rt }), { code: 'INVALID_ARGUMENT' });
  } finally {
    s.release();
  }
});
