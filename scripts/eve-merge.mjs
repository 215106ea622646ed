#!/usr/bin/env node
// Merges the results.json of several `npx metaoptim lab eve` runs over disjoint task lists (e.g.
// two processes, `--task a,b` and `--task c,d`, or a run and the partial results of an interrupted
// one) into one: tasks in suite order (the first run holding a task wins), every β3 × c sweep and
// coefficient trace, the findings recomputed on the merged tasks. Writes results.json and
// report.html into --out and prints the findings as a Markdown table (for README / docs).
// Run after `npm run build`:  node scripts/eve-merge.mjs --out DIR a/results.json b/results.json
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { findings } = await import(resolve(root, 'dist/src/labs/eve/findings.js'));
const { eveReport, eveSummary } = await import(resolve(root, 'dist/src/labs/eve/report.js'));
const { renderReport } = await import(resolve(root, 'dist/src/report/html.js'));
const { suiteTasks } = await import(resolve(root, 'dist/src/tasks/suite.js'));

const argv = process.argv.slice(2);
const oi = argv.indexOf('--out');
if (oi < 0 || argv.length < oi + 2) {
  console.error('usage: node scripts/eve-merge.mjs --out DIR results.json [results.json …]');
  process.exit(2);
}
const out = resolve(argv[oi + 1]);
const files = argv.filter((_, i) => i !== oi && i !== oi + 1);
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
for (const r of runs) if (r.lab !== 'eve') throw new Error(`not a lab eve results.json: ${r.lab}`);
const order = suiteTasks().map((t) => t.name);
const byName = new Map();
for (const r of runs) for (const t of r.tasks) if (!byName.has(t.name)) byName.set(t.name, t);
const tasks = [...byName.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
const first = runs[0];
const merged = {
  ...first,
  elapsedMs: runs.reduce((s, r) => s + r.elapsedMs, 0),
  // partial only when a merged task lacks contestants (an interrupted run whose tasks another run covered is complete)
  partial: tasks.some((t) => t.contestants.length < first.contestants.length),
  settings: { ...first.settings, tasks: tasks.map((t) => t.name) },
  tasks,
  heatmaps: runs.flatMap((r) => r.heatmaps),
  traces: runs.flatMap((r) => r.traces),
};
merged.findings = findings(tasks, merged.heatmaps, first.settings.tuneSeeds.length);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify(merged, null, 1));
writeFileSync(join(out, 'report.html'), await renderReport(eveReport(merged)));
console.error(eveSummary(merged).join('\n'));
console.log(`Tasks (${tasks.length}): ${tasks.map((t) => t.name).join(', ')}; seeds ${merged.settings.reportSeeds.join(', ')}; tuning seed ${merged.settings.tuneSeeds.join(', ')}.\n`);
console.log('| paper claim | verdict | evidence |\n|---|---|---|');
for (const f of merged.findings) console.log(`| ${f.claim} | **${f.verdict}** | ${f.evidence.replaceAll('|', '\\|')} |`);
