import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MetaoptimError,
  Region,
  Rng,
  adam,
  createRuntime,
  digitsSplit,
  mlp,
  pretrainPromptNetwork,
  promptTuningTask,
  ready,
  shiftDigits,
  train,
} from '../../src/index.js';
import { restartsLab } from '../../src/labs/restarts/index.js';
import { centralDiff, mlpLoss64 } from '../support/reference/nn.js';

const code = (c: string) => (e: unknown) => e instanceof MetaoptimError && e.code === c;

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}

const ACTS = ['sigmoid', 'tanh', 'relu', 'leaky_relu'] as const;

test('Mlp.inputGrad: ∂(mean loss)/∂x matches central differences of the f64 reference (random sizes, activations, BN, MSE); weights untouched', async () => {
  await ready();
  await fc.assert(
    fc.property(
      fc.record({
        nIn: fc.integer({ min: 1, max: 9 }),
        hidden: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }),
        nOut: fc.integer({ min: 2, max: 4 }),
        act: fc.integer({ min: 0, max: 3 }),
        bn: fc.boolean(),
        mse: fc.boolean(),
        rows: fc.integer({ min: 2, max: 6 }),
        seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      (c) => {
        const sizes = [c.nIn, ...c.hidden, c.nOut];
        const m = mlp({ sizes, activation: ACTS[c.act], batchNorm: c.bn, loss: c.mse ? 'mse' : 'softmax_ce', maxBatch: 8 });
        try {
          const rng = new Rng(c.seed);
          const p = m.init(c.seed, new Float32Array(m.size));
          const before = m.params.slice();
          const x = Float32Array.from({ length: c.rows * c.nIn }, () => 2 * rng.normal());
          const y = c.mse ? Float32Array.from({ length: c.rows * c.nOut }, () => rng.normal()) : Int32Array.from({ length: c.rows }, () => rng.int(c.nOut));
          const dx = new Float32Array(c.rows * c.nIn);
          const loss = m.inputGrad(p, { x, y }, dx);
          const spec = { sizes, kind: c.act + 1, batchNorm: c.bn, loss: c.mse ? ('mse' as const) : ('softmax_ce' as const) };
          const p64 = Float64Array.from(p);
          const f = (xv: Float64Array) => mlpLoss64(spec, p64, xv as unknown as Float32Array, y, c.rows);
          const want = f(Float64Array.from(x));
          assert.ok(Math.abs(loss - want) <= 1e-5 * (1 + Math.abs(want)), `loss ${loss} vs ${want}`);
          assert.equal(m.loss(p, { x, y }), loss, 'same loss as loss()');
          const fd = centralDiff(f, Float64Array.from(x), 1e-6);
          let scale = 1;
          for (const v of fd) scale = Math.max(scale, Math.abs(v));
          for (let i = 0; i < dx.length; i++) assert.ok(Math.abs(dx[i]! - fd[i]!) <= 2e-4 * scale, `${JSON.stringify(c)} x[${i}]: ${dx[i]} vs fd ${fd[i]}`);
          // A view of the runtime's memory is written in place, with the same numbers.
          const region = new Region(m.runtime.arena, Float32Array, c.rows * c.nIn);
          try {
            assert.equal(m.inputGrad(p, { x, y }, region.view), loss);
            assert.deepEqual(region.view, dx);
          } finally {
            region.release();
          }
          assert.deepEqual(m.params, before, 'model.params untouched');
          assert.deepEqual(p, m.init(c.seed, new Float32Array(m.size)), 'params argument untouched');
          assert.throws(() => m.inputGrad(p, { x, y }, new Float32Array(dx.length + 1)), code('LENGTH_MISMATCH'));
        } finally {
          m.dispose();
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('prompt gradient = central differences of the f64 reference loss over [p ; shifted x]', async () => {
  await ready();
  const opts = { tokens: 2, dim: 3, hidden: [16], batchSize: 16, pretrainSteps: 60, shift: 'translate' as const };
  const task = await promptTuningTask(opts);
  assert.equal(task.size, 6);
  assert.equal(task.name, 'digits-prompt-translate-2x3');
  const split = await digitsSplit();
  const shifted = shiftDigits(split.train, 'translate');
  const spec = { sizes: [...task.model.sizes], kind: 3, batchNorm: false, loss: 'softmax_ce' as const };
  const w64 = Float64Array.from(task.model.params);
  for (const b of [0, 13]) {
    const idx = task.batchRows(b);
    const B = idx.length;
    const y = Int32Array.from(idx, (r) => shifted.y[r]!);
    const f = (p: Float64Array) => {
      const x = new Float64Array(B * 70);
      for (let r = 0; r < B; r++) {
        x.set(p, r * 70);
        x.set(shifted.x.subarray(idx[r]! * 64, idx[r]! * 64 + 64), r * 70 + 6);
      }
      return mlpLoss64(spec, w64, x as unknown as Float32Array, y, B);
    };
    const p = task.init(b + 1);
    const g = new Float32Array(6);
    const loss = task.loss(p, b, g);
    assert.ok(Math.abs(loss - f(Float64Array.from(p))) < 1e-5 * (1 + loss));
    assert.equal(task.loss(p, b), loss, 'loss without gradient is the same number');
    const fd = centralDiff(f, Float64Array.from(p), 1e-4);
    assert.ok(relErr(g, fd) < 1e-4, `batch ${b}: relative error ${relErr(g, fd)}`);
  }
  assert.throws(() => task.loss(new Float32Array(5), 0), code('LENGTH_MISMATCH'));
  assert.throws(() => task.loss(task.init(0), -1), code('INVALID_ARGUMENT'));
  assert.throws(() => task.evaluate(task.init(0), 'val' as 'test'), code('INVALID_ARGUMENT'));
  task.dispose();
  task.dispose();
  assert.throws(() => task.init(0), code('DISPOSED'));
  await assert.rejects(promptTuningTask({ shift: 'mirror' as 'invert' }), code('INVALID_ARGUMENT'));
  await assert.rejects(promptTuningTask({ tokens: 0 }), code('INVALID_ARGUMENT'));
  await assert.rejects(promptTuningTask({ hidden: [] }), code('INVALID_ARGUMENT'));
});

test('shiftDigits: invert, rotate (90° clockwise), translate (1 pixel right), labels (y+1 mod 10)', async () => {
  const d = (await digitsSplit()).test;
  const px = (s: Float32Array, n: number, r: number, c: number) => s[n * 64 + r * 8 + c]!;
  const inv = shiftDigits(d, 'invert');
  const rot = shiftDigits(d, 'rotate');
  const tr = shiftDigits(d, 'translate');
  const lab = shiftDigits(d, 'labels');
  for (const n of [0, 5, 100]) {
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        assert.equal(px(inv.x, n, r, c), Math.fround(1 - px(d.x, n, r, c)));
        assert.equal(px(rot.x, n, c, 7 - r), px(d.x, n, r, c));
        assert.equal(px(tr.x, n, r, c), c === 0 ? 0 : px(d.x, n, r, c - 1));
        assert.equal(px(lab.x, n, r, c), px(d.x, n, r, c));
      }
    }
    assert.equal(lab.y[n], (d.y[n]! + 1) % 10);
    assert.equal(tr.y[n], d.y[n]);
  }
});

test('pretrained network: ≥ 0.97 test accuracy on unshifted digits with the neutral prompt (checked independently); deterministic across runtimes; cached', async () => {
  await ready();
  const task = await promptTuningTask();
  assert.equal(task.size, 64);
  assert.deepEqual([...task.model.sizes], [128, 32, 10]);
  // Independent check: predict the unshifted test split with p = 0 in front of every image.
  const d = (await digitsSplit()).test;
  const x = new Float32Array(d.rows * 128);
  for (let r = 0; r < d.rows; r++) x.set(d.x.subarray(r * 64, r * 64 + 64), r * 128 + 64);
  const z = task.model.predict(undefined, x);
  let correct = 0;
  for (let r = 0; r < d.rows; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (z[r * 10 + c]! > z[r * 10 + best]!) best = c;
    if (best === d.y[r]) correct++;
  }
  const acc = correct / d.rows;
  console.log(`# pretrained 128-32-10 (400 Adam steps, lr 1e-2): unshifted test accuracy ${acc.toFixed(3)}; shifted (translate) with p = 0: ${task.evaluate(new Float32Array(64), 'test').accuracy!.toFixed(3)}`);
  assert.ok(acc >= 0.97, `accuracy ${acc}`);
  assert.equal(task.pretrained.test.accuracy, acc);
  // The shift really hurts the frozen network.
  assert.ok(task.evaluate(new Float32Array(64), 'test').accuracy! < 0.7);
  // A second runtime pretrains from scratch and gets the same bits.
  const rt = await createRuntime();
  const again = await pretrainPromptNetwork({ runtime: rt });
  assert.deepEqual(again.params, task.model.params.slice());
  const t0 = performance.now();
  const twin = await promptTuningTask({ runtime: rt, shift: 'invert' });
  assert.ok(performance.now() - t0 < 2000, 'cached pretraining: creating a task is cheap');
  assert.deepEqual(twin.model.params.slice(), again.params);
  twin.dispose();
  rt.dispose();
  task.dispose();
});

test('prompt tuning: the network stays frozen, runs are deterministic, the shifted loss drops (real but incomplete progress)', async () => {
  await ready();
  const task = await promptTuningTask();
  const frozen = task.model.params.slice();
  const zero = task.evaluate(new Float32Array(task.size), 'train');
  const a = await train(task, adam({ lr: 5e-2 }), { steps: 300, seed: 1, evalSplits: ['train', 'test'] });
  assert.deepEqual(task.model.params.slice(), frozen, 'frozen weights unchanged after tuning');
  const b = await train(task, adam({ lr: 5e-2 }), { steps: 300, seed: 1, evalSplits: ['train', 'test'] });
  assert.deepEqual(b.losses, a.losses);
  assert.deepEqual(b.params, a.params);
  const c = await train(task, adam({ lr: 5e-2 }), { steps: 300, seed: 2 });
  assert.notDeepEqual(c.params, a.params, 'another seed starts elsewhere');
  assert.notDeepEqual(task.init(1), task.init(2));
  assert.deepEqual(task.init(1), task.init(1));
  const fin = a.final.train!;
  console.log(`# prompt tuning (translate, 8×8 prompt, Adam 5e-2, 300 steps, seed 1): train loss ${zero.loss.toFixed(3)} → ${fin.loss.toFixed(3)}, accuracy ${zero.accuracy!.toFixed(3)} → ${fin.accuracy!.toFixed(3)} (test ${a.final.test!.accuracy!.toFixed(3)})`);
  assert.ok(fin.loss < 0.5 * zero.loss, 'the loss at least halves');
  assert.ok(fin.accuracy! > zero.accuracy! + 0.08, 'accuracy improves');
  assert.ok(a.final.test!.accuracy! > task.evaluate(new Float32Array(task.size), 'test').accuracy! + 0.05, 'test accuracy improves');
  assert.ok(fin.accuracy! < 0.85, 'a prompt cannot fully undo the shift');
  task.dispose();
});

test('lab restarts: prompt-tuning rows for every method with the same evaluation budget', async () => {
  const r = await restartsLab.run({ quick: true, seed: 3, extra: { seeds: '2', only: 'prompt' } });
  const res = r.results as { config: { total: number }; runs: { method: string; task: string; gradientSteps: number; polishSteps: number; scoringEvaluations: number; finalLoss: number; trainAccuracy?: number; testAccuracy?: number }[] };
  const rows = res.runs.filter((x) => x.task === 'digits-prompt-translate-8x8');
  const methods = [...new Set(rows.map((x) => x.method))];
  assert.deepEqual(methods.slice(0, 5), ['GD', 'GD + surrogate', 'GD + multi-start', 'GD + perturbation', 'GD + surrogate w/o funnel']);
  assert.equal(rows.length, methods.length * 2);
  for (const run of rows) {
    if (!run.method.startsWith('GD + LLM')) assert.equal(run.gradientSteps + run.polishSteps + run.scoringEvaluations, res.config.total, run.method);
    assert.ok(run.finalLoss > 0 && run.finalLoss < 3, `${run.method}: ${run.finalLoss}`);
    assert.ok(run.trainAccuracy! > 0.4 && run.testAccuracy! > 0.4);
  }
  assert.ok(r.report.sections.some((s) => s.title === 'Accuracy on digits-prompt-translate-8x8'));
  assert.ok(r.summary.some((l) => l.includes('digits-prompt-translate-8x8')));
});
