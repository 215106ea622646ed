import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { MetaoptimError, ready, sgd } from '../../src/index.js';
import { openAICompatible, runRestarts } from '../../src/restart/index.js';
import { rastriginTask } from '../../src/tasks/index.js';
import { retryAfter } from '../../src/restart/openai.js';
import type { ProposalRequest } from '../../src/restart/types.js';

// A loopback chat-completions server with scripted replies, selected by the first path
// segment: http://127.0.0.1:<port>/<scenario>/v1/chat/completions. No test needs the internet.

interface Seen {
  scenario: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

const seen: Seen[] = [];
const hits = new Map<string, number>();
let base = '';
let closedPort = 0;
const server = createServer((req, res) => void handle(req, res));

function completion(content: string, usage = true): string {
  return JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage ? { usage: { prompt_tokens: 70, completion_tokens: 30, total_tokens: 100 } } : {}),
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const scenario = (req.url ?? '').split('/')[1] ?? '';
  const count = (hits.get(scenario) ?? 0) + 1;
  hits.set(scenario, count);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  seen.push({ scenario, headers: req.headers, body, at: Date.now() });
  const json = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };
  switch (scenario) {
    case 'good':
      return json(200, completion('[0.5, -1.25]\n[3, 4e-1]'));
    case 'redirect302':
    case 'redirect307':
    case 'redirect308': {
      // To another origin (localhost ≠ 127.0.0.1): following it would re-send the prompt there.
      const port = (server.address() as AddressInfo).port;
      res.writeHead(Number(scenario.slice(-3)), { location: `http://localhost:${port}/capture/v1/chat/completions` });
      return void res.end();
    }
    case 'capture':
      return json(200, completion('[9, 9]'));
    case 'negusage':
      return json(200, JSON.stringify({ choices: [{ message: { role: 'assistant', content: '[1, 2]' } }], usage: { prompt_tokens: -1e10, completion_tokens: Number.NaN, total_tokens: -1e10 } }));
    case 'nousage':
      return json(200, completion('[0.5, -1.25]', false));
    case 'malformed':
      return json(200, completion('Sure! [1, x]\n[1,,2]\n[]\n[NaN, 1]\n[1e999, 0]\n[1, 2, 3]\n[7, 8]\n[7, 8]\nno vector here'));
    case 'empty':
      return json(200, completion(''));
    case 'wrongdim':
      return json(200, completion('[1, 2, 3]\n[4]'));
    case 'slow':
      setTimeout(() => {
        if (!res.destroyed) json(200, completion('[1, 1]'));
      }, 1500).unref();
      return;
    case 'ratelimited':
      if (count === 1) return json(429, '{"error":"slow down"}', { 'retry-after': '0.2' });
      return json(200, completion('[1, 2]'));
    case 'flaky':
      if (count <= 2) return json(503, 'overloaded');
      return json(200, completion('[2, 2]'));
    case 'fail500':
      return json(500, `internal error ${'x'.repeat(2000)}`);
    case 'bad400':
      return json(400, '{"error":"bad model"}');
    case 'notjson':
      return json(200, '<html>proxy page</html>');
    case 'parts':
      return json(200, JSON.stringify({ choices: [{ message: { role: 'assistant', content: [{ type: 'text', text: '[1, ' }, { type: 'text', text: '2]' }] } }] }));
    case 'nocontent':
      return json(200, JSON.stringify({ choices: [{ message: { role: 'assistant' } }] }));
    case 'oversized': {
      // Chunked (no Content-Length): the limit must be enforced while streaming.
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = 'y'.repeat(16 * 1024);
      let sent = 0;
      const push = () => {
        while (sent < 4 * 1024 * 1024 && !res.destroyed) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', push);
        }
        res.end();
      };
      res.on('error', () => undefined);
      return push();
    }
    case 'declared':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5_000_000) });
      res.on('error', () => undefined);
      res.write('{"choices":');
      setTimeout(() => res.destroy(), 300).unref();
      return;
    default:
      return json(404, 'unknown scenario');
  }
}

