// Shared helpers of the kernel tests that run both WebAssembly builds.
import assert from 'node:assert/strict';
import { type Runtime, createRuntime } from '../../src/index.js';

export const builds = ['simd', 'scalar'] as const;
const rts: Record<string, Runtime> = {};
/** One runtime per build, made once per test file. */
export const rt = async (b: 'simd' | 'scalar'): Promise<Runtime> => (rts[b] ??= await createRuntime({ build: b }));
/** Bit-for-bit equality (any NaN equals any NaN), naming the first differing index. */
export const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
