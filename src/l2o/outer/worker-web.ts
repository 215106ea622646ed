// Web Worker entry (browsers) for meta-training particles: the first message names the setup
// module; the worker imports it, builds its unroll (its own WebAssembly runtime) and answers
// the same protocol as the Node worker. An unhandled rejection is reported as { fatal }; an
// uncaught exception reaches the pool as the Worker's 'error' event. Either fails the run.
import { type UnrollFactory, type WorkerRequest, answer } from './protocol.js';
import type { TruncatedUnroll } from './unroll.js';

interface Scope {
  postMessage(m: unknown): void;
  addEventListener(type: 'message', f: (e: { data: unknown }) => void): void;
  addEventListener(type: 'unhandledrejection', f: (e: { reason: unknown }) => void): void;
}
const scope = globalThis as unknown as Scope;
let unroll: TruncatedUnroll<unknown> | undefined;
let missing = 'worker not initialized';

scope.addEventListener('unhandledrejection', (e) => {
  const r = e.reason as { message?: string } | undefined;
  scope.postMessage({ fatal: `unhandled rejection: ${String(r?.message ?? r)}` });
});

scope.addEventListener('message', (e) => {
  const msg = e.data as WorkerRequest | { init: { module: string; exportName: string; args: unknown } };
  if ('init' in msg) {
    const { module, exportName, args } = msg.init;
    void (async () => {
      try {
        const factory = ((await import(/* @vite-ignore */ module)) as Record<string, UnrollFactory>)[exportName];
        missing = `setup module ${module} has no export ${exportName}`;
        if (!factory) throw new Error(missing);
        unroll = await factory(args);
        scope.postMessage({ ready: true });
      } catch (err) {
        scope.postMessage({ ready: false, error: String((err as Error)?.message ?? err) });
      }
    })();
    return;
  }
  scope.postMessage(answer(unroll, missing, msg));
});
