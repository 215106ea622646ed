import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type ProposalRequest, type Proposer, multiStartProposer, parseCandidates, perturbationProposer, runRestarts, surrogateProposer } from '../../src/restart/index.js';
import { ackleyTask, rastriginTask } from '../../src/tasks/index.js';
import { type Task, momentum, ready, sgd } from '../../src/index.js';
import { symmetricEigen } from '../../src/core/linalg.js';
import { trustRegionStep } from '../../src/restart/trust-region.js';
import { fitFunnel } from '../../src/restart/surrogate.js';
import type { TrajectoryPoint } from '../../src/restart/types.js';
import { Rng } from '../../src/core/rng.js';

before(async () => {
  await ready();
});

/** Matches UNKNOWN_OPTION for `key` with the suggested closest valid key. */
const unknownOption = (key: string, suggestion: string) => (e: unknown) =>
  (e as { code?: string }).code === 'UNKNOWN_OPTION' && (e as { details: { key: string; suggestion: string } }).details.key === key && (e as { details: { suggestion: string } }).details.suggestion === suggestion;

/** A proposer that replies with fixed text and remembers what it was asked. */
function scripted(text: string | ((r: ProposalRequest) => string)): Proposer & { requests: ProposalRequest[] } {
  const requests: ProposalRequest[] = [];
  return {
    name: 'scripted',
    requests,
    async propose(r) {
      requests.push(r);
      return { text: typeof text === 'string' ? text : text(r) };
    },
  };
}

test('a scripted proposer that returns the known optimum: the driver restarts there and ends at it', async () => {
  for (const task of [rastriginTask({ n: 4 }), ackleyTask({ n: 4, range: 3 })]) {
    const p = scripted('Here you go:\n[0, 0, 0, 0]\n[1, 1, 1, 1]\n');
    const r = await runRestarts(task, { optimizer: sgd({ lr: 1e-3 }), proposer: p, rounds: 2, stepsPerRound: 5, finalSteps: 10, seed: 11 });
    assert.ok(task.evaluate(task.init(11)).loss > 1, 'the start is far from the optimum');
    assert.deepEqual(r.rounds[0]!.decision, { kind: 'restart', candidate: 0, score: 0 });
    assert.equal(r.final.train.loss, 0);
    assert.deepEqual(Array.from(r.params), [0, 0, 0, 0]);
    assert.equal(r.counts.scoringEvaluations, 4, '2 rounds × 2 candidates × 1 scoring batch');
    assert.equal(r.counts.gradientSteps, 2 * 5 + 10);
    assert.equal(r.best.loss, 0);
    // Rows in the prompt are sorted worst → best.
    const rows = p.requests[1]!.rows;
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.loss >= rows[i]!.loss);
    assert.equal(rows.at(-1)!.loss, 0);
  }
});

test("pick: 'first' restarts from the first vector unscored; 'best' from the lowest score; 'bestOrCurrent' keeps a better iterate", async () => {
  const task = rastriginTask({ n: 4 });
  const text = '[1, 1, 1, 1]\n[0, 0, 0, 0]';
  const opt = sgd({ lr: 1e-3 });
  const first = await runRestarts(task, { optimizer: opt, proposer: scripted(text), rounds: 1, stepsPerRound: 3, finalSteps: 0, pick: 'first', seed: 2 });
  assert.deepEqual(first.rounds[0]!.decision, { kind: 'restart', candidate: 0 });
  assert.equal(first.counts.scoringEvaluations, 0);
  assert.deepEqual(Array.from(first.params), [1, 1, 1, 1]);
  const best = await runRestarts(task, { optimizer: opt, proposer: scripted(text), rounds: 1, stepsPerRound: 3, finalSteps: 0, pick: 'best', seed: 2 });
  assert.deepEqual(Array.from(best.params), [0, 0, 0, 0]);
  // A candidate worse than the current iterate (far away) is not taken under 'bestOrCurrent'.
  const far = await runRestarts(task, {
    optimizer: opt,
    proposer: scripted('[4.5, 4.5, 4.5, 4.5]'),
    rounds: 1,
    stepsPerRound: 3,
    finalSteps: 0,
    pick: 'bestOrCurrent',
    seed: 2,
  });
  assert.equal(far.rounds[0]!.decision.kind, 'keep');
  assert.equal(far.counts.scoringEvaluations, 2);
  assert.notDeepEqual(Array.from(far.params), [4.5, 4.5, 4.5, 4.5]);
});

