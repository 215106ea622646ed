// The browser demo (examples/browser/) in headless Chromium, served as plain files (no build):
// the quick race finishes with every curve drawn and every optimizer improving on the smooth
// functions, meta-training in two Web Workers reports progress, Stop aborts it with ABORTED
// (and a resumable checkpoint) within 1 s, and a screenshot of the page is written as an
// artifact (METAOPTIM_ARTIFACTS, default the system temp directory).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type StaticServer, launchChromium, serveRepository } from '../support/browser.js';

interface RaceRun { optimizer: string; lr: number; initial: number; final: number; steps: number; diverged: boolean }
interface Outcome { code: string; iteration?: number; hasCheckpoint?: boolean; latencyMs: number; ranMs: number }

let server: StaticServer | undefined;
let browser: Browser | undefined;

before(async () => {
  server = await serveRepository();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the browser demo races live, Stop aborts meta-training within 1 s, and it screenshots', { timeout: 120_000 }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${server!.base}/examples/browser/index.html?quick=1`);

  // The race draws while it runs: the status says running before it says finished.
  await page.waitForFunction(() => document.getElementById('race-status')!.textContent !== 'idle');
  await page.waitForFunction(() => document.getElementById('race-status')!.textContent === 'finished', undefined, { timeout: 60_000 });
  const race = (await page.evaluate(() => (window as unknown as { raceResult: unknown }).raceResult)) as { name: string; runs: RaceRun[] }[];
  assert.equal(race.length, 3);
  for (const f of race) {
    assert.deepEqual(f.runs.map((r) => r.optimizer), ['sgd', 'momentum', 'adam', 'eve', 'lion']);
    for (const r of f.runs) {
      assert.equal(r.diverged, false, `${r.optimizer} diverged on ${f.name}`);
      assert.equal(r.steps, 300);
      assert.ok(Number.isFinite(r.final) && r.final <= r.initial, `${r.optimizer} on ${f.name}: ${r.initial} → ${r.final}`);
    }
  }
  // On the smooth functions every optimizer makes real progress; Adam nearly solves both.
  for (const f of race.filter((f) => !f.name.startsWith('Rastrigin'))) {
    for (const r of f.runs) assert.ok(r.final < 0.5 * r.initial, `${r.optimizer} on ${f.name}: ${r.initial} → ${r.final}`);
    assert.ok(f.runs.find((r) => r.optimizer === 'adam')!.final < 1e-2, `adam on ${f.name}`);
  }
  assert.match(await page.textContent('#race-table') ?? '', /final loss after 300 steps/);

  // Meta-training in Web Workers: wait for real progress, then Stop.
  await page.click('#train');
  await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0, undefined, { timeout: 60_000 });
  await page.waitForTimeout(200);
  await page.click('#stop');
  const outcome = (await page.evaluate(() => (window as unknown as { metaOutcome: Promise<unknown> }).metaOutcome)) as Outcome;
  assert.equal(outcome.code, 'ABORTED', JSON.stringify(outcome));
  assert.ok(outcome.iteration! >= 1 && outcome.iteration! < 400, `stopped at iteration ${outcome.iteration}`);
  assert.equal(outcome.hasCheckpoint, true, 'the partial result is a resumable checkpoint');
  assert.ok(outcome.latencyMs < 1000, `meta-training rejected ${outcome.latencyMs} ms after Stop`);
  assert.match(await page.textContent('#train-status') ?? '', /^stopped after \d+ iterations$/);
  assert.equal(await page.isDisabled('#stop'), true);

  const dir = process.env.METAOPTIM_ARTIFACTS ?? tmpdir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `metaoptim-browser-demo-${process.pid}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.ok(png.readUInt32BE(16) >= 1000 && png.readUInt32BE(20) >= 600, `screenshot ${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
  assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes is nearly empty`);
  assert.deepEqual(errors, []);
  await page.close();
});
