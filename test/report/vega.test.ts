import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { lineChart } from '../../src/report/charts.js';
import { renderReport } from '../../src/report/html.js';
import type { ReportDoc } from '../../src/report/types.js';
import { CHARTS_HINT, type VegaLoader, importVega, isMissingVega, loadChartRenderer } from '../../src/report/vega.js';

/** Simulates `import('vega')` in an installation without the optional peers. */
const missing: VegaLoader = () =>
  Promise.reject(Object.assign(new Error("Cannot find package 'vega' imported from /x/node_modules/metaoptim/dist/src/report/vega.js"), { code: 'ERR_MODULE_NOT_FOUND' }));

const doc: ReportDoc = {
  title: 'r',
  sections: [{ title: 's', tables: [{ columns: ['a'], rows: [[1]] }], charts: [lineChart([{ name: 'n', x: [0, 1], y: [1, 2] }], { title: 'my curve' })] }],
};

// Declared in peerDependenciesMeta only (no peerDependencies range): npm, pnpm and yarn treat
// them as optional peers, and `npm ls --omit=dev --all` in a consumer lists metaoptim alone
// (a range in peerDependencies would add "UNMET OPTIONAL DEPENDENCY" lines).
test('vega and vega-lite are optional peers: no runtime dependency, devDependencies keep them for the tests', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
  // (@tensorflow/tfjs-core, the peer of metaoptim/tfjs, has a range on purpose: docs/tfjs.md.)
  assert.deepEqual(Object.keys(pkg.peerDependencies ?? {}).filter((n) => n.startsWith('vega')), []);
  for (const name of ['vega', 'vega-lite']) {
    assert.deepEqual(pkg.peerDependenciesMeta?.[name], { optional: true });
    assert.match(String(pkg.devDependencies?.[name]), /^\^6\./);
  }
});

test('without vega, loadChartRenderer resolves to null and the report has its tables and a note per chart, no SVG', async () => {
  assert.equal(await loadChartRenderer(missing), null);
  const html = await renderReport(doc, { charts: await loadChartRenderer(missing) });
  assert.ok(!html.includes('<svg'));
  assert.ok(html.includes('<td class="num">1</td>'));
  assert.match(html, /Chart “my curve” omitted: install vega and vega-lite \(npm install vega vega-lite\)/);
  assert.match(html, /tables only/);
  assert.match(CHARTS_HINT, /npm install vega vega-lite/);
});

test('with vega, the same document gets its chart as inline SVG', async () => {
  const render = await loadChartRenderer(importVega);
  assert.notEqual(render, null);
  const html = await renderReport(doc, { charts: render });
  assert.equal((html.match(/<svg/g) ?? []).length, 1);
  assert.ok(!html.includes('omitted'));
  // the default loads the real packages too
  assert.equal(((await renderReport(doc)).match(/<svg/g) ?? []).length, 1);
});

test('a broken vega install is an error, not a silently chartless report', async () => {
  const broken: VegaLoader = () => Promise.reject(new SyntaxError('Unexpected token in vega.js'));
  await assert.rejects(loadChartRenderer(broken), /Unexpected token/);
  assert.equal(isMissingVega(Object.assign(new Error("Cannot find package 'other'"), { code: 'ERR_MODULE_NOT_FOUND' })), false);
  assert.equal(isMissingVega(Object.assign(new Error("Cannot find module 'vega-lite'"), { code: 'MODULE_NOT_FOUND' })), true);
});
