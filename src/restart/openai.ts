import { MetaoptimError, checkNumber, checkOptions } from '../core/errors.js';
import { setLongTimeout } from '../core/loop.js';
import type { ProposalReply, ProposalRequest, Proposer, Usage } from './types.js';

/**
 * A proposer over the OpenAI-compatible chat-completions protocol, using the global `fetch`
 * (Node ≥ 18 and browsers): `POST ${baseURL}/chat/completions` with body
 * `{ model, messages: [{role:'system'}, {role:'user'}], temperature?, max_tokens? }` and
 * `Authorization: Bearer <apiKey>` when a key is given. Only the two prompt messages are
 * sent — no trajectory, no task, no telemetry. The reply's `choices[0].message.content` is
 * returned as text (it is data: the driver parses it with regular expressions, nothing is
 * ever evaluated), with `usage` when the server reports it.
 *
 * Servers: llama.cpp `llama-server` (`http://127.0.0.1:8080/v1`), Ollama
 * (`http://127.0.0.1:11434/v1`), vLLM (`http://127.0.0.1:8000/v1`), or a hosted API
 * (`https://api.openai.com/v1` with an API key). See docs/restarts.md.
 *
 * Per attempt, `timeoutMs` bounds the whole exchange (headers and body). Retries: up to
 * `maxRetries` more attempts on HTTP 429, HTTP 5xx and network errors, after
 * min(maxBackoffMs, backoffMs·2^attempt)·U(0.5, 1) ms (exponential backoff with jitter), or
 * after the server's `Retry-After` (seconds or HTTP date; capped at maxBackoffMs) when it
 * sends one. Timeouts are not retried. Every time limit may exceed 2³¹ − 1 ms (long timers are
 * re-armed, never overflowed). The body is read as a stream and the read stops as
 * soon as it exceeds `maxResponseBytes` (a larger `Content-Length` fails before reading).
 *
 * Errors (MetaoptimError codes):
 * - `LLM_HTTP`               non-2xx status (details: status, body excerpt ≤ 500 chars)
 * - `LLM_REDIRECT`           a 3xx reply: redirects are refused, never followed, so the prompt
 *                            is never re-sent to another address (details: status, location)
 * - `LLM_NETWORK`            fetch itself failed on every attempt (details: message)
 * - `LLM_TIMEOUT`            an attempt exceeded `timeoutMs`
 * - `LLM_RESPONSE_TOO_LARGE` the body exceeded `maxResponseBytes`
 * - `LLM_BAD_RESPONSE`       not JSON, or no `choices[0].message.content` string
 * - `PROPOSER_BUDGET`        more than `maxCalls` calls were made with this proposer
 * - `ABORTED`                the caller's signal fired
 * - `INVALID_ARGUMENT`       bad options
 */
