// Long-running memory behaviour: stepping never allocates (arena and JS heap stay flat),
// and init/dispose cycles return every block (the arena does not creep).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  type Optimizer,
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  createRuntime,
  eve,
  lion,
  momentum,
  scaleByAdam,
  scaleByLearningRate,
  sgd,
} from '../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? vm.runInNewContext('gc')) as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Seeded generator (mulberry32): the same sequence on every run, so the test is deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('10^6 Adam steps leave arena capacity, used bytes and the JS heap flat', async () => {
  const rt = await createRuntime();
  const opt = adam({ lr: 1e-3 });
  const n = 24;
  const s = opt.init(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), { runtime: rt });
  const g = s.grads;
  for (let i = 0; i < n; i++) g[i] = Math.cos(i) * 0.1;
  for (let k = 0; k < 10_000; k++) opt.step(s); // warm up the JIT before measuring
  const before = rt.arena.stats();
  const heap0 = heapAfterGc();
  for (let k = 0; k < 1_000_000; k++) opt.step(s);
  const heap1 = heapAfterGc();
  const after = rt.arena.stats();
  assert.equal(after.capacity, before.capacity, 'no memory.grow while stepping');
  assert.equal(after.used, before.used);
  assert.equal(after.liveBlocks, before.liveBlocks);
  assert.equal(s.scalars.count, 1_010_000);
  assert.ok(s.params.every(Number.isFinite));
  // Generous bound: stepping allocates nothing that survives; 8 MB covers JIT/IC noise.
  assert.ok(heap1 - heap0 < 8 * 1024 * 1024, `heap grew by ${heap1 - heap0} bytes`);
  s.dispose();
  assert.equal(rt.arena.stats().liveBlocks, 0);
  rt.dispose();
});

test('a few thousand steps of every other optimizer (and a chain) keep the arena flat', async () => {
  const rt = await createRuntime();
  const n = 37;
  const opts: Array<[Optimizer, boolean]> = [
    [adamw({ lr: 1e-3 }), false],
    [eve({ lr: 1e-3 }), true],
    [lion({ lr: 1e-4 }), false],
    [momentum({ lr: 1e-2, nesterov: true }), false],
    [sgd({ lr: 1e-2 }), false],
    [chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3)), false],
  ];
  for (const [opt, needsLoss] of opts) {
    const s = opt.init(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), { runtime: rt });
    const grads = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7));
    for (let k = 0; k < 200; k++) opt.step(s, grads, needsLoss ? { loss: 1 + (k & 1) } : undefined);
    const before = rt.arena.stats();
    const heap0 = heapAfterGc();
    for (let k = 0; k < 5000; k++) opt.step(s, grads, needsLoss ? { loss: 1 + (k & 1) } : undefined);
    const heap1 = heapAfterGc();
    const after = rt.arena.stats();
    assert.equal(after.capacity, before.capacity, `${opt.name}: capacity`);
    assert.equal(after.used, before.used, `${opt.name}: used`);
    assert.equal(s.scalars.count, 5200, opt.name);
    assert.ok(heap1 - heap0 < 8 * 1024 * 1024, `${opt.name}: heap grew by ${heap1 - heap0} bytes`);
    s.dispose();
  }
  assert.equal(rt.arena.stats().liveBlocks, 0);
  assert.equal(rt.arena.stats().used, 0);
  rt.dispose();
});

test('10^4 init/dispose cycles of varying sizes: capacity flat, every block returned', async () => {
  const rt = await createRuntime({ initialPages: 1 });
  const rand = rng(20261122);
  const makers = [adam(), lion(), momentum(), eve()];
  const MAX = 20_000;
  const LIVE = 4; // states alive at once, released in a shuffled order
  // Prime: the largest footprint the loop can reach (LIVE states of MAX; an Adam state has 4
  // buffers: params, grads, m, v — counted, not assumed, so the check does not lean on growth slack).
  const prime = Array.from({ length: LIVE }, () => makers[0]!.init(new Float32Array(MAX), { runtime: rt }));
  const buffers = prime[0]!.bufferNames.length;
  prime.forEach((s) => s.dispose());
  const capacity = rt.arena.stats().capacity;
  assert.ok(capacity > 65536 + LIVE * buffers * MAX * 4 * 0.9, 'priming must have grown memory');
  assert.equal(rt.arena.stats().liveBlocks, 0);

  const live: Array<ReturnType<Optimizer['init']>> = [];
  const params = new Float32Array(MAX);
  for (let k = 0; k < 10_000; k++) {
    const n = 1 + Math.floor(rand() * MAX);
    const opt = makers[k % makers.length]!;
    const s = opt.init(params.subarray(0, n), { runtime: rt });
    s.grads.fill(0.5);
    opt.step(s, undefined, { loss: 1 });
    live.push(s);
    if (live.length === LIVE) live.splice(Math.floor(rand() * LIVE), 1)[0]!.dispose();
    assert.equal(rt.arena.stats().capacity, capacity, `cycle ${k}: memory grew`);
  }
  for (const s of live) s.dispose();
  const end = rt.arena.stats();
  assert.equal(end.liveBlocks, 0);
  assert.equal(end.used, 0);
  assert.equal(end.capacity, capacity);
  rt.dispose();
});
