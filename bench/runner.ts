// Benchmark runner: discovers the suites next to this file (dist/bench/suites/*.js), times
// every case with tinybench, groups cases by (kernel, size) and prints one table per group
// (or one JSON object per line with --json).
//
// Timing: one tinybench task per case (warm-up, then at least 3 iterations and the time
// budget); ops/s = 1000 / median latency, which resists the noise of a shared machine.
// With --rounds k every case of a group is measured k times, interleaved with the group's
// other cases, and the fastest median is kept. Cases run one at a time: setup → measure →
// teardown, so only one case's buffers are alive (a 16M-element Adam state is 320 MB).
//
// Usage: node dist/bench/main.js [--quick] [--json] [--filter <kernel substring>]
//                                [--sizes a,b,c] [--time <ms>] [--rounds <k>] [--suite <name>]

import { readdir } from 'node:fs/promises';
import { Bench } from 'tinybench';
import type { BenchCase, Suite } from './types.js';

export interface BenchOptions {
  quick: boolean;
  json: boolean;
  filter?: string;
  sizes?: string[];
  suite?: string;
  timeMs: number;
  /** Each case is measured this many times, interleaved with the group's other cases; the best is kept. */
  rounds: number;
}

export interface BenchRow {
  kernel: string;
  size: number | string;
  impl: string;
  hz: number;
  gbps?: number;
  gflops?: number;
  bytesPerOp?: number;
  ratioVsBaseline?: number;
}

const USAGE = `usage: npm run bench -- [options]
  --quick            few sizes, short runs (default time 100 ms per case)
  --json             one JSON object per line on stdout, nothing else
  --filter <text>    only kernels whose name contains <text>
  --sizes a,b,c      only these sizes (e.g. 4096,65536)
  --time <ms>        time budget per case (default 500, quick 100)
  --rounds <k>       measure every case k times, interleaved, keep the fastest
                     (default 1; use 3+ on a busy machine)
  --suite <name>     only this suite (file name without .js)
  --help             this text`;

class UsageError extends Error {}

