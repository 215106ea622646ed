import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent } from '../../src/core/loop.js';
import { MetaoptimError } from '../../src/core/errors.js';
import type { LabResult } from '../../src/labs/lab.js';
import { lrGrid, runFixed } from '../../src/labs/protocol.js';
import { contestants, raceLrGrid } from '../../src/labs/race/contestants.js';
import { raceLab } from '../../src/labs/race/lab.js';
import type { RaceResults } from '../../src/labs/race/report.js';
import { sampleCurve } from '../../src/labs/race/run.js';
import { raceTasks } from '../../src/labs/race/tasks.js';
import { labs } from '../../src/labs/registry.js';
import { sgd } from '../../src/optim/sgd.js';
import { ready } from '../../src/runtime/runtime.js';
import { rosenbrockTask } from '../../src/tasks/functions.js';

const small = { task: 'rosenbrock,rastrigin', steps: '40' };

test('the race is a registered lab with its options declared', () => {
  assert.ok(labs.includes(raceLab));
  assert.deepEqual(raceLab.options.map((o) => o.name), ['task', 'steps']);
});

test('raceLrGrid is the protocol lrGrid: 11 half-decade rates 1e-5…1 (quick: the 6 decades)', () => {
  const full = raceLrGrid(false);
  assert.equal(full.length, 11);
  assert.deepEqual(full, lrGrid({ min: 1e-5, max: 1, perDecade: 2 }));
  assert.equal(full[0], 1e-5);
  assert.equal(full[1], 3.16e-5);
  assert.equal(full.at(-1), 1);
  assert.deepEqual(raceLrGrid(true), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
});

test('results: the one header, every contestant per task, the tuned rate is the argmin of the tuning scores', async () => {
  const events: ProgressEvent[] = [];
  const r = await raceLab.run({ quick: true, seed: 3, extra: small, onProgress: (e) => events.push(e) });
  const res = r.results as RaceResults;
  assert.deepEqual(Object.keys(res).slice(0, 7), ['lab', 'version', 'seed', 'quick', 'build', 'elapsedMs', 'partial']);
  assert.equal(res.lab, 'race');
  assert.equal(res.version, 2);
  assert.equal(res.seed, 3);
  assert.equal(res.partial, false);
  assert.equal(res.build, (await ready()).build);
  assert.ok(Number.isFinite(res.elapsedMs) && res.elapsedMs >= 0);
  assert.deepEqual(res.tasks.map((t) => [t.name, t.steps, t.tuneSteps]), [['rosenbrock', 40, 10], ['rastrigin', 40, 10]]);
  for (const t of res.tasks) {
    assert.deepEqual(t.runs.map((u) => u.optimizer), contestants.map((c) => c.name));
    for (const u of t.runs) {
      const scores = u.tuning.map((p) => p.loss ?? Infinity);
      assert.deepEqual(u.tuning.map((p) => p.lr), res.lrGrid);
      // argmin, first (= smallest rate) on ties
      assert.equal(res.lrGrid.indexOf(u.lr), scores.indexOf(Math.min(...scores)), `${u.optimizer} on ${t.name}`);
      assert.equal(u.curve.loss.at(-1), u.finalLoss);
      assert.equal(u.curve.step.at(-1), t.steps);
      assert.ok(u.bestLoss <= u.finalLoss!);
      assert.ok(Number.isFinite(u.elapsedMs));
      assert.equal((u as unknown as Record<string, unknown>).wallMs, undefined);
    }
  }
  // progress: one label per task, monotone, ending at 8 optimizers × (6 grid points × 10 + 40) steps
  for (const label of ['rosenbrock', 'rastrigin']) {
    const mine = events.filter((e) => e.label === label);
    assert.ok(mine.length >= 2);
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done);
    assert.equal(mine.at(-1)!.total, contestants.length * (6 * 10 + 40));
    assert.equal(mine.at(-1)!.done, mine.at(-1)!.total);
    assert.ok(mine.every((e) => typeof e.elapsedMs === 'number'));
  }
  assert.ok(r.summary[0]!.startsWith('race (quick, seed 3'));
  assert.equal(r.report.sections.length, 1 + res.tasks.length);
});

