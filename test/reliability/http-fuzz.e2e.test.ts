// Property-based fuzzing of the real API over HTTP and the WebSocket: random and nearly valid
// bodies on every endpoint that takes one are answered with 2xx or 4xx in OpenAI's error shape,
// never a 5xx; random frames on a socket never break the server; memory stays bounded.
import fc from 'fast-check';
import WebSocket from 'ws';

import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';

describe('the API under fuzzing', () => {
  let api: RunningApi;
  let tenant: { id: string; key: string };
  let model: string;
  let promptId: string;

  beforeAll(async () => {
    api = await startApi({ env: { RATE_LIMIT_REQUESTS: '100000', DEFAULT_MAX_TOKENS: '4' } });
    tenant = await createTenant(api.url, 'fuzzed');
    model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    promptId = (await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'fuzzed', content: 'You are fuzzed.' })).body.id;
  });
  afterAll(() => api?.close());

  /** Any JSON, or a valid body with a few fields replaced by any JSON. */
  const bodyFor = (valid: Record<string, unknown>, fields: string[]) =>
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc
        .dictionary(fc.constantFrom(...Object.keys(valid), ...fields), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
        .map((changes) => ({ ...valid, ...changes })),
    );

  it('answers every body with 2xx or a 4xx in the OpenAI shape', async () => {
    const chat = { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };
    const endpoints: [string, string, fc.Arbitrary<unknown>][] = [
      ['POST', '/v1/chat/completions', bodyFor(chat, ['n', 'temperature', 'top_p', 'stop', 'seed', 'stream', 'logprobs', 'top_logprobs', 'prompt_id', 'presence_penalty'])],
      ['POST', '/v1/completions', bodyFor({ model, prompt: 'once', max_tokens: 2 }, ['n', 'logprobs', 'stop', 'seed', 'stream', 'echo'])],
      ['POST', '/v1/prompts', bodyFor({ name: 'p', content: 'c' }, ['name', 'content'])],
      ['PUT', `/v1/prompts/__PROMPT__`, bodyFor({ content: 'c' }, ['content'])],
      ['POST', '/admin/tenants', bodyFor({ name: 'acme' }, ['name'])],
    ];
    const rssBefore = process.memoryUsage().rss;
    for (const [method, path, body] of endpoints) {
      await fc.assert(
        fc.asyncProperty(body, fc.boolean(), async (value, stream) => {
          const token = path.startsWith('/admin') ? ADMIN_TOKEN : tenant.key;
          const withStream = stream && value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, stream: true, max_tokens: 2 } : value;
          const res = await call(api.url, token, method, path.replace('__PROMPT__', promptId), withStream);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }));
        }),
        { numRuns: 60 },
      );
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('survives random frames on an authenticated socket, refusing the bad ones, and still generates', async () => {
    const ws = new WebSocket(`${api.url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${tenant.key}` } });
    const received: { type: string }[] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const frame = fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constantFrom('generate', 'cancel', 'auth', 'x'), id: fc.jsonValue({ maxDepth: 1 }), request: fc.jsonValue({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)),
    );
    const frames = fc.sample(frame, { numRuns: 300, seed: 42 });
    for (const f of frames) ws.send(f);
    ws.send(JSON.stringify({ type: 'generate', id: 'last', request: { model, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 1 } }));
    const deadline = Date.now() + 60_000;
    while (!received.some((m) => m.type === 'done' && (m as { id?: string }).id === 'last') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received.some((m) => m.type === 'done' && (m as { id?: string }).id === 'last')).toBe(true);
    expect(received.filter((m) => m.type === 'error').length).toBeGreaterThan(0);
    ws.close();
    expect((await call(api.url, null, 'GET', '/healthz')).status).toBe(200);
  });
});
