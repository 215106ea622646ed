// core/loop.ts: the one loop contract (yield, abort with { iteration, partial }, throttled
// progress with the first and the last event, race). Aborts come from timers, as a user's
// would; bounds on time are generous (the run it cuts short would take far longer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { LOOP_OPTION_KEYS, Loop, type ProgressEvent, abortedError, isAborted, yieldToEventLoop } from '../../src/core/loop.js';

/** Busy work of about `ms` milliseconds without yielding. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('yieldToEventLoop lets timers and I/O run; tick yields during a long synchronous-looking loop', async () => {
  let fired = false;
  setTimeout(() => (fired = true), 0);
  await new Promise((r) => setTimeout(r, 5));
  fired = false;
  setTimeout(() => (fired = true), 0);
  // Without a yield the timer cannot run.
  spin(5);
  assert.equal(fired, false);
  for (let i = 0; i < 50 && !fired; i++) await yieldToEventLoop();
  // setImmediate runs after the timer phase of the next loop turn; a few turns suffice.
  for (let i = 0; i < 50 && !fired; i++) await new Promise((r) => setTimeout(r, 1));
  assert.equal(fired, true);

  // A loop of 2 ms units with sliceMs 5: a 0-ms timer set at the start fires before the loop ends.
  const loop = new Loop('spin', {}, { total: 40, sliceMs: 5 });
  let timerAt = -1;
  let i = 0;
  setTimeout(() => (timerAt = i), 0);
  for (; i < 40; i++) {
    spin(2);
    await loop.tick(i + 1);
  }
  assert.ok(timerAt >= 0 && timerAt < 40, `timer ran at iteration ${timerAt}`);
});

test('abort from a timer rejects with ABORTED { iteration, partial } long before the run would end', async () => {
  const ac = new AbortController();
  const total = 100_000; // 1 ms each: 100 s if never aborted
  const history: number[] = [];
  const run = async () => {
    const loop = new Loop('demo', { signal: ac.signal }, { total });
    for (let t = 0; t < total; t++) {
      spin(1);
      history.push(t);
      await loop.tick(t + 1, () => ({ steps: history.length, last: history.at(-1) }));
    }
    return history;
  };
  setTimeout(() => ac.abort(), 30);
  const t0 = performance.now();
  await assert.rejects(run(), (e: unknown) => {
    assert.ok(isAborted(e));
    assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
    const d = e.details as { iteration: number; partial: { steps: number; last: number } };
    assert.ok(d.iteration > 0 && d.iteration < total, `iteration ${d.iteration}`);
    assert.equal(d.partial.steps, d.iteration);
    assert.equal(d.partial.last, d.iteration - 1);
    assert.match(e.message, /demo: aborted after \d+ iterations/);
    return true;
  });
  assert.ok(performance.now() - t0 < 5_000, 'rejected far sooner than the full run');
});

test('an already-aborted signal rejects at the first tick; check() throws synchronously', async () => {
  const ac = new AbortController();
  ac.abort();
  const loop = new Loop('pre', { signal: ac.signal }, { total: 10 });
  await assert.rejects(loop.tick(0, () => 'p'), (e: unknown) => isAborted(e) && e.details.iteration === 0 && e.details.partial === 'p');
  assert.throws(() => loop.check(3), (e: unknown) => isAborted(e) && e.details.iteration === 3 && e.details.partial === undefined);
});

test('progress is throttled but always emits the first and the last event, in the one shape', async () => {
  const events: ProgressEvent[] = [];
  const loop = new Loop('prog', { onProgress: (e) => events.push(e) }, { label: 'label', total: 1000, progressMs: 1_000_000 });
  for (let t = 0; t < 1000; t++) await loop.tick(t + 1, undefined, () => ({ loss: 1 / (t + 1) }));
  loop.finish(1000, { loss: 0.001 });
  assert.equal(events.length, 2, JSON.stringify(events));
  assert.deepEqual(Object.keys(events[0]!).sort(), ['done', 'elapsedMs', 'label', 'metrics', 'total']);
  assert.equal(events[0]!.done, 1);
  assert.deepEqual(events[0]!.metrics, { loss: 1 });
  assert.equal(events[1]!.done, 1000);
  assert.equal(events[1]!.label, 'label');
  assert.equal(events[1]!.total, 1000);
  assert.ok(events[1]!.elapsedMs >= events[0]!.elapsedMs);
  // After finish, nothing more is reported.
  loop.progress(5);
  assert.equal(events.length, 2);
  // progressMs 0 reports every tick; no metrics thunk → no metrics key.
  const all: ProgressEvent[] = [];
  const l2 = new Loop('all', { onProgress: (e) => all.push(e) }, { total: 5, progressMs: 0 });
  for (let t = 1; t <= 5; t++) await l2.tick(t);
  assert.deepEqual(all.map((e) => e.done), [1, 2, 3, 4, 5]);
  assert.ok(all.every((e) => !('metrics' in e) && e.label === 'all'));
});

test('race() rejects on abort without waiting for the work, after running onAbort', async () => {
  const ac = new AbortController();
  const loop = new Loop('pool', { signal: ac.signal }, { total: 1 });
  let cleaned = false;
  const never = new Promise<number>(() => {}); // a worker that never answers
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(
    loop.race(never, 7, () => ({ done: 7 }), () => (cleaned = true)),
    (e: unknown) => isAborted(e) && e.details.iteration === 7 && (e.details.partial as { done: number }).done === 7,
  );
  assert.equal(cleaned, true);
  // Without abort it resolves (and rejects) as the work does; no signal → the work itself.
  const l2 = new Loop('ok', { signal: new AbortController().signal }, { total: 1 });
  assert.equal(await l2.race(Promise.resolve(3), 0), 3);
  await assert.rejects(l2.race(Promise.reject(new Error('boom')), 0), /boom/);
  const p = Promise.resolve(4);
  assert.equal(new Loop('none', {}, { total: 1 }).race(p, 0), p);
  // Already aborted: rejects at once.
  const dead = new AbortController();
  dead.abort();
  assert.throws(() => new Loop('dead', { signal: dead.signal }, { total: 1 }).race(never, 2), (e: unknown) => isAborted(e));
});

test('abortedError, LOOP_OPTION_KEYS, elapsedMs and bad options', () => {
  const e = abortedError('x', 4, { a: 1 });
  assert.equal(e.code, 'ABORTED');
  assert.deepEqual(e.details, { iteration: 4, partial: { a: 1 } });
  assert.ok(!isAborted(new Error('ABORTED')));
  assert.deepEqual([...LOOP_OPTION_KEYS], ['seed', 'signal', 'onProgress']);
  const loop = new Loop('t', undefined, { total: 1 });
  assert.ok(loop.elapsedMs >= 0);
  assert.equal(loop.aborted, false);
  const bad = (code: string) => (err: unknown) => err instanceof MetaoptimError && err.code === code;
  assert.throws(() => new Loop('t', { signal: {} as AbortSignal }, { total: 1 }), bad('INVALID_ARGUMENT'));
  assert.throws(() => new Loop('t', { onProgress: 3 as unknown as () => void }, { total: 1 }), bad('INVALID_ARGUMENT'));
});

test('setLongTimeout: short delays fire, delays beyond 2³¹ − 1 ms do not fire early, and cancel works', async () => {
  const { setLongTimeout, MAX_TIMER_MS } = await import('../../src/core/loop.js');
  let fired = 0;
  setLongTimeout(() => fired++, 5);
  const cancelLong = setLongTimeout(() => fired += 100, MAX_TIMER_MS + 10);
  const cancelShort = setLongTimeout(() => fired += 1000, 10);
  cancelShort();
  setLongTimeout(() => fired += 10_000, Infinity);
  await new Promise((r) => setTimeout(r, 60));
  cancelLong();
  assert.equal(fired, 1, 'only the 5 ms timer fired (a plain setTimeout of 2³¹ + 9 ms fires after 1 ms)');
});
