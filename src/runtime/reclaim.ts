// Reclaiming what callers forget to free: a FinalizationRegistry over objects that own arena
// blocks (optimizer states). When such an object is garbage-collected without `dispose()`, its
// blocks go through the arena's quarantine (`Region.retire`), so the memory is reused by later
// allocations instead of being held for the life of the runtime.

import { checkOptions } from '../core/errors.js';
import type { Region } from './arena.js';
import type { Runtime } from './runtime.js';

/** What the registry keeps for one owner: never the owner itself (that would keep it alive). */
interface Held {
  runtime: Runtime;
  regions: Region<Float32Array | Float64Array | Int32Array | Uint8Array>[];
  what: string;
}

let warned = false;
let reclaimed = 0;
let warnHook: ((message: string) => void) | undefined;

/**
 * Development mode, in which a reclaimed owner triggers a warning: on unless
 * `process.env.NODE_ENV === 'production'` (in Node, or wherever a bundler defines
 * `process.env.NODE_ENV`). Browsers without `process` count as development.
 */
export function isDevelopment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV !== 'production';
}

function warnOnce(what: string): void {
  if (warned || !isDevelopment()) return;
  warned = true;
  const message = `metaoptim: a ${what} was garbage-collected without dispose(); its WebAssembly memory ` +
    'was reclaimed. Call dispose() when you are done with a state (this warning is shown once per process).';
  if (warnHook) warnHook(message);
  else {
    const proc = (globalThis as { process?: { emitWarning?: (m: string, o: { code: string }) => void } }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, { code: 'METAOPTIM_UNDISPOSED' });
    else console.warn(message);
  }
}

const registry = new FinalizationRegistry<Held>((held) => {
  reclaimed += 1;
  if (!held.runtime.disposed) for (const r of held.regions) r.retire();
  warnOnce(held.what);
});

/**
 * Registers `owner` so that, if it is collected while still holding `regions`, they are
 * retired (quarantined, then reused). `unregisterReclaim(owner)` on `dispose()`.
 */
export function registerReclaim(
  owner: object,
  runtime: Runtime,
  regions: Held['regions'],
  what: string,
): void {
  registry.register(owner, { runtime, regions, what }, owner);
}

/** Stops watching `owner` (it was disposed explicitly). */
export function unregisterReclaim(owner: object): void {
  registry.unregister(owner);
}

/**
 * Reclaim facts for tests and diagnostics: how many owners were reclaimed by the registry in
 * this process, and whether the once-per-process warning has been given. `onWarning` replaces
 * the output of that warning (Node: `process.emitWarning` with code `METAOPTIM_UNDISPOSED`;
 * elsewhere `console.warn`); `resetWarning` re-arms it.
 */
export function reclaimStats(opts: { onWarning?: (message: string) => void; resetWarning?: boolean } = {}): {
  reclaimed: number;
  warned: boolean;
} {
  checkOptions('reclaimStats', opts, ['onWarning', 'resetWarning']);
  if (opts.onWarning) warnHook = opts.onWarning;
  if (opts.resetWarning) warned = false;
  return { reclaimed, warned };
}