test('the final run is runFixed of the tuned rate: sgd on Rosenbrock equals a plain f32 gradient-descent loop bit for bit', async () => {
  const r = await raceLab.run({ quick: true, seed: 0, extra: { task: 'rosenbrock', steps: '300' } });
  const u = (r.results as RaceResults).tasks[0]!.runs.find((x) => x.optimizer === 'sgd')!;
  const task = rosenbrockTask();
  const p = task.init(0);
  const g = new Float32Array(2);
  const lr = Math.fround(u.lr);
  for (let s = 0; s < 300; s++) {
    task.loss(p, s, g);
    for (let i = 0; i < 2; i++) p[i] = Math.fround(p[i]! - Math.fround(lr * g[i]!));
  }
  assert.equal(task.loss(p, 0), u.finalLoss);
  const fixed = await runFixed(sgd({ lr: u.lr }), rosenbrockTask(), 300, { seed: 0 });
  assert.equal(fixed.finalLoss, u.finalLoss);
});

test('same seed → identical results (apart from elapsedMs)', async () => {
  const strip = (r: LabResult) => JSON.stringify(r.results, (k, v) => (k === 'elapsedMs' ? undefined : v));
  const a = await raceLab.run({ quick: true, seed: 7, extra: { task: 'quadratic', steps: '30' } });
  const b = await raceLab.run({ quick: true, seed: 7, extra: { task: 'quadratic', steps: '30' } });
  const c = await raceLab.run({ quick: true, seed: 8, extra: { task: 'quadratic', steps: '30' } });
  assert.equal(strip(a), strip(b));
  assert.notEqual(strip(a), strip(c));
});

test('bad options: unknown/empty task list, bad steps, unknown extra key', async () => {
  const run = (extra: Record<string, string>) => raceLab.run({ quick: true, seed: 0, extra });
  await assert.rejects(run({ task: 'nosuch' }), new RegExp(`unknown task "nosuch" \\(known: ${Object.keys(raceTasks).join(', ')}\\)`));
  await assert.rejects(run({ task: ' , ' }), /--task needs at least one task name/);
  await assert.rejects(run({ task: '' }), /--task needs at least one task name/);
  for (const s of ['0', '1.5', 'x', '20000000']) await assert.rejects(run({ steps: s }), /--steps must be an integer in \[1, 1e7\]/);
  await assert.rejects(run({ stpes: '3' }), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && /did you mean 'steps'/.test(e.message));
});

test('abort from a timer: ABORTED within a fraction of the run, details { iteration, partial: LabResult } with partial: true', async () => {
  const controller = new AbortController();
  let progressed = 0;
  const t0 = performance.now();
  const run = raceLab.run({
    quick: false,
    seed: 0,
    signal: controller.signal,
    onProgress: () => {
      if (++progressed === 1) setTimeout(() => controller.abort(), 150);
    },
  });
  const err = await run.then(
    () => assert.fail('the race finished although it was aborted'),
    (e: unknown) => e as MetaoptimError,
  );
  const took = performance.now() - t0;
  assert.equal(err.code, 'ABORTED');
  assert.ok(took < 3000, `rejected after ${took} ms; the full race takes several seconds`);
  const { iteration, partial } = err.details as { iteration: number; partial: LabResult };
  assert.ok(iteration < 3, `iteration ${iteration} < 3 tasks`);
  const res = partial.results as RaceResults;
  assert.equal(res.partial, true);
  assert.equal(res.lab, 'race');
  // whatever finished is there, and no task has more runs than contestants
  assert.ok(res.tasks.length <= 3);
  for (const t of res.tasks) assert.ok(t.runs.length >= 1 && t.runs.length <= contestants.length);
  assert.match(partial.report.title, /partial/);
  assert.match(partial.summary[0]!, /PARTIAL/);
  // an already-aborted signal rejects at once
  await assert.rejects(raceLab.run({ quick: true, seed: 1, signal: AbortSignal.abort(), extra: small }), /ABORTED/);
});

test('sampleCurve keeps ≤ ~200 points, the last step, and stops at the first non-finite value', () => {
  const l = Float64Array.from({ length: 1001 }, (_, t) => 1 / (t + 1));
  const c = sampleCurve(l, false);
  assert.ok(c.step.length <= 202);
  assert.equal(c.step[0], 0);
  assert.equal(c.step.at(-1), 1000);
  assert.equal(c.loss.at(-1), l[1000]);
  l[500] = NaN;
  const d = sampleCurve(l, false);
  assert.ok(d.step.slice(0, -1).every((t) => t < 500), 'nothing sampled after the gap but the last step');
  assert.equal(d.step.at(-1), 1000);
  const s = sampleCurve(l, true);
  assert.ok(s.loss.every(Number.isFinite));
});
