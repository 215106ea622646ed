import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent } from '../../src/core/loop.js';
import { MetaoptimError } from '../../src/core/errors.js';
import type { LabResult } from '../../src/labs/lab.js';
import { lrGrid, runFixed } from '../../src/labs/protocol.js';
import { contestants, raceLrGrid } from '../../src/labs/race/contestants.js';
import { raceLab } from '../../src/labs/race/lab.js';
import type { RaceResults } from '../../src/labs/race/report.js';
import { meanCurve } from '../../src/labs/race/run.js';
import { suiteTasks } from '../../src/tasks/suite.js';
import { raceTasks } from '../../src/labs/race/tasks.js';
import { labs } from '../../src/labs/registry.js';
import { sgd } from '../../src/optim/sgd.js';
import { ready } from '../../src/runtime/runtime.js';
import { rosenbrockTask } from '../../src/tasks/functions.js';

const small = { task: 'rosenbrock,rastrigin-10', steps: '40', seeds: '2' };

test('the race is a registered lab with its options declared; its tasks are the benchmark suite', () => {
  assert.ok(labs.includes(raceLab));
  assert.deepEqual(raceLab.options.map((o) => o.name), ['task', 'steps', 'seeds']);
  assert.deepEqual(Object.keys(raceTasks), suiteTasks({ heldOut: false }).map((t) => t.name));
  assert.equal(Object.keys(raceTasks).length, 20);
  assert.ok(raceTasks['rastrigin-10']!.randomStart && !raceTasks.rosenbrock!.randomStart);
});

test('raceLrGrid is the protocol lrGrid: 11 half-decade rates 1e-5…1 (quick: the 6 decades)', () => {
  const full = raceLrGrid(false);
  assert.equal(full.length, 11);
  assert.deepEqual(full, lrGrid({ min: 1e-5, max: 1, perDecade: 2 }));
  assert.deepEqual(raceLrGrid(true), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
});

test('results: the one header, every contestant per task over several seeds, the tuned rate is the argmin of the tuning scores', async () => {
  const events: ProgressEvent[] = [];
  const r = await raceLab.run({ quick: true, seed: 3, extra: small, onProgress: (e) => events.push(e) });
  const res = r.results as RaceResults;
  assert.deepEqual(Object.keys(res).slice(0, 7), ['lab', 'version', 'seed', 'quick', 'build', 'elapsedMs', 'partial']);
  assert.equal(res.version, 3);
  assert.equal(res.seeds, 2);
  assert.equal(res.build, (await ready()).build);
  assert.deepEqual(res.tasks.map((t) => [t.name, t.steps]), [['rosenbrock', 40], ['rastrigin-10', 40]]);
  for (const t of res.tasks) {
    assert.deepEqual(t.runs.map((u) => u.optimizer), contestants.map((c) => c.name));
    for (const u of t.runs) {
      const scores = u.tuning.map((p) => p.loss ?? Infinity);
      if (u.optimizer === 'celo' || u.optimizer === 'celo-adam') {
        // untuned: no learning rate, no tuning runs
        assert.equal(u.lr, null);
        assert.deepEqual(u.tuning, []);
      } else {
        assert.deepEqual(u.tuning.map((p) => p.lr), res.lrGrid);
        assert.equal(res.lrGrid.indexOf(u.lr!), scores.indexOf(Math.min(...scores)), `${u.optimizer} on ${t.name}`);
      }
      // mean ± sd over the reported seeds, from the per-seed metrics
      assert.deepEqual(u.seeds.map((m) => m.seed), [3, 4]);
      const ok = u.seeds.map((m) => m.finalLoss).filter(Number.isFinite);
      assert.equal(u.finalLoss.n, ok.length);
      if (ok.length === 2) {
        assert.ok(Math.abs(u.finalLoss.mean - (ok[0]! + ok[1]!) / 2) < 1e-12 * Math.max(1, Math.abs(u.finalLoss.mean)));
        assert.ok(Math.abs(u.finalLoss.sd - Math.abs(ok[0]! - ok[1]!) / Math.SQRT2) <= 1e-9 * Math.max(1, u.finalLoss.sd));
      }
    }
  }
  // Rastrigin starts from a random point per seed: the two seeds' initial points differ, Rosenbrock's do not
  const rast = res.tasks[1]!.runs[0]!.seeds;
  assert.notEqual(rast[0]!.finalLoss, rast[1]!.finalLoss);
  for (const label of ['rosenbrock', 'rastrigin-10']) {
    const mine = events.filter((e) => e.label === label);
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done);
    assert.equal(mine.at(-1)!.total, contestants.filter((c) => c.tuned).length * (6 + 2) + contestants.filter((c) => !c.tuned).length * 2);
    assert.equal(mine.at(-1)!.done, mine.at(-1)!.total);
  }
  assert.ok(r.summary[0]!.startsWith('race (quick, seed 3, 2 seeds'));
  assert.equal(r.report.sections.length, 2 + res.tasks.length);
});

