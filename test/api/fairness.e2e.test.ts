// Scheduling between tenants and slow readers at the API level: one tenant's burst does not hold
// back another tenant's small request (round-robin admission, MAX_RUNNING_PER_TENANT), and a
// client that reads nothing pauses its generation in the engine, then has it cancelled, with the
// server's memory bounded.
import { connect } from 'net';

import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';

const engineStats = async (api: RunningApi) => (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;

describe('fairness between tenants', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ env: { MAX_BATCH: '16', MAX_RUNNING_PER_TENANT: '8', RATE_LIMIT_REQUESTS: '1000' } });
  });
  afterAll(() => api?.close());

  it("keeps a small tenant's time to first token bounded while another tenant bursts 40 streams of n=8", async () => {
    const big = await createTenant(api.url, 'bursty');
    const small = await createTenant(api.url, 'quiet');
    const model = (await call(api.url, big.key, 'GET', '/v1/models')).body.data[0].id;
    const abort = new AbortController();
    const burstStarted = Date.now();
    const burst = Array.from({ length: 40 }, (_, i) =>
      fetch(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        signal: abort.signal,
        headers: { authorization: `Bearer ${big.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream: true, n: 8, max_tokens: 48, ignore_eos: true, messages: [{ role: 'user', content: `burst ${i}` }] }),
      })
        .then((res) => res.text())
        .catch(() => ''),
    );
    // The burst is queued in the engine (requests wait; their n choices fork when admitted) before the small request comes.
    const deadline = Date.now() + 30_000;
    let queued = 0;
    while ((queued = (await engineStats(api)).waitingSequences) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(queued).toBeGreaterThanOrEqual(20);

    const t0 = Date.now();
    const answer = await call(api.url, small.key, 'POST', '/v1/chat/completions', { model, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] });
    const smallLatency = Date.now() - t0;
    expect(answer.status).toBe(200);
    const queuedBehind = (await engineStats(api)).waitingSequences;

    await Promise.all(burst);
    const burstDuration = Date.now() - burstStarted;
    // Served while most of the burst still waited, in a small part of the burst's time.
    expect(queuedBehind).toBeGreaterThan(0);
    expect(smallLatency).toBeLessThan(burstDuration / 4);
    expect(smallLatency).toBeLessThan(5000);
    abort.abort();
  });
});

describe('a client that reads nothing', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ env: { STREAM_MAX_BUFFERED_EVENTS: '64', STREAM_STALL_TIMEOUT_MS: '3000' } });
  });
  afterAll(() => api?.close());

  it('pauses its generation in the engine, then cancels it, with memory bounded', async () => {
    const tenant = await createTenant(api.url, 'sleepy');
    const model = (await call(api.url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    const body = JSON.stringify({ model, stream: true, n: 8, max_tokens: 2000, ignore_eos: true, logprobs: true, top_logprobs: 20, messages: [{ role: 'user', content: 'talk' }] });
    const before = await engineStats(api);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause(); // never reads a byte
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.key}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    try {
      // It stops generating long before its 16,000 tokens...
      let stalled = await engineStats(api);
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const now = await engineStats(api);
        if (now.generatedTokens > before.generatedTokens && now.generatedTokens === stalled.generatedTokens) break;
        stalled = now;
      }
      const generated = stalled.generatedTokens - before.generatedTokens;
      expect(generated).toBeGreaterThan(0);
      expect(generated).toBeLessThan(8 * 2000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
      // ...and after STREAM_STALL_TIMEOUT_MS paused it is cancelled, its sequences freed.
      const deadline = Date.now() + 15_000;
      let stats = await engineStats(api);
      while (stats.runningSequences + stats.waitingSequences > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        stats = await engineStats(api);
      }
      expect(stats.runningSequences + stats.waitingSequences).toBe(0);
      expect(stats.generatedTokens - before.generatedTokens).toBeLessThan(8 * 2000);
    } finally {
      socket.destroy();
    }
  });
});
