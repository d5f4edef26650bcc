// Prompt writes propagate between replicas through Postgres LISTEN/NOTIFY: two API instances (each
// with its own engine and reconciler) share one database; a prompt created, updated or deleted on
// A is pinned or unpinned in B's engine within a second or two; a listener whose session is
// killed reconnects and catches up; a replica that was down catches up at boot; a tenant deletion
// unpins everywhere. Also the migration's triggers on their own: what notifies, what does not
// (the reconcilers' status writes), and down() then up() again.
import { join } from 'path';

import { ADMIN_TOKEN, call, createDatabase, createTenant, longSystemPrompt, startApi, type RunningApi } from '../support/api-app';
import { listenerSessions, listeningDatabase, type ListeningDatabase } from '../support/listening-database';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { EngineService } = nativeRequire(join(API_DIST, 'engine/engine.service.js'));
const { PROMPT_LISTENER_APPLICATION_NAME } = nativeRequire(join(API_DIST, 'prompts/prompt-change-listener.service.js'));
const { PROMPT_CHANGES_CHANNEL } = nativeRequire(nativeRequire.resolve('@chunkserve/persistence', { paths: [API_DIST] }));

/** How long a write on one replica may take to show in another's engine. */
const PROPAGATION_MS = 2000;

interface Engine {
  snapshot(tenantId?: string): Promise<{ chunks: { hash: string | null; pinCount: number }[] }>;
  prefixChunkHashes(tenantId: string, tokens: number[]): string[];
  encodeSystemPrefix(content: string): number[];
}

const engineOf = (api: RunningApi): Engine => api.app.get(EngineService);

async function pinnedHashes(api: RunningApi, tenantId: string): Promise<Set<string>> {
  const { chunks } = await engineOf(api).snapshot(tenantId);
  return new Set(chunks.flatMap((c) => (c.pinCount > 0 && c.hash !== null ? [c.hash] : [])));
}

/** The chunk hashes a prompt version's content pins in the tenant's namespace. */
function versionHashes(api: RunningApi, tenantId: string, content: string): string[] {
  const engine = engineOf(api);
  return engine.prefixChunkHashes(tenantId, engine.encodeSystemPrefix(content));
}