export interface OpenAICompatibleOptions {
  /** Base URL up to and including the version segment, e.g. `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Per-attempt timeout in ms (default 60 000). */
  timeoutMs?: number;
  /** Extra attempts after the first on 429 / 5xx / network errors (default 3). */
  maxRetries?: number;
  /** Largest accepted response body in bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /** Sampling temperature (omitted from the request when not given). */
  temperature?: number;
  /** `max_tokens` of the request (omitted when not given). */
  maxTokens?: number;
  /** First backoff delay in ms (default 500). */
  backoffMs?: number;
  /** Largest backoff or Retry-After wait in ms (default 30 000). */
  maxBackoffMs?: number;
  /** Calls allowed with this proposer (default unlimited). */
  maxCalls?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

const OPENAI_OPTION_KEYS = ['baseURL', 'model', 'apiKey', 'timeoutMs', 'maxRetries', 'maxResponseBytes', 'temperature', 'maxTokens', 'backoffMs', 'maxBackoffMs', 'maxCalls', 'fetch'];

/**
 * The OpenAI-compatible proposer (see above); unknown option keys throw UNKNOWN_OPTION.
 * @example
 * ```ts
 * import { sgd } from 'metaoptim';
 * import { openAICompatible, type RestartOptions } from 'metaoptim/restart';
 * // Ollama on this machine; any chat-completions server works (llama.cpp, vLLM, hosted APIs).
 * const proposer = openAICompatible({ baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b' });
 * const options: RestartOptions = { optimizer: sgd({ lr: 2e-3 }), proposer, rounds: 5, stepsPerRound: 40, finalSteps: 200 };
 * ```
 */
export function openAICompatible(o: OpenAICompatibleOptions): Proposer {
  if (o !== undefined && o !== null) checkOptions('openAICompatible', o, OPENAI_OPTION_KEYS);
  if (typeof o?.baseURL !== 'string' || !/^https?:\/\//i.test(o.baseURL)) {
    throw new MetaoptimError('INVALID_ARGUMENT', 'openAICompatible: baseURL must be an http(s) URL');
  }
  if (typeof o.model !== 'string' || o.model === '') throw new MetaoptimError('INVALID_ARGUMENT', 'openAICompatible: model must be a non-empty string');
  const owner = 'openAICompatible';
  const timeoutMs = checkNumber(owner, 'timeoutMs', o.timeoutMs ?? 60_000, { min: 1 });
  const maxRetries = checkNumber(owner, 'maxRetries', o.maxRetries ?? 3, { min: 0, max: 100 });
  const maxBytes = checkNumber(owner, 'maxResponseBytes', o.maxResponseBytes ?? 1 << 20, { min: 1 });
  const backoffMs = checkNumber(owner, 'backoffMs', o.backoffMs ?? 500, { min: 0 });
  const maxBackoffMs = checkNumber(owner, 'maxBackoffMs', o.maxBackoffMs ?? 30_000, { min: 0 });
  const maxCalls = o.maxCalls === undefined ? Number.POSITIVE_INFINITY : checkNumber(owner, 'maxCalls', o.maxCalls, { min: 0 });
  if (o.temperature !== undefined) checkNumber(owner, 'temperature', o.temperature, { min: 0, max: 2 });
  if (o.maxTokens !== undefined) checkNumber(owner, 'maxTokens', o.maxTokens, { min: 1 });
  const doFetch = o.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
  if (!doFetch) throw new MetaoptimError('INVALID_ARGUMENT', 'openAICompatible: no global fetch here; pass options.fetch');
  const url = `${o.baseURL.replace(/\/+$/, '')}/chat/completions`;
  let calls = 0;

  return {
    name: `llm(${o.model})`,
    async propose(req: ProposalRequest): Promise<ProposalReply> {
      if (calls >= maxCalls) throw new MetaoptimError('PROPOSER_BUDGET', `${owner}: call budget of ${maxCalls} used`, { calls });
      calls++;
      const body: Record<string, unknown> = {
        model: o.model,
        messages: [
          { role: 'system', content: req.prompt.system },
          { role: 'user', content: req.prompt.user },
        ],
      };
      if (o.temperature !== undefined) body.temperature = o.temperature;
      if (o.maxTokens !== undefined) body.max_tokens = o.maxTokens;
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      const payload = JSON.stringify(body);

      for (let attempt = 0; ; attempt++) {
        checkAbort(req.signal);
        let wait: number | undefined;
        const ctl = new AbortController();
        let timedOut = false;
        const cancelTimer = setLongTimeout(() => {
          timedOut = true;
          ctl.abort();
        }, timeoutMs);
        const onAbort = () => ctl.abort();
        req.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          let res: Response;
          try {
            // Redirects are refused: a 3xx (to any origin) would re-send the prompt elsewhere.
            res = await doFetch(url, { method: 'POST', headers, body: payload, signal: ctl.signal, redirect: 'manual' });
          } catch (err) {
            if (timedOut) throw timeoutError(timeoutMs);
            checkAbort(req.signal);
            if (attempt >= maxRetries) {
              throw new MetaoptimError('LLM_NETWORK', `${owner}: request failed after ${attempt + 1} attempt(s): ${String((err as Error)?.message ?? err)}`, {
                attempts: attempt + 1,
              });
            }
            wait = backoff(attempt);
            continue;
          }
          if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
            await res.body?.cancel().catch(() => undefined);
            const location = res.headers.get('location');
            throw new MetaoptimError('LLM_REDIRECT', `${owner}: HTTP ${res.status || 'redirect'} from ${url} refused (redirects are never followed; set baseURL to the final address)`, {
              status: res.status,
              location,
            });
          }
          const text = await readLimited(res, maxBytes, () => timedOut, timeoutMs, req.signal);
          if (res.status === 429 || res.status >= 500) {
            if (attempt < maxRetries) {
              wait = retryAfter(res.headers.get('retry-after')) ?? backoff(attempt);
              continue;
            }
          }
          if (res.status < 200 || res.status >= 300) {
            throw new MetaoptimError('LLM_HTTP', `${owner}: HTTP ${res.status} from ${url}`, { status: res.status, body: text.slice(0, 500), attempts: attempt + 1 });
          }
          return decode(text);
        } finally {
          cancelTimer();
          req.signal?.removeEventListener('abort', onAbort);
          if (wait !== undefined) await sleep(Math.min(wait, maxBackoffMs), req.signal);
        }
      }
    },
  };

  function backoff(attempt: number): number {
    return Math.min(maxBackoffMs, backoffMs * 2 ** attempt) * (0.5 + 0.5 * Math.random());
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MetaoptimError('ABORTED', 'proposer call aborted');
}

