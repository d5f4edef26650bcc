// OpenAI-compatible completions on the real engine: cached_tokens from a registered prompt, SSE
// streams equal to the non-streaming result with the same seed, the official `openai` client,
// OpenAI error bodies, a disconnect that frees the engine's sequence, metrics and stats.
import OpenAI from 'openai';

import { ADMIN_TOKEN, call, createTenant, longSystemPrompt, sseEvents, startApi, type RunningApi } from '../support/api-app';

describe('completions', () => {
  let api: RunningApi;
  let tenant: { id: string; key: string };
  let model: string;
  let prompt: { id: string; tokens: number; cachedTokens: number; chunks: number };
  const system = longSystemPrompt('Initech printers');

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api.url, 'initech');
    model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    const created = await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'printers', content: system });
    expect(created.status).toBe(201);
    prompt = created.body;
  });
  afterAll(() => api?.close());

  const chat = (body: object) => call(api.url, tenant.key, 'POST', '/v1/chat/completions', { model, ...body });
  const sse = async (path: string, body: object) => {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, ...body }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    return events.slice(0, -1).map((e) => JSON.parse(e));
  };
  const engineStats = async () => (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;

  it("reports the registered prompt's cached tokens, by prompt_id and by sending the same system message", async () => {
    const byId = await chat({ prompt_id: prompt.id, messages: [{ role: 'user', content: 'Which printer jams least?' }], max_tokens: 4 });
    expect(byId.status).toBe(200);
    expect(byId.body.usage.prompt_tokens_details.cached_tokens).toBe(prompt.cachedTokens);
    expect(byId.body.usage.prompt_tokens).toBeGreaterThan(prompt.tokens);
    expect(prompt.cachedTokens).toBeGreaterThan(0);

    // The same prompt as a plain system message (no prompt_id) finds the same cached prefix; tested
    // on a second prompt, because the request above left its user turn's first tokens cached too.
    const faxes = longSystemPrompt('Initech faxes');
    const second = await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'faxes', content: faxes });
    const bySystem = await chat({ messages: [{ role: 'system', content: faxes }, { role: 'user', content: 'Which fax is fastest?' }], max_tokens: 4 });
    expect(bySystem.body.usage.prompt_tokens_details.cached_tokens).toBe(second.body.cachedTokens);
    expect((await call(api.url, tenant.key, 'DELETE', `/v1/prompts/${second.body.id}`)).status).toBe(204);

    const cold = await chat({ messages: [{ role: 'user', content: 'Something unrelated entirely.' }], max_tokens: 2 });
    expect(cold.body.usage.prompt_tokens_details.cached_tokens).toBeLessThan(prompt.cachedTokens);
  });

  it('streams by SSE exactly the tokens of the non-streaming call with the same seed, with usage at the end', async () => {
    const body = { prompt_id: prompt.id, messages: [{ role: 'user', content: 'Tell me about toner.' }], max_tokens: 24, temperature: 0.9, seed: 1234 };
    const whole = await chat(body);
    expect(whole.status).toBe(200);
    expect(whole.body.object).toBe('chat.completion');
    const expected = whole.body.choices[0].message.content as string;
    expect(whole.body.usage.completion_tokens).toBeGreaterThan(0);

    const chunks = await sse('/v1/chat/completions', { ...body, stream_options: { include_usage: true } });
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? '')).join('');
    expect(text).toBe(expected);
    const finish = chunks.flatMap((c) => c.choices).find((ch: { finish_reason: string | null }) => ch.finish_reason !== null);
    expect(finish.finish_reason).toBe(whole.body.choices[0].finish_reason);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: whole.body.usage.prompt_tokens, completion_tokens: whole.body.usage.completion_tokens });
    // The first call left its whole prompt in the tenant's cache: the second one reuses more of it.
    expect(last.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(whole.body.usage.prompt_tokens_details.cached_tokens);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    // Another seed gives another text (the comparison above can fail).
    const other = await chat({ ...body, seed: 99 });
    expect(other.body.choices[0].message.content).not.toBe(expected);
  });

  it('prompt_id: null means no registered prompt (found by the HTTP fuzzer: it was a 500)', async () => {
    const res = await chat({ prompt_id: null, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens_details?.cached_tokens ?? 0).toBeLessThan(prompt.tokens);
    const text = await call(api.url, tenant.key, 'POST', '/v1/completions', { model, prompt: 'once', max_tokens: 2, prompt_id: null });
    expect(text.status).toBe(200);
  });

  it('legacy completions: same text streamed and not, log probabilities, prompt_id prefix', async () => {
    const body = { prompt: 'The printer said', max_tokens: 12, temperature: 0.8, seed: 7, logprobs: 2 };
    const whole = await call(api.url, tenant.key, 'POST', '/v1/completions', { model, ...body });
    expect(whole.status).toBe(200);
    expect(whole.body.object).toBe('text_completion');
    const choice = whole.body.choices[0];
    expect(choice.logprobs.tokens.length).toBe(whole.body.usage.completion_tokens);
    expect(choice.logprobs.tokens.join('')).toBe(choice.text);
    expect(choice.logprobs.token_logprobs.every((lp: number) => lp <= 0)).toBe(true);
    const chunks = await sse('/v1/completions', body);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(choice.text);

    const withPrompt = await call(api.url, tenant.key, 'POST', '/v1/completions', { model, prompt_id: prompt.id, prompt: 'Q: toner?', max_tokens: 2 });
    expect(withPrompt.body.usage.prompt_tokens_details.cached_tokens).toBe(prompt.cachedTokens);
  });

  it('n choices, log probabilities and stop strings', async () => {
    const many = await chat({ messages: [{ role: 'user', content: 'Name a printer.' }], n: 2, max_tokens: 6, seed: 5, logprobs: true, top_logprobs: 2 });
    expect(many.status).toBe(200);
    expect(many.body.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    const tokens = many.body.choices.reduce((sum: number, c: { logprobs: { content: unknown[] } }) => sum + c.logprobs.content.length, 0);
    expect(tokens).toBe(many.body.usage.completion_tokens);
    for (const entry of many.body.choices[0].logprobs.content) {
      expect(entry.top_logprobs.length).toBe(2);
      expect(entry.logprob).toBeLessThanOrEqual(0);
    }

    const body = { messages: [{ role: 'user', content: 'Spell a word.' }], max_tokens: 24, temperature: 1, seed: 42, ignore_eos: true };
    const free = (await chat(body)).body.choices[0].message.content as string;
    expect(free.length).toBeGreaterThan(6);
    const stop = free.slice(4, 6);
    const stopped = await chat({ ...body, stop: [stop] });
    expect(stopped.body.choices[0].finish_reason).toBe('stop');
    expect(stopped.body.choices[0].message.content).toBe(free.slice(0, free.indexOf(stop)));
  });

  it('works with the official openai client, streaming and not', async () => {
    const client = new OpenAI({ apiKey: tenant.key, baseURL: `${api.url}/v1` });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([model]);
    const params = { model, messages: [{ role: 'system' as const, content: system }, { role: 'user' as const, content: 'Hi!' }], max_tokens: 10, seed: 3, temperature: 0.7 };
    const whole = await client.chat.completions.create(params);
    expect(whole.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(prompt.cachedTokens);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(prompt.cachedTokens);

    const err = await client.chat.completions.create({ ...params, model: 'gpt-4o' }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
    const bad = new OpenAI({ apiKey: 'cs_live_wrong', baseURL: `${api.url}/v1` });
    expect(await bad.models.list().catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('answers malformed requests with 400 in the OpenAI error shape, naming the field', async () => {
    const cases: [unknown, string | null, RegExp][] = [
      ['{"model": "x", "messages": [', null, /not valid JSON/],
      [{ model }, 'messages', /messages: must be an array/],
      [{ model, messages: [{ role: 'robot', content: 'hi' }] }, 'messages[0].role', /messages\[0\]\.role: must be one of/],
      [{ model, messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', /must be a string or an array/],
      [{ model, messages: [{ role: 'user', content: 'hi' }], temperature: 5 }, 'temperature', /temperature: must not be greater than 2/],
      [{ model, messages: [{ role: 'user', content: 'hi' }], tools: [] }, 'tools', /property tools should not exist/],
      [{ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 10_000_000 }, 'max_tokens', /context is \d+ tokens/],
      [{ model, messages: [{ role: 'user', content: 'hi' }], top_logprobs: 2 }, 'top_logprobs', /needs logprobs/],
    ];
    for (const [body, param, message] of cases) {
      const res = await call(api.url, tenant.key, 'POST', '/v1/chat/completions', body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(res.body.error.message).toMatch(message);
    }
  });

  it('a client that disconnects mid-stream frees its sequence in the engine', async () => {
    const abort = new AbortController();
    const res = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Write a long story.' }], max_tokens: 3000, ignore_eos: true }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let received = '';
    while ((received.match(/data: /g) ?? []).length < 4) received += new TextDecoder().decode((await reader.read()).value);
    expect((await engineStats()).runningSequences).toBe(1);
    abort.abort();

    const deadline = Date.now() + 10_000;
    let stats = await engineStats();
    while ((stats.runningSequences > 0 || stats.waitingSequences > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await engineStats();
    }
    expect(stats.runningSequences).toBe(0);
    expect(stats.waitingSequences).toBe(0);
    const metrics = (await call(api.url, ADMIN_TOKEN, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(new RegExp(`chunkserve_requests_total\\{tenant="${tenant.id}",endpoint="chat.completions",finish_reason="cancelled"\\} 1`));
  });

  it('exports metrics per tenant and prompt, and dashboard stats', async () => {
    expect((await call(api.url, null, 'GET', '/metrics')).status).toBe(401);
    expect((await call(api.url, tenant.key, 'GET', '/metrics')).status).toBe(401);
    const metrics = (await call(api.url, ADMIN_TOKEN, 'GET', '/metrics')).body as string;
    const hit = new RegExp(`chunkserve_prefix_cache_hit_tokens_total\\{tenant="${tenant.id}",prompt="${prompt.id}"\\} (\\d+)`).exec(metrics);
    expect(Number(hit?.[1])).toBeGreaterThanOrEqual(3 * prompt.cachedTokens);
    for (const name of [
      'chunkserve_prefix_cache_lookup_tokens_total',
      'chunkserve_time_to_first_token_seconds_bucket',
      'chunkserve_inter_token_latency_seconds_bucket',
      'chunkserve_generated_tokens_total',
      'chunkserve_sequences{state="running"}',
      'chunkserve_kv_pool_bytes{state="pinned"}',
      'chunkserve_kv_pool_bytes{state="free"}',
      'chunkserve_cache_evictions_total',
    ]) {
      expect(metrics).toContain(name);
    }

    const platform = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body;
    expect(platform).toMatchObject({ tenants: 1, prompts: 1, pinnedTokens: prompt.tokens });
    expect(platform.requests).toBeGreaterThanOrEqual(10);
    expect(platform.cachedTokens).toBeGreaterThan(0);
    expect(platform.engine.bytes.pinned).toBeGreaterThan(0);

    const series = (await call(api.url, tenant.key, 'GET', '/v1/stats/series?minutes=5&bucket=60')).body;
    expect(series.reduce((n: number, p: { requests: number }) => n + p.requests, 0)).toBe(platform.requests);
    const prompts = (await call(api.url, tenant.key, 'GET', '/v1/stats/prompts')).body;
    expect(prompts[0]).toMatchObject({ promptId: prompt.id, status: 'warm', chunks: prompt.chunks });
    expect(prompts[0].requests).toBeGreaterThanOrEqual(2);
    expect(prompts[0].hitRate).toBeGreaterThan(0);

    const docs = await call(api.url, null, 'GET', '/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/prompts', '/admin/tenants']));
  });
});
