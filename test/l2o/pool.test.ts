// The worker pool's failure contract (src/l2o/outer/pool.ts): a worker that throws (in a job or
// asynchronously between jobs) or exits rejects the run with WORKER_FAILED carrying the worker's
// message and the last checkpoint; the host survives; nothing stays pending; an abort during a
// pool round rejects at once and the busy workers are terminated (or this file would not exit).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaoptimError, esMetaTrain, mlpLOpt, ready } from '../../src/index.js';

const failing = new URL('../support/failing-setup.js', import.meta.url).href;
const good = { module: new URL('../support/quadratic-setup.js', import.meta.url).href, args: { dim: 12, innerSteps: 8 } };
const base = { estimator: 'pes' as const, iterations: 6, particles: 2, truncation: 3, seed: 4, workers: 2 };

function workerFailed(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof MetaoptimError, String(e));
    assert.equal(e.code, 'WORKER_FAILED');
    assert.match(e.message, pattern);
    const d = e.details as { message: string; iteration: number; checkpoint?: Uint8Array };
    assert.match(d.message, pattern);
    assert.ok(Number.isInteger(d.iteration) && d.iteration >= 0 && d.iteration < base.iterations);
    assert.ok(d.checkpoint instanceof Uint8Array, 'the last checkpoint is attached');
    return true;
  };
}

test('a worker that throws asynchronously between jobs rejects with WORKER_FAILED; its checkpoint resumes to the uninterrupted bits', async () => {
  await ready();
  let failure: MetaoptimError | undefined;
  await assert.rejects(
    esMetaTrain({ ...base, theta: mlpLOpt.init(0), setup: { ...good, module: failing, exportName: 'asyncThrow' } }),
    (e: unknown) => {
      failure = e as MetaoptimError;
      return workerFailed(/async boom between jobs/)(e);
    },
  );
  const d = failure!.details as { iteration: number; checkpoint: Uint8Array };
  const plain = await esMetaTrain({ ...base, workers: 0, theta: mlpLOpt.init(0), setup: good });
  const resumed = await esMetaTrain({ ...base, workers: 1, setup: good, resume: d.checkpoint });
  assert.deepEqual(resumed.theta, plain.theta);
  assert.deepEqual(resumed.history, plain.history);
});

test('a worker that calls process.exit rejects with WORKER_FAILED (exit code in the message)', async () => {
  await ready();
  await assert.rejects(esMetaTrain({ ...base, theta: mlpLOpt.init(0), setup: { ...good, module: failing, exportName: 'exitBetweenJobs' } }), workerFailed(/exited with code 3/));
});

test('a worker whose job throws synchronously rejects with WORKER_FAILED and the thrown message', async () => {
  await ready();
  await assert.rejects(esMetaTrain({ ...base, theta: mlpLOpt.init(0), setup: { ...good, module: failing, exportName: 'syncThrow' } }), workerFailed(/sync boom in a job/));
});

test('a setup module without the export fails to start with WORKER_FAILED', async () => {
  await ready();
  await assert.rejects(esMetaTrain({ ...base, theta: mlpLOpt.init(0), setup: { ...good, exportName: 'nope' } }), (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'WORKER_FAILED');
    assert.match(e.message, /no export nope/);
    return true;
  });
  await assert.rejects(esMetaTrain({ ...base, theta: mlpLOpt.init(0), setup: undefined }), { code: 'INVALID_ARGUMENT' });
});

test('an abort during a pool round rejects at once with ABORTED and the last checkpoint, without waiting for the busy workers', async () => {
  await ready();
  const ac = new AbortController();
  let abortedAt = 0;
  const run = esMetaTrain({
    ...base, iterations: 50, theta: mlpLOpt.init(0), setup: { ...good, module: failing, exportName: 'slowAfterFirst' }, signal: ac.signal,
    checkpointEvery: 1,
    // Iteration 1 is done; round 2 keeps both workers busy for 5 s per unroll: abort 50 ms into it.
    onCheckpoint: (_bytes, it) => {
      if (it === 1) setTimeout(() => { abortedAt = performance.now(); ac.abort(); }, 50);
    },
  });
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof MetaoptimError && e.code === 'ABORTED');
    const d = e.details as { iteration: number; partial: Uint8Array };
    assert.equal(d.iteration, 1);
    assert.ok(d.partial instanceof Uint8Array);
    return true;
  });
  const took = performance.now() - abortedAt;
  assert.ok(took < 1000, `rejected ${took.toFixed(0)} ms after the abort (a round takes ≥ 5 s)`);
});
