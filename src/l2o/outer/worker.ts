// worker_threads entry for meta-training particles: builds its own unroll (and with it its
// own WebAssembly runtime) from the setup module, then answers batches of particle jobs.
import { parentPort, workerData } from 'node:worker_threads';
import { type UnrollFactory, type WorkerRequest, answer } from './protocol.js';

const { module, exportName, args } = workerData as { module: string; exportName: string; args: unknown };
const factory = ((await import(module)) as Record<string, UnrollFactory>)[exportName];
const unroll = factory ? await factory(args) : undefined;
const missing = `setup module ${module} has no export ${exportName}`;

parentPort!.on('message', (msg: WorkerRequest) => parentPort!.postMessage(answer(unroll, missing, msg)));
parentPort!.postMessage({ ready: true });
