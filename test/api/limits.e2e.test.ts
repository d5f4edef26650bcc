// Per-tenant rate limits (@nestjs/throttler keyed by the authenticated tenant) answer 429 in
// OpenAI's error shape, without touching other tenants; a prompt larger than the engine's KV pool
// is refused with 503 and nothing is stored.
import { call, createTenant, longSystemPrompt, startApi, type RunningApi } from '../support/api-app';
import { WsClient } from '../support/ws-client';

describe('rate limits', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ env: { RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_MS: '60000', KV_CACHE_BYTES: String(1024 * 1024) } });
  });
  afterAll(() => api?.close());

  it('limits each tenant on its own', async () => {
    const noisy = await createTenant(api.url, 'noisy');
    const quiet = await createTenant(api.url, 'quiet');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(api.url, noisy.key, 'GET', '/v1/prompts')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await call(api.url, noisy.key, 'GET', '/v1/models');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect((await call(api.url, quiet.key, 'GET', '/v1/prompts')).status).toBe(200);

    // WebSocket generations draw on the same budget.
    const socket = await WsClient.open(`${api.url.replace(/^http/, 'ws')}/v1/stream`, { authorization: `Bearer ${noisy.key}` });
    await socket.next((m) => m.type === 'ready');
    socket.send({ type: 'generate', id: 'g', request: { model: 'any', messages: [{ role: 'user', content: 'hi' }] } });
    const refused = await socket.next((m) => m.type === 'error' && m.id === 'g');
    expect(refused.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    socket.ws.close();
  });

  // Issue 10: a pin the platform's pinned budget cannot take is the caller's 403 naming the budget
  // (it was a 503 from the engine), and nothing is stored.
  it('refuses a prompt past the pinned budget of the KV pool with a 403 naming it, storing nothing', async () => {
    const big = await createTenant(api.url, 'big');
    const res = await call(api.url, big.key, 'POST', '/v1/prompts', { name: 'big', content: longSystemPrompt('enormous catalogues', 20) });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'pinned_pool_budget_exceeded', param: 'content' });
    expect(res.body.error.message).toMatch(/PINNED_POOL_FRACTION/);
    expect((await call(api.url, big.key, 'GET', '/v1/prompts')).body).toEqual([]);
  });

  it('refuses a request that can never fit the KV pool at once with a 400, streaming or not', async () => {
    const huge = await createTenant(api.url, 'huge');
    const model = (await call(api.url, huge.key, 'GET', '/v1/models')).body.data[0].id;
    // 1 MiB of pool holds 256 tokens of the demo model; this prompt is ~600.
    const body = { model, messages: [{ role: 'user', content: 'x'.repeat(600) }], max_tokens: 4 };
    const started = Date.now();
    const plain = await call(api.url, huge.key, 'POST', '/v1/chat/completions', body);
    expect(plain.status).toBe(400);
    expect(plain.body.error).toMatchObject({ type: 'invalid_request_error', code: 'prompt_too_large' });
    // Streaming: the HTTP status says so, not a 200 followed by an error event.
    const res = await fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${huge.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await res.json()).error.code).toBe('prompt_too_large');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

