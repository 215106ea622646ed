import { writeFileSync } from 'node:fs';
import { access, constants, mkdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LabResult } from '../labs/lab.js';
import { resultsHeader } from '../labs/protocol.js';
import { renderReport } from '../report/html.js';
import type { ChartRenderer } from '../report/vega.js';
import { UsageError } from './args.js';

/**
 * The CLI's files: `--out` is created (mkdir -p) or found writable BEFORE the run, so a long run
 * never fails at the end for want of a directory; results.json (JSON, NaN/±∞ → null) and
 * report.html are written after it. An interrupted run writes results.json with `partial: true`
 * in its header (the lab's partial result, or a minimal header when the lab returned none).
 */

export interface OutDir {
  path: string;
  /** The first directory mkdir created (removed again if the run writes nothing), else undefined. */
  created: string | undefined;
}

/** Creates `--out` or checks it is a writable directory; a UsageError (exit 2) otherwise. */
export async function prepareOut(dir: string): Promise<OutDir> {
  const path = resolve(dir);
  let created: string | undefined;
  try {
    // The missing directories, deepest first, up to the nearest existing ancestor. They are made
    // one by one, not with mkdir's `recursive` (which never returns under /proc on Linux).
    const missing: string[] = [];
    for (let p = path; ; p = dirname(p)) {
      const s = await stat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
      if (s) {
        if (!s.isDirectory()) throw new UsageError(`--out ${dir} is not a directory${p === path ? '' : ` (${p} is a file)`}`);
        break;
      }
      missing.push(p);
      if (dirname(p) === p) break;
    }
    for (const d of [...missing].reverse()) await mkdir(d);
    created = missing.at(-1);
    await access(path, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--out ${dir} cannot be used: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { path, created };
}

/** Removes the directories `prepareOut` created when the run wrote nothing into them (empty ones only). */
export async function discardOut(out: OutDir): Promise<void> {
  if (!out.created) return;
  for (let d = out.path; d.startsWith(out.created); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    if (d === out.created) return;
  }
}

export function resultsPath(out: OutDir): string {
  return resolve(out.path, 'results.json');
}
export function reportPath(out: OutDir): string {
  return resolve(out.path, 'report.html');
}

function json(x: unknown): string {
  return JSON.stringify(x, null, 2) + '\n';
}

/** Writes results.json and report.html of a finished (or partial) run. */
export async function writeRun(out: OutDir, result: LabResult, charts: ChartRenderer | null): Promise<void> {
  await writeFile(resultsPath(out), json(result.results));
  await writeFile(reportPath(out), await renderReport(result.report, { charts }));
}

/** `results` with `partial: true` set in its header (a non-object is wrapped). */
export function markPartial(results: unknown, lab: string): Record<string, unknown> {
  if (results !== null && typeof results === 'object' && !Array.isArray(results)) return { ...(results as Record<string, unknown>), partial: true };
  return { lab, partial: true, results };
}

export interface MinimalInfo {
  lab: string;
  seed: number;
  quick: boolean;
  build: string;
  elapsedMs: number;
}

/** results.json of an interrupted run whose lab returned no partial result in time. */
export function minimalResults(i: MinimalInfo): Record<string, unknown> {
  return {
    ...resultsHeader({ lab: i.lab, version: 0, seed: i.seed, quick: i.quick, build: i.build, elapsedMs: Math.round(i.elapsedMs), partial: true }),
    note: 'interrupted: the lab returned no partial result within 0.8 s of the signal, so only this header was written',
  };
}

/** Synchronous write of the minimal results (a second Ctrl-C, just before exiting). */
export function writeMinimalSync(out: OutDir, i: MinimalInfo): void {
  try {
    writeFileSync(resultsPath(out), json(minimalResults(i)));
  } catch {
    // exiting anyway
  }
}

export { json as resultsJson };