/** Polls until check passes; resolves with the time it took, or throws after timeoutMs. */
async function within(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

/** The hashes of `content` that no other of `others` pins (prompts share the chat template's first chunks). */
function ownHashes(api: RunningApi, tenantId: string, content: string, others: Iterable<string>): string[] {
  const shared = new Set([...others].flatMap((other) => versionHashes(api, tenantId, other)));
  return versionHashes(api, tenantId, content).filter((h) => !shared.has(h));
}

const pinnedOn = (api: RunningApi, tenantId: string, hashes: string[]) => async () => {
  const pinned = await pinnedHashes(api, tenantId);
  return hashes.every((h) => pinned.has(h));
};

describe('prompt propagation between replicas (LISTEN/NOTIFY)', () => {
  let databaseUrl: string;
  let a: RunningApi;
  let b: RunningApi | undefined;
  let tenant: { id: string; key: string };
  /** The content of every live prompt of the tenant, by name. */
  const live = new Map<string, string>();
  const othersThan = (name: string) => [...live.entries()].filter(([n]) => n !== name).map(([, content]) => content);

  beforeAll(async () => {
    databaseUrl = await createDatabase();
    a = await startApi({ databaseUrl });
    b = await startApi({ databaseUrl });
    tenant = await createTenant(a.url, 'replicas');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('pins a prompt created on A in B within a second or two, and B serves it from cache', async () => {
    const content = longSystemPrompt('Replica Inc');
    const created = await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'support', content });
    expect(created.status).toBe(201);
    live.set('support', content);
    const hashes = versionHashes(b!, tenant.id, content);
    expect(hashes.length).toBe(created.body.chunks);

    const took = await within(PROPAGATION_MS, 'B pins the new prompt', pinnedOn(b!, tenant.id, hashes));
    expect(took).toBeLessThan(PROPAGATION_MS);
    const model = (await call(b!.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    const res = await call(b!.url, tenant.key, 'POST', '/v1/chat/completions', { model, prompt_id: created.body.id, messages: [{ role: 'user', content: 'Hi?' }], max_tokens: 1 });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens_details.cached_tokens).toBe(created.body.cachedTokens);
    expect(created.body.cachedTokens).toBeGreaterThan(0);
  });

  it('pins an update on B and unpins the version it replaced; unpins a deleted prompt', async () => {
    const v1 = longSystemPrompt('Update Corp', 6);
    const created = await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'update', content: v1 });
    await within(PROPAGATION_MS, 'B pins v1', pinnedOn(b!, tenant.id, versionHashes(b!, tenant.id, v1)));

    const v2 = `Revised. ${longSystemPrompt('Update Corp', 7)}`;
    const updated = await call(a.url, tenant.key, 'PUT', `/v1/prompts/${created.body.id}`, { content: v2 });
    expect(updated.status).toBe(200);
    const v2Hashes = versionHashes(b!, tenant.id, v2);
    // v1's chunks that neither v2 nor another prompt pins.
    const v1Only = ownHashes(b!, tenant.id, v1, [v2, ...othersThan('update')]);
    expect(v1Only.length).toBeGreaterThan(0);
    await within(PROPAGATION_MS, 'B pins v2 and unpins v1', async () => {
      const pinned = await pinnedHashes(b!, tenant.id);
      return v2Hashes.every((h) => pinned.has(h)) && v1Only.every((h) => !pinned.has(h));
    });

    const v2Only = ownHashes(b!, tenant.id, v2, othersThan('update'));
    expect(v2Only.length).toBeGreaterThan(0);
    expect((await call(a.url, tenant.key, 'DELETE', `/v1/prompts/${created.body.id}`)).status).toBe(204);
    await within(PROPAGATION_MS, 'B unpins the deleted prompt', async () => {
      const pinned = await pinnedHashes(b!, tenant.id);
      return v2Only.every((h) => !pinned.has(h));
    });
  });

  it('reconnects a listener whose session is killed, and catches up with what it missed', async () => {
    const sessions = await listenerSessions(databaseUrl, PROMPT_LISTENER_APPLICATION_NAME);
    try {
      expect(await sessions.count()).toBe(2);
      await sessions.killAll();

      // Written at once, likely while B's listener is away: its pass after reconnecting finds it.
      const content = longSystemPrompt('Reconnect Ltd', 5);
      expect((await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'reconnect', content })).status).toBe(201);
      live.set('reconnect', content);
      await within(5000, 'B pins what was written while its listener was away', pinnedOn(b!, tenant.id, versionHashes(b!, tenant.id, content)));
      await within(5000, 'both listeners are back', async () => (await sessions.count()) === 2);

      // And it listens again: the next write arrives by notification.
      const next = longSystemPrompt('Reconnect Ltd, again', 5);
      expect((await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'reconnect-2', content: next })).status).toBe(201);
      live.set('reconnect-2', next);
      expect(await within(PROPAGATION_MS, 'B pins the next write', pinnedOn(b!, tenant.id, versionHashes(b!, tenant.id, next)))).toBeLessThan(PROPAGATION_MS);
    } finally {
      await sessions.close();
    }
  });

  it('catches up at boot with what was written while B was down', async () => {
    await b!.close();
    b = undefined;
    const content = longSystemPrompt('While you were out', 5);
    const created = await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'missed', content });
    expect(created.status).toBe(201);
    live.set('missed', content);
    const list = (await call(a.url, tenant.key, 'GET', '/v1/prompts')).body as { id: string; name: string }[];
    const gone = list.find((p) => p.name === 'support')!;
    expect((await call(a.url, tenant.key, 'DELETE', `/v1/prompts/${gone.id}`)).status).toBe(204);
    const goneContent = live.get('support')!;
    live.delete('support');

    b = await startApi({ databaseUrl });
    // startApi returned: /readyz is 200, so the boot re-warm has finished.
    const pinned = await pinnedHashes(b, tenant.id);
    for (const current of live.values()) expect(versionHashes(b, tenant.id, current).every((h) => pinned.has(h))).toBe(true);
    const goneOnly = ownHashes(b, tenant.id, goneContent, live.values());
    expect(goneOnly.length).toBeGreaterThan(0);
    expect(goneOnly.some((h) => pinned.has(h))).toBe(false);
    const detail = await call(b.url, tenant.key, 'GET', `/v1/prompts/${created.body.id}`);
    expect(detail.body.status).toBe('warm');

    // And from then on it follows by notification.
    const later = longSystemPrompt('After the restart', 5);
    expect((await call(a.url, tenant.key, 'POST', '/v1/prompts', { name: 'later', content: later })).status).toBe(201);
    await within(PROPAGATION_MS, 'the restarted B pins a new write', pinnedOn(b, tenant.id, versionHashes(b, tenant.id, later)));
  });

  it("unpins a deleted tenant's prompts on every replica", async () => {
    expect((await pinnedHashes(b!, tenant.id)).size).toBeGreaterThan(0);
    expect((await call(a.url, ADMIN_TOKEN, 'DELETE', `/admin/tenants/${tenant.id}`)).status).toBe(204);
    await within(PROPAGATION_MS, "B unpins the deleted tenant's prompts", async () => (await pinnedHashes(b!, tenant.id)).size === 0);
  });
});