test("optimizerState: 'reset' clears momentum at the restart, 'keep' carries it", async () => {
  const task = rastriginTask({ n: 3 });
  const go = (mode: 'keep' | 'reset') =>
    runRestarts(task, {
      optimizer: momentum({ lr: 1e-3, momentum: 0.9 }),
      proposer: scripted('[0, 0, 0]'),
      rounds: 1,
      stepsPerRound: 5,
      finalSteps: 3,
      optimizerState: mode,
      seed: 5,
    });
  const reset = await go('reset');
  assert.deepEqual(Array.from(reset.params), [0, 0, 0], 'zero gradient and zero momentum: stays at the optimum');
  const keep = await go('keep');
  assert.ok(keep.params.some((x) => x !== 0), 'the kept momentum moves the iterate off the optimum');
});

test('evaluateTrajectory shows accuracy in the prompt; scoreBatches and maxCandidates set the scoring cost', async () => {
  // A 1-parameter "classifier" with a train-split accuracy: predicts class 1 when w > 0.
  const task: Task = {
    name: 'toy-classifier',
    size: 1,
    init: () => Float32Array.of(-2),
    loss: (x, batch, g) => {
      const shift = batch >= 2 ** 30 ? 0.1 * (batch - 2 ** 30) : 0;
      if (g) g[0] = 2 * (x[0]! - 1);
      return (x[0]! - 1) ** 2 + shift;
    },
    evaluate: (x) => ({ loss: (x[0]! - 1) ** 2, accuracy: x[0]! > 0 ? 1 : 0.5 }),
  };
  const p = scripted('[1] [0.5] [2] [3] [4]');
  const r = await runRestarts(task, {
    optimizer: sgd({ lr: 0.1 }),
    proposer: p,
    rounds: 2,
    stepsPerRound: 4,
    finalSteps: 1,
    evaluateTrajectory: true,
    scoreBatches: [2 ** 30, 2 ** 30 + 1, 2 ** 30 + 2],
    maxCandidates: 3,
    seed: 1,
  });
  assert.equal(r.counts.trajectoryEvaluations, 9);
  assert.match(r.rounds[0]!.prompt!.user, /loss and accuracy/);
  assert.match(r.rounds[0]!.prompt!.user, /accuracy: 0\.500/);
  assert.deepEqual(r.rounds[0]!.counts, { groups: 5, accepted: 3, malformed: 0, wrongLength: 0, nonFinite: 0, duplicate: 0, overLimit: 2 });
  assert.equal(r.rounds[0]!.scoringEvaluations, 3 * 3);
  // Score = mean over the three batches = loss + 0.1.
  assert.ok(Math.abs(r.rounds[0]!.candidates[0]!.score! - 0.1) < 1e-12);
  assert.deepEqual(r.rounds[0]!.decision, { kind: 'restart', candidate: 0, score: r.rounds[0]!.candidates[0]!.score });
  assert.ok(r.trajectory.filter((t) => t.kind === 'gd').every((t) => t.accuracy !== undefined));
});

test('polishSteps: candidates get gradient steps before scoring, counted apart', async () => {
  const task = rastriginTask({ n: 2 });
  const r = await runRestarts(task, {
    optimizer: sgd({ lr: 1e-3 }),
    proposer: scripted('[0.1, -0.1]\n[2.1, 0.05]'),
    rounds: 1,
    stepsPerRound: 2,
    finalSteps: 0,
    polishSteps: 40,
    seed: 1,
  });
  assert.equal(r.counts.polishSteps, 80);
  assert.equal(r.rounds[0]!.polishSteps, 80);
  const c = r.rounds[0]!.candidates;
  assert.ok(Math.abs(c[0]!.params[0]!) < 0.1 * 0.5, 'polished toward the basin minimum');
  assert.ok(c[0]!.score! < task.evaluate(new Float32Array([0.1, -0.1])).loss);
});

