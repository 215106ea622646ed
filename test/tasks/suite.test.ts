// The benchmark suite (issue 13): the task list, budgets and targets, seeding, registration of
// held-out tasks, and exact gradients of the tasks the suite adds.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MetaoptimError } from '../../src/core/errors.js';
import { ready } from '../../src/runtime/runtime.js';
import { BENCHMARK_SUITE, registerSuiteTasks, suiteTask, suiteTasks } from '../../src/tasks/index.js';
import { bealeTask, deepNoisyQuadraticTask, digitsAutoencoderTask, teacherStudentTask } from '../../src/tasks/suite-tasks.js';
import type { Task } from '../../src/tasks/types.js';

before(async () => {
  await ready();
});

const ISSUE_13_TASKS = [
  'rosenbrock', 'beale', 'noisy-quadratic-deep',
  'quadratic-10-1e2', 'quadratic-50-1e3', 'quadratic-50-1e4',
  'logreg-digits', 'logreg-iris', 'logreg-wine',
  'digits-mlp-sigmoid', 'digits-mlp-relu', 'digits-mlp-leaky-relu', 'digits-mlp-bn', 'digits-mlp-deep',
  'digits-autoencoder', 'iris-mlp', 'wine-mlp', 'teacher-student', 'rastrigin-10', 'ackley-10',
];

test('the suite lists the 20 tasks of issue 13 by name, each with a budget, a target and a test metric', () => {
  assert.deepEqual(BENCHMARK_SUITE.map((t) => t.name), ISSUE_13_TASKS);
  for (const t of BENCHMARK_SUITE) {
    assert.ok(Number.isInteger(t.budget.steps) && t.budget.steps >= 100, t.name);
    assert.ok(t.budget.batch === null || (Number.isInteger(t.budget.batch) && t.budget.batch > 0), t.name);
    assert.ok(Number.isFinite(t.target) && t.target > 0, t.name);
    assert.equal(t.heldOut, false);
    assert.ok(Object.isFrozen(t));
  }
  assert.ok(suiteTask('rastrigin-10').randomStart && suiteTask('ackley-10').randomStart && !suiteTask('rosenbrock').randomStart);
  assert.throws(() => suiteTask('nosuch'), (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT' && /known: rosenbrock, beale/.test(e.message));
});

test('every task builds, is seeded (same seed → same start and loss; another seed → another start where randomStart) and has the size it says', async () => {
  for (const entry of BENCHMARK_SUITE) {
    const task = await entry.make();
    try {
      assert.equal(task.name, entry.name);
      const a = task.init(1), b = task.init(1), c = task.init(2);
      assert.equal(a.length, task.size);
      assert.deepEqual(a, b);
      if (entry.randomStart) assert.notDeepEqual(a, c, entry.name);
      const g = new Float32Array(task.size);
      const l0 = task.loss(a, 0, g);
      assert.ok(Number.isFinite(l0) && g.every(Number.isFinite), entry.name);
      assert.equal(task.loss(a, 0), l0, `${entry.name}: minibatch 0 is a pure function`);
      const ev = task.evaluate(a, 'test');
      assert.ok(Number.isFinite(ev.loss));
      if (entry.testMetric === 'accuracy') assert.ok(ev.accuracy! >= 0 && ev.accuracy! <= 1);
      assert.ok(l0 > entry.target || entry.group === 'multimodal' || entry.name === 'teacher-student', `${entry.name}: the start (${l0}) is above the target`);
    } finally {
      task.dispose?.();
    }
  }
});

/** Central differences in f64 on the f32 parameters (step h), against the task's gradient. */
function gradCheck(task: Task, seed: number, batch: number, h: number, tol: number): void {
  const p = task.init(seed);
  const g = new Float32Array(task.size);
  task.loss(p, batch, g);
  for (let i = 0; i < Math.min(task.size, 24); i++) {
    const x = p[i]!;
    p[i] = x + h;
    const up = task.loss(p, batch);
    p[i] = x - h;
    const dn = task.loss(p, batch);
    p[i] = x;
    const fd = (up - dn) / (Math.fround(x + h) - Math.fround(x - h));
    assert.ok(Math.abs(fd - g[i]!) <= tol * Math.max(1, Math.abs(fd)), `${task.name}[${i}]: fd ${fd} vs ${g[i]}`);
  }
}

test('the tasks the suite adds have exact gradients (finite differences) and the documented minima', async () => {
  const beale = bealeTask();
  gradCheck(beale, 3, 0, 1e-3, 1e-3);
  assert.equal(beale.evaluate(Float32Array.of(3, 0.5)).loss, 0);
  const q = deepNoisyQuadraticTask({ n: 20, batchSize: 4 });
  gradCheck(q, 1, 7, 1e-2, 1e-3);
  assert.equal(q.evaluate(new Float32Array(20)).loss, 0);
  assert.notEqual(q.loss(q.init(0), 1), q.loss(q.init(0), 2), 'minibatches differ');
  const ts = teacherStudentTask();
  gradCheck(ts, 2, 5, 1e-2, 2e-3);
  assert.ok(ts.evaluate(ts.init(0), 'train').loss !== ts.evaluate(ts.init(0), 'test').loss);
  const ae = await digitsAutoencoderTask();
  try {
    gradCheck(ae, 0, 3, 1e-2, 2e-2);
    assert.equal(ae.size, 64 * 16 + 16 + 16 * 64 + 64);
  } finally {
    ae.dispose!();
  }
  assert.throws(() => ae.loss(ae.init(0), 0), (e: unknown) => e instanceof MetaoptimError && e.code === 'DISPOSED');
  const unknown = (e: unknown) => e instanceof MetaoptimError && e.code === 'UNKNOWN_OPTION';
  assert.throws(() => teacherStudentTask({ batch: 3 } as never), unknown);
  assert.throws(() => deepNoisyQuadraticTask({ dim: 3 } as never), unknown);
  await assert.rejects(digitsAutoencoderTask({ bs: 3 } as never), unknown);
  assert.throws(() => teacherStudentTask({ batchSize: 0 }), /positive integer/);
});

test('registerSuiteTasks adds (held-out) tasks; suiteTasks filters on the mark; duplicates are refused', () => {
  const before = suiteTasks().length;
  const [t] = registerSuiteTasks([{ name: 'test-held-out-beale', description: 'Beale, held out', group: 'test-function', budget: { steps: 100, batch: null }, target: 1, heldOut: true, make: () => bealeTask() }]);
  assert.equal(t!.heldOut, true);
  assert.equal(t!.randomStart, true);
  assert.equal(suiteTasks().length, before + 1);
  assert.deepEqual(suiteTasks({ heldOut: true }).map((x) => x.name), ['test-held-out-beale']);
  assert.ok(!suiteTasks({ heldOut: false }).some((x) => x.name === 'test-held-out-beale'));
  assert.equal(suiteTask('test-held-out-beale'), t);
  const bad = (e: unknown) => e instanceof MetaoptimError && e.code === 'INVALID_ARGUMENT';
  assert.throws(() => registerSuiteTasks([{ ...t!, name: 'rosenbrock' }]), bad);
  assert.throws(() => registerSuiteTasks([{ ...t!, name: 'Bad Name' }]), bad);
  assert.throws(() => registerSuiteTasks([{ ...t!, name: 'x-steps', budget: { steps: 0, batch: null } }]), bad);
  assert.equal(suiteTasks().length, before + 1);
});
