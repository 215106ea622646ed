import { MetaoptimError } from '../core/errors.js';

/**
 * Builders for the vega-lite specifications labs put in a `ReportDoc` (rendered to SVG by
 * `renderReport`). Data are inlined as `data.values`; non-finite points are dropped.
 *
 * Error codes: `INVALID_ARGUMENT` (series of unequal x/y lengths, non-positive floor).
 */

export interface LineSeries {
  /** Legend entry. */
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface LineChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Logarithmic y axis (base 10). Points with y ≤ 0 are drawn at `yFloor` if given, else dropped. */
  logY?: boolean;
  /** Logarithmic x axis; points with x ≤ 0 are dropped. */
  logX?: boolean;
  /** With `logY`: the value at which non-positive and smaller values are drawn (e.g. 1e-30). */
  yFloor?: number;
  /** Plot size in pixels (default 560 × 300). */
  width?: number;
  height?: number;
  /** Fixed y range (e.g. `robustDomain(series)`); points outside are clipped at the frame. */
  yDomain?: [number, number];
  /** Legend title (default none); the legend is placed below the plot, in as many columns as fit, never truncated. */
  legendTitle?: string;
}

/** A multi-series line chart (one line per series, legend in series order). */
export function lineChart(series: LineSeries[], o: LineChartOptions = {}): Record<string, unknown> {
  if (o.yFloor !== undefined && !(o.yFloor > 0 && Number.isFinite(o.yFloor))) {
    throw new MetaoptimError('INVALID_ARGUMENT', `lineChart: yFloor must be a positive finite number, got ${o.yFloor}`);
  }
  const values: { x: number; y: number; series: string }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) {
      throw new MetaoptimError('LENGTH_MISMATCH', `lineChart: series ${s.name} has ${s.x.length} x values and ${s.y.length} y values`);
    }
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!;
      let y = s.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (o.logX && x <= 0) continue;
      if (o.logY && o.yFloor !== undefined && y < o.yFloor) y = o.yFloor;
      if (o.logY && y <= 0) continue;
      values.push({ x, y, series: s.name });
    }
  }
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width ?? 560,
    height: o.height ?? 300,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle ?? 'x', scale: o.logX ? { type: 'log' } : { zero: false } },
      y: { field: 'y', type: 'quantitative', title: o.yTitle ?? 'y', ...(o.logY ? { scale: { type: 'log', ...(o.yDomain ? { domain: o.yDomain } : {}) }, axis: { format: '.0e' } } : { scale: { zero: false, ...(o.yDomain ? { domain: o.yDomain } : {}) } }) },
      color: {
        field: 'series', type: 'nominal', title: o.legendTitle ?? null, scale: { domain: series.map((s) => s.name), ...(series.length > 10 ? { scheme: 'category20' } : {}) }, sort: null,
        legend: { labelLimit: 0, orient: series.length > 6 ? 'bottom' : 'right', columns: series.length > 6 ? 4 : 1, symbolLimit: 0 },
      },
    },
  };
  if (o.title) spec.title = o.title;
  return spec;
}

export interface BarChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logY?: boolean;
  width?: number;
  height?: number;
}

/** A bar chart of one value per category (categories in the given order). */
export function barChart(categories: string[], values: number[], o: BarChartOptions = {}): Record<string, unknown> {
  if (categories.length !== values.length) {
    throw new MetaoptimError('LENGTH_MISMATCH', `barChart: ${categories.length} categories and ${values.length} values`);
  }
  const data = categories.map((c, i) => ({ category: c, value: values[i]! })).filter((d) => Number.isFinite(d.value) && (!o.logY || d.value > 0));
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width ?? 400,
    height: o.height ?? 240,
    data: { values: data },
    mark: 'bar',
    encoding: {
      x: { field: 'category', type: 'nominal', title: o.xTitle ?? null, sort: categories },
      y: { field: 'value', type: 'quantitative', title: o.yTitle ?? 'value', scale: o.logY ? { type: 'log' } : {} },
    },
  };
  if (o.title) spec.title = o.title;
  return spec;
}

export interface DotChartOptions {
  title?: string;
  /** Title of the value axis. */
  xTitle?: string;
  /** Logarithmic value axis; non-positive values are dropped. */
  logX?: boolean;
  width?: number;
  height?: number;
}

