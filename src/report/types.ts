// A report is plain data: sections with prose, tables and vega-lite charts. `renderReport`
// (src/report/html.ts) turns it into one self-contained HTML file with inline SVG
// (no CDN or script at view time). Every `lab` and `race` command produces one.

export interface ReportTable {
  columns: string[];
  rows: (string | number | null)[][];
  caption?: string;
}

export interface ReportSection {
  title: string;
  /** Paragraphs of plain text (escaped when rendered). */
  text?: string[];
  tables?: ReportTable[];
  /** vega-lite specifications with inline `data.values`; rendered to SVG in Node. */
  charts?: Record<string, unknown>[];
}

export interface ReportDoc {
  title: string;
  /** One-line summary under the title. */
  subtitle?: string;
  sections: ReportSection[];
}
