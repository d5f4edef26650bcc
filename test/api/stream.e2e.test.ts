// The WebSocket stream at /v1/stream on the real engine: the same tokens as the non-streaming call,
// several generations on one socket, cancel, disconnect frees sequences, authentication.
import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';
import { WsClient as Client } from '../support/ws-client';

describe('WebSocket stream', () => {
  let api: RunningApi;
  let tenant: { id: string; key: string };
  let model: string;
  let wsUrl: string;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api.url, 'hooli');
    model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    wsUrl = `${api.url.replace(/^http/, 'ws')}/v1/stream`;
  });
  afterAll(() => api?.close());

  const engineStats = async () => (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
  /** The engine's figures once at most `running` sequences run (they are published after each scheduler step). */
  const settled = async (running = 0) => {
    const deadline = Date.now() + 10_000;
    let s = await engineStats();
    while ((s.runningSequences > running || s.waitingSequences > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      s = await engineStats();
    }
    return s;
  };
  const idle = () => settled(0);

  it('delivers the tokens of the non-streaming call with the same seed; runs several generations on one socket', async () => {
    const request = (content: string, seed: number) => ({ model, messages: [{ role: 'user', content }], max_tokens: 16, temperature: 0.9, seed });
    const expectedA = await call(api.url, tenant.key, 'POST', '/v1/chat/completions', request('Tell me about Pied Piper.', 11));
    const expectedB = await call(api.url, tenant.key, 'POST', '/v1/chat/completions', request('And about Nucleus?', 12));

    const client = await Client.open(wsUrl, { authorization: `Bearer ${tenant.key}` });
    await client.next((m) => m.type === 'ready');
    client.send({ type: 'generate', id: 'a', request: request('Tell me about Pied Piper.', 11) });
    client.send({ type: 'generate', id: 'b', request: request('And about Nucleus?', 12) });
    const doneA = await client.next((m) => m.type === 'done' && m.id === 'a');
    const doneB = await client.next((m) => m.type === 'done' && m.id === 'b');

    expect(client.text('a')).toBe(expectedA.body.choices[0].message.content);
    expect(client.text('b')).toBe(expectedB.body.choices[0].message.content);
    expect(doneA.usage.completion_tokens).toBe(expectedA.body.usage.completion_tokens);
    expect(doneB.usage.prompt_tokens).toBe(expectedB.body.usage.prompt_tokens);
    expect(doneA.usage.prompt_tokens_details.cached_tokens).toEqual(expect.any(Number));
    const finishA = await client.next((m) => m.type === 'finish' && m.id === 'a');
    expect(finishA.finish_reason).toBe(expectedA.body.choices[0].finish_reason);
    client.ws.close();
  });

  it('cancels one generation on request and the rest when the socket closes, freeing the sequences', async () => {
    const client = await Client.open(`${wsUrl}?api_key=${encodeURIComponent(tenant.key)}`);
    await client.next((m) => m.type === 'ready');
    // Long enough that 'd' still runs when 'c' is cancelled (the demo model makes 3,000 tokens in about 1.5 s).
    const long = { model, messages: [{ role: 'user', content: 'Write forever.' }], max_tokens: 3000, ignore_eos: true };
    client.send({ type: 'generate', id: 'c', request: long });
    client.send({ type: 'generate', id: 'd', request: long });
    await client.next((m) => m.type === 'delta' && m.id === 'c');
    await client.next((m) => m.type === 'delta' && m.id === 'd');
    client.send({ type: 'cancel', id: 'c' });
    const finishC = await client.next((m) => m.type === 'finish' && m.id === 'c');
    expect(finishC.finish_reason).toBe('cancelled');
    const doneC = await client.next((m) => m.type === 'done' && m.id === 'c');
    expect(doneC.usage.completion_tokens).toBeLessThan(3000);
    expect((await settled(1)).runningSequences).toBe(1);

    client.ws.terminate();
    const stats = await idle();
    expect(stats.runningSequences).toBe(0);
    expect(stats.waitingSequences).toBe(0);
  });

  it('authenticates by a first message; reports bad requests on the socket; refuses a bad key', async () => {
    const client = await Client.open(wsUrl);
    client.send({ type: 'auth', api_key: tenant.key });
    expect((await client.next((m) => m.type === 'ready')).tenantId).toBe(tenant.id);
    client.send({ type: 'generate', id: 'x', request: { model, messages: [{ role: 'nobody', content: 'hi' }] } });
    const err = await client.next((m) => m.type === 'error' && m.id === 'x');
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'messages[0].role' });
    client.send({ type: 'generate', id: 'y', request: { model, messages: [{ role: 'user', content: 'hi' }], prompt_id: '00000000-0000-4000-8000-000000000000' } });
    expect((await client.next((m) => m.type === 'error' && m.id === 'y')).error.code).toBe('prompt_not_found');
    client.ws.close();

    const bad = await Client.open(wsUrl, { authorization: 'Bearer cs_live_wrong' });
    expect(await bad.closed).toBe(4401);
    expect(bad.messages[0].error.type).toBe('authentication_error');
  });

  it('pushes live engine stats to an admin socket and refuses others', async () => {
    const live = await Client.open(`${api.url.replace(/^http/, 'ws')}/admin/stats/live?token=${ADMIN_TOKEN}`);
    const history = await live.next((m) => m.type === 'history');
    expect(history.samples.length).toBeGreaterThan(0);
    expect(history.samples[0].engine.bytes.free).toBeGreaterThan(0);
    live.ws.close();
    const tenantSocket = await Client.open(`${api.url.replace(/^http/, 'ws')}/admin/stats/live?token=${tenant.key}`);
    expect(await tenantSocket.closed).toBe(4401);
  });
});