/**
 * A dot (strip) plot: one row per category, one point per value (e.g. one point per seed),
 * categories in the given order. Non-finite values are dropped.
 */
export function dotChart(rows: { category: string; values: ArrayLike<number> }[], o: DotChartOptions = {}): Record<string, unknown> {
  const values: { category: string; value: number }[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.values.length; i++) {
      const v = r.values[i]!;
      if (Number.isFinite(v) && (!o.logX || v > 0)) values.push({ category: r.category, value: v });
    }
  }
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width ?? 420,
    height: o.height ?? 220,
    data: { values },
    mark: { type: 'point', filled: true },
    encoding: {
      y: { field: 'category', type: 'nominal', title: null, sort: rows.map((r) => r.category) },
      x: { field: 'value', type: 'quantitative', title: o.xTitle ?? 'value', ...(o.logX ? { scale: { type: 'log' } } : { scale: { zero: false } }) },
    },
  };
  if (o.title) spec.title = o.title;
  return spec;
}

export interface HeatmapOptions {
  title?: string;
  /** Axis titles (words, not field names). */
  xTitle: string;
  yTitle: string;
  /** Title of the colour legend. */
  colorTitle: string;
  /** Logarithmic colour scale (values ≤ 0 are dropped). */
  logColor?: boolean;
  width?: number;
  height?: number;
}

/**
 * A heat map: `values[i][j]` is the cell at row `rows[i]` and column `cols[j]` (categories in the
 * given order; non-finite cells are left blank), with the value printed in each cell.
 * Errors: LENGTH_MISMATCH (a row of the wrong length).
 */
export function heatmapChart(rows: string[], cols: string[], values: number[][], o: HeatmapOptions): Record<string, unknown> {
  if (values.length !== rows.length || values.some((r) => r.length !== cols.length)) {
    throw new MetaoptimError('LENGTH_MISMATCH', `heatmapChart: need ${rows.length} rows of ${cols.length} values`);
  }
  const data: { row: string; col: string; value: number; label: string }[] = [];
  values.forEach((r, i) =>
    r.forEach((v, j) => {
      if (Number.isFinite(v) && (!o.logColor || v > 0)) data.push({ row: rows[i]!, col: cols[j]!, value: v, label: Number(v.toPrecision(2)).toExponential(1) });
    }),
  );
  const vals = data.map((d) => d.value);
  const [lo, hi] = [Math.min(...vals), Math.max(...vals)];
  const mid = vals.length === 0 ? 0 : o.logColor ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width ?? 420,
    height: o.height ?? 300,
    data: { values: data },
    encoding: {
      x: { field: 'col', type: 'ordinal', title: o.xTitle, sort: cols, axis: { labelAngle: 0 } },
      y: { field: 'row', type: 'ordinal', title: o.yTitle, sort: rows },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', title: o.colorTitle, scale: { scheme: 'viridis', reverse: true, ...(o.logColor ? { type: 'log' } : {}) } } } },
      // white text on the dark (high) half of the colour scale, black on the light half
      { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'label' }, color: { condition: { test: `datum.value > ${mid}`, value: 'white' }, value: 'black' } } },
    ],
  };
  if (o.title) spec.title = o.title;
  return spec;
}

/**
 * Robust y-range for loss curves: [lowest value, top] with
 *   top = min(largest value, max(median of the series' first values, 100 × median of the series' medians)),
 * so that one diverging or outlying series does not flatten the others (its points above the top
 * are clipped at the frame) while the common start stays in view. Pass it as `yDomain` to
 * `lineChart`. Undefined when no series has a usable value.
 */
export function robustDomain(series: LineSeries[], logY: boolean): [number, number] | undefined {
  const all: number[] = [];
  const firsts: number[] = [];
  const medians: number[] = [];
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
  for (const s of series) {
    const ys = Array.from(s.y).filter((v) => Number.isFinite(v) && (!logY || v > 0));
    if (ys.length === 0) continue;
    all.push(...ys);
    firsts.push(ys[0]!);
    medians.push(med(ys));
  }
  if (all.length === 0) return undefined;
  const lo = Math.min(...all);
  const hi = Math.min(Math.max(...all), Math.max(med(firsts), 100 * med(medians)));
  return lo < hi ? [lo, hi] : undefined;
}
