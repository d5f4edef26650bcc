// The database is the source of truth for prompt pins; the reconciler brings the engine to match.
// Writes never hold a transaction while the engine works, and live writes during the boot re-warm
// neither fail nor leave the engine pinning what the database no longer wants.
import { ADMIN_TOKEN, call, createDatabase, createTenant, longSystemPrompt, startApi, waitReady } from '../support/api-app';

const pinnedOf = async (url: string, tenantId: string) => {
  const tree = await call(url, ADMIN_TOKEN, 'GET', `/admin/stats/tree?tenant=${tenantId}`);
  return tree.body.chunks.filter((c: { pinned: boolean }) => c.pinned).length;
};

describe('prompt durability', () => {
  it('a delete and an update during the boot re-warm answer 2xx and leave exactly the current versions pinned', async () => {
    const databaseUrl = await createDatabase();
    const env = { PINNED_TOKENS_QUOTA: '1000000', PINNED_POOL_FRACTION: '0.9' };
    const first = await startApi({ databaseUrl, env });
    let tenant: { id: string; key: string };
    const ids: string[] = [];
    try {
      tenant = await createTenant(first.url, 'initech');
      // Enough distinct prompts that re-warming them takes a while.
      for (let i = 0; i < 18; i++) {
        const res = await call(first.url, tenant.key, 'POST', '/v1/prompts', { name: `p${i}`, content: `${i}: ${longSystemPrompt(`department ${i}`, 8)}` });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
    } finally {
      await first.close();
    }

    const second = await startApi({ databaseUrl, env, waitReady: false });
    try {
      const readyBefore = (await fetch(`${second.url}/readyz`)).status;
      const [deleted, updated] = await Promise.all([
        call(second.url, tenant.key, 'DELETE', `/v1/prompts/${ids[17]}`),
        call(second.url, tenant.key, 'PUT', `/v1/prompts/${ids[16]}`, { content: longSystemPrompt('a reorganised department', 8) }),
      ]);
      // The writes raced the re-warm (it was still running when they were sent).
      expect(readyBefore).toBe(503);
      expect(deleted.status).toBe(204);
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ version: 2, status: 'warm' });
      await waitReady(second.url);

      const list = await call(second.url, tenant.key, 'GET', '/v1/prompts');
      expect(list.body).toHaveLength(17);
      expect(list.body.every((p: { status: string }) => p.status === 'warm')).toBe(true);
      const detail = await call(second.url, tenant.key, 'GET', `/v1/prompts/${ids[16]}`);
      expect(detail.body.versions.map((v: { status: string }) => v.status)).toEqual(['superseded', 'warm']);
      // Exactly the current versions' chunks stay pinned: nothing of the deleted prompt, nothing of version 1.
      const expected = list.body.reduce((sum: number, p: { chunks: number }) => sum + p.chunks, 0);
      expect(await pinnedOf(second.url, tenant.id)).toBe(expected);
    } finally {
      await second.close();
    }
  });

  it('re-warm never pins past the budget and says which versions it skipped', async () => {
    const databaseUrl = await createDatabase();
    const first = await startApi({ databaseUrl, env: { PINNED_TOKENS_QUOTA: '1000000' } });
    let tenant: { id: string; key: string };
    try {
      tenant = await createTenant(first.url, 'hooli');
      for (let i = 0; i < 3; i++) {
        expect((await call(first.url, tenant.key, 'POST', '/v1/prompts', { name: `p${i}`, content: longSystemPrompt(`team ${i}`, 10) })).status).toBe(201);
      }
    } finally {
      await first.close();
    }
    // The operator shrinks the budget: at most a bit more than one prompt's chunks fit now.
    const chunksPerPrompt = Math.ceil(Buffer.byteLength(longSystemPrompt('team 0', 10)) / 16) + 4;
    const second = await startApi({ databaseUrl, env: { PINNED_POOL_FRACTION: String((chunksPerPrompt * 1.5) / 1024) } });
    try {
      const list = (await call(second.url, tenant.key, 'GET', '/v1/prompts')).body;
      expect(list.map((p: { status: string }) => p.status)).toEqual(['warm', 'failed', 'failed']);
      expect(list[1].statusDetail).toMatch(/PINNED_POOL_FRACTION/);
      expect(await pinnedOf(second.url, tenant.id)).toBe(list[0].chunks);
    } finally {
      await second.close();
    }
  });

  it('deleting a tenant unpins its prompts even after an unpin failed once', async () => {
    const api = await startApi();
    try {
      const temp = await createTenant(api.url, 'temp');
      const p = await call(api.url, temp.key, 'POST', '/v1/prompts', { name: 'p', content: longSystemPrompt('temp', 3) });
      expect(p.status).toBe(201);
      const engine = api.app.get(nativeRequire(require('path').join(__dirname, '../../apps/api/dist/engine/engine.service.js')).EngineService);
      const unpin = engine.unpin.bind(engine);
      let failures = 1;
      engine.unpin = (...args: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('engine hiccup')) : unpin(...args));
      expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/tenants/${temp.id}`)).status).toBe(204);
      expect((await call(api.url, temp.key, 'GET', '/v1/prompts')).status).toBe(401);
      // The retry (RECONCILE_INTERVAL_MS, or the next write) unpins it.
      const other = await createTenant(api.url, 'other');
      await call(api.url, other.key, 'POST', '/v1/prompts', { name: 'q', content: 'short' });
      expect(await pinnedOf(api.url, temp.id)).toBe(0);
    } finally {
      await api.close();
    }
  });
});

declare const nativeRequire: NodeRequire;
