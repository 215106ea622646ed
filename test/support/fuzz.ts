// fast-check settings for test/fuzz/: a fixed seed in CI (the same cases on every run, so a
// failure reproduces), and `FUZZ_RUNS=<n>` for longer local runs (then the seed comes from
// `FUZZ_SEED`, or is drawn and printed by fast-check on failure).

/** The fixed seed of the CI fuzz runs. */
export const FUZZ_SEED = 20261206;

/**
 * fast-check parameters: `numRuns` = `FUZZ_RUNS` when set (a positive integer), else `ciRuns`;
 * `seed` = `FUZZ_SEED` when set, else fixed in CI runs and free in long runs.
 */
export function fuzzParams(ciRuns: number): { numRuns: number; seed?: number } {
  const runs = Number(process.env.FUZZ_RUNS);
  const long = Number.isInteger(runs) && runs > 0;
  const envSeed = Number(process.env.FUZZ_SEED);
  const seed = Number.isInteger(envSeed) && process.env.FUZZ_SEED !== '' && process.env.FUZZ_SEED !== undefined ? envSeed : long ? undefined : FUZZ_SEED;
  return seed === undefined ? { numRuns: long ? runs : ciRuns } : { numRuns: long ? runs : ciRuns, seed };
}
