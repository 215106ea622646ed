// Small pieces shared by the parts of `lab dco`: the options every part takes, cancellation
// with a part's partial result, relative error.
import { abortedError, isAborted } from '../../core/loop.js';
import type { LoopOptions } from '../../core/loop.js';

/** What every part of the lab takes: the base seed, and the loop options of the lab. */
export interface PartOptions extends LoopOptions {
  seed: number;
}

/**
 * Runs a part. An ABORTED raised inside it (a tick, a `metaTrain`) is rethrown as `owner`'s
 * ABORTED with details `{ iteration: iteration(), partial: partial() }`: the part's result so far.
 */
export async function cancellable<T>(owner: string, iteration: () => number, partial: () => T, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (isAborted(e)) throw abortedError(owner, iteration(), partial());
    throw e;
  }
}

/** ‖a − b‖/‖b‖. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
