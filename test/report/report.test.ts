import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, lineChart } from '../../src/report/charts.js';
import { formatNumber, textTable } from '../../src/report/format.js';
import { chartToSvg, escapeHtml, renderReport } from '../../src/report/html.js';
import type { ReportDoc } from '../../src/report/types.js';

const EVIL = `<script>alert("x")</script> & 'q'`;

test('renderReport escapes every piece of text and emits no script', async () => {
  const doc: ReportDoc = {
    title: EVIL,
    subtitle: EVIL,
    sections: [
      { title: EVIL, text: [EVIL, 'a < b > c'], tables: [{ columns: [EVIL, 'n'], rows: [[EVIL, 1]], caption: EVIL }] },
      { title: 'second', text: ['plain'] },
    ],
  };
  const html = await renderReport(doc);
  assert.ok(!/<script/i.test(html), 'no <script> in the page');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;'));
  assert.ok(html.includes('a &lt; b &gt; c'));
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(html.includes('<style>'));
  assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(html), 'no external URL besides SVG namespaces');
  // two sections → a table of contents linking to both
  assert.ok(html.includes('href="#s1"') && html.includes('href="#s2"') && html.includes('id="s2"'));
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

test('tables render columns, caption, formatted numbers and — for null', async () => {
  const html = await renderReport({
    title: 't',
    sections: [{ title: 's', tables: [{ columns: ['name', 'loss', 'steps'], rows: [['adam', 1.23456789e-7, 42], ['sgd', null, 3.14159265]], caption: 'cap' }] }],
  });
  assert.ok(html.includes('<caption>cap</caption>'));
  assert.ok(html.includes('<th>name</th><th>loss</th><th>steps</th>'));
  assert.ok(html.includes('<td>adam</td><td class="num">1.235e-7</td><td class="num">42</td>'), html);
  assert.ok(html.includes('<td>sgd</td><td class="num">—</td><td class="num">3.142</td>'));
  await assert.rejects(renderReport({ title: 't', sections: [{ title: 's', tables: [{ columns: ['a', 'b'], rows: [[1]] }] }] }), /INVALID_ARGUMENT/);
  await assert.rejects(renderReport({ title: 5 } as unknown as ReportDoc), /INVALID_ARGUMENT/);
});

test('a line chart with a log axis renders to inline SVG with one path per series and a legend', async () => {
  const steps = [0, 1, 2, 3, 4];
  const spec = lineChart(
    [
      { name: 'alpha', x: steps, y: [1, 0.1, 0.01, 0.001, 0] },
      { name: 'beta', x: steps, y: [2, 1, NaN, 0.5, 0.25] },
    ],
    { title: 'curves', xTitle: 'step', yTitle: 'loss', logY: true, yFloor: 1e-6 },
  );
  const values = (spec.data as { values: { x: number; y: number; series: string }[] }).values;
  // NaN dropped, 0 drawn at the floor
  assert.equal(values.length, 9);
  assert.deepEqual(values.find((v) => v.series === 'alpha' && v.x === 4), { x: 4, y: 1e-6, series: 'alpha' });
  const html = await renderReport({ title: 'c', sections: [{ title: 's', charts: [spec] }] });
  const svg = html.slice(html.indexOf('<svg'), html.lastIndexOf('</svg>') + 6);
  assert.ok(svg.length > 1000);
  assert.ok(!/<script/i.test(html));
  for (const word of ['alpha', 'beta', 'curves', 'step', 'loss']) assert.ok(svg.includes(`>${word}<`), `SVG shows ${word}`);
  // one line mark per series: paths with class/aria of the line mark
  const lines = svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? [];
  assert.equal(lines.length, 2);
  // log axis: decade labels are present
  assert.ok(/>1e-6</.test(svg) || />1e-5</.test(svg), 'log axis labels');
});

test('without a floor, a log chart drops non-positive points; mismatched series are rejected', () => {
  const spec = lineChart([{ name: 'a', x: [0, 1, 2], y: [1, 0, -1] }], { logY: true });
  assert.equal((spec.data as { values: unknown[] }).values.length, 1);
  const lin = lineChart([{ name: 'a', x: [0, 1, 2], y: [1, 0, -1] }]);
  assert.equal((lin.data as { values: unknown[] }).values.length, 3);
  assert.throws(() => lineChart([{ name: 'a', x: [0, 1], y: [1] }]), /LENGTH_MISMATCH/);
  assert.throws(() => lineChart([], { logY: true, yFloor: 0 }), /INVALID_ARGUMENT/);
});

test('bar charts render; a broken spec is reported as REPORT_CHART with the section', async () => {
  const svg = await chartToSvg(barChart(['x', 'y', 'z'], [3, 1, 2], { yTitle: 'count' }));
  assert.equal((svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? []).length, 3);
  await assert.rejects(
    renderReport({ title: 't', sections: [{ title: 'bad one', charts: [{ mark: 'nosuchmark', data: { values: [] } }] }] }),
    (e: Error & { code?: string }) => e.code === 'REPORT_CHART' && e.message.includes('bad one'),
  );
});

test('formatNumber and textTable', () => {
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(Infinity), '∞');
  assert.equal(formatNumber(-Infinity), '−∞');
  assert.equal(formatNumber(42), '42');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(0.012345), '0.0123');
  assert.equal(formatNumber(1.5e-7), '1.50e-7');
  assert.equal(formatNumber(2.5e9), '2.50e+9');
  assert.equal(formatNumber(24.2), '24.2');
  const lines = textTable(['name', 'value'], [['a', 1.5], ['long name', null]]);
  assert.deepEqual(lines, ['name       value', 'a            1.5', 'long name      —']);
});
