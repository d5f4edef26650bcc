// Withdrawn credentials reach every replica through Postgres LISTEN/NOTIFY: two API instances share
// one database; a key revoked on A stops, on B, the WebSocket that authenticated with it and the
// generation it runs, well before B's periodic key check (KEY_RECHECK_MS) could; a tenant deleted
// on A closes its idle sockets on B; a listener whose session is killed reconnects and checks every
// socket. Also the migration's trigger on its own: what notifies (a revocation, a key deleted by
// the tenant's cascade), what does not (a second revocation, last_used_at), and down() then up().
import { join } from 'path';

import { ADMIN_TOKEN, call, createDatabase, createTenant, startApi, type RunningApi } from '../support/api-app';
import { listenerSessions, listeningDatabase, type ListeningDatabase } from '../support/listening-database';
import { WsClient } from '../support/ws-client';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { CREDENTIAL_LISTENER_APPLICATION_NAME } = nativeRequire(join(API_DIST, 'auth/credential-change-listener.service.js'));
const { KEY_RECHECK_MS } = nativeRequire(join(API_DIST, 'stream/stream.gateway.js'));
const { CREDENTIAL_CHANGES_CHANNEL } = nativeRequire(nativeRequire.resolve('@chunkserve/persistence', { paths: [API_DIST] }));

/** A socket on `api` authenticated with `key`, ready. */
async function openSocket(api: RunningApi, key: string): Promise<WsClient> {
  const client = await WsClient.open(`${api.url.replace(/^http/, 'ws')}/v1/stream`, { authorization: `Bearer ${key}` });
  await client.next((m) => m.type === 'ready');
  return client;
}

describe('credential withdrawals between replicas (LISTEN/NOTIFY)', () => {
  let databaseUrl: string;
  let a: RunningApi;
  let b: RunningApi | undefined;
  let model: string;

  beforeAll(async () => {
    databaseUrl = await createDatabase();
    a = await startApi({ databaseUrl });
    b = await startApi({ databaseUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("stops at once, on B, a generation whose key is revoked on A", async () => {
    const tenant = await createTenant(a.url, 'revoked-elsewhere');
    model = (await call(b!.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    const client = await openSocket(b!, tenant.key);
    client.send({ type: 'generate', id: 'long', request: { model, messages: [{ role: 'user', content: 'go on' }], max_tokens: 3900, ignore_eos: true } });
    await client.next((m) => m.type === 'delta' && m.id === 'long');

    expect((await call(a.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${tenant.keyId}`)).status).toBe(204);
    const revoked = Date.now();
    expect(await client.closedWithin()).toBe(4401);
    const took = Date.now() - revoked;
    // B's periodic check would come up to KEY_RECHECK_MS after the generation began: the notification is far sooner.
    expect(took).toBeLessThan(KEY_RECHECK_MS / 2);
    expect(client.messages.some((m) => m.type === 'done')).toBe(false);
    expect(client.messages.at(-1)!.error.type).toBe('authentication_error');
  });

  it("closes B's idle sockets of a tenant deleted on A, and leaves other tenants' alone", async () => {
    const doomed = await createTenant(a.url, 'deleted-elsewhere');
    const bystander = await createTenant(a.url, 'bystander');
    const idle = await openSocket(b!, doomed.key);
    const other = await openSocket(b!, bystander.key);

    expect((await call(a.url, ADMIN_TOKEN, 'DELETE', `/admin/tenants/${doomed.id}`)).status).toBe(204);
    expect(await idle.closedWithin(KEY_RECHECK_MS)).toBe(4401);
    other.send({ type: 'generate', id: 'still', request: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 } });
    expect((await other.next((m) => m.type === 'done' || m.type === 'error')).type).toBe('done');
    other.ws.close();
  });

  it('reconnects a listener whose session is killed, and still closes at once what is revoked after', async () => {
    const sessions = await listenerSessions(databaseUrl, CREDENTIAL_LISTENER_APPLICATION_NAME);
    try {
      expect(await sessions.count()).toBe(2);
      await sessions.killAll();
      const deadline = Date.now() + 10_000;
      while ((await sessions.count()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await sessions.count()).toBe(2);

      const tenant = await createTenant(a.url, 'after-reconnect');
      const idle = await openSocket(b!, tenant.key);
      expect((await call(a.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${tenant.keyId}`)).status).toBe(204);
      // An idle socket has no periodic check: only the notification closes it.
      expect(await idle.closedWithin(KEY_RECHECK_MS)).toBe(4401);
    } finally {
      await sessions.close();
    }
  });
});

describe('migration 1767484800000: credential change trigger', () => {
  let db: ListeningDatabase;
  beforeAll(async () => {
    db = await listeningDatabase(CREDENTIAL_CHANGES_CHANNEL);
  });
  afterAll(() => db?.close());

  const notified = (write: () => Promise<unknown>) => db.notified(write);
  const insertKey = async (tenantId: string, prefix: string): Promise<string> =>
    (await db.query(`INSERT INTO api_keys (tenant_id, prefix, key_hash) VALUES ($1, $2, '\\x00') RETURNING id`, [tenantId, prefix]))[0].id;

  it('notifies a revocation once and every key of a deleted tenant, never last_used_at', async () => {
    const [{ id: tenantId }] = await db.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
    const first = await insertKey(tenantId, 'p1');
    const second = await insertKey(tenantId, 'p2');

    expect(await notified(() => db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [first]))).toEqual([]);
    expect(await notified(() => db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [first]))).toEqual([{ op: 'revoke', tenant_id: tenantId, key_id: first }]);
    expect(await notified(() => db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [first]))).toEqual([]);

    const deletion = await notified(() => db.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]));
    expect(deletion).toHaveLength(2);
    expect(deletion).toEqual(expect.arrayContaining([
      { op: 'delete', tenant_id: tenantId, key_id: first },
      { op: 'delete', tenant_id: tenantId, key_id: second },
    ]));
  });

  it('drops the triggers and their function on down(), and brings them back on up()', async () => {
    const triggers = async () =>
      (await db.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'api_keys'::regclass ORDER BY tgname`)).map((r: { tgname: string }) => r.tgname);
    const created = ['api_keys_notify_delete', 'api_keys_notify_revoke'];
    expect(await triggers()).toEqual(created);
    await db.downThenUp('CredentialChangeNotify1767484800000', async () => {
      expect(await triggers()).toEqual([]);
      expect(await db.query(`SELECT 1 FROM pg_proc WHERE proname = 'chunkserve_notify_credential_change'`)).toEqual([]);
    });
    expect(await triggers()).toEqual(created);
  });
});
});
