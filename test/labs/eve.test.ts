// `npx metaoptim lab eve --quick` end to end (issue 13 item 3), and the findings rules.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MetaoptimError } from '../../src/core/errors.js';
import { eveContestants } from '../../src/labs/contestants.js';
import { eveLab } from '../../src/labs/eve/lab.js';
import type { EveResults } from '../../src/labs/eve/report.js';
import { findings, goodLrCount } from '../../src/labs/eve/findings.js';
import type { LabResult } from '../../src/labs/lab.js';
import type { BudgetResult } from '../../src/labs/protocol.js';
import { labs } from '../../src/labs/registry.js';
import { type Ran, runCli } from '../support/cli.js';

let dir = '';
let ran: Ran;
let res: EveResults;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metaoptim-eve-'));
  ran = await runCli(['lab', 'eve', '--quick', '--seed', '2', '--out', dir]);
  res = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as EveResults;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('lab eve --quick exits 0 and writes results.json with the protocol, the sweep, the traces and a verdict per claim', () => {
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(labs.includes(eveLab));
  assert.deepEqual(Object.keys(res).slice(0, 7), ['lab', 'version', 'seed', 'quick', 'build', 'elapsedMs', 'partial']);
  assert.equal(res.lab, 'eve');
  assert.equal(res.partial, false);
  assert.deepEqual(res.settings.reportSeeds, [2, 3, 4]);
  assert.deepEqual(res.settings.tuneSeeds, [1002]);
  assert.equal(res.contestants.length, eveContestants().length);
  assert.ok(!res.contestants.some((c) => c.name.startsWith('celo')), 'lab eve keeps its own list (no Celo)');
  assert.equal(res.tasks.length, 5);
  for (const t of res.tasks) {
    assert.deepEqual(t.contestants.map((c) => c.name), res.contestants.map((c) => c.name));
    for (const c of t.contestants) {
      assert.deepEqual(c.budgets.map((b) => b.budget), ['oneShot', 'small', 'large']);
      for (const b of c.budgets) assert.deepEqual(b.runs.map((x) => x.seed), [2, 3, 4]);
      const small = c.budgets[1]!;
      if (c.name !== 'learned') assert.equal(small.tuning[0]!.lrs.length, 7);
    }
  }
  assert.deepEqual(res.heatmaps.map((h) => [h.task, h.beta3.length, h.c.length]), [['logreg-iris', 4, 3], ['iris-mlp', 4, 3]]);
  for (const h of res.heatmaps) assert.ok(h.loss.flat().every((v) => Number.isFinite(v) || v === Infinity));
  assert.deepEqual(res.traces.map((x) => x.optimizer), ['eve', 'eve-thresholds', 'eve', 'eve-thresholds']);
  for (const x of res.traces) {
    // clip: d̃ ∈ [1/c, c]; thresholds: d ∈ [k, K]; both [0.1, 10] at the defaults
    assert.ok(x.d.every((d) => d >= 0.1 - 1e-12 && d <= 10 + 1e-12), `${x.optimizer}: d within its bounds`);
  }
  assert.equal(res.findings.length, 6);
  for (const f of res.findings) assert.ok(['reproduced', 'partly', 'not reproduced'].includes(f.verdict) && /\d/.test(f.evidence), f.claim);
  assert.ok(ran.stdout.includes('[') && ran.stdout.includes('Eve reaches a lower training loss than Adam'));
});

test('report.html: the findings table, per-task tables, the heat maps and curves as inline SVG, no script', async () => {
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('Findings: the Eve paper'));
  for (const v of res.findings) assert.ok(html.includes(v.verdict));
  const svgs = (html.match(/<svg/g) ?? []).length;
  // rank plot + LR sensitivity (3 MLP/logistic tasks) + curves (3) + 2 heat maps + 2 coefficient charts
  assert.equal(svgs, 1 + 3 + 3 + 2 + 2);
  assert.ok(html.includes('clip constant c') && html.includes('learning rate'));
});

test('findings: the verdict rules on constructed results', () => {
  const b = (budget: BudgetResult['budget'], loss: number, scores: number[] = []): BudgetResult => ({
    budget, lr: 1e-3, extra: null, tuning: scores.length ? [{ extra: null, lrs: scores.map((_, i) => 10 ** -i), scores }] : [],
    runs: [{ seed: 0, finalLoss: loss, testLoss: loss, testAccuracy: null, auc: loss, stepsToTarget: null, diverged: false }],
  });
  const task = (eveLoss: number, adamLoss: number) => ({
    name: 't', description: '', group: 'mlp', steps: 10, batch: null, target: 1, testMetric: 'loss' as const, size: 1, initialLoss: 10,
    contestants: [
      { name: 'eve', budgets: [b('oneShot', eveLoss), b('small', eveLoss, [1, 1.2, 1.5, 9])], curves: {} },
      { name: 'adam', budgets: [b('oneShot', adamLoss), b('small', adamLoss, [1, 5, 9, 9])], curves: {} },
    ],
  });
  const f = findings([task(1, 2), task(1, 2), task(1, 2), task(3, 2)], [], 1);
  assert.equal(f[0]!.verdict, 'reproduced'); // 3/4 tasks
  assert.equal(f[0]!.held, 3);
  assert.equal(f[2]!.verdict, 'reproduced'); // wider good-lr range on every task
  assert.equal(goodLrCount(b('small', 1, [1, 1.2, 1.5, 9]), 10), 3);
  assert.equal(findings([task(1, 2), task(3, 2), task(3, 2)], [], 1)[0]!.verdict, 'not reproduced');
});

test('lab eve rejects unknown tasks and contestants before running; an abort returns partial results', async () => {
  await assert.rejects(eveLab.run({ quick: true, seed: 0, extra: { task: 'nosuch' } }), /unknown suite task "nosuch"/);
  await assert.rejects(eveLab.run({ quick: true, seed: 0, extra: { contestants: 'adam,nosuch' } }), /unknown contestant "nosuch"/);
  const controller = new AbortController();
  const err = await eveLab.run({ quick: true, seed: 0, signal: controller.signal, extra: { task: 'beale', contestants: 'adam,eve' }, onProgress: () => setTimeout(() => controller.abort(), 5) }).then(
    () => assert.fail('finished although aborted'),
    (e: unknown) => e as MetaoptimError,
  );
  assert.equal(err.code, 'ABORTED');
  const partial = (err.details as { partial: LabResult }).partial;
  assert.equal((partial.results as EveResults).partial, true);
  assert.match(partial.report.title, /partial/);
});
