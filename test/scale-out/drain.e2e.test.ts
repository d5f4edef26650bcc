// Graceful drain of the real API process (apps/api/dist/main.js) on SIGTERM: /readyz turns 503 at
// once (liveness stays 200), new generations are refused with 503 server_draining (HTTP with
// Retry-After, and on an open WebSocket), the stream in flight finishes with all its tokens and
// [DONE], and the process exits 0. With a short DRAIN_TIMEOUT_MS the stream is cut with an error
// event instead of hanging, and the process still exits 0 promptly.
import { ADMIN_TOKEN, call, createDatabase, createTenant, sseEvents } from '../support/api-app';
import { spawnApi, waitForStatus, type ApiProcess } from '../support/api-process';
import { freePort } from '../support/free-port';
import { WsClient } from '../support/ws-client';

/** A streamed completion read as it arrives. */
interface OpenStream {
  text(): string;
  /** Resolves when the body ends or the connection breaks (never rejects). */
  ended: Promise<{ text: string; broken: boolean }>;
  isEnded(): boolean;
}

async function openStream(url: string, key: string, body: object): Promise<OpenStream> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let done = false;
  const ended = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return { text, broken: false };
        text += decoder.decode(chunk.value, { stream: true });
      }
    } catch {
      return { text, broken: true };
    } finally {
      done = true;
    }
  })();
  return { text: () => text, ended, isEnded: () => done };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the exit code, or null when the process is still running after timeoutMs. */
function exitWithin(api: ApiProcess, timeoutMs: number): Promise<number | null | 'running'> {
  return Promise.race([api.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), timeoutMs).unref())]);
}

describe('graceful drain on SIGTERM', () => {
  let api: ApiProcess | undefined;
  afterEach(async () => {
    if (api && api.child.exitCode === null) api.child.kill('SIGKILL');
    await api?.exited;
    api = undefined;
  });

  const boot = async (drainTimeoutMs: number) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = spawnApi({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: await createDatabase(),
      DATA_DIR: process.env.E2E_DATA_DIR!,
      ADMIN_TOKEN,
      ENGINE_DEVICE: 'cpu',
      CHUNK_SIZE: '16',
      KV_CACHE_BYTES: String(64 * 1024 * 1024),
      DRAIN_TIMEOUT_MS: String(drainTimeoutMs),
    });
    await waitForStatus(`${url}/readyz`, 200, api, 120_000);
    const tenant = await createTenant(url, 'drain');
    const model = (await call(url, tenant.key, 'GET', '/v1/models')).body.data[0].id;
    return { url, key: tenant.key, model, proc: api };
  };

  it('refuses new work, finishes the stream in flight with every token, and exits 0', async () => {
    const { url, key, model, proc } = await boot(60_000);
    const maxTokens = 2500;
    const ws = await WsClient.open(`${url.replace(/^http/, 'ws')}/v1/stream`, { authorization: `Bearer ${key}` });
    await ws.next((m) => m.type === 'ready');

    const stream = await openStream(url, key, {
      model,
      messages: [{ role: 'user', content: 'Talk for a long time.' }],
      max_tokens: maxTokens,
      ignore_eos: true,
      stream_options: { include_usage: true },
    });
    await until(() => stream.text().includes('"content"'), 30_000, 'the first token');
    const signalled = Date.now();
    proc.child.kill('SIGTERM');

    // /readyz says why at once; liveness stays up.
    let ready = await call(url, null, 'GET', '/readyz');
    for (let i = 0; ready.status === 200 && i < 50; i++) ready = await call(url, null, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(Date.now() - signalled).toBeLessThan(2000);
    expect(ready.body.details.drain).toMatchObject({ status: 'down', message: expect.stringMatching(/draining/) });
    expect(ready.body.details.drain.inFlight).toBeGreaterThanOrEqual(1);
    expect((await call(url, null, 'GET', '/healthz')).status).toBe(200);

    // New generations: 503 server_draining with Retry-After, on both endpoints and the WebSocket.
    const refused = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'one more?' }], max_tokens: 4 }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error).toMatchObject({ code: 'server_draining', type: 'server_error' });
    const text = await call(url, key, 'POST', '/v1/completions', { model, prompt: 'one more?', max_tokens: 4 });
    expect(text.status).toBe(503);
    expect(text.body.error.code).toBe('server_draining');
    ws.send({ type: 'generate', id: 'late', request: { model, messages: [{ role: 'user', content: 'one more?' }], max_tokens: 4 } });
    expect((await ws.next((m) => m.type === 'error' && m.id === 'late')).error).toMatchObject({ code: 'server_draining', type: 'server_error' });
    // Everything above happened while the stream was still running (else this test proves nothing).
    expect(stream.isEnded()).toBe(false);

    const { text: body, broken } = await stream.ended;
    expect(broken).toBe(false);
    const events = sseEvents(body);
    expect(events[events.length - 1]).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.find((c) => c.error)).toBeUndefined();
    expect(chunks.filter((c) => c.choices?.[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['length']);
    expect(chunks[chunks.length - 1].usage.completion_tokens).toBe(maxTokens);

    expect(await exitWithin(proc, 30_000)).toBe(0);
    expect(proc.output()).toContain('SIGTERM: draining');
    expect(proc.output()).not.toContain('drain deadline passed');
    await ws.closed;
  });

  it('cuts the stream at a short DRAIN_TIMEOUT_MS with an error event, and still exits 0 promptly', async () => {
    const { url, key, model, proc } = await boot(300);
    const stream = await openStream(url, key, {
      model,
      messages: [{ role: 'user', content: 'Talk for a very long time.' }],
      max_tokens: 4000,
      ignore_eos: true,
    });
    await until(() => stream.text().includes('"content"'), 30_000, 'the first token');
    const signalled = Date.now();
    proc.child.kill('SIGTERM');

    const { text: body } = await stream.ended;
    const events = sseEvents(body);
    expect(events).not.toContain('[DONE]');
    const last = JSON.parse(events[events.length - 1]);
    expect(last.error).toMatchObject({ code: 'server_draining', type: 'server_error', message: expect.stringMatching(/DRAIN_TIMEOUT_MS/) });

    expect(await exitWithin(proc, 15_000)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(proc.output()).toMatch(/drain deadline passed: generations cancelled: 1 /);
  });
});