test('abort, onProgress, and bad options', async () => {
  const task = rastriginTask({ n: 2 });
  const events: number[] = [];
  await runRestarts(task, {
    optimizer: sgd(),
    proposer: multiStartProposer(),
    rounds: 1,
    stepsPerRound: 3,
    finalSteps: 2,
    onProgress: (e) => events.push(e.done / e.total),
  });
  // Throttled progress (core Loop): the first step and the final event always arrive, in order.
  assert.equal(events[0], 1 / 5);
  assert.equal(events.at(-1), 1);
  for (let i = 1; i < events.length; i++) assert.ok(events[i]! >= events[i - 1]!);
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), signal: ctl.signal }), { code: 'ABORTED' });
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), rounds: -1 }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), scoreBatches: [] }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), init: new Float32Array(3) }), { code: 'LENGTH_MISMATCH' });
  // Unknown option keys, also inside the budget and serialize options and in the proposers' factories.
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), round: 2 } as never), unknownOption('round', 'rounds'));
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), budget: { call: 1 } } as never), { code: 'UNKNOWN_OPTION' });
  await assert.rejects(runRestarts(task, { optimizer: sgd(), proposer: multiStartProposer(), serialize: { maxRow: 3 } } as never), { code: 'UNKNOWN_OPTION' });
  assert.throws(() => perturbationProposer({ sigm: 1 } as never), { code: 'UNKNOWN_OPTION' });
  assert.throws(() => surrogateProposer({ funel: false } as never), { code: 'UNKNOWN_OPTION' });
});

test('runRestarts aborted from a timer rejects with ABORTED and the run so far, long before the full run', async () => {
  const task = rastriginTask({ n: 10 });
  // A proposer that never answers on its own: the driver must not wait for it after the abort.
  let calls = 0;
  const stalling: Proposer = {
    name: 'stalling',
    propose: () => {
      calls++;
      return new Promise(() => {});
    },
  };
  for (const [proposer, rounds, stepsPerRound, finalSteps] of [
    [multiStartProposer(), 0, 0, 50_000_000], // aborted inside the gradient steps
    [stalling, 1, 10, 10], // aborted while a proposer call is in flight
  ] as const) {
    const ctl = new AbortController();
    const started = performance.now();
    setTimeout(() => ctl.abort(), 150);
    const err = await runRestarts(task, { optimizer: sgd({ lr: 1e-4 }), proposer, rounds, stepsPerRound, finalSteps, signal: ctl.signal }).then(
      () => assert.fail('should have been aborted'),
      (e: unknown) => e as { code: string; details: { iteration: number; partial: { trajectory: unknown[]; counts: { gradientSteps: number }; params: Float32Array; elapsedMs: number } } },
    );
    const took = performance.now() - started;
    assert.equal(err.code, 'ABORTED');
    const total = rounds * stepsPerRound + finalSteps;
    assert.ok(err.details.iteration < total, `${err.details.iteration} of ${total}`);
    const part = err.details.partial;
    assert.equal(part.counts.gradientSteps, err.details.iteration);
    assert.equal(part.trajectory.length, err.details.iteration);
    assert.ok(part.params instanceof Float32Array && part.params.length === 10);
    assert.ok(took < 1000, `rejected after ${took} ms`);
  }
  assert.equal(calls, 1);
});

test('runs are deterministic given the seed (every proposer), and differ across seeds', async () => {
  const task = rastriginTask({ n: 5 });
  for (const mk of [() => surrogateProposer(), () => multiStartProposer(), () => perturbationProposer({ sigma: 0.3 })]) {
    const go = (seed: number) =>
      runRestarts(task, { optimizer: sgd({ lr: 2e-3 }), proposer: mk(), rounds: 3, stepsPerRound: 10, finalSteps: 5, pick: 'bestOrCurrent', polishSteps: 3, seed });
    const a = await go(7);
    const b = await go(7);
    assert.deepEqual(Array.from(a.params), Array.from(b.params));
    assert.deepEqual(
      a.rounds.map((r) => [r.prompt, r.reply, r.decision]),
      b.rounds.map((r) => [r.prompt, r.reply, r.decision]),
    );
    const c = await go(8);
    assert.notDeepEqual(Array.from(a.params), Array.from(c.params));
  }
});

