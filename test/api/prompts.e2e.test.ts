// The prompt lifecycle on the real engine and Postgres: register (tokenized with the chat template,
// pre-warmed, pinned), version, delete; the pinned-token quota; tenant isolation; API keys.
import { ADMIN_TOKEN, call, createTenant, longSystemPrompt, startApi, type RunningApi } from '../support/api-app';

describe('prompts', () => {
  let api: RunningApi;
  let acme: { id: string; key: string; keyId: string };
  let globex: { id: string; key: string; keyId: string };

  beforeAll(async () => {
    api = await startApi({ env: { PINNED_TOKENS_QUOTA: '3000' } });
    acme = await createTenant(api.url, 'acme');
    globex = await createTenant(api.url, 'globex');
  });
  afterAll(() => api?.close());

  const pinnedChunks = async (key: string) => {
    const tree = await call(api.url, key, 'GET', '/v1/stats/tree');
    expect(tree.status).toBe(200);
    return tree.body.chunks.filter((c: { pinned: boolean }) => c.pinned);
  };

  it('registers, versions and deletes a prompt, pinning and unpinning it in the engine', async () => {
    const content = longSystemPrompt('ACME rockets');
    const created = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'support', content });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'support', version: 1, status: 'warm' });
    // 16-token chunks (CHUNK_SIZE in the test app): the prompt spans several full chunks.
    expect(created.body.tokens).toBeGreaterThan(64);
    expect(created.body.chunks).toBeGreaterThanOrEqual(Math.floor(created.body.tokens / 16));
    expect(created.body.cachedTokens).toBeGreaterThanOrEqual(Math.floor(created.body.tokens / 16) * 16);
    expect(created.body.cachedTokens).toBeLessThanOrEqual(created.body.tokens);
    const id = created.body.id;

    const pinned = await pinnedChunks(acme.key);
    expect(pinned.length).toBe(created.body.chunks);
    expect(pinned.every((c: { tenantId: string }) => c.tenantId === acme.id)).toBe(true);

    const updated = await call(api.url, acme.key, 'PUT', `/v1/prompts/${id}`, { content: `${content} Always end with a smile.` });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, version: 2, status: 'warm' });
    expect(updated.body.tokens).toBeGreaterThan(created.body.tokens);

    const detail = await call(api.url, acme.key, 'GET', `/v1/prompts/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.content).toBe(`${content} Always end with a smile.`);
    expect(detail.body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'warm'],
    ]);
    expect(detail.body.versions[0].content).toBe(content);
    // Only the current version stays pinned: its chunks (the shared prefix included).
    expect((await pinnedChunks(acme.key)).length).toBe(updated.body.chunks);

    const list = await call(api.url, acme.key, 'GET', '/v1/prompts');
    expect(list.body.map((p: { id: string; version: number }) => [p.id, p.version])).toEqual([[id, 2]]);

    expect((await call(api.url, acme.key, 'DELETE', `/v1/prompts/${id}`)).status).toBe(204);
    expect((await call(api.url, acme.key, 'GET', `/v1/prompts/${id}`)).status).toBe(404);
    expect(await pinnedChunks(acme.key)).toEqual([]);
  });

  it('refuses a prompt over the pinned-token quota with a clear 403, and a duplicate name with 409', async () => {
    const small = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'small', content: longSystemPrompt('small things', 4) });
    expect(small.status).toBe(201);
    const huge = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'huge', content: longSystemPrompt('huge things', 200) });
    expect(huge.status).toBe(403);
    expect(huge.body.error).toMatchObject({ type: 'invalid_request_error', code: 'pinned_tokens_quota_exceeded', param: 'content' });
    expect(huge.body.error.message).toMatch(/of its 3000 \(PINNED_TOKENS_QUOTA\)/);
    expect((await call(api.url, acme.key, 'GET', '/v1/prompts')).body.map((p: { name: string }) => p.name)).toEqual(['small']);

    const dup = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'small', content: 'x' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('prompt_exists');
  });

  it("never shows or uses another tenant's prompt", async () => {
    const mine = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'secret', content: longSystemPrompt('ACME secrets', 3) });
    expect(mine.status).toBe(201);
    const id = mine.body.id;
    for (const [method, body] of [['GET'], ['PUT', { content: 'stolen' }], ['DELETE']] as const) {
      const res = await call(api.url, globex.key, method, `/v1/prompts/${id}`, body);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('prompt_not_found');
    }
    expect((await call(api.url, globex.key, 'GET', '/v1/prompts')).body).toEqual([]);
    const model = (await call(api.url, globex.key, 'GET', '/v1/models')).body.data[0].id;
    const use = await call(api.url, globex.key, 'POST', '/v1/chat/completions', {
      model,
      prompt_id: id,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
    });
    expect(use.status).toBe(404);
    expect(await pinnedChunks(globex.key)).toEqual([]);
    expect((await call(api.url, globex.key, 'GET', '/v1/stats/prompts')).body).toEqual([]);
    // Still there for its owner.
    expect((await call(api.url, acme.key, 'GET', `/v1/prompts/${id}`)).body.content).toContain('ACME secrets');
  });

  it('authenticates: bad, missing and revoked keys get 401 in the OpenAI shape; admin needs the admin token', async () => {
    for (const token of [null, 'cs_live_nonsense', `${acme.key.slice(0, -1)}${acme.key.endsWith('A') ? 'B' : 'A'}`]) {
      const res = await call(api.url, token, 'GET', '/v1/prompts');
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    }
    expect((await call(api.url, acme.key, 'GET', '/admin/tenants')).status).toBe(401);

    const extra = await call(api.url, ADMIN_TOKEN, 'POST', `/admin/tenants/${acme.id}/api-keys`);
    expect(extra.body.key).toMatch(/^cs_live_/);
    expect((await call(api.url, extra.body.key, 'GET', '/v1/prompts')).status).toBe(200);
    const keys = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/tenants/${acme.id}/api-keys`);
    expect(JSON.stringify(keys.body)).not.toContain(extra.body.key);
    expect(keys.body.find((k: { id: string }) => k.id === extra.body.id).lastUsedAt).not.toBeNull();
    expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${extra.body.id}`)).status).toBe(204);
    expect((await call(api.url, extra.body.key, 'GET', '/v1/prompts')).status).toBe(401);
  });

  it('rejects malformed bodies with 400 in the OpenAI error shape', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/v1/prompts', '{"name": "x", "content": ', /not valid JSON/],
      ['/v1/prompts', { name: 'has space', content: 'x' }, /name: may contain only/],
      ['/v1/prompts', { name: 'ok', content: 'x', namespace: 'tenant:other' }, /namespace: property namespace should not exist/],
      ['/v1/prompts', { name: 'ok' }, /content: must be a string/],
    ];
    for (const [path, body, message] of cases) {
      const res = await call(api.url, acme.key, 'POST', path, body);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.body.error.message).toMatch(message);
    }
    const big = await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'big', content: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('request_too_large');
  });

  it('deleting a tenant unpins its prompts and removes its keys', async () => {
    const temp = await createTenant(api.url, 'temp');
    const p = await call(api.url, temp.key, 'POST', '/v1/prompts', { name: 'p', content: longSystemPrompt('temp', 3) });
    expect(p.status).toBe(201);
    const before = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/stats/tree?tenant=${temp.id}`);
    expect(before.body.chunks.filter((c: { pinned: boolean }) => c.pinned).length).toBe(p.body.chunks);
    expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/tenants/${temp.id}`)).status).toBe(204);
    const after = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/stats/tree?tenant=${temp.id}`);
    expect(after.body.chunks.filter((c: { pinned: boolean }) => c.pinned)).toEqual([]);
    expect((await call(api.url, temp.key, 'GET', '/v1/prompts')).status).toBe(401);
    const tenants = await call(api.url, ADMIN_TOKEN, 'GET', '/admin/tenants');
    expect(tenants.body.map((t: { name: string }) => t.name)).toEqual(['acme', 'globex']);
  });
});
