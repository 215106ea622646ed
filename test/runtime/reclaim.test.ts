// Undisposed states are reclaimed (src/runtime/reclaim.ts): 200 forgotten states give their
// memory back after a garbage collection, later states reuse it without growing memory, and
// development mode warns once per process (not at all under NODE_ENV=production).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { adam } from '../../src/optim/index.js';
import { createRuntime, isDevelopment, reclaimStats } from '../../src/runtime/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? vm.runInNewContext('gc')) as () => void;
const run = promisify(execFile);
const entry = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'index.js')).href;

/** Collects garbage and lets the FinalizationRegistry callbacks run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** Makes `count` states of `n` parameters and drops every reference to them. */
function forget(count: number, n: number, rt: Awaited<ReturnType<typeof createRuntime>>): void {
  const opt = adam();
  for (let i = 0; i < count; i++) {
    const s = opt.init(new Float32Array(n).fill(i), { runtime: rt });
    opt.step(s, new Float32Array(n).fill(1));
  }
}

test('200 forgotten states are reclaimed after a collection; the next 200 reuse their memory', async () => {
  const messages: string[] = [];
  reclaimStats({ onWarning: (m) => messages.push(m), resetWarning: true });
  const rt = await createRuntime({ initialPages: 1 });
  const n = 25_000; // 4 buffers × 100 kB = 400 kB a state, 80 MB for 200
  const reclaimed0 = reclaimStats().reclaimed;
  forget(200, n, rt);
  assert.ok(rt.arena.stats().used >= 200 * 4 * n * 4, 'the states hold their memory until collected');
  await collect();
  assert.ok(reclaimStats().reclaimed - reclaimed0 >= 200, `reclaimed ${reclaimStats().reclaimed - reclaimed0} of 200`);
  assert.equal(rt.arena.stats().used, 0, 'every block was returned');
  const capacity = rt.arena.stats().capacity;
  forget(200, n, rt);
  assert.equal(rt.arena.stats().capacity, capacity, 'the next 200 states reused the reclaimed memory');
  await collect();
  assert.equal(rt.arena.stats().used, 0);
  if (isDevelopment()) {
    assert.equal(messages.length, 1, 'one warning per process');
    assert.match(messages[0]!, /garbage-collected without dispose\(\)/);
  } else assert.equal(messages.length, 0);
  reclaimStats({ onWarning: () => undefined });
  rt.dispose();
});

test('a disposed state is not reclaimed again (dispose unregisters it)', async () => {
  const rt = await createRuntime({ initialPages: 1 });
  const opt = adam();
  const before = reclaimStats().reclaimed;
  for (let i = 0; i < 50; i++) opt.init(new Float32Array(100), { runtime: rt }).dispose();
  await collect();
  assert.equal(reclaimStats().reclaimed, before);
  assert.equal(rt.arena.stats().used, 0);
  rt.dispose();
});

/** Runs a child Node that forgets 20 states twice, collects, and prints the reclaim facts. */
async function child(env: Record<string, string | undefined>): Promise<{ out: string; err: string }> {
  const script = `
    const m = await import(${JSON.stringify(entry)});
    await m.ready();
    const opt = m.adam();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20; i++) opt.init(new Float32Array(1000));
      for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
    }
    await new Promise((r) => setTimeout(r, 20));
    console.log(JSON.stringify({ used: m.runtimeInfo().usedBytes }));`;
  const { stdout, stderr } = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { env: { ...process.env, ...env } });
  return { out: stdout, err: stderr };
}

test('development mode (NODE_ENV !== production) warns once per process; production stays silent', async () => {
  const dev = await child({ NODE_ENV: 'development' });
  assert.equal(JSON.parse(dev.out).used, 0);
  assert.equal(dev.err.match(/METAOPTIM_UNDISPOSED/g)?.length, 1, dev.err);
  const prod = await child({ NODE_ENV: 'production' });
  assert.equal(JSON.parse(prod.out).used, 0);
  assert.equal(prod.err, '');
});