/** f(x) = ½(x − c)ᵀA(x − c) with A = QDQᵀ, a seeded SPD matrix. */
function quadraticTask(n: number, seed: number): Task & { c: Float32Array } {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  const m = Array.from({ length: n * n }, () => rng.normal());
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 1 : 0;
    for (let k = 0; k < n; k++) s += (m[i * n + k]! * m[j * n + k]!) / n;
    a[i * n + j] = s;
  }
  const c = Float32Array.from({ length: n }, () => 3 * rng.normal());
  const f = (x: Float32Array, g?: Float32Array) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += a[i * n + j]! * (x[j]! - c[j]!);
      if (g) g[i] = ax;
      v += 0.5 * (x[i]! - c[i]!) * ax;
    }
    return v;
  };
  return {
    name: 'quadratic',
    size: n,
    c,
    init: (s) => {
      const r = new Rng(s);
      return Float32Array.from({ length: n }, () => 5 * r.normal());
    },
    loss: (x, _b, g) => f(x, g),
    evaluate: (x) => ({ loss: f(x) }),
  };
}

test('surrogate proposer: from a GD trajectory on a quadratic, its first candidate is the minimizer', async () => {
  for (const seed of [1, 2, 3]) {
    const n = 4;
    const task = quadraticTask(n, seed);
    const p = surrogateProposer({ directions: n, window: 40 });
    // 30 GD steps: far from converged, then one proposer round (GD stops there: finalSteps 0).
    const r = await runRestarts(task, { optimizer: sgd({ lr: 0.05 }), proposer: p, rounds: 1, stepsPerRound: 30, finalSteps: 0, seed });
    const last = r.trajectory.filter((t) => t.kind === 'gd').at(-1)!;
    const dist = (x: ArrayLike<number>) => Math.hypot(...Array.from(x, (v, i) => v - task.c[i]!));
    assert.ok(dist(last.params) > 0.1, `GD alone is still ${dist(last.params)} away`);
    const first = parseCandidates(r.rounds[0]!.reply!, n).vectors[0]!;
    assert.ok(dist(first) < 1e-3 * dist(task.init(seed)), `seed ${seed}: candidate is ${dist(first)} from the minimizer, GD ${dist(last.params)}, ${JSON.stringify(p.lastFit)}`);
    assert.ok(p.lastFit!.directions >= n - 1 && p.lastFit!.directions <= n);
    assert.equal(p.lastFit?.points, 30);
    assert.ok(p.lastFit?.convex);
    assert.equal(r.rounds[0]!.decision.kind, 'restart');
    assert.ok(r.final.train.loss < 1e-6 * task.evaluate(task.init(seed)).loss);
  }
});

test('surrogate funnel model: recovers the centre of an isotropic bowl from scattered points; none for a concave one', () => {
  const rng = new Rng(9);
  for (const [n, count] of [
    [3, 8],
    [10, 14],
    [10, 6], // fewer points than dimensions: the fit lives in their principal subspace
  ] as const) {
    const centre = Array.from({ length: n }, () => 2 * rng.normal());
    const pts: TrajectoryPoint[] = [];
    for (let j = 0; j < count; j++) {
      const x = Float32Array.from(centre, (c) => c + 3 * rng.normal());
      pts.push({ step: j, round: 0, kind: 'candidate', params: x, loss: 7 + 2 * x.reduce((a, v, i) => a + (v - centre[i]!) ** 2, 0) });
    }
    let b = 0;
    for (let j = 1; j < count; j++) if (pts[j]!.loss < pts[b]!.loss) b = j;
    const x = fitFunnel(pts, b, n, 10)!;
    const err = Math.hypot(...Array.from(x, (v, i) => v - centre[i]!));
    const before = Math.hypot(...Array.from(pts[b]!.params, (v, i) => v - centre[i]!));
    if (count > n + 2) assert.ok(err < 1e-4, `n ${n}: ${err}`);
    else assert.ok(err < before, `n ${n}: moves toward the centre (${err} < ${before})`);
    const concave = pts.map((p) => ({ ...p, loss: -p.loss }));
    assert.equal(fitFunnel(concave, 0, n, 10), undefined);
  }
});

