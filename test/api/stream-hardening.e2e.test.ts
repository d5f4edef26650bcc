// The WebSocket at /v1/stream under hostile clients: frames bounded by BODY_LIMIT_BYTES, nothing
// large or malformed read before authentication, and a key checked again before every generation.
import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';
import { WsClient as Client } from '../support/ws-client';

describe('WebSocket hardening', () => {
  let api: RunningApi;
  let wsUrl: string;
  let model: string;

  beforeAll(async () => {
    api = await startApi({ env: { BODY_LIMIT_BYTES: String(64 * 1024) } });
    wsUrl = `${api.url.replace(/^http/, 'ws')}/v1/stream`;
  });
  afterAll(() => api?.close());

  const generate = (id: string) => ({ type: 'generate', id, request: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 } });

  it('closes a socket whose frame is larger than BODY_LIMIT_BYTES (1009), authenticated or not', async () => {
    const tenant = await createTenant(api.url, 'big-frames');
    const authed = await Client.open(wsUrl, { authorization: `Bearer ${tenant.key}` });
    await authed.next((m) => m.type === 'ready');
    authed.ws.send('x'.repeat(65 * 1024));
    expect(await authed.closedWithin()).toBe(1009);

    const anonymous = await Client.open(wsUrl);
    anonymous.ws.send(JSON.stringify({ type: 'auth', api_key: 'k'.repeat(65 * 1024) }));
    expect(await anonymous.closedWithin()).toBe(1009);
  });

  it('reads only a small auth message before authentication, and closes on anything else', async () => {
    const large = await Client.open(wsUrl);
    large.ws.send(JSON.stringify({ type: 'auth', api_key: 'k'.repeat(8 * 1024) }));
    expect(await large.closedWithin()).toBe(4401);

    const garbage = await Client.open(wsUrl);
    garbage.ws.send('not json at all');
    expect(await garbage.closedWithin()).toBe(4401);
    expect(garbage.messages[0].error.type).toBe('authentication_error');
  });

  it('closes a socket whose key is revoked or whose tenant is deleted, and starts nothing more on it', async () => {
    const tenant = await createTenant(api.url, 'revoked');
    model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    const client = await Client.open(wsUrl, { authorization: `Bearer ${tenant.key}` });
    await client.next((m) => m.type === 'ready');
    client.send(generate('before'));
    await client.next((m) => m.type === 'done' && m.id === 'before');

    expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${tenant.keyId}`)).status).toBe(204);
    client.send(generate('after'));
    expect(await client.closedWithin()).toBe(4401);
    expect(client.messages.some((m) => m.type === 'delta' && m.id === 'after')).toBe(false);
    expect(client.messages.at(-1)!.error.type).toBe('authentication_error');

    const deleted = await createTenant(api.url, 'deleted');
    const other = await Client.open(`${wsUrl}?api_key=${encodeURIComponent(deleted.key)}`);
    await other.next((m) => m.type === 'ready');
    expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/tenants/${deleted.id}`)).status).toBe(204);
    other.send(generate('orphan'));
    expect(await other.closedWithin()).toBe(4401);
  });

  it('stops a generation that is running when its key is revoked', async () => {
    const tenant = await createTenant(api.url, 'revoked-mid-stream');
    const client = await Client.open(wsUrl, { authorization: `Bearer ${tenant.key}` });
    await client.next((m) => m.type === 'ready');
    client.send({ type: 'generate', id: 'long', request: { model, messages: [{ role: 'user', content: 'go on' }], max_tokens: 3900, ignore_eos: true } });
    await client.next((m) => m.type === 'delta' && m.id === 'long');
    expect((await call(api.url, ADMIN_TOKEN, 'DELETE', `/admin/api-keys/${tenant.keyId}`)).status).toBe(204);
    // Closed at once through the credential notification (the 3,900 tokens take seconds).
    expect(await client.closedWithin()).toBe(4401);
    expect(client.messages.some((m) => m.type === 'done')).toBe(false);
    const deltas = client.messages.filter((m) => m.type === 'delta').length;
    expect(deltas).toBeLessThan(3900);
    const deadline = Date.now() + 5000;
    let engine = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    while (engine.runningSequences > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      engine = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    }
    expect(engine.runningSequences).toBe(0);
  });
});

