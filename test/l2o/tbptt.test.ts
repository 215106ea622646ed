import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../../src/tasks/types.js';
import { adam, lstmLOpt, noisyQuadraticFamily, ready, tbpttTrain, tbpttWindow } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { F64, lstmStepRef } from '../support/reference/l2o.js';

// Linear task: L_b(x) = 10 + ⟨c_b, x⟩. Its gradient does not depend on x, so detaching the
// gradient (first-order truncated backprop) loses nothing and M = log Σ L_t can be checked by
// finite differences of an exact-arithmetic model of the same window.
function linearTask(n: number): Task & { c: (b: number) => Float64Array } {
  const c = (b: number) => new Rng(99, b).fillNormal(new Float64Array(n)) as Float64Array;
  return {
    name: 'linear', size: n, c,
    init: (seed) => new Rng(seed).fillNormal(new Float32Array(n)) as Float32Array,
    loss(x, b, grad) {
      const cb = c(b);
      if (grad) grad.set(cb);
      return 10 + x.reduce((s, v, i) => s + v * cb[i]!, 0);
    },
    evaluate: () => ({ loss: 0 }),
  };
}

test('tbpttWindow: first-order meta-gradient matches finite differences of log Σ L on a linear task', async () => {
  await ready();
  const n = 4, K = 5;
  const task = linearTask(n);
  const theta = lstmLOpt.init(11);
  const x0 = task.init(1);
  const st = lstmLOpt.optimizer(theta).init(x0);
  const r = tbpttWindow(task, st, theta, 0, K);
  st.dispose();
  assert.ok(r.ok);
  const M = (th: Float64Array) => {
    const state = Array.from({ length: 80 }, () => new Float64Array(n));
    const x = Float64Array.from(x0);
    let S = 0;
    for (let t = 0; t < K; t++) {
      const cb = task.c(t);
      S += 10 + x.reduce((s, v, i) => s + v * cb[i]!, 0);
      lstmStepRef(F64, x, cb, state, th, 0.1);
    }
    return Math.log(S);
  };
  const th64 = Float64Array.from(theta);
  assert.ok(Math.abs(M(th64) - r.metaLoss) < 1e-5);
  const h = 1e-4;
  let checked = 0;
  for (const idx of [0, 1, 170, 1000, 1770, 1850, 2500, 3700, 5125, 5205, 5281, 5300]) {
    const p = th64.slice(), m = th64.slice();
    p[idx]! += h;
    m[idx]! -= h;
    const fd = (M(p) - M(m)) / (2 * h);
    assert.ok(Math.abs(fd - r.grad[idx]!) <= 1e-3 * Math.abs(fd) + 1e-10, `θ[${idx}]: fd ${fd} vs ${r.grad[idx]}`);
    if (Math.abs(fd) > 1e-7) checked++;
  }
  assert.ok(checked >= 6, 'most probed coordinates have a non-negligible gradient');
});

