// Soak (issue 15 item 8): many steps and many create/dispose cycles leave WebAssembly memory,
// the arena, the JS heap and the process RSS flat. CI runs 10^5 steps and 10^3 cycles (a few
// seconds); `SOAK=1` runs the full 10^6 steps and 10^4 cycles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Rng } from '../../src/core/rng.js';
import { type OptState, type Optimizer, adam, eve, lion, momentum, sgd } from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? vm.runInNewContext('gc')) as () => void;

const FULL = process.env.SOAK === '1';
const STEPS = FULL ? 1_000_000 : 100_000;
const CYCLES = FULL ? 10_000 : 1_000;
/** RSS may move by allocator noise; a leak of one 4 kB state per cycle would exceed this. */
const RSS_SLACK = 24 * 1024 * 1024;

function settle(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

test(`${STEPS} steps over five optimizers, zero-copy and copy-in: memory flat, state finite`, async () => {
  const rt = await createRuntime();
  const n = 1000;
  const opts: Array<[Optimizer, boolean]> = [[adam(), false], [eve(), true], [lion(), false], [momentum({ lr: 1e-3 }), false], [sgd({ lr: 1e-3 }), false]];
  const states = opts.map(([o]) => o.init(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), { runtime: rt }));
  const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-2);
  const stepAll = (k: number) => {
    const j = k % opts.length;
    const [o, needsLoss] = opts[j]!;
    const s = states[j]!;
    if (k & 1) o.step(s, g, needsLoss ? { loss: 1 + (k & 2) } : undefined);
    else {
      s.grads.set(g);
      o.step(s, undefined, needsLoss ? { loss: 1 + (k & 2) } : undefined);
    }
  };
  for (let k = 0; k < 20_000; k++) stepAll(k); // warm-up: JIT, inline caches, heap growth
  const arena0 = rt.arena.stats();
  const m0 = settle();
  for (let k = 0; k < STEPS; k++) stepAll(k);
  const m1 = settle();
  const arena1 = rt.arena.stats();
  assert.equal(arena1.capacity, arena0.capacity, 'no memory.grow while stepping');
  assert.equal(arena1.used, arena0.used);
  assert.ok(m1.heap - m0.heap < 8 * 1024 * 1024, `heap grew by ${m1.heap - m0.heap} bytes`);
  assert.ok(m1.rss - m0.rss < RSS_SLACK, `RSS grew by ${m1.rss - m0.rss} bytes`);
  for (const s of states) {
    assert.ok(s.params.every(Number.isFinite));
    s.dispose();
  }
  rt.dispose();
});

test(`${CYCLES} create/dispose cycles with held views and forgotten states: memory flat, no leak`, async () => {
  const rt = await createRuntime({ initialPages: 1 });
  const rng = new Rng(15, 8);
  const makers = [adam(), lion(), momentum(), sgd()];
  const MAX = 4096;
  const live: OptState[] = [];
  const held: Float32Array[] = [];
  const cycle = (k: number) => {
    const n = 1 + rng.int(MAX);
    const opt = makers[k % makers.length]!;
    const s = opt.init(new Float32Array(n).fill(0.5), { runtime: rt });
    s.grads.fill(0.25);
    opt.step(s);
    if (k % 7 === 0) {
      // A view kept past its state's end (disposed, or forgotten for the registry): writes
      // through it must never reach a live state.
      const dead = opt.init(new Float32Array(1 + rng.int(MAX)), { runtime: rt });
      held.push(dead.params);
      if (k % 2 === 0) dead.dispose();
    }
    if (held.length > 8) held.shift();
    const v = held[rng.int(held.length)];
    if (v && v.length > 0) v[0] = 1e6; // a write through a possibly stale view
    if (k % 11 === 0) return; // forgotten: left to the FinalizationRegistry
    live.push(s);
    if (live.length > 4) live.splice(rng.int(live.length), 1)[0]!.dispose();
    for (const l of live) assert.notEqual(l.params[0], 1e6, `cycle ${k}: a stale write reached a live state`);
  };
  for (let k = 0; k < 200; k++) cycle(k);
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m0 = settle();
  const cap0 = rt.arena.stats().capacity;
  for (let k = 0; k < CYCLES; k++) {
    cycle(k);
    if (k % 500 === 499) {
      gc();
      await new Promise((r) => setImmediate(r)); // lets the registry reclaim the forgotten ones
    }
  }
  for (const s of live.splice(0)) s.dispose();
  held.length = 0;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m1 = settle();
  const end = rt.arena.stats();
  assert.equal(end.used, 0, 'every block returned (forgotten ones by the registry)');
  assert.ok(end.capacity <= Math.max(cap0, 4 * 1024 * 1024), `memory grew to ${end.capacity}`);
  assert.ok(m1.heap - m0.heap < 8 * 1024 * 1024, `heap grew by ${m1.heap - m0.heap} bytes`);
  assert.ok(m1.rss - m0.rss < RSS_SLACK, `RSS grew by ${m1.rss - m0.rss} bytes`);
  rt.dispose();
});
