// Helpers for the command-line tests: the real CLI in a child process, and main() in-process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { RunLabDeps } from '../../src/cli/run-lab.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the signal sent by `onStderr` to the exit (when one was sent). */
  afterSignalMs?: number;
}

/** Runs `node dist/src/cli/main.js …args`; `onStderr` may send a signal to the child. */
export function runCli(args: string[], opts: { onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(stderr, (s) => {
        sentAt ??= performance.now();
        child.kill(s);
      });
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ...(sentAt !== undefined ? { afterSignalMs: performance.now() - sentAt } : {}) }),
    );
  });
}

/** main() in this process, with its output captured. */
export async function callMain(args: string[], deps: Partial<RunLabDeps> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s + '\n'), stderr: { write: (s: string) => (stderr += s) } }, deps);
  return { code, stdout, stderr };
}
