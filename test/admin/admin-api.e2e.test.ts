// The admin console's API against the real engine and Postgres: sessions, tenants with their own
// limits, keys, prompts of any tenant (versions, restore, dry run), the playground, latency
// percentiles, the live usage push and the chunk tree by version.
import { Client } from 'pg';

import { ADMIN_TOKEN, call, createTenant, longSystemPrompt, sseEvents, startApi, type RunningApi } from '../support/api-app';
import { WsClient } from '../support/ws-client';

describe('admin API', () => {
  let api: RunningApi;
  let model: string;

  beforeAll(async () => {
    api = await startApi({ env: { STATS_INTERVAL_MS: '200' } });
    model = (await call(api.url, ADMIN_TOKEN, 'GET', '/readyz')).body.details.engine.model;
  });
  afterAll(() => api?.close());

  async function sql(text: string, values: unknown[] = []) {
    const client = new Client({ connectionString: api.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  describe('sessions', () => {
    it('logs in with the admin token to an opaque session id that works until logout revokes it', async () => {
      const login = await call(api.url, null, 'POST', '/admin/sessions', { token: ADMIN_TOKEN });
      expect(login.status).toBe(201);
      const { session, expiresAt } = login.body;
      expect(session).toMatch(/^cs_sess_/);
      expect(session).not.toContain(ADMIN_TOKEN);
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
      expect((await call(api.url, session, 'GET', '/admin/tenants')).status).toBe(200);
      expect((await call(api.url, session, 'DELETE', '/admin/sessions/current')).status).toBe(204);
      const after = await call(api.url, session, 'GET', '/admin/tenants');
      expect(after.status).toBe(401);
      expect(after.body.error).toMatchObject({ type: 'authentication_error' });
    });

    it('ends an expired session', async () => {
      const { session } = (await call(api.url, null, 'POST', '/admin/sessions', { token: ADMIN_TOKEN })).body;
      await sql(`UPDATE admin_sessions SET expires_at = now() - interval '1 second'`);
      expect((await call(api.url, session, 'GET', '/admin/tenants')).status).toBe(401);
    });

    it('throttles failed logins with 429 and Retry-After, per client', async () => {
      const login = (token: string, client: string) =>
        fetch(`${api.url}/admin/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-chunkserve-client': client }, body: JSON.stringify({ token }) });
      for (let i = 0; i < 5; i++) expect((await login('wrong-token', '10.9.9.9')).status).toBe(401);
      const refused = await login(ADMIN_TOKEN, '10.9.9.9');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
      expect((await refused.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'login_throttled' });
      expect((await login(ADMIN_TOKEN, '10.9.9.10')).status).toBe(201);
    });
  });

  describe('tenants and keys', () => {
    it('renames a tenant, sets its limits and lists its keys with last use and revocation', async () => {
      const t = await createTenant(api.url, 'acme');
      const renamed = await call(api.url, ADMIN_TOKEN, 'PATCH', `/admin/tenants/${t.id}`, { name: 'acme-eu', rateLimitRequests: 2, pinnedChunkQuota: 50 });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'acme-eu', settings: { rateLimitRequests: 2, pinnedChunkQuota: 50 }, activeApiKeys: 1, defaults: { chunkSize: 16 } });
      const bad = await call(api.url, ADMIN_TOKEN, 'PATCH', `/admin/tenants/${t.id}`, { rateLimitRequests: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe('rateLimitRequests');
      expect((await call(api.url, ADMIN_TOKEN, 'PATCH', '/admin/tenants/00000000-0000-4000-8000-000000000000', { name: 'x' })).status).toBe(404);

      // Its own rate limit: 2 requests per window.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(api.url, t.key, 'GET', '/v1/prompts')).status);
      expect(statuses).toEqual([200, 200, 429]);
      const reset = await call(api.url, ADMIN_TOKEN, 'PATCH', `/admin/tenants/${t.id}`, { rateLimitRequests: null });
      expect(reset.body.settings).toEqual({ rateLimitRequests: null, pinnedChunkQuota: 50 });

      const keys = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/tenants/${t.id}/api-keys`);
      expect(keys.body).toEqual([expect.objectContaining({ id: t.keyId, revokedAt: null, lastUsedAt: expect.any(String) })]);
      expect(JSON.stringify(keys.body)).not.toContain(t.key);
      expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${t.keyId}`)).status).toBe(204);
      expect((await call(api.url, t.key, 'GET', '/v1/prompts')).status).toBe(401);
      const list = await call(api.url, ADMIN_TOKEN, 'GET', '/admin/tenants');
      expect(list.body.find((x: { id: string }) => x.id === t.id)).toMatchObject({ activeApiKeys: 0, prompts: 0, pinnedChunks: 0 });
    });

    it("enforces a tenant's own pinned-chunk quota in chunks", async () => {
      const t = await createTenant(api.url, 'small');
      // Issue 10: a prompt's pinned prefix runs to the user turn's header (the common prefix of every
      // chat that uses it), so the 'Hi.' prompt below takes 2 chunks of 16 tokens.
      await call(api.url, ADMIN_TOKEN, 'PATCH', `/admin/tenants/${t.id}`, { pinnedChunkQuota: 2 });
      const refused = await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: t.id, name: 'big', content: longSystemPrompt('Small') });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('pinned_chunks_quota_exceeded');
      const ok = await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: t.id, name: 'tiny', content: 'Hi.' });
      expect(ok.status).toBe(201);
      const detail = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/tenants/${t.id}`);
      expect(detail.body).toMatchObject({ prompts: 1, pinnedChunks: 2 });
    });
  });

  describe('prompts of any tenant', () => {
    it('creates, updates, restores, dry-runs and deletes a prompt as the admin', async () => {
      const t = await createTenant(api.url, 'initech');
      const content = longSystemPrompt('Initech');
      const created = await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: t.id, name: 'support', content });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'support', version: 1, status: 'warm' });
      const id = created.body.id;
      expect((await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: '00000000-0000-4000-8000-000000000000', name: 'x', content })).status).toBe(404);

      // A dry run of an early edit: reuse breaks at the chunk of the change.
      const early = `You are the assistant of Initech Corp.${content.slice('You are the assistant of Initech.'.length)}`;
      const dry = await call(api.url, ADMIN_TOKEN, 'POST', `/admin/prompts/${id}/dry-run`, { content: early });
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({ chunkSize: 16, breaksReuse: true, currentChunks: Math.ceil(created.body.tokens / 16) });
      expect(dry.body.reusedChunks).toBe(Math.floor(dry.body.firstChangedToken / 16));
      expect(dry.body.firstChangedOffset).toBe('You are the assistant of Initech'.length);
      expect(dry.body.chunks.map((c: { text: string }) => c.text).join('')).toContain(early);
      const appended = await call(api.url, ADMIN_TOKEN, 'POST', `/admin/prompts/${id}/dry-run`, { content: `${content} Today is 2026-03-01.` });
      expect(appended.body).toMatchObject({ breaksReuse: false, reusedChunks: Math.floor(created.body.tokens / 16) });
      expect(appended.body.dynamicText).toEqual([expect.objectContaining({ kind: 'date', text: '2026-03-01' })]);
      expect((await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts/dry-run', { content: 'New one.' })).body).toMatchObject({ currentChunks: 0, breaksReuse: false });

      expect((await call(api.url, ADMIN_TOKEN, 'PUT', `/admin/prompts/${id}`, { content: early })).body).toMatchObject({ version: 2 });
      await call(api.url, t.key, 'POST', '/v1/chat/completions', { model, prompt_id: id, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
      const restored = await call(api.url, ADMIN_TOKEN, 'POST', `/admin/prompts/${id}/restore`, { version: 1 });
      expect(restored.body).toMatchObject({ version: 3, status: 'warm' });
      expect((await call(api.url, ADMIN_TOKEN, 'POST', `/admin/prompts/${id}/restore`, { version: 3 })).body.error.code).toBe('version_is_current');
      expect((await call(api.url, ADMIN_TOKEN, 'POST', `/admin/prompts/${id}/restore`, { version: 9 })).status).toBe(404);

      // The request's row names the version it was served with.
      expect(await sql(`SELECT prompt_version FROM usage_records WHERE prompt_id = $1`, [id])).toEqual([{ prompt_version: 2 }]);
      // A request served by version 1 that finished after version 3 was made (it was in flight across
      // the updates) counts for version 1; a row from before the column by the time it was written.
      const row = `INSERT INTO usage_records (tenant_id, prompt_id, prompt_version, endpoint, prompt_tokens, cached_tokens, completion_tokens, ttft_ms, duration_ms, finish_reason)
                   VALUES ($1, $2, $3, 'chat.completions', 40, 32, 3, 5, 9, 'length')`;
      await sql(row, [t.id, id, 1]);
      await sql(row, [t.id, id, null]);

      const detail = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/prompts/${id}`);
      expect(detail.body).toMatchObject({ tenantId: t.id, tenantName: 'initech', version: 3, content, status: 'warm' });
      expect(detail.body.versions.map((v: { version: number; status: string; requests: number }) => [v.version, v.status, v.requests])).toEqual([
        [1, 'superseded', 1],
        [2, 'superseded', 1],
        [3, 'warm', 1],
      ]);
      expect(detail.body.versions[1].hitRate).toBeGreaterThan(0);
      expect(detail.body.versions[1].meanTtftMs).toBeGreaterThan(0);
      const listed = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/prompts?tenant=${t.id}`);
      expect(listed.body).toEqual([expect.objectContaining({ id, tenantName: 'initech', version: 3 })]);

      expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/prompts/${id}`)).status).toBe(204);
      expect((await call(api.url, ADMIN_TOKEN, 'GET', `/admin/prompts/${id}`)).status).toBe(404);
    });
  });

  it("streams the playground's chat as the tenant, with cached tokens from its prompt", async () => {
    const t = await createTenant(api.url, 'playground');
    const prompt = (await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: t.id, name: 'p', content: longSystemPrompt('Play') })).body;
    const res = await call(api.url, ADMIN_TOKEN, 'POST', `/admin/tenants/${t.id}/chat/completions`, {
      model,
      prompt_id: prompt.id,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 4,
    });
    expect(res.status).toBe(200);
    const events = sseEvents(res.body);
    expect(events.at(-1)).toBe('[DONE]');
    const usage = JSON.parse(events.at(-2)!).usage;
    expect(usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(Math.floor(prompt.tokens / 16) * 16);
    expect((await call(api.url, ADMIN_TOKEN, 'POST', `/admin/tenants/00000000-0000-4000-8000-000000000000/chat/completions`, { model, messages: [{ role: 'user', content: 'x' }] })).status).toBe(404);
  });

  it('charts TTFT and inter-token latency percentiles and pushes live usage buckets', async () => {
    const t = await createTenant(api.url, 'live');
    const socket = await WsClient.open(`${api.url.replace('http', 'ws')}/admin/stats/live?tenant=${t.id}&bucket=60`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await socket.next((m) => m.type === 'history');
    const before = await socket.next((m) => m.type === 'usage');
    expect(before.counts).toMatchObject({ tenants: 1, apiKeys: 1, prompts: 0 });
    for (let i = 0; i < 3; i++) await call(api.url, t.key, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: `q${i}` }], max_tokens: 5 });
    const after = await socket.next((m) => m.type === 'usage' && m.buckets.reduce((s: number, b: { requests: number }) => s + b.requests, 0) === 3);
    const bucket = after.buckets.find((b: { requests: number }) => b.requests > 0);
    expect(bucket.ttftP50Ms).toBeGreaterThan(0);
    expect(bucket.ttftP99Ms).toBeGreaterThanOrEqual(bucket.ttftP50Ms);
    expect(bucket.itlP95Ms).toBeGreaterThan(0);
    socket.ws.close();
    const series = await call(api.url, ADMIN_TOKEN, 'GET', `/admin/stats/series?tenant=${t.id}&minutes=5&bucket=60`);
    const filled = series.body.filter((p: { requests: number }) => p.requests > 0);
    expect(filled.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(3);
    expect(filled[0].itlP50Ms).toBeGreaterThan(0);

    const refused = await WsClient.open(`${api.url.replace('http', 'ws')}/admin/stats/live?bucket=5`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await expect(refused.closed).resolves.toBe(4400);
  });

  it('labels the chunk tree with prompt versions and request tails', async () => {
    const t = await createTenant(api.url, 'tree');
    const content = longSystemPrompt('Tree');
    const p = (await call(api.url, ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: t.id, name: 'support', content })).body;
    await call(api.url, ADMIN_TOKEN, 'PUT', `/admin/prompts/${p.id}`, { content: `${content} One more rule.` });
    await call(api.url, t.key, 'POST', '/v1/chat/completions', { model, prompt_id: p.id, messages: [{ role: 'user', content: 'A question long enough to fill a chunk or two.' }], max_tokens: 3 });
    const tree = (await call(api.url, ADMIN_TOKEN, 'GET', `/admin/stats/tree/versions?tenant=${t.id}`)).body;
    const [root] = tree.roots;
    expect(root.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(root).toMatchObject({ from: 0, pinnedChunks: root.chunks });
    // The two versions share every full chunk before the one where the text (and the template's end) differs.
    expect(root.chunks).toBeGreaterThanOrEqual(Math.floor(p.tokens / 16) - 1);
    type Run = { versions: { version: number }[]; children: Run[] };
    const labels = (run: Run): string[] => [run.versions.map((v) => v.version).join('+') || 'tails', ...run.children.flatMap(labels)];
    // v1's and v2's own chunks below the shared run; below v2's last full chunk, its partial tail
    // chunk and the request's tail.
    expect(root.children.map((c: Run) => labels(c)).sort()).toEqual([['1'], ['2', '2', 'tails']]);
    const v2 = tree.versions.find((v: { version: number }) => v.version === 2);
    expect(v2).toMatchObject({ current: true, residentChunks: v2.expectedChunks, sharedChunks: root.chunks, pinnedChunks: v2.expectedChunks });
  });
});
