import { checkOptions } from '../core/errors.js';
import type { Prompt, PromptRow, TrajectoryPoint } from './types.js';

/**
 * OPRO-style serialization of an optimization trajectory (SPEC A.3.3, adapted to numeric
 * parameter vectors — a [derived] design of metaoptim):
 *
 * - Rows: for every round, its gradient iterates subsampled with stride
 *   max(1, ⌊len / rowsPerRound⌋) (the round's last iterate always included), plus every
 *   scored candidate; rows whose rounded vectors coincide are merged (lowest loss kept).
 * - Sorted by decreasing loss (worst first, best last) and only the `maxRows` best kept,
 *   like OPRO's top-20 list in ascending score order.
 * - Values rounded: parameters to `decimals` decimals (default 3), loss and accuracy to 3
 *   decimals (the paper's "3 dp"); a loss below 10⁻³ in magnitude is written in exponent
 *   form (2.50e-5) so that near-optimal rows stay distinguishable.
 *
 * Output protocol the prompt asks for (and `parseCandidates` accepts): each vector on its
 * own line as `[x1, x2, …, xn]` — an opening square bracket, exactly n plain decimal
 * numbers (optional sign, optional fraction, optional exponent) separated by commas, a
 * closing square bracket. Anything else in the reply is ignored; bracket groups that break
 * the rules are counted and dropped.
 */
export interface SerializeOptions {
  /** At most this many rows in the prompt (default 20, as OPRO). */
  maxRows?: number;
  /** Gradient iterates kept per round before merging (default 5, as the paper's code). */
  rowsPerRound?: number;
  /** Decimals of parameter values (default 3). */
  decimals?: number;
  /** Task description put in the instruction (default: the task name). */
  description?: string;
}

/** The keys of `SerializeOptions`, for `checkOptions`. */
export const SERIALIZE_OPTION_KEYS: readonly string[] = ['maxRows', 'rowsPerRound', 'decimals', 'description'];

/** A number rounded for the prompt: fixed decimals, no negative zero. */
export function formatFixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals);
  return /^-0(?:\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Loss/accuracy format: 3 decimals, or exponent form below 10⁻³ in magnitude. */
export function formatScore(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return formatFixed(x, 3);
}

/**
 * A vector in the bracketed protocol. With `decimals` the values are rounded; without,
 * every float32 value is written with the shortest decimal that reads back to the same
 * float32 (so `parseCandidates(formatVector(v))` returns `v` bit for bit).
 * @example
 * ```ts
 * import { formatVector } from 'metaoptim/restart';
 * console.log(formatVector([1.23456, -0.5, 2], 2)); // [1.23, -0.50, 2.00]: the vector as the proposer sees it
 * ```
 */
export function formatVector(v: ArrayLike<number>, decimals?: number): string {
  const parts: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    parts.push(decimals === undefined ? shortestF32(x) : formatFixed(x, decimals));
  }
  return `[${parts.join(', ')}]`;
}

function shortestF32(x: number): string {
  const f = Math.fround(x);
  if (Object.is(f, -0)) return '0';
  if (!Number.isFinite(f)) return String(f);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** Picks and rounds the rows of the meta-prompt (worst first). */
export function selectRows(points: readonly TrajectoryPoint[], o: SerializeOptions = {}): PromptRow[] {
  checkOptions('selectRows', o, SERIALIZE_OPTION_KEYS);
  const maxRows = o.maxRows ?? 20;
  const perRound = o.rowsPerRound ?? 5;
  const decimals = o.decimals ?? 3;
  const byRound = new Map<number, TrajectoryPoint[]>();
  const chosen: TrajectoryPoint[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.loss)) continue;
    if (p.kind === 'candidate') chosen.push(p);
    else {
      const list = byRound.get(p.round) ?? [];
      list.push(p);
      byRound.set(p.round, list);
    }
  }
  for (const list of byRound.values()) {
    const stride = Math.max(1, Math.floor(list.length / Math.max(1, perRound)));
    for (let i = list.length - 1; i >= 0; i -= stride) chosen.push(list[i]!);
  }
  const merged = new Map<string, PromptRow>();
  for (const p of chosen) {
    const params = Array.from(p.params, (x) => Number(formatFixed(x, decimals)));
    const key = params.join(',');
    const row: PromptRow = { params, loss: p.loss, ...(p.accuracy !== undefined ? { accuracy: p.accuracy } : {}) };
    const old = merged.get(key);
    if (!old || row.loss < old.loss) merged.set(key, row);
  }
  const rows = [...merged.values()].sort((a, b) => b.loss - a.loss);
  return rows.slice(Math.max(0, rows.length - maxRows));
}

/** Builds the two chat messages for `k` new vectors of length `dim` from prepared rows. */
export function buildPrompt(taskName: string, rows: readonly PromptRow[], k: number, dim: number, o: SerializeOptions = {}): Prompt {
  checkOptions('buildPrompt', o, SERIALIZE_OPTION_KEYS);
  const decimals = o.decimals ?? 3;
  const withAcc = rows.some((r) => r.accuracy !== undefined);
  const system =
    'You are an optimizer. You read parameter vectors together with their loss and propose new vectors ' +
    'with a lower loss. You answer with vectors only, in the exact format requested.';
  const lines: string[] = [];
  const what = o.description ?? `the task "${taskName}"`;
  lines.push(`Minimize the loss of ${what} over vectors of ${dim} real numbers. Lower loss is better.`);
  lines.push(
    `Below are vectors with their loss${withAcc ? ' and accuracy' : ''}, ordered by decreasing loss: the best vectors come last.`,
  );
  lines.push('');
  for (const r of rows) {
    lines.push(`vector: ${formatVector(r.params, decimals)}`);
    lines.push(`loss: ${formatScore(r.loss)}`);
    if (r.accuracy !== undefined) lines.push(`accuracy: ${formatFixed(r.accuracy, 3)}`);
    lines.push('');
  }
  lines.push(`Write ${k} new vectors that differ from all vectors above and have a loss as low as possible.`);
  lines.push(
    `Answer with exactly ${k} lines and nothing else. Each line is one vector: an opening square bracket, ` +
      `${dim} decimal numbers separated by commas, and a closing square bracket` +
      (dim === 2 ? '.' : ', for example [1.5, -0.25] for a vector of 2 numbers.'),
  );
  return { system, user: lines.join('\n') };
}

/**
 * Rough token count for servers that do not report `usage`: ⌈characters / 4⌉.
 * @example
 * ```ts
 * import { estimateTokens } from 'metaoptim/restart';
 * console.log(estimateTokens('minimize f over [0.1, 0.2]') > 0); // true
 * ```
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