test('symmetry-regularized window (B.1.5): gradient matches finite differences for rescale, scale, translation and all', async () => {
  await ready();
  const n = 12, K = 4; // W1 2×2, b1 2, W2 2×2, b2 2
  const layout = [{ name: 'W1', offset: 0, length: 4 }, { name: 'b1', offset: 4, length: 2 }, { name: 'W2', offset: 6, length: 4 }, { name: 'b2', offset: 10, length: 2 }];
  const w: Record<string, number[]> = {
    scale: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    rescale: [1, 1, 1, 1, 1, 1, -1, -1, -1, -1, 0, 0],
    tw: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0],
    tb: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
  };
  const task = linearTask(n);
  const theta = lstmLOpt.init(21);
  const x0 = task.init(2);
  for (const kind of ['rescale', 'scale', 'translation', 'all'] as const) {
    const beta = 0.5;
    const st = lstmLOpt.optimizer(theta).init(x0);
    const r = tbpttWindow(task, st, theta, 0, K, 0.1, { kind, beta, layout });
    st.dispose();
    const st0 = lstmLOpt.optimizer(theta).init(x0);
    const r0 = tbpttWindow(task, st0, theta, 0, K, 0.1);
    st0.dispose();
    // The regularizer must matter: its gradient changes the result well beyond the tolerance below.
    const diff = Math.max(...[0, 1, 170, 1000, 5281, 5300].map((i) => Math.abs(r.grad[i]! - r0.grad[i]!) / (Math.abs(r0.grad[i]!) + 1e-9)));
    assert.ok(diff > 0.05, `${kind}: regularizer changes the gradient by ${diff}`);
    const M = (th: Float64Array) => {
      const state = Array.from({ length: 80 }, () => new Float64Array(n));
      const x = Float64Array.from(x0);
      let S = 0, reg = 0;
      for (let t = 0; t < K; t++) {
        const cb = task.c(t);
        S += 10 + x.reduce((q, v, i) => q + v * cb[i]!, 0);
        const before = x.slice();
        lstmStepRef(F64, x, cb, state, th, 0.1);
        const D = (wv: number[], bil: boolean) => wv.reduce((q, wj, j) => q + wj * -(x[j]! - before[j]!) * (bil ? before[j]! : 1), 0);
        const R = kind === 'scale' ? Math.abs(D(w.scale!, true))
          : kind === 'rescale' ? Math.abs(D(w.rescale!, true))
          : kind === 'translation' ? Math.abs(D(w.tw!, false)) + Math.abs(D(w.tb!, false))
          : (Math.abs(D(w.rescale!, true)) + Math.abs(D(w.scale!, true)) + Math.abs(D(w.tw!, false)) + Math.abs(D(w.tb!, false))) / 3;
        reg += beta * R;
      }
      return Math.log(S) + reg;
    };
    const th64 = Float64Array.from(theta);
    assert.ok(Math.abs(M(th64) - r.metaLoss) < 1e-5 * Math.abs(r.metaLoss), `${kind}: ${M(th64)} vs ${r.metaLoss}`);
    const h = 1e-4;
    for (const idx of [0, 1, 170, 1000, 1770, 2500, 3700, 5125, 5281, 5300]) {
      const p = th64.slice(), m = th64.slice();
      p[idx]! += h;
      m[idx]! -= h;
      const fd = (M(p) - M(m)) / (2 * h);
      assert.ok(Math.abs(fd - r.grad[idx]!) <= 2e-3 * Math.abs(fd) + 1e-9, `${kind} θ[${idx}]: fd ${fd} vs ${r.grad[idx]}`);
    }
  }
});

test('tbpttTrain lowers the meta-loss of the LSTM optimizer on noisy quadratics', async () => {
  await ready();
  const family = noisyQuadraticFamily({ dim: 10, hMin: 0.5, hMax: 2, noise: 0.05 });
  const theta = lstmLOpt.init(0);
  const r = await tbpttTrain({ family, theta, runs: 12, innerSteps: 40, unroll: 10, seed: 3, metaOptimizer: adam({ lr: 3e-3 }) });
  const byRun = (k: number) => r.history.filter((h) => h.run === k).map((h) => h.metaLoss);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const early = mean([0, 1, 2].flatMap(byRun)), late = mean([9, 10, 11].flatMap(byRun));
  assert.ok(late < early, `meta-loss ${early} → ${late}`);
  assert.ok(r.theta.some((v, i) => v !== theta[i]));
  await assert.rejects(tbpttTrain({ family, theta, runs: 1, unrol: 5 } as never), (e: unknown) => (e as { code: string; message: string }).code === 'UNKNOWN_OPTION' && /unroll/.test((e as Error).message));
});

test('tbpttTrain is cancellable: an abort from a timer rejects at once with ABORTED and the θ so far', async () => {
  await ready();
  const family = noisyQuadraticFamily({ dim: 400 });
  const theta = lstmLOpt.init(0);
  const runs = 100_000;
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 80);
  await assert.rejects(tbpttTrain({ family, theta, runs, innerSteps: 200, unroll: 20, signal: ac.signal }), (e: unknown) => {
    const err = e as { code: string; details: { iteration: number; partial: { theta: Float32Array; history: { metaLoss: number }[] } } };
    assert.equal(err.code, 'ABORTED');
    assert.ok(err.details.iteration >= 0 && err.details.iteration < runs);
    assert.ok(err.details.partial.theta instanceof Float32Array && err.details.partial.theta.length === theta.length);
    assert.ok(Array.isArray(err.details.partial.history));
    if (err.details.partial.history.length) assert.ok(err.details.partial.theta.some((v, i) => v !== theta[i]), 'θ after the completed windows');
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, 'rejected long before the run could finish');
});
