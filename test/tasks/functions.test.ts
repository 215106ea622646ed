import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { quadraticTask, rosenbrockTask } from '../../src/tasks/functions.js';
import { rastriginTask } from '../../src/tasks/nonconvex.js';
import type { Task } from '../../src/tasks/types.js';

/** Central finite differences in f64 on a copy of x (perturbations rounded to f32). */
function fdGrad(task: Task, x: Float32Array, h: number): Float64Array {
  const g = new Float64Array(x.length);
  const y = new Float32Array(x);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    y[i] = xi + h;
    const hp = y[i]! - xi;
    const fp = task.loss(y, 0);
    y[i] = xi - h;
    const hm = xi - y[i]!;
    const fm = task.loss(y, 0);
    y[i] = xi;
    g[i] = (fp - fm) / (hp + hm);
  }
  return g;
}

function assertGradClose(task: Task, x: Float32Array, h: number, rtol: number) {
  const g = new Float32Array(x.length);
  task.loss(x, 0, g);
  const fd = fdGrad(task, x, h);
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(fd[i]!));
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(g[i]! - fd[i]!) <= rtol * (scale + 1), `${task.name}: grad[${i}] = ${g[i]} vs finite difference ${fd[i]}`);
  }
}

test('rosenbrock: classic start, value 24.2, minimum 0 at (1, 1), exact gradient', () => {
  const t = rosenbrockTask();
  const x = t.init(123);
  assert.deepEqual([...x], [Math.fround(-1.2), 1]);
  assert.ok(Math.abs(t.loss(x, 0) - 24.2) < 1e-4); // −1.2 is rounded to f32
  const g = new Float32Array(2);
  assert.equal(t.loss(Float32Array.of(1, 1), 0, g), 0);
  assert.ok(g.every((v) => v === 0), `${g}`);
  // ∇f at (−1.2, 1): (−2·2.2 − 400·(−1.2)·(1 − 1.44), 200·(1 − 1.44)) = (−215.6, −88)
  t.loss(Float32Array.of(-1.2, 1), 0, g);
  assert.ok(Math.abs(g[0]! + 215.6) < 1e-3 && Math.abs(g[1]! + 88) < 1e-3, `${g}`);
  fc.assert(
    fc.property(fc.float({ min: -2, max: 2, noNaN: true }), fc.float({ min: -1, max: 3, noNaN: true }), (a, b) => {
      assertGradClose(t, Float32Array.of(a, b), 1e-3, 1e-3);
    }),
    { numRuns: 100 },
  );
});

test('quadratic: minimum 0 at x*, gradient exact, condition number as asked, seeded', () => {
  const t = quadraticTask({ n: 12, condition: 100, seed: 5 });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), (s) => {
      assertGradClose(t, t.init(s), 1e-2, 1e-3);
    }),
    { numRuns: 30 },
  );
  const x0 = t.init(1);
  const g = new Float32Array(12);
  t.loss(x0, 0, g);
  // Walking along −∇f from x0 with a tiny step decreases f.
  const x1 = x0.map((v, i) => v - 1e-4 * g[i]!);
  assert.ok(t.loss(x1, 0) < t.loss(x0, 0));
  // Same seed → same task; another seed → another rotation/minimizer.
  const same1 = quadraticTask({ n: 12, condition: 100, seed: 5 });
  const other = quadraticTask({ n: 12, condition: 100, seed: 6 });
  assert.deepEqual(same1.init(3), t.init(3));
  assert.notDeepEqual(other.loss(t.init(3), 0), t.loss(t.init(3), 0));
  // H = Qᵀ D Q has its diagonal within [λmin, λmax] = [1e-2, 1e2] (condition 1e4); the
  // gradient is linear, so Hii is a gradient difference along eᵢ.
  const big = quadraticTask({ n: 8, condition: 1e4, seed: 2 });
  let lo = Infinity;
  let hi = 0;
  const base = big.init(0);
  const gb = new Float32Array(8);
  const ge = new Float32Array(8);
  big.loss(base, 0, gb);
  for (let i = 0; i < 8; i++) {
    const e = new Float32Array(base);
    e[i] = base[i]! + 0.5;
    const d = e[i]! - base[i]!;
    big.loss(e, 0, ge);
    const hii = (ge[i]! - gb[i]!) / d;
    lo = Math.min(lo, hii);
    hi = Math.max(hi, hii);
  }
  assert.ok(lo >= 0.01 * 0.99 && hi <= 100 * 1.01, `diagonal of H in [${lo}, ${hi}]`);
});

test('rastrigin: minimum 0 at the origin, start in [−5.12, 5.12]^n, exact gradient', () => {
  const t = rastriginTask({ n: 10 });
  const g = new Float32Array(10);
  assert.equal(t.loss(new Float32Array(10), 0, g), 0);
  assert.ok(g.every((v) => v === 0), `${g}`);
  const x = t.init(9);
  assert.ok(x.every((v) => v >= -5.12 && v <= 5.12));
  assert.deepEqual(t.init(9), x);
  assert.notDeepEqual(t.init(10), x);
  // Every integer point other than 0 is a near-local minimum with value ≈ Σ xᵢ²
  assert.ok(Math.abs(t.loss(Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, -2), 0) - 5) < 1e-9);
  fc.assert(
    fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 10, maxLength: 10 }), (a) => {
      assertGradClose(t, Float32Array.from(a), 1e-3, 1e-3);
    }),
    { numRuns: 50 },
  );
});

test('function tasks reject parameters of the wrong length and bad construction options', () => {
  assert.throws(() => rosenbrockTask().loss(new Float32Array(3), 0), /LENGTH_MISMATCH/);
  assert.throws(() => rastriginTask({ n: 3 }).loss(new Float32Array(3), 0, new Float32Array(2)), /LENGTH_MISMATCH/);
  assert.throws(() => quadraticTask({ n: 0 }), /INVALID_ARGUMENT/);
  assert.throws(() => quadraticTask({ condition: 0.5 }), /INVALID_ARGUMENT/);
  assert.throws(() => rastriginTask({ n: 2.5 }), /INVALID_HYPERPARAMETER/);
});
