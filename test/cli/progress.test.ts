import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressDisplay, formatCount, formatDuration } from '../../src/cli/progress.js';

function fake(isTTY: boolean) {
  const chunks: string[] = [];
  let t = 0;
  const stream = { isTTY, columns: 120, write: (s: string) => chunks.push(s) };
  const p = new ProgressDisplay(stream, { now: () => t });
  return { p, chunks, advance: (ms: number) => (t += ms) };
}

test('non-TTY: one line per label per 10 % crossed, with rate and ETA', () => {
  const { p, chunks, advance } = fake(false);
  for (let d = 0; d <= 1000; d += 10) {
    p.update({ label: 'task', done: d, total: 1000, elapsedMs: 0 });
    advance(10);
  }
  assert.equal(chunks.length, 11);
  assert.equal(chunks[0], 'task: 0% (0/1000)\n');
  assert.match(chunks[5]!, /^task: 50% \(500\/1000\) 1000\/s ETA 0\.5s\n$/);
  assert.match(chunks[10]!, /^task: 100% \(1000\/1000\) 1000\/s in 1\.0s\n$/);
  // a second label keeps its own deciles
  p.update({ label: 'other', done: 5, total: 10, elapsedMs: 0 });
  assert.equal(chunks.at(-1), 'other: 50% (5/10)\n');
  p.finish();
  assert.equal(chunks.length, 12, 'finish writes nothing off a TTY');
});

test('TTY: redraws one line per label in place, at most every 100 ms, always at completion', () => {
  const { p, chunks, advance } = fake(true);
  p.update({ label: 'a', done: 0, total: 100, elapsedMs: 0 });
  assert.equal(chunks.length, 1);
  assert.ok(chunks[0]!.startsWith('\r\x1b[2Ka ░'), JSON.stringify(chunks[0]));
  advance(50);
  p.update({ label: 'a', done: 10, total: 100, elapsedMs: 0 });
  assert.equal(chunks.length, 1, 'throttled');
  advance(60);
  p.update({ label: 'a', done: 10, total: 100, elapsedMs: 0 });
  assert.equal(chunks.length, 2, '100 ms later: redrawn');
  p.update({ label: 'b', done: 1, total: 4, elapsedMs: 0 });
  assert.equal(chunks.length, 3, 'a new label is drawn at once');
  chunks.splice(1, 1);
  // cursor up over the one line drawn before, then both lines
  assert.ok(chunks[1]!.startsWith('\x1b[1A'));
  const lines = chunks[1]!.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /a █{2}░{22}  10% 10\/100 \d+\/s ETA/);
  assert.match(lines[1]!, /b █{6}░{18}  25% 1\/4/);
  advance(1);
  p.update({ label: 'a', done: 100, total: 100, elapsedMs: 0 });
  assert.equal(chunks.length, 3, 'completion is drawn at once');
  assert.ok(chunks[2]!.startsWith('\x1b[2A'));
  assert.match(chunks[2]!, /a █{24} 100% 100\/100 \d+\/s in 0\.1s/);
  p.finish();
  assert.equal(chunks.length, 4);
});

test('formatCount and formatDuration', () => {
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(12345), '12.3k');
  assert.equal(formatCount(123456), '123k');
  assert.equal(formatCount(1.5e6), '1.50M');
  assert.equal(formatDuration(3.25), '3.3s');
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(184), '3m04s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(NaN), '?');
});

test('stop(): draws the final state once, then ignores events (the interrupt message is not overdrawn)', () => {
  const { p, chunks, advance } = fake(true);
  p.update({ label: 'a', done: 0, total: 100, elapsedMs: 0 });
  advance(200);
  p.update({ label: 'a', done: 40, total: 100, elapsedMs: 0 });
  const before = chunks.length;
  p.stop();
  assert.equal(chunks.length, before + 1);
  assert.match(chunks.at(-1)!, /40%/);
  advance(500);
  p.update({ label: 'a', done: 100, total: 100, elapsedMs: 0 });
  p.finish();
  assert.equal(chunks.length, before + 1, 'nothing drawn after stop()');
});
