/** Number formatting shared by report tables and the command line's summary tables. */

/**
 * A compact, fixed-precision rendering: integers as is (up to 1e7), other values with
 * `digits` significant digits, exponential notation below 1e-3 or from 1e6 up;
 * null/undefined → '—', NaN → 'NaN', ±Infinity → '∞' / '−∞'.
 */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(Math.max(0, digits - 1));
  return String(Number(x.toPrecision(digits)));
}

/** Lays out rows as fixed-width text columns (first column left-aligned, others right-aligned). */
export function textTable(columns: string[], rows: (string | number | null)[][], indent = ''): string[] {
  const cells = [columns, ...rows.map((r) => r.map((c) => (typeof c === 'number' || c === null ? formatNumber(c) : c)))];
  const widths = columns.map((_, j) => Math.max(...cells.map((r) => [...(r[j] ?? '')].length)));
  return cells.map(
    (r) =>
      indent +
      r
        .map((c, j) => {
          const pad = ' '.repeat(widths[j]! - [...(c ?? '')].length);
          return j === 0 ? c + pad : pad + c;
        })
        .join('  ')
        .trimEnd(),
  );
}
