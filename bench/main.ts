// `npm run bench` entry point: a thin wrapper over runBench (bench/runner.ts).
import { pathToFileURL } from 'node:url';
import { runBench } from './runner.js';

export { runBench } from './runner.js';

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBench(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
}
