// Withdrawn credentials reach every replica through Postgres LISTEN/NOTIFY: two API instances share
// one database; a key revoked on A stops, on B, the WebSocket that authenticated with it and the
// generation it runs, well before B's periodic key check (KEY_RECHECK_MS) could; a tenant deleted
// on A closes its idle sockets on B; a listener whose session is killed reconnects and checks every
// socket. Also the migration's trigger on its own: what notifies (a revocation, a key deleted by
// the tenant's cascade), what does not (a second revocation, last_used_at), and down() then up().
import { join } from 'path';
import { Client } from 'pg';

import { ADMIN_TOKEN, call, createDatabase, createTenant, startApi, type RunningApi } from '../support/api-app';
import { WsClient } from '../support/ws-client';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { CREDENTIAL_LISTENER_APPLICATION_NAME } = nativeRequire(join(API_DIST, 'auth/credential-change-listener.service.js'));
const { KEY_RECHECK_MS } = nativeRequire(join(API_DIST, 'stream/stream.gateway.js'));
const { DataSource } = nativeRequire(nativeRequire.resolve('typeorm', { paths: [API_DIST] }));
const { dataSourceOptions, migrations, CREDENTIAL_CHANGES_CHANNEL } = nativeRequire(nativeRequire.resolve('@chunkserve/persistence', { paths: [API_DIST] }));

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
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const listeners = async () =>
        (await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [CREDENTIAL_LISTENER_APPLICATION_NAME])).rows;
      expect(await listeners()).toHaveLength(2);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [CREDENTIAL_LISTENER_APPLICATION_NAME]);
      const deadline = Date.now() + 10_000;
      while ((await listeners()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await listeners()).toHaveLength(2);

      const tenant = await createTenant(a.url, 'after-reconnect');
      const idle = await openSocket(b!, tenant.key);
      expect((await call(a.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${tenant.keyId}`)).status).toBe(204);
      // An idle socket has no periodic check: only the notification closes it.
      expect(await idle.closedWithin(KEY_RECHECK_MS)).toBe(4401);
    } finally {
      await admin.end();
    }
  });
});

describe('migration 1767484800000: credential change trigger', () => {
  let dataSource: { initialize(): Promise<unknown>; destroy(): Promise<void>; createQueryRunner(): any; query(sql: string, params?: unknown[]): Promise<any> };
  let listener: Client;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const url = await createDatabase();
    dataSource = new DataSource(dataSourceOptions(url));
    await dataSource.initialize();
    listener = new Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', (m) => m.channel === CREDENTIAL_CHANGES_CHANNEL && received.push(JSON.parse(m.payload!)));
    await listener.query(`LISTEN ${CREDENTIAL_CHANGES_CHANNEL}`);
  });
  afterAll(async () => {
    await listener?.end();
    await dataSource?.destroy();
  });

  /** The notifications that arrive for what `write` commits. */
  const notified = async (write: () => Promise<unknown>) => {
    received.length = 0;
    await write();
    // A round trip on the listening session: notifications committed before it have arrived.
    await listener.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 50));
    return [...received];
  };
  const insertKey = async (tenantId: string, prefix: string): Promise<string> =>
    (await dataSource.query(`INSERT INTO api_keys (tenant_id, prefix, key_hash) VALUES ($1, $2, '\\x00') RETURNING id`, [tenantId, prefix]))[0].id;

  it('notifies a revocation once and every key of a deleted tenant, never last_used_at', async () => {
    const [{ id: tenantId }] = await dataSource.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
    const first = await insertKey(tenantId, 'p1');
    const second = await insertKey(tenantId, 'p2');

    expect(await notified(() => dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [first]))).toEqual([]);
    expect(await notified(() => dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [first]))).toEqual([{ op: 'revoke', tenant_id: tenantId, key_id: first }]);
    expect(await notified(() => dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [first]))).toEqual([]);

    const deletion = await notified(() => dataSource.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]));
    expect(deletion).toHaveLength(2);
    expect(deletion).toEqual(expect.arrayContaining([
      { op: 'delete', tenant_id: tenantId, key_id: first },
      { op: 'delete', tenant_id: tenantId, key_id: second },
    ]));
  });

  it('drops the triggers and their function on down(), and brings them back on up()', async () => {
    const Migration = migrations.find((m: { name: string }) => m.name === 'CredentialChangeNotify1767484800000');
    const triggers = async () =>
      (await dataSource.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'api_keys'::regclass ORDER BY tgname`)).map((r: { tgname: string }) => r.tgname);
    const created = ['api_keys_notify_delete', 'api_keys_notify_revoke'];
    expect(await triggers()).toEqual(created);
    const runner = dataSource.createQueryRunner();
    try {
      await new Migration().down(runner);
      expect(await triggers()).toEqual([]);
      expect(await dataSource.query(`SELECT 1 FROM pg_proc WHERE proname = 'chunkserve_notify_credential_change'`)).toEqual([]);
      await new Migration().up(runner);
    } finally {
      await runner.release();
    }
    expect(await triggers()).toEqual(created);
  });
});
