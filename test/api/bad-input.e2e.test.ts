// Input that used to end in a 5xx is the caller's 4xx in OpenAI's error shape; a client that
// leaves before its request reaches the handler never starts a generation.
import { connect } from 'net';

import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';

describe('bad input', () => {
  let api: RunningApi;
  let tenant: { id: string; key: string };
  let model: string;

  beforeAll(async () => {
    api = await startApi({ env: { PINNED_TOKENS_QUOTA: '1000000', PINNED_POOL_FRACTION: '0.95' } });
    tenant = await createTenant(api.url, 'careless');
    model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
  });
  afterAll(() => api?.close());

  const expect4xx = (res: { status: number; body: any }, param?: string) => {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error).toEqual(expect.objectContaining({ message: expect.any(String), type: 'invalid_request_error' }));
    if (param !== undefined) expect(res.body.error.param).toBe(param);
  };

  it('a prompt longer than the model context, on create and on update', async () => {
    // The demo model's context is 4096 tokens, one per byte.
    const tooLong = 'x'.repeat(5000);
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'long', content: tooLong }), 'content');
    const ok = await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'short', content: 'You are brief.' });
    expect(ok.status).toBe(201);
    expect4xx(await call(api.url, tenant.key, 'PUT', `/v1/prompts/${ok.body.id}`, { content: tooLong }), 'content');
    expect((await call(api.url, tenant.key, 'GET', `/v1/prompts/${ok.body.id}`)).body.version).toBe(1);
  });

  it('a NUL character in prompt content or a tenant name', async () => {
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'nul', content: 'a\u0000b' }), 'content');
    expect4xx(await call(api.url, ADMIN_TOKEN, 'POST', '/admin/tenants', { name: 'acme\u0000' }), 'name');
  });

  it('an empty completion prompt, streaming or not; top_p 0; a seed out of range; a field nested 5,000 deep', async () => {
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/completions', { model, prompt: '' }), 'prompt');
    const streamed = await call(api.url, tenant.key, 'POST', '/v1/completions', { model, prompt: '', stream: true });
    expect4xx(streamed, 'prompt');
    const chat = { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/chat/completions', { ...chat, top_p: 0 }), 'top_p');
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/chat/completions', { ...chat, seed: 2 ** 64 }), 'seed');
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    expect4xx(await call(api.url, tenant.key, 'POST', '/v1/chat/completions', `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"stop":${deep}}`));
  });

  it('never starts a generation for a client gone before its request reached the handler', async () => {
    const stats = async () => (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    const before = await stats();
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'write a lot' }], max_tokens: 3000, ignore_eos: true });
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.end(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.destroy();
    });
    await new Promise((r) => setTimeout(r, 1500));
    const after = await stats();
    expect(after.runningSequences).toBe(0);
    expect(after.waitingSequences).toBe(0);
    expect(after.generatedTokens - before.generatedTokens).toBeLessThan(3000);
  });
});
