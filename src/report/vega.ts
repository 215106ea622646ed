/**
 * vega and vega-lite are OPTIONAL peer dependencies of metaoptim: only the lab reports use
 * them, to draw charts as inline SVG. They are loaded here, with a dynamic `import()`, the
 * first time a chart is rendered, never by the library. When they are not installed,
 * `loadChartRenderer` resolves to null and reports come out table-only (`renderReport`
 * puts a note where each chart would be); `CHARTS_HINT` says how to get them.
 *
 * Error codes: none of its own; an installed but broken vega rethrows its error.
 */

/** Renders one vega-lite spec to an SVG string. */
export type ChartRenderer = (spec: Record<string, unknown>) => Promise<string>;

/** The parts of `vega` used here (structural, so the declarations do not need vega's types). */
export interface VegaLike {
  View: new (runtime: unknown, opts: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
  parse(spec: unknown): unknown;
}
/** The part of `vega-lite` used here. */
export interface VegaLiteLike {
  compile(spec: never, opts?: { config?: Record<string, unknown> }): { spec: unknown };
}

/** Imports vega and vega-lite; rejects with `ERR_MODULE_NOT_FOUND` when they are missing. */
export type VegaLoader = () => Promise<{ vega: VegaLike; vegaLite: VegaLiteLike }>;

/** One line for users without the peers. */
export const CHARTS_HINT = 'report.html has tables only: run `npm install vega vega-lite` to get its charts';

export const importVega: VegaLoader = async () => {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  return { vega: vega as unknown as VegaLike, vegaLite: vegaLite as unknown as VegaLiteLike };
};

/** True when `err` is Node's "cannot find package" for vega or vega-lite. */
export function isMissingVega(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return !!e && (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && /vega/.test(String(e.message));
}

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
let cached: Promise<ChartRenderer | null> | undefined;

/**
 * The chart renderer over `loader` (default: the real vega and vega-lite, loaded once and
 * cached), or null when the packages are missing. Each chart is compiled by vega-lite and
 * drawn by a headless vega `View` (renderer 'none', no canvas or DOM).
 */
export function loadChartRenderer(loader: VegaLoader = importVega): Promise<ChartRenderer | null> {
  const load = async (): Promise<ChartRenderer | null> => {
    let libs: Awaited<ReturnType<VegaLoader>>;
    try {
      libs = await loader();
    } catch (err) {
      if (isMissingVega(err)) return null;
      throw err;
    }
    const { vega, vegaLite } = libs;
    return async (spec) => {
      const compiled = vegaLite.compile(spec as never, { config: { font: FONT } }).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    };
  };
  if (loader !== importVega) return load();
  cached ??= load();
  return cached;
}
