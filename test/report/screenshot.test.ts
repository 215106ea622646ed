// The race report looked at in Chromium (issue 13 item 5): tables wrap inside the page, axis
// titles are words, loss axes are logarithmic, legends are complete, one outlier does not set the
// y range. A full-page screenshot is taken and checked for content.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { contestants } from '../../src/labs/race/contestants.js';
import { raceLab } from '../../src/labs/race/lab.js';
import { lineChart, robustDomain } from '../../src/report/charts.js';
import { renderReport } from '../../src/report/html.js';
import { type StaticServer, launchChromium, serveRepository } from '../support/browser.js';

let browser: Browser;
let server: StaticServer;

before(async () => {
  // full mode: the 11-point grid makes the widest table (13 columns)
  const r = await raceLab.run({ quick: false, seed: 0, extra: { task: 'rosenbrock,rastrigin-10', steps: '60', seeds: '2' } });
  const html = await renderReport(r.report);
  server = await serveRepository({ '/race-report.html': html });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the race report in Chromium at 900 px: no table or page overflows, words on the axes, log loss axes, complete legends', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
  await page.goto(`${server.base}/race-report.html`);
  const shot = await page.screenshot({ fullPage: true });
  assert.ok(shot.length > 30_000, `a report with content, not a blank page (${shot.length} bytes)`);
  const m = await page.evaluate(() => {
    const tables = Array.from(document.querySelectorAll('.table')).map((d) => ({ scroll: d.scrollWidth, client: d.clientWidth }));
    const charts = Array.from(document.querySelectorAll('figure.chart svg')).map((svg) => ({
      texts: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent ?? ''),
      width: svg.getBoundingClientRect().width,
    }));
    return { pageWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, tables, charts };
  });
  assert.ok(m.pageWidth <= 900, `page width ${m.pageWidth}`);
  assert.ok(m.height > 1500);
  assert.ok(m.tables.length >= 5);
  for (const t of m.tables) assert.ok(t.scroll <= t.client + 1, `a table overflows its box: ${t.scroll} > ${t.client}`);
  // rank chart + one loss chart per task
  assert.equal(m.charts.length, 3);
  for (const c of m.charts) {
    assert.ok(c.width <= 900);
    assert.ok(!c.texts.some((t) => t.includes('…')), 'no truncated label');
    for (const bare of ['x', 'y', 'series', 'value', 'category']) assert.ok(!c.texts.includes(bare), `field name "${bare}" as an axis title`);
  }
  for (const c of m.charts.slice(1)) {
    assert.ok(c.texts.includes('step') && c.texts.includes('training loss (mean over seeds)'), c.texts.join('|'));
    for (const name of contestants.map((x) => x.name)) assert.ok(c.texts.includes(name), `legend has ${name} in full`);
    const ticks = c.texts.filter((t) => /^\d(\.\d+)?e[+-−]?\d+$/.test(t));
    assert.ok(ticks.length >= 2, `log-axis tick labels: ${c.texts.join('|')}`);
  }
  await page.close();
});

test('robustDomain: one diverging series does not set the top of the y axis', () => {
  const calm = [0, 1, 2].map((i) => ({ name: `s${i}`, x: [0, 1, 2], y: [10, 1, 0.1] }));
  const wild = { name: 'wild', x: [0, 1, 2], y: [10, 1e20, 1e30] };
  const d = robustDomain([...calm, wild], true)!;
  assert.ok(d[1] < 1e30, `top ${d[1]}`);
  assert.ok(d[1] >= 10 && d[0] === 0.1);
  const spec = lineChart([...calm, wild], { logY: true, yDomain: d }) as { encoding: { y: { scale: { domain: number[] } } } };
  assert.deepEqual(spec.encoding.y.scale.domain, d);
  assert.equal(robustDomain([{ name: 'a', x: [0], y: [NaN] }], true), undefined);
});