before(async () => {
  await ready();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const url = (s: string) => `${base}/${s}/v1`;

function request(dim = 2, signal?: AbortSignal): ProposalRequest {
  const task = rastriginTask({ n: dim });
  return {
    prompt: { system: 'SYSTEM TEXT', user: 'USER TEXT' },
    k: 2,
    dim,
    round: 0,
    seed: 1,
    rows: [],
    trajectory: [{ step: 0, round: 0, kind: 'gd', params: new Float32Array(dim).fill(9), loss: 1 }],
    current: new Float32Array(dim).fill(7),
    task,
    ...(signal ? { signal } : {}),
  };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MetaoptimError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof MetaoptimError, `expected MetaoptimError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, resolved instead`);
}

test('good reply: text and usage returned; only the two prompt messages (and model, temperature) are sent', async () => {
  const p = openAICompatible({ baseURL: url('good'), model: 'tiny', apiKey: 'sk-test', temperature: 0.5, timeoutMs: 2000 });
  const r = await p.propose(request());
  assert.equal(r.text, '[0.5, -1.25]\n[3, 4e-1]');
  assert.deepEqual(r.usage, { promptTokens: 70, completionTokens: 30, totalTokens: 100 });
  const s = seen.filter((x) => x.scenario === 'good').at(-1)!;
  assert.deepEqual(s.body, {
    model: 'tiny',
    messages: [
      { role: 'system', content: 'SYSTEM TEXT' },
      { role: 'user', content: 'USER TEXT' },
    ],
    temperature: 0.5,
  });
  assert.equal(s.headers.authorization, 'Bearer sk-test');
  // The trajectory and current iterate (9s and 7s) are not sent anywhere.
  assert.ok(!JSON.stringify(s.body).includes('9,'));
  const noKey = openAICompatible({ baseURL: url('good') + '/', model: 'tiny' });
  await noKey.propose(request());
  assert.equal(seen.filter((x) => x.scenario === 'good').at(-1)!.headers.authorization, undefined);
});

test('slow server: LLM_TIMEOUT after timeoutMs, not retried', async () => {
  const before = hits.get('slow') ?? 0;
  const t0 = Date.now();
  const p = openAICompatible({ baseURL: url('slow'), model: 'm', timeoutMs: 200, maxRetries: 3, backoffMs: 1 });
  const e = await rejectsWith(p.propose(request()), 'LLM_TIMEOUT');
  const dt = Date.now() - t0;
  assert.ok(dt >= 190 && dt < 1200, `took ${dt} ms`);
  assert.equal(e.details?.timeoutMs, 200);
  assert.equal((hits.get('slow') ?? 0) - before, 1);
});

test('429 with Retry-After: waits what the server asks (not the long backoff) and then succeeds', async () => {
  const p = openAICompatible({ baseURL: url('ratelimited'), model: 'm', timeoutMs: 2000, maxRetries: 2, backoffMs: 20_000 });
  const t0 = Date.now();
  const r = await p.propose(request());
  const dt = Date.now() - t0;
  assert.equal(r.text, '[1, 2]');
  assert.equal(hits.get('ratelimited'), 2);
  const at = seen.filter((x) => x.scenario === 'ratelimited').map((x) => x.at);
  assert.ok(at[1]! - at[0]! >= 180, `retried after ${at[1]! - at[0]!} ms`);
  assert.ok(dt < 3000, `took ${dt} ms`);
});

test('5xx twice then success: retried with backoff; persistent 500 gives LLM_HTTP after maxRetries', async () => {
  const p = openAICompatible({ baseURL: url('flaky'), model: 'm', timeoutMs: 2000, maxRetries: 3, backoffMs: 5 });
  assert.equal((await p.propose(request())).text, '[2, 2]');
  assert.equal(hits.get('flaky'), 3);
  const q = openAICompatible({ baseURL: url('fail500'), model: 'm', timeoutMs: 2000, maxRetries: 2, backoffMs: 1 });
  const e = await rejectsWith(q.propose(request()), 'LLM_HTTP');
  assert.equal(e.details?.status, 500);
  assert.equal(hits.get('fail500'), 3);
  const excerpt = e.details?.body as string;
  assert.ok(excerpt.startsWith('internal error') && excerpt.length === 500);
});

test('4xx other than 429 is not retried', async () => {
  const p = openAICompatible({ baseURL: url('bad400'), model: 'm', maxRetries: 5, backoffMs: 1 });
  const e = await rejectsWith(p.propose(request()), 'LLM_HTTP');
  assert.equal(e.details?.status, 400);
  assert.equal(hits.get('bad400'), 1);
});

test('oversized bodies: LLM_RESPONSE_TOO_LARGE while streaming and from Content-Length', async () => {
  const p = openAICompatible({ baseURL: url('oversized'), model: 'm', maxResponseBytes: 10_000, timeoutMs: 5000 });
  const e = await rejectsWith(p.propose(request()), 'LLM_RESPONSE_TOO_LARGE');
  assert.ok((e.details?.got as number) > 10_000 && (e.details?.got as number) < 1_000_000);
  const q = openAICompatible({ baseURL: url('declared'), model: 'm', maxResponseBytes: 10_000, timeoutMs: 5000 });
  const f = await rejectsWith(q.propose(request()), 'LLM_RESPONSE_TOO_LARGE');
  assert.equal(f.details?.got, 5_000_000);
});

test('non-JSON and content-less replies: LLM_BAD_RESPONSE', async () => {
  await rejectsWith(openAICompatible({ baseURL: url('notjson'), model: 'm' }).propose(request()), 'LLM_BAD_RESPONSE');
  await rejectsWith(openAICompatible({ baseURL: url('nocontent'), model: 'm' }).propose(request()), 'LLM_BAD_RESPONSE');
});

test('content parts are joined; Retry-After as seconds or HTTP date', async () => {
  const r = await openAICompatible({ baseURL: url('parts'), model: 'm' }).propose(request());
  assert.equal(r.text, '[1, 2]');
  assert.equal(r.usage, undefined);
  assert.equal(retryAfter('3'), 3000);
  assert.equal(retryAfter('0.25'), 250);
  assert.equal(retryAfter(null), undefined);
  assert.equal(retryAfter('soon'), undefined);
  const d = retryAfter(new Date(Date.now() + 5000).toUTCString())!;
  assert.ok(d > 3000 && d <= 5000, String(d));
  assert.equal(retryAfter(new Date(Date.now() - 5000).toUTCString()), 0);
});

test('network errors are retried, then LLM_NETWORK', async () => {
  const p = openAICompatible({ baseURL: `http://127.0.0.1:${closedPort}/v1`, model: 'm', maxRetries: 2, backoffMs: 1 });
  const e = await rejectsWith(p.propose(request()), 'LLM_NETWORK');
  assert.equal(e.details?.attempts, 3);
});

test('caller abort: ABORTED; maxCalls: PROPOSER_BUDGET; bad options: INVALID_ARGUMENT', async () => {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 50);
  await rejectsWith(openAICompatible({ baseURL: url('slow'), model: 'm', timeoutMs: 5000 }).propose(request(2, ctl.signal)), 'ABORTED');
  const p = openAICompatible({ baseURL: url('good'), model: 'm', maxCalls: 1 });
  await p.propose(request());
  await rejectsWith(p.propose(request()), 'PROPOSER_BUDGET');
  assert.throws(() => openAICompatible({ baseURL: 'ftp://x', model: 'm' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => openAICompatible({ baseURL: url('good'), model: '' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => openAICompatible({ baseURL: url('good'), model: 'm', timeoutMs: -1 }), { code: 'INVALID_HYPERPARAMETER' });
});

const task2 = rastriginTask({ n: 2, range: 0.3 });
const run = (scenario: string, extra: Partial<Parameters<typeof runRestarts>[1]> = {}) =>
  runRestarts(task2, {
    optimizer: sgd({ lr: 1e-3 }),
    proposer: openAICompatible({ baseURL: url(scenario), model: 'm', timeoutMs: 2000, maxRetries: 0 }),
    rounds: 3,
    stepsPerRound: 2,
    finalSteps: 2,
    candidates: 2,
    seed: 3,
    ...extra,
  });

test('driver over the client: parse counts per reply (malformed, non-finite, wrong length, duplicate, empty)', async () => {
  const r = await run('malformed', { rounds: 1 });
  assert.deepEqual(r.rounds[0]!.counts, { groups: 8, accepted: 1, malformed: 3, wrongLength: 1, nonFinite: 2, duplicate: 1, overLimit: 0 });
  assert.deepEqual(r.rounds[0]!.candidates.map((c) => c.params), [[7, 8]]);
  assert.equal(r.rounds[0]!.decision.kind, 'restart');
  const e = await run('empty', { rounds: 1 });
  assert.deepEqual(e.rounds[0]!.counts, { groups: 0, accepted: 0, malformed: 0, wrongLength: 0, nonFinite: 0, duplicate: 0, overLimit: 0 });
  assert.deepEqual(e.rounds[0]!.decision, { kind: 'keep', reason: 'no-candidates' });
  const w = await run('wrongdim', { rounds: 1 });
  assert.equal(w.rounds[0]!.counts!.wrongLength, 2);
  assert.equal(w.counts.restarts, 0);
  assert.equal(w.counts.scoringEvaluations, 0);
});

test('driver budgets: calls, tokens (server usage or estimate), wall time; onBudget throw', async () => {
  const c = await run('good', { budget: { calls: 2 } });
  assert.equal(c.counts.proposerCalls, 2);
  assert.deepEqual(
    c.rounds.map((r) => r.decision.kind),
    ['restart', 'restart', 'budget'],
  );
  assert.equal(c.counts.gradientSteps, 3 * 2 + 2, 'gradient steps are never cut by a proposer budget');
  assert.equal(c.counts.tokens, 200);
  assert.ok(c.rounds.slice(0, 2).every((r) => r.tokens === 100 && !r.tokensEstimated));

  const t = await run('good', { budget: { tokens: 300 } });
  const stop = t.rounds.findIndex((r) => r.decision.kind === 'budget');
  assert.ok(stop >= 1, 'at least one call fits');
  assert.equal(t.counts.proposerCalls, stop);
  assert.equal(t.counts.tokens, 100 * stop);
  const p = t.rounds[stop]!.prompt!;
  assert.ok(t.counts.tokens + Math.ceil(p.system.length / 4) + Math.ceil(p.user.length / 4) > 300, 'stopped only because the next prompt would not fit');
  assert.match(t.stopped!, /token budget/);

  const est = await run('nousage', { rounds: 1 });
  const r0 = est.rounds[0]!;
  assert.ok(r0.tokensEstimated);
  assert.equal(r0.tokens, Math.ceil(r0.prompt!.system.length / 4) + Math.ceil(r0.prompt!.user.length / 4) + Math.ceil(r0.reply!.length / 4));

  const t0 = Date.now();
  const w = await run('slow', { budget: { wallMs: 150 } });
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(w.rounds[0]!.decision.kind, 'budget');
  assert.match(w.stopped!, /wall-time/);
  assert.equal(w.counts.gradientSteps, 8);

  await assert.rejects(run('good', { budget: { calls: 1 }, onBudget: 'throw' }), { code: 'PROPOSER_BUDGET' });
});

test('driver: proposer errors throw by default, or are recorded and GD continues', async () => {
  await assert.rejects(run('bad400'), { code: 'LLM_HTTP' });
  const r = await run('bad400', { onProposerError: 'record' });
  assert.deepEqual(
    r.rounds.map((x) => x.decision.kind),
    ['error', 'error', 'error'],
  );
  assert.equal((r.rounds[0]!.decision as { code: string }).code, 'LLM_HTTP');
  assert.equal(r.counts.gradientSteps, 8);
});

test('redirects (302, 307, 308) to another origin are refused with LLM_REDIRECT; the prompt never reaches the target', async () => {
  for (const status of [302, 307, 308]) {
    const p = openAICompatible({ baseURL: url(`redirect${status}`), model: 'm', maxRetries: 2, backoffMs: 1 });
    await assert.rejects(p.propose(request()), (e: unknown) => {
      assert.ok(e instanceof MetaoptimError && e.code === 'LLM_REDIRECT', String(e));
      assert.equal(e.details?.status, status);
      assert.match(String(e.details?.location), /\/capture\//);
      return true;
    });
    assert.equal(hits.get(`redirect${status}`), 1, 'a refused redirect is not retried');
  }
  assert.equal(hits.get('capture') ?? 0, 0, 'the redirect target never received a request');
});

test('negative or NaN token usage is dropped, so the driver estimates tokens itself (≥ 0) and the budget holds', async () => {
  const p = openAICompatible({ baseURL: url('negusage'), model: 'm' });
  const reply = await p.propose(request());
  assert.equal(reply.text, '[1, 2]');
  assert.equal(reply.usage, undefined);
  const task = rastriginTask({ n: 2 });
  const r = await runRestarts(task, {
    optimizer: sgd({ lr: 1e-3 }),
    proposer: openAICompatible({ baseURL: url('negusage'), model: 'm' }),
    rounds: 10,
    stepsPerRound: 2,
    finalSteps: 1,
    budget: { tokens: 400 },
  });
  const called = r.rounds.filter((x) => x.reply !== undefined);
  assert.ok(called.length > 0 && called.every((x) => x.tokensEstimated && x.tokens > 0), 'every call counts a positive token estimate');
  const used = called.reduce((s, x) => s + x.tokens, 0);
  assert.ok(used <= 400, `${used} tokens counted against a budget of 400`);
  assert.ok(called.length < 10, 'the token budget stopped the proposer calls');
  assert.ok(r.rounds.some((x) => x.decision.kind === 'budget'), 'a round was refused for the budget');
});

test('time limits beyond 2³¹ − 1 ms do not overflow into a 1 ms timer', async () => {
  // A timeout of 2³¹ ms would fire after 1 ms with a plain setTimeout; the slow reply takes 1.5 s.
  const p = openAICompatible({ baseURL: url('slow'), model: 'm', timeoutMs: 2 ** 31, maxRetries: 0 });
  const reply = await p.propose(request());
  assert.equal(reply.text, '[1, 1]');
  const task = rastriginTask({ n: 2 });
  const r = await runRestarts(task, {
    optimizer: sgd({ lr: 1e-3 }),
    proposer: openAICompatible({ baseURL: url('good'), model: 'm' }),
    rounds: 2,
    stepsPerRound: 2,
    finalSteps: 1,
    budget: { wallMs: 2 ** 32 },
  });
  assert.equal(r.rounds.filter((x) => x.reply !== undefined).length, 2, 'a wall budget of 2³² ms does not end the run at once');
  assert.ok(r.rounds.every((x) => x.decision.kind !== 'budget' && x.decision.kind !== 'error'));
});