test('a reported run is runFixed of the tuned rate: sgd on Rosenbrock equals a plain f32 gradient-descent loop bit for bit', async () => {
  const r = await raceLab.run({ quick: true, seed: 0, extra: { task: 'rosenbrock', steps: '300', seeds: '2' } });
  const u = (r.results as RaceResults).tasks[0]!.runs.find((x) => x.optimizer === 'sgd')!;
  const task = rosenbrockTask();
  const p = task.init(0);
  const g = new Float32Array(2);
  const lr = Math.fround(u.lr!);
  for (let s = 0; s < 300; s++) {
    task.loss(p, s, g);
    for (let i = 0; i < 2; i++) p[i] = Math.fround(p[i]! - Math.fround(lr * g[i]!));
  }
  assert.equal(task.loss(p, 0), u.seeds[0]!.finalLoss);
  const fixed = await runFixed(sgd({ lr: u.lr! }), rosenbrockTask(), 300, { seed: 0 });
  assert.equal(fixed.finalLoss, u.seeds[0]!.finalLoss);
});

test('same seed → identical results (apart from elapsedMs)', async () => {
  const strip = (r: LabResult) => JSON.stringify(r.results, (k, v) => (k === 'elapsedMs' ? undefined : v));
  const a = await raceLab.run({ quick: true, seed: 7, extra: { task: 'quadratic-10-1e2', steps: '30', seeds: '2' } });
  const b = await raceLab.run({ quick: true, seed: 7, extra: { task: 'quadratic-10-1e2', steps: '30', seeds: '2' } });
  const c = await raceLab.run({ quick: true, seed: 8, extra: { task: 'quadratic-10-1e2', steps: '30', seeds: '2' } });
  assert.equal(strip(a), strip(b));
  assert.notEqual(strip(a), strip(c));
});

test('bad options: unknown/empty task list, bad steps, unknown extra key', async () => {
  const run = (extra: Record<string, string>) => raceLab.run({ quick: true, seed: 0, extra });
  await assert.rejects(run({ task: 'nosuch' }), new RegExp(`unknown task "nosuch" \\(known: ${Object.keys(raceTasks).join(', ')}\\)`));
  await assert.rejects(run({ task: ' , ' }), /--task needs at least one task name/);
  await assert.rejects(run({ task: '' }), /--task needs at least one task name/);
  for (const s of ['0', '1.5', 'x', '20000000']) await assert.rejects(run({ steps: s }), /--steps must be an integer in \[1, 1e7\]/);
  await assert.rejects(run({ seeds: '1' }), /--seeds must be an integer ≥ 2/);
  await assert.rejects(run({ stpes: '3' }), (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION' && /did you mean 'steps'/.test(e.message));
});

test('abort from a timer: ABORTED within a fraction of the run, details { iteration, partial: LabResult } with partial: true', async () => {
  const controller = new AbortController();
  let progressed = 0;
  const t0 = performance.now();
  const run = raceLab.run({
    quick: false,
    seed: 0,
    extra: { task: 'rosenbrock,quadratic-50-1e4,rastrigin-10' },
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

test('meanCurve averages the seeds per step and keeps ≤ ~200 points', () => {
  const a = Float64Array.from({ length: 1000 }, (_, t) => 1 / (t + 1));
  const b = Float64Array.from({ length: 1000 }, (_, t) => 3 / (t + 1));
  const c = meanCurve([a, b], 1000, false);
  assert.ok(c.step.length <= 200);
  assert.equal(c.step[0], 0);
  assert.equal(c.loss[0], 2);
  assert.equal(c.loss[1], 2 / (c.step[1]! + 1));
  const s = meanCurve([a, b], 1000, true);
  assert.ok(s.loss[0]! < 2 && s.loss[0]! > 0, 'bucket means');
  assert.deepEqual(meanCurve([], 10, false), { step: [], loss: [] });
});