function timeoutError(ms: number): MetaoptimError {
  return new MetaoptimError('LLM_TIMEOUT', `openAICompatible: no complete response within ${ms} ms`, { timeoutMs: ms });
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(h: string | null): number | undefined {
  if (h === null) return undefined;
  const t = h.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * 1000;
  const when = Date.parse(t);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

async function readLimited(res: Response, maxBytes: number, timedOut: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const tooLarge = (got: number) =>
    new MetaoptimError('LLM_RESPONSE_TOO_LARGE', `openAICompatible: response body exceeds ${maxBytes} bytes`, { maxBytes, got });
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (!res.body) {
      const buf = new Uint8Array(await res.arrayBuffer());
      if (buf.length > maxBytes) throw tooLarge(buf.length);
      chunks.push(buf);
      total = buf.length;
    } else {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(total);
        }
        chunks.push(value);
      }
    }
  } catch (err) {
    if (err instanceof MetaoptimError) throw err;
    if (timedOut()) throw timeoutError(timeoutMs);
    checkAbort(signal);
    throw new MetaoptimError('LLM_NETWORK', `openAICompatible: reading the response failed: ${String((err as Error)?.message ?? err)}`);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

function decode(text: string): ProposalReply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MetaoptimError('LLM_BAD_RESPONSE', 'openAICompatible: response is not JSON', { body: text.slice(0, 500) });
  }
  const choice = (json as { choices?: unknown })?.choices;
  const msg = Array.isArray(choice) ? (choice[0] as { message?: { content?: unknown } } | undefined)?.message : undefined;
  let content = msg?.content;
  if (Array.isArray(content)) {
    // Some servers return content parts: [{ type: 'text', text }].
    content = content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  }
  if (typeof content !== 'string') {
    throw new MetaoptimError('LLM_BAD_RESPONSE', 'openAICompatible: response has no choices[0].message.content string', { body: text.slice(0, 500) });
  }
  // Usage is data too: only finite, non-negative counts are kept. A missing or invalid field
  // (negative, NaN, a string) is dropped, and the driver then estimates the tokens itself, so a
  // server cannot lower the token budget's count.
  const u = (json as { usage?: Record<string, unknown> }).usage;
  const usage: Usage = {};
  const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  if (u && typeof u === 'object') {
    const p = count(u.prompt_tokens), c = count(u.completion_tokens), t = count(u.total_tokens);
    if (p !== undefined) usage.promptTokens = p;
    if (c !== undefined) usage.completionTokens = c;
    if (t !== undefined) usage.totalTokens = t;
  }
  return Object.keys(usage).length > 0 ? { text: content, usage } : { text: content };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MetaoptimError('ABORTED', 'proposer call aborted'));
    const onAbort = () => {
      cancel();
      reject(new MetaoptimError('ABORTED', 'proposer call aborted'));
    };
    const cancel = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