describe('migration 1767398400000: prompt change triggers', () => {
  let db: ListeningDatabase;
  beforeAll(async () => {
    db = await listeningDatabase(PROMPT_CHANGES_CHANNEL);
  });
  afterAll(() => db?.close());

  const notified = (write: () => Promise<unknown>) => db.notified(write);
  const triggers = async () =>
    (await db.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('prompts'::regclass, 'prompt_versions'::regclass) ORDER BY tgname`)).map((r: { tgname: string }) => r.tgname);

  it('notifies what changes the pins, never the status the reconcilers write, and tenant deletion through the cascade', async () => {
    const [{ id: tenantId }] = await db.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
    let promptId = '';
    const insert = await notified(async () => {
      [{ id: promptId }] = await db.query(`INSERT INTO prompts (tenant_id, name, current_version) VALUES ($1, 'p', 1) RETURNING id`, [tenantId]);
      await db.query(`INSERT INTO prompt_versions (prompt_id, version, content, tokens, cached_tokens, chunks, status) VALUES ($1, 1, 'a', 1, 0, 1, 'warming')`, [promptId]);
    });
    expect(insert).toEqual([
      { table: 'prompts', op: 'insert', tenant_id: tenantId, prompt_id: promptId },
      { table: 'prompt_versions', op: 'insert', tenant_id: tenantId, prompt_id: promptId },
    ]);

    // What every replica's reconciler writes after a pass: no notification (it would echo between replicas).
    expect(await notified(() => db.query(`UPDATE prompt_versions SET status = 'warm', cached_tokens = 1 WHERE prompt_id = $1`, [promptId]))).toEqual([]);
    expect(await notified(() => db.query(`UPDATE prompt_versions SET status = 'failed', status_detail = 'x' WHERE prompt_id = $1`, [promptId]))).toEqual([]);
    expect(await notified(() => db.query(`UPDATE prompts SET name = 'renamed', updated_at = now() WHERE id = $1`, [promptId]))).toEqual([]);

    // An update: a new version, the old one superseded, the current version moved.
    const update = await notified(async () => {
      await db.query(`INSERT INTO prompt_versions (prompt_id, version, content, tokens, cached_tokens, chunks, status) VALUES ($1, 2, 'b', 1, 0, 1, 'warming')`, [promptId]);
      await db.query(`UPDATE prompt_versions SET status = 'superseded' WHERE prompt_id = $1 AND version = 1`, [promptId]);
      await db.query(`UPDATE prompts SET current_version = 2 WHERE id = $1`, [promptId]);
    });
    expect(update.map((n) => `${n.table} ${n.op}`)).toEqual(['prompt_versions insert', 'prompt_versions update', 'prompts update']);

    const deletion = await notified(() => db.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]));
    expect(deletion).toContainEqual({ table: 'prompts', op: 'delete', tenant_id: tenantId, prompt_id: promptId });
    expect(deletion.filter((n) => n.table === 'prompt_versions').every((n) => n.op === 'delete' && n.prompt_id === promptId)).toBe(true);
  });

  it('drops the triggers and their function on down(), and brings them back on up()', async () => {
    const created = ['prompt_versions_notify_insert_delete', 'prompt_versions_notify_update', 'prompts_notify_insert_delete', 'prompts_notify_update'];
    expect(await triggers()).toEqual(created);
    await db.downThenUp('PromptChangeNotify1767398400000', async () => {
      expect(await triggers()).toEqual([]);
      expect(await db.query(`SELECT 1 FROM pg_proc WHERE proname = 'chunkserve_notify_prompt_change'`)).toEqual([]);
    });
    expect(await triggers()).toEqual(created);
  });
});
});