test('linalg: Jacobi eigenpairs reconstruct the matrix; the trust-region step respects the radius', () => {
  const rng = new Rng(4);
  for (const n of [1, 2, 5, 9]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1]! >= values[i]!);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
      assert.ok(Math.abs(s - a[i * n + j]!) < 1e-10);
    }
    const g = Float64Array.from({ length: n }, () => rng.normal());
    const { step } = trustRegionStep(g, a, n, 0.7);
    assert.ok(Math.abs(Math.hypot(...step) - 0.7) < 1e-6 || values[n - 1]! > 0, 'indefinite models step to the boundary');
    assert.ok(Math.hypot(...step) <= 0.7 + 1e-9);
  }
  // Convex with the minimizer inside: the Newton step.
  const { step, newton } = trustRegionStep(new Float64Array([2, -4]), new Float64Array([2, 0, 0, 4]), 2, 10);
  assert.ok(newton);
  assert.deepEqual(Array.from(step), [-1, 1]);
  // Hard case: g orthogonal to the negative-curvature direction.
  const hard = trustRegionStep(new Float64Array([1, 0]), new Float64Array([1, 0, 0, -1]), 2, 2);
  assert.ok(Math.abs(Math.hypot(...hard.step) - 2) < 1e-6);
});

test('Rastrigin and Ackley: gradients match central differences; minimum 0 at the origin; seeded init in range', () => {
  for (const task of [rastriginTask({ n: 6 }), ackleyTask({ n: 6 })]) {
    assert.equal(task.evaluate(task.minimizer()).loss, 0);
    const g0 = new Float32Array(6);
    task.loss(task.minimizer(), 0, g0);
    assert.deepEqual(Array.from(g0), [0, 0, 0, 0, 0, 0]);
    const x = task.init(3);
    assert.deepEqual(Array.from(x), Array.from(task.init(3)));
    assert.notDeepEqual(Array.from(x), Array.from(task.init(4)));
    assert.ok(x.every((v) => Math.abs(v) <= task.range));
    const g = new Float32Array(6);
    task.loss(x, 0, g);
    const h = 2 ** -12;
    for (let i = 0; i < 6; i++) {
      const xp = Float32Array.from(x);
      const xm = Float32Array.from(x);
      xp[i] = x[i]! + h;
      xm[i] = x[i]! - h;
      const fd = (task.evaluate(xp).loss - task.evaluate(xm).loss) / (xp[i]! - xm[i]!);
      assert.ok(Math.abs(fd - g[i]!) < 1e-3 * (1 + Math.abs(g[i]!)), `${task.name} ∂${i}: ${fd} vs ${g[i]}`);
    }
  }
  const shift = [0.3, -1.7, 2.25];
  for (const task of [rastriginTask({ n: 3, shift }), ackleyTask({ n: 3, shift })]) {
    assert.match(task.name, /-shifted-3$/);
    assert.deepEqual(Array.from(task.minimizer()), shift.map(Math.fround));
    const g = new Float32Array(3);
    assert.equal(task.loss(task.minimizer(), 0, g), 0);
    assert.deepEqual(Array.from(g), [0, 0, 0]);
    const x = Float32Array.from([1, 2, 3]);
    const base = task.name.startsWith('rastrigin') ? rastriginTask({ n: 3 }) : ackleyTask({ n: 3 });
    const d = Float32Array.from([1 - Math.fround(0.3), 2 - Math.fround(-1.7), 3 - 2.25]);
    assert.ok(Math.abs(task.evaluate(x).loss - base.evaluate(d).loss) < 1e-5);
  }
  assert.throws(() => rastriginTask({ n: 2, shift: [1] }), { code: 'LENGTH_MISMATCH' });
  assert.throws(() => rastriginTask({ n: 0 }), { code: 'INVALID_HYPERPARAMETER' });
  assert.throws(() => ackleyTask({ range: -1 }), { code: 'INVALID_HYPERPARAMETER' });
  assert.throws(() => rastriginTask({ n: 2 }).loss(new Float32Array(3), 0), { code: 'LENGTH_MISMATCH' });
});
