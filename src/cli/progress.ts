import type { ProgressEvent } from '../core/loop.js';

/**
 * Progress bars on stderr from `ProgressEvent`s. On a TTY: one line per label, redrawn in
 * place at most every 100 ms (bar, percent, done/total, rate, ETA). Otherwise (CI logs,
 * pipes): one line per label each time it crosses another 10 %, so logs stay short.
 */

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface Bar {
  label: string;
  done: number;
  total: number;
  start: number;
  decile: number;
}

const BAR_WIDTH = 24;

export class ProgressDisplay {
  private readonly bars = new Map<string, Bar>();
  private readonly tty: boolean;
  private drawn = 0;
  private lastDraw = -Infinity;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly stream: ProgressStream, opts: { tty?: boolean; now?: () => number } = {}) {
    this.tty = opts.tty ?? !!stream.isTTY;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Feeds one event (bound, so it can be passed as `onProgress`). */
  readonly update = (e: ProgressEvent): void => {
    if (this.stopped) return;
    const t = this.now();
    let b = this.bars.get(e.label);
    const fresh = !b;
    if (!b) {
      b = { label: e.label, done: 0, total: 0, start: t, decile: -1 };
      this.bars.set(e.label, b);
    }
    b.done = e.done;
    b.total = e.total;
    if (this.tty) {
      if (fresh || t - this.lastDraw >= 100 || e.done >= e.total) this.draw(t);
      return;
    }
    const decile = e.total > 0 ? Math.min(10, Math.floor((10 * e.done) / e.total)) : 10;
    if (decile > b.decile) {
      b.decile = decile;
      this.stream.write(this.line(b, t, false) + '\n');
    }
  };

  /** Draws the final state (TTY); call once when the work is over or aborted. */
  finish(): void {
    if (this.tty && this.bars.size > 0 && !this.stopped) this.draw(this.now());
  }

  /** Draws the final state and ignores later events (before another message goes to the stream). */
  stop(): void {
    this.finish();
    this.stopped = true;
  }

  private draw(t: number): void {
    this.lastDraw = t;
    const cols = this.stream.columns && this.stream.columns > 20 ? this.stream.columns - 1 : 100;
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const b of this.bars.values()) s += '\r\x1b[2K' + [...this.line(b, t, true)].slice(0, cols).join('') + '\n';
    this.drawn = this.bars.size;
    this.stream.write(s);
  }

  private line(b: Bar, t: number, withBar: boolean): string {
    const frac = b.total > 0 ? Math.min(1, b.done / b.total) : 1;
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const secs = (t - b.start) / 1000;
    const rate = secs > 0 ? b.done / secs : 0;
    const eta = rate > 0 && b.done < b.total ? ` ETA ${formatDuration((b.total - b.done) / rate)}` : b.done >= b.total ? ` in ${formatDuration(secs)}` : '';
    const rateText = rate > 0 ? ` ${formatCount(rate)}/s` : '';
    const counts = `${formatCount(b.done)}/${formatCount(b.total)}`;
    if (!withBar) return `${b.label}: ${pct.trim()} (${counts})${rateText}${eta}`;
    const full = Math.round(frac * BAR_WIDTH);
    const bar = '█'.repeat(full) + '░'.repeat(BAR_WIDTH - full);
    return `${b.label} ${bar} ${pct} ${counts}${rateText}${eta}`;
  }
}

/** 1234 → "1234", 12345 → "12.3k", 1.5e6 → "1.5M". */
export function formatCount(x: number): string {
  if (x < 1e4) return String(Math.round(x));
  if (x < 1e6) return `${(x / 1e3).toFixed(x < 1e5 ? 1 : 0)}k`;
  return `${(x / 1e6).toFixed(x < 1e7 ? 2 : 1)}M`;
}

/** Seconds → "12s", "3m04s", "1h02m". */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
