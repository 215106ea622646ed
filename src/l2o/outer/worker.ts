// worker_threads entry for meta-training particles: builds its own unroll (and with it its
// own WebAssembly runtime) from the setup module, then answers batches of particle jobs.
// Anything that escapes (a throw in the setup module, an unhandled rejection, process.exit)
// ends this thread; the pool sees its 'error' or 'exit' event and fails the run (WORKER_FAILED).
import { parentPort, workerData } from 'node:worker_threads';
import { type UnrollFactory, type WorkerRequest, answer } from './protocol.js';

const { module, exportName, args } = workerData as { module: string; exportName: string; args: unknown };
const factory = ((await import(module)) as Record<string, UnrollFactory>)[exportName];
if (!factory) {
  parentPort!.postMessage({ ready: false, error: `setup module ${module} has no export ${exportName}` });
} else {
  const unroll = await factory(args);
  parentPort!.on('message', (msg: WorkerRequest) => parentPort!.postMessage(answer(unroll, 'no unroll', msg)));
  parentPort!.postMessage({ ready: true });
}
