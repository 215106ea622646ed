// The arena's two allocation contracts (src/runtime/arena.ts `alloc`): the default zero-fills
// the block; `zero = false` does not (the block keeps an earlier block's bits), which is why
// only callers that write every entry they read may use it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../../src/index.js';
import { Region } from '../../src/runtime/index.js';

test('arena: alloc zero-fills by default, even over a released dirty block', async () => {
  const rt = await createRuntime();
  const dirty = new Region(rt.arena, Float64Array, 1000);
  dirty.view.fill(Number.NaN);
  const ptr = dirty.ptr;
  dirty.release();
  const again = new Region(rt.arena, Float64Array, 1000);
  assert.equal(again.ptr, ptr, 'first fit reuses the released block');
  assert.ok(again.view.every((x) => x === 0 && !Object.is(x, -0)));
  again.release();
  assert.equal(rt.arena.stats().liveBlocks, 0);
});

test('arena: alloc(bytes, false) skips the zero-fill and keeps the earlier bits', async () => {
  const rt = await createRuntime();
  const dirty = new Region(rt.arena, Float64Array, 1000);
  dirty.view.forEach((_, i, v) => (v[i] = i + 0.5));
  const ptr = dirty.ptr;
  dirty.release();
  const raw = new Region(rt.arena, Float64Array, 1000, false);
  assert.equal(raw.ptr, ptr);
  assert.ok(raw.view.every((x, i) => x === i + 0.5), 'the leftover bits are there: nothing zeroed them');
  // Accounting and alignment are those of the zeroing path.
  assert.equal(raw.ptr % 16, 0);
  assert.equal(rt.arena.stats().used, 8000);
  raw.release();
  const p = rt.arena.alloc(24, false);
  assert.equal(p % 16, 0);
  assert.equal(rt.arena.stats().used, 32, 'rounded up to 16 like alloc(24)');
  rt.arena.release(p);
  assert.equal(rt.arena.stats().liveBlocks, 0);
});
