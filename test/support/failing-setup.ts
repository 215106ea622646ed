// Setup modules of worker pools that misbehave, for the WORKER_FAILED and abort tests. Each wraps
// the quadratic MLP-optimizer unroll of quadratic-setup.ts (so checkpoints resume with it).
import type { TruncatedUnroll } from '../../src/index.js';
import { createUnroll as quadratic } from './quadratic-setup.js';

type Args = { dim: number; innerSteps: number };

/** Wraps the quadratic unroll; `after(calls)` runs after every unroll call (calls counted per worker). */
async function wrap(args: Args, after: (calls: number) => void, before: (calls: number) => void = () => {}): Promise<TruncatedUnroll<unknown>> {
  const u = (await quadratic(args)) as TruncatedUnroll<unknown>;
  let calls = 0;
  return {
    thetaSize: u.thetaSize,
    start: (seed) => u.start(seed),
    unroll(theta, state, steps) {
      before(++calls);
      const r = u.unroll(theta, state, steps);
      after(calls);
      return r;
    },
  };
}

/** Throws asynchronously (from a timer, outside any job) after the first job's unrolls. */
export const asyncThrow = (args: Args) => wrap(args, (calls) => {
  if (calls === 2) setTimeout(() => { throw new Error('async boom between jobs'); }, 0);
});

/** Calls process.exit(3) from a timer after the first job's unrolls. */
export const exitBetweenJobs = (args: Args) => wrap(args, (calls) => {
  if (calls === 2) setTimeout(() => process.exit(3), 0);
});

/** Throws synchronously inside the second job. */
export const syncThrow = (args: Args) => wrap(args, () => {}, (calls) => {
  if (calls === 3) throw new Error('sync boom in a job');
});

/** The first job is quick; every later unroll busy-waits 5 s (an abort must not wait for it). */
export const slowAfterFirst = (args: Args) => wrap(args, () => {}, (calls) => {
  if (calls > 2) {
    const end = Date.now() + 5000;
    while (Date.now() < end) { /* busy */ }
  }
});
