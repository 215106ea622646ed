import type { ParseCounts } from './types.js';

export interface ParseResult {
  vectors: Float32Array[];
  counts: ParseCounts;
}

const GROUP = /\[([^[\]]*)\]/g;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Reply texts longer than this are cut before scanning (a proposer bug must not stall the driver). */
export const MAX_REPLY_CHARS = 4_000_000;

export function emptyCounts(): ParseCounts {
  return { groups: 0, accepted: 0, malformed: 0, wrongLength: 0, nonFinite: 0, duplicate: 0, overLimit: 0 };
}

/**
 * Strict parser for proposer replies (protocol in serialize.ts). A reply is data: it is
 * scanned with regular expressions only, never evaluated. Every innermost `[ … ]` group is
 * classified, in this order:
 *
 * 1. `malformed`   — empty, or some comma-separated token is not a plain decimal number
 *                    (`-1`, `2.5`, `.5`, `3e-2`) nor a non-finite word (NaN, Inf, Infinity);
 * 2. `wrongLength` — the number of values differs from `dim`;
 * 3. `nonFinite`   — a NaN/Inf word, or a value that is not finite once rounded to float32;
 * 4. `duplicate`   — the same float32 vector as an earlier accepted group of this reply;
 * 5. `overLimit`   — valid, but `maxCandidates` vectors were already accepted;
 * 6. `accepted`.
 *
 * The counts always add up to `groups`. Never throws on any string.
 * @example
 * ```ts
 * import { parseCandidates } from 'metaoptim/restart';
 * const r = parseCandidates('Try [0.1, 0.2] and [1, nan] or [3, 4, 5].', 2);
 * console.log(r.vectors.length, r.counts.accepted, r.counts.nonFinite, r.counts.wrongLength); // 1 1 1 1
 * ```
 */
export function parseCandidates(text: string, dim: number, maxCandidates = Number.POSITIVE_INFINITY): ParseResult {
  const counts = emptyCounts();
  const vectors: Float32Array[] = [];
  if (typeof text !== 'string') return { vectors, counts };
  const src = text.length > MAX_REPLY_CHARS ? text.slice(0, MAX_REPLY_CHARS) : text;
  const seen = new Set<string>();
  GROUP.lastIndex = 0;
  for (let m = GROUP.exec(src); m !== null; m = GROUP.exec(src)) {
    counts.groups++;
    const body = m[1]!.trim();
    const tokens = body === '' ? [] : body.split(',').map((t) => t.trim());
    let bad = tokens.length === 0;
    let nonFinite = false;
    for (const t of tokens) {
      if (NUMBER.test(t)) continue;
      if (NON_FINITE.test(t)) nonFinite = true;
      else {
        bad = true;
        break;
      }
    }
    if (bad) {
      counts.malformed++;
      continue;
    }
    if (tokens.length !== dim) {
      counts.wrongLength++;
      continue;
    }
    const v = new Float32Array(dim);
    if (!nonFinite) {
      for (let i = 0; i < dim; i++) {
        v[i] = Number(tokens[i]);
        if (!Number.isFinite(v[i]!)) {
          nonFinite = true;
          break;
        }
      }
    }
    if (nonFinite) {
      counts.nonFinite++;
      continue;
    }
    for (let i = 0; i < dim; i++) if (Object.is(v[i], -0)) v[i] = 0;
    const key = Array.prototype.join.call(v, ',');
    if (seen.has(key)) {
      counts.duplicate++;
      continue;
    }
    if (vectors.length >= maxCandidates) {
      counts.overLimit++;
      continue;
    }
    seen.add(key);
    vectors.push(v);
  }
  counts.accepted = vectors.length;
  return { vectors, counts };
}
