// A restart on the same database re-warms every current prompt version before /readyz says ready.
import { call, createDatabase, createTenant, longSystemPrompt, startApi } from '../support/api-app';

describe('restart', () => {
  it('re-warms the prompts from the database', async () => {
    const databaseUrl = await createDatabase();
    const first = await startApi({ databaseUrl });
    let tenant: { id: string; key: string };
    let prompt: { id: string; cachedTokens: number; chunks: number };
    try {
      tenant = await createTenant(first.url, 'umbrella');
      const created = await call(first.url, tenant.key, 'POST', '/v1/prompts', { name: 'p', content: longSystemPrompt('Umbrella labs') });
      expect(created.status).toBe(201);
      const updated = await call(first.url, tenant.key, 'PUT', `/v1/prompts/${created.body.id}`, { content: longSystemPrompt('Umbrella labs', 14) });
      prompt = updated.body;
    } finally {
      await first.close();
    }

    const second = await startApi({ databaseUrl });
    try {
      // startApi returned: /readyz is 200, so the re-warm has finished.
      const tree = await call(second.url, tenant.key, 'GET', '/v1/stats/tree');
      expect(tree.body.chunks.filter((c: { pinned: boolean }) => c.pinned).length).toBe(prompt.chunks);
      const model = (await call(second.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
      const res = await call(second.url, tenant.key, 'POST', '/v1/chat/completions', {
        model,
        prompt_id: prompt.id,
        messages: [{ role: 'user', content: 'Status?' }],
        max_tokens: 2,
      });
      expect(res.status).toBe(200);
      expect(res.body.usage.prompt_tokens_details.cached_tokens).toBe(prompt.cachedTokens);
      const detail = await call(second.url, tenant.key, 'GET', `/v1/prompts/${prompt.id}`);
      expect(detail.body.versions.map((v: { status: string }) => v.status)).toEqual(['superseded', 'warm']);
    } finally {
      await second.close();
    }
  });
});
