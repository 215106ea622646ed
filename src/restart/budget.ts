import { MetaoptimError, checkOptions } from '../core/errors.js';
import { setLongTimeout } from '../core/loop.js';

/** Proposer budgets of one restart run; a missing field means unlimited. */
export interface ProposerBudget {
  /** Proposer calls. */
  calls?: number;
  /** Tokens, from the server's `usage` when reported, else estimated as ⌈characters / 4⌉. */
  tokens?: number;
  /** Wall time of the whole run in ms: no call starts after it, and a call in flight is aborted at it. */
  wallMs?: number;
}

/** Validates a budget (known keys, non-negative numbers) and returns a copy. */
export function checkBudget(b: ProposerBudget | undefined): ProposerBudget {
  checkOptions('restart budget', b, ['calls', 'tokens', 'wallMs']);
  const out: ProposerBudget = {};
  for (const key of ['calls', 'tokens', 'wallMs'] as const) {
    const v = b?.[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new MetaoptimError('INVALID_ARGUMENT', `restart budget: ${key} must be a non-negative number, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}

/** Why a proposer call may not start, or undefined when it may. */
export function budgetExceeded(
  b: ProposerBudget,
  used: { calls: number; tokens: number; elapsedMs: number },
  nextPromptTokens: number,
): string | undefined {
  if (b.calls !== undefined && used.calls >= b.calls) return `proposer call budget of ${b.calls} used`;
  if (b.tokens !== undefined && used.tokens + nextPromptTokens > b.tokens) {
    return `token budget of ${b.tokens} would be exceeded (${used.tokens} used, prompt ≈ ${nextPromptTokens})`;
  }
  if (b.wallMs !== undefined && used.elapsedMs >= b.wallMs) return `wall-time budget of ${b.wallMs} ms used`;
  return undefined;
}

/**
 * A signal that aborts when `parent` aborts or after `ms` milliseconds (when given);
 * `timedOut()` tells which. Call `done()` to clear the timer. Works without `AbortSignal.any`.
 */
export function linkedSignal(parent: AbortSignal | undefined, ms: number | undefined): {
  signal: AbortSignal;
  timedOut: () => boolean;
  done: () => void;
} {
  const ctl = new AbortController();
  let fired = false;
  const onAbort = () => ctl.abort(parent?.reason);
  if (parent) {
    if (parent.aborted) ctl.abort(parent.reason);
    else parent.addEventListener('abort', onAbort, { once: true });
  }
  // setLongTimeout: a deadline beyond 2³¹ − 1 ms must not overflow into a 1 ms timer.
  let cancel: (() => void) | undefined;
  if (ms !== undefined && Number.isFinite(ms)) {
    cancel = setLongTimeout(() => {
      fired = true;
      ctl.abort(new MetaoptimError('PROPOSER_BUDGET', `deadline of ${ms} ms reached`));
    }, ms);
  }
  return {
    signal: ctl.signal,
    timedOut: () => fired,
    done: () => {
      cancel?.();
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