/** Parses the command line; throws UsageError on anything unknown or malformed. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions & { help: boolean } {
  const o: BenchOptions & { help: boolean } = { quick: false, json: false, timeMs: NaN, rounds: 1, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--filter') o.filter = value();
    else if (a === '--suite') o.suite = value();
    else if (a === '--sizes') {
      o.sizes = value().split(',').map((s) => s.trim().replace(/_/g, '')).filter((s) => s.length > 0);
      if (o.sizes.length === 0) throw new UsageError('--sizes needs a comma-separated list');
    } else if (a === '--time') {
      const t = Number(value());
      if (!Number.isFinite(t) || t <= 0) throw new UsageError('--time must be a positive number of milliseconds');
      o.timeMs = t;
    } else if (a === '--rounds') {
      const r = Number(value());
      if (!Number.isInteger(r) || r < 1 || r > 100) throw new UsageError('--rounds must be an integer from 1 to 100');
      o.rounds = r;
    } else throw new UsageError(`unknown option ${a}`);
  }
  if (Number.isNaN(o.timeMs)) o.timeMs = o.quick ? 100 : 500;
  return o;
}

/** Loads every suite module in dist/bench/suites (the directory next to this file). */
async function discoverSuites(only?: string): Promise<Suite[]> {
  const dir = new URL('./suites/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).sort();
  const suites: Suite[] = [];
  for (const f of files) {
    if (only !== undefined && f !== `${only}.js`) continue;
    const mod = (await import(new URL(f, dir).href)) as { default?: Suite };
    const s = mod.default;
    if (!s || typeof s.cases !== 'function') throw new Error(`bench suite ${f} does not default-export a Suite`);
    suites.push(s);
  }
  return suites;
}

/** Times one case and returns ops/s (median-based). */
async function measureCase(c: BenchCase, timeMs: number): Promise<number> {
  if (c.measure) return c.measure(timeMs);
  const bench = new Bench({
    time: timeMs,
    iterations: 3,
    warmupTime: Math.min(timeMs / 4, 200),
    warmupIterations: 2,
    throws: true,
  });
  bench.add(`${c.kernel}/${c.size}/${c.impl}`, () => c.fn());
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`task ended in state ${r.state}`);
  const med = r.latency.p50;
  return med > 0 ? 1000 / med : r.throughput.mean;
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');
const fmtNum = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
const fmtSize = (s: number | string): string => (typeof s === 'number' ? s.toLocaleString('en-US') : s);

/** The human-readable table of one (kernel, size) group. */
export function formatGroup(rows: BenchRow[], baseline: string | undefined, notes: readonly string[]): string[] {
  const first = rows[0]!;
  const refs = ['tfjs-wasm', 'native-c', 'openblas-dsyrk'].filter((r) => r !== baseline && rows.some((x) => x.impl === r));
  const head = ['impl', 'ops/s', rows.some((r) => r.gflops !== undefined) ? 'GFLOP/s' : 'GB/s'];
  if (baseline) head.push(`vs ${baseline}`);
  for (const r of refs) head.push(`vs ${r}`);
  const body = rows.map((r) => {
    const cells = [r.impl, fmtInt(r.hz), r.gflops !== undefined ? fmtNum(r.gflops) : r.gbps !== undefined ? fmtNum(r.gbps) : '–'];
    if (baseline) cells.push(r.ratioVsBaseline !== undefined ? fmtRatio(r.ratioVsBaseline) : '–');
    for (const ref of refs) {
      const x = rows.find((y) => y.impl === ref)!;
      cells.push(fmtRatio(r.hz / x.hz));
    }
    return cells;
  });
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  const traffic = first.bytesPerOp !== undefined && typeof first.size === 'number' ? `, ${fmtNum(first.bytesPerOp / first.size)} B/element` : '';
  const out = [`${first.kernel}  n = ${fmtSize(first.size)}${traffic}`, line(head), line(widths.map((w) => '-'.repeat(w)))];
  for (const b of body) out.push(line(b));
  for (const n of notes) out.push(`  note: ${n}`);
  out.push('');
  return out;
}

/**
 * Runs the benchmarks selected by `argv` and writes results line by line to `out`.
 * Returns the process exit code: 0 when every selected case ran, 1 when some case failed,
 * 2 on a usage error. Diagnostics go to stderr in --json mode, else to `out`.
 */
export async function runBench(argv: string[], out: (line: string) => void): Promise<number> {
  let o: ReturnType<typeof parseBenchArgs>;
  try {
    o = parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    out(USAGE);
    return 0;
  }
  const say = o.json ? (s: string) => process.stderr.write(`${s}\n`) : out;
  const suites = await discoverSuites(o.suite);
  if (suites.length === 0) {
    say(`bench: no suites found${o.suite ? ` named ${o.suite}` : ''}`);
    return 1;
  }
  let failed = 0;
  for (const suite of suites) {
    const kernelNotes = new Map<string, string[]>();
    const generalNotes: string[] = [];
    const note = (text: string, kernel?: string) => {
      if (kernel === undefined) generalNotes.push(text);
      else {
        const list = kernelNotes.get(kernel) ?? [];
        if (!list.includes(text)) list.push(text);
        kernelNotes.set(kernel, list);
      }
    };
    try {
      const all = await suite.cases({ quick: o.quick, note });
      const selected = all.filter(
        (c) => (o.filter === undefined || c.kernel.includes(o.filter)) && (o.sizes === undefined || o.sizes.includes(String(c.size))),
      );
      if (!o.json) out(`# suite ${suite.name}: ${selected.length} cases, ${o.timeMs} ms per case, ${o.rounds} round(s), best kept${o.quick ? ' (quick)' : ''}\n`);
      const groups = new Map<string, BenchCase[]>();
      for (const c of selected) {
        const key = `${c.kernel}\u0000${String(c.size)}`;
        const g = groups.get(key) ?? [];
        g.push(c);
        groups.set(key, g);
      }
      for (const cases of groups.values()) {
        const best = new Map<BenchCase, number>();
        const broken = new Set<BenchCase>();
        for (let round = 0; round < o.rounds; round++) {
          for (const c of cases) {
            if (broken.has(c)) continue;
            let setupDone = false;
            try {
              await c.setup?.();
              setupDone = true;
              const hz = await measureCase(c, o.timeMs);
              best.set(c, Math.max(hz, best.get(c) ?? 0));
            } catch (err) {
              failed++;
              broken.add(c);
              best.delete(c);
              const msg = `${c.kernel} n=${fmtSize(c.size)} ${c.impl} failed${setupDone ? '' : ' in setup'}: ${err instanceof Error ? err.message : String(err)}`;
              say(`bench: ${msg}`);
            } finally {
              try {
                await c.teardown?.();
              } catch (err) {
                failed++;
                say(`bench: teardown of ${c.kernel} ${c.impl} failed: ${String(err)}`);
              }
            }
          }
        }
        const rows: BenchRow[] = [];
        for (const c of cases) {
          const hz = best.get(c);
          if (hz === undefined) continue;
          const row: BenchRow = { kernel: c.kernel, size: c.size, impl: c.impl, hz };
          if (c.bytesPerOp !== undefined) row.gbps = (hz * c.bytesPerOp) / 1e9;
          if (c.flopsPerOp !== undefined) row.gflops = (hz * c.flopsPerOp) / 1e9;
          if (c.bytesPerOp !== undefined) row.bytesPerOp = c.bytesPerOp;
          rows.push(row);
        }
        if (rows.length === 0) continue;
        const baseCase = cases.find((c) => c.baseline);
        const baseRow = baseCase && rows.find((r) => r.impl === baseCase.impl);
        if (baseRow) for (const r of rows) r.ratioVsBaseline = r.hz / baseRow.hz;
        const notes = kernelNotes.get(rows[0]!.kernel) ?? [];
        if (o.json) {
          for (const r of rows) out(JSON.stringify(r));
          for (const n of notes) say(`note (${rows[0]!.kernel}): ${n}`);
        } else {
          for (const l of formatGroup(rows, baseRow?.impl, notes)) out(l);
        }
      }
      for (const n of generalNotes) say(`note: ${n}`);
    } finally {
      await suite.dispose?.();
    }
  }
  return failed > 0 ? 1 : 0;
}
