// 256 concurrent streams for 60 s across 4 tenants, each with a registered prompt: 0 errors, no
// sequence or chunk reference left behind, bounded memory; prints TTFT percentiles and tokens/s.
// LOAD_STREAMS, LOAD_SECONDS and LOAD_MAX_TOKENS change the shape (docs/reliability.md).
import { cpus } from 'os';

import { ADMIN_TOKEN, call, createTenant, longSystemPrompt, sseEvents, startApi, type RunningApi } from '../support/api-app';

const STREAMS = Number(process.env.LOAD_STREAMS ?? 256);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const MAX_TOKENS = Number(process.env.LOAD_MAX_TOKENS ?? 32);
const TENANTS = 4;
const RSS_GROWTH_LIMIT = 768 * 1024 * 1024;

interface Outcome {
  ok: boolean;
  ttftMs: number;
  tokens: number;
  error?: string;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

describe('load', () => {
  let api: RunningApi;
  afterAll(() => api?.close());

  it(`${STREAMS} concurrent streams for ${SECONDS} s across ${TENANTS} tenants`, async () => {
    api = await startApi({ env: { RATE_LIMIT_REQUESTS: '10000000', KV_CACHE_BYTES: String(256 * 1024 * 1024), MAX_BATCH: '64', LOG_LEVEL: 'error' } });
    const tenants: { key: string; promptId: string }[] = [];
    for (let t = 0; t < TENANTS; t++) {
      const tenant = await createTenant(api.url, `load-${t}`);
      const prompt = await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'support', content: longSystemPrompt(`load tenant ${t}`, 10) });
      expect(prompt.status).toBe(201);
      tenants.push({ key: tenant.key, promptId: prompt.body.id });
    }
    const modelId = (await call(api.url, tenants[0].key, 'GET', '/v1/models')).body.data[0].id;
    const before = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);

    const one = async (worker: number, round: number): Promise<Outcome> => {
      const { key, promptId } = tenants[worker % TENANTS];
      const started = performance.now();
      try {
        const res = await fetch(`${api.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: modelId, prompt_id: promptId, stream: true, max_tokens: MAX_TOKENS, ignore_eos: true, messages: [{ role: 'user', content: `worker ${worker} round ${round}` }] }),
        });
        if (res.status !== 200) return { ok: false, ttftMs: 0, tokens: 0, error: `${res.status} ${await res.text()}` };
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        let ttftMs = -1;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          if (ttftMs < 0 && text.includes('"content":"') && /"delta":\{"content"/.test(text)) ttftMs = performance.now() - started;
        }
        const events = sseEvents(text);
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
        const failed = events.at(-1) !== '[DONE]' || chunks.some((c) => c.error);
        const tokens = chunks.filter((c) => c.choices?.[0]?.delta?.content !== undefined && c.choices[0].delta.role === undefined).length;
        return { ok: !failed, ttftMs, tokens, error: failed ? text.slice(-300) : undefined };
      } catch (err) {
        return { ok: false, ttftMs: 0, tokens: 0, error: String(err) };
      }
    };

    const deadline = Date.now() + SECONDS * 1000;
    const started = performance.now();
    const outcomes: Outcome[] = [];
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, worker) => {
        for (let round = 0; Date.now() < deadline; round++) outcomes.push(await one(worker, round));
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);

    // Everything let go: no running or waiting sequence, no chunk referenced, only the pins left.
    let after = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    for (let i = 0; i < 100 && (after.runningSequences > 0 || after.waitingSequences > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats')).body.engine;
    }
    const snapshot = await call(api.url, ADMIN_TOKEN, 'GET', '/admin/stats/tree');
    const referenced = snapshot.body.chunks.filter((c: { refs: number }) => c.refs > 0).length;

    const errors = outcomes.filter((o) => !o.ok);
    const ttfts = outcomes.filter((o) => o.ok && o.ttftMs >= 0).map((o) => o.ttftMs).sort((a, b) => a - b);
    const tokens = outcomes.reduce((sum, o) => sum + o.tokens, 0);
    const report = {
      streams: STREAMS,
      seconds: Number(elapsed.toFixed(1)),
      tenants: TENANTS,
      cpus: `${cpus().length} x ${cpus()[0]?.model}`,
      requests: outcomes.length,
      errors: errors.length,
      ttftMs: { p50: Math.round(percentile(ttfts, 50)), p90: Math.round(percentile(ttfts, 90)), p99: Math.round(percentile(ttfts, 99)), max: Math.round(ttfts.at(-1) ?? NaN) },
      completionTokens: tokens,
      tokensPerSecond: Math.round(tokens / elapsed),
      engineGeneratedTokens: after.generatedTokens - before.generatedTokens,
      rssMiB: { before: Math.round(rssBefore / 2 ** 20), peak: Math.round(rssPeak / 2 ** 20), after: Math.round(process.memoryUsage().rss / 2 ** 20) },
      leftAfter: { running: after.runningSequences, waiting: after.waitingSequences, referencedChunks: referenced },
    };
    process.stdout.write(`\nLOAD REPORT ${JSON.stringify(report, null, 2)}\n`);
    if (errors.length > 0) process.stdout.write(`first errors: ${errors.slice(0, 3).map((e) => e.error).join('\n')}\n`);

    expect(errors).toHaveLength(0);
    expect(outcomes.length).toBeGreaterThanOrEqual(STREAMS);
    expect(after.runningSequences).toBe(0);
    expect(after.waitingSequences).toBe(0);
    expect(referenced).toBe(0);
    expect(rssPeak - rssBefore).toBeLessThan(RSS_GROWTH_LIMIT);
  });
});
