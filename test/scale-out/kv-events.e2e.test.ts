// KV events end to end: the API publishes its engine's cache changes over ZeroMQ in vLLM's format;
// a subscriber decodes every batch, rebuilds the replica's chunk set and finds the engine's snapshot
// after a workload of two tenants that evicts; the replay socket returns the same batches; and an
// index keyed as llm-d keys it sends a tenant's request onto its own chunks only.
import { createHash } from 'crypto';
import { join } from 'path';

import { call, createTenant, startApi, type RunningApi } from '../support/api-app';
import { freePort } from '../support/free-port';
import { KvEventStream, replay, type KvMessage } from './support/kv-event-stream';
import { setProcessEnv } from './support/process-env';
import { RouterIndex, requestKeys } from './support/llmd-router-index';

declare const nativeRequire: NodeRequire;
const { EngineService } = nativeRequire(join(__dirname, '../../apps/api/dist/engine/engine.service.js'));

const CHUNK_SIZE = 16;
const CHUNK_BYTES = 2 * 4 * 2 * 64 * CHUNK_SIZE * 4; // K and V x layers x KV heads x head dim x tokens x fp32 (demo model)
/** The salt docs/scale-out.md tells a tenant to send as cache_salt (computed here, not by the API). */
const saltOf = (tenantId: string) => createHash('sha256').update(`tenant:${tenantId}`).digest('hex').slice(0, 32);

/** Engine hashes in the set the events describe, applying stored/removed/cleared in order. */
function chunkSetOf(messages: KvMessage[]): { chunks: Set<string>; problems: string[] } {
  const chunks = new Set<string>();
  const problems: string[] = [];
  const hex = (h: unknown) => (h as bigint).toString(16).padStart(16, '0');
  for (const m of messages) {
    for (const event of m.events) {
      const [tag, hashes] = event as [string, bigint[]];
      if (tag === 'AllBlocksCleared') chunks.clear();
      else if (tag === 'BlockStored') {
        const [, , parent, tokens, blockSize, loraId, medium] = event;
        if (parent !== null && !chunks.has(hex(parent))) problems.push(`parent of ${hex(hashes[0])} unknown`);
        if ((tokens as number[]).length !== CHUNK_SIZE || blockSize !== CHUNK_SIZE) problems.push(`stored ${(tokens as number[]).length} tokens, block_size ${blockSize}`);
        if (loraId !== null || medium !== 'CPU') problems.push(`lora_id ${loraId}, medium ${medium}`);
        hashes.forEach((h) => chunks.add(hex(h)));
      } else if (tag === 'BlockRemoved') {
        for (const h of hashes) if (!chunks.delete(hex(h))) problems.push(`removed unknown ${hex(h)}`);
      } else problems.push(`unknown event ${tag}`);
    }
  }
  return { chunks, problems };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('KV events', () => {
  let api: RunningApi;
  let stream: KvEventStream;
  let replayEndpoint: string;
  let engine: {
    model: { id: string };
    snapshot(): Promise<{ chunks: { hash: string | null; computed: number }[]; counters: { evictions: number } }>;
    encodeSystemPrefix(content: string): number[];
  };
  let model: string;
  let restoreEnv = () => {};

  beforeAll(async () => {
    const [pubPort, replayPort] = [await freePort(), await freePort()];
    replayEndpoint = `tcp://127.0.0.1:${replayPort}`;
    stream = new KvEventStream(`tcp://127.0.0.1:${pubPort}`);
    restoreEnv = setProcessEnv({ KV_EVENTS_ENDPOINT: `tcp://*:${pubPort}`, KV_EVENTS_REPLAY_ENDPOINT: `tcp://*:${replayPort}`, POD_IP: '10.1.2.3' });
    api = await startApi({ env: { KV_CACHE_BYTES: String(48 * CHUNK_BYTES), CHUNK_SIZE: String(CHUNK_SIZE), PORT: '8000' } });
    engine = api.app.get(EngineService);
    model = engine.model.id;
  });
  afterAll(async () => {
    await api?.close();
    restoreEnv();
    await stream?.close();
  });

  it('rebuild the engine snapshot from the stream after a two-tenant workload with evictions; replay agrees', async () => {
    const acme = await createTenant(api.url, 'acme');
    const globex = await createTenant(api.url, 'globex');
    const shared = 'You are a careful assistant. Answer briefly, cite the rule.';
    const acmeOnly = 'ACME assistant here: never discuss Globex products.'; // its first chunk differs from globex's prompts'
    for (const t of [acme, globex]) expect((await call(api.url, t.key, 'POST', '/v1/prompts', { name: 'main', content: shared })).status).toBe(201);
    expect((await call(api.url, acme.key, 'POST', '/v1/prompts', { name: 'own', content: acmeOnly })).status).toBe(201);
    const chat = (key: string, i: number) =>
      call(api.url, key, 'POST', '/v1/chat/completions', {
        model,
        messages: [{ role: 'system', content: `Topic ${i % 5}: ${'details about the topic. '.repeat(3 + (i % 4))}` }, { role: 'user', content: `question ${i}` }],
        max_tokens: 12,
      });
    for (let i = 0; i < 16; i += 2) {
      const [a, b] = await Promise.all([chat(acme.key, i), chat(globex.key, i + 1)]);
      expect([a.status, b.status]).toEqual([200, 200]);
    }

    const snapshot = await engine.snapshot();
    expect(snapshot.counters.evictions).toBeGreaterThan(0);
    // Committed chunks (full and computed): a chunk still filling has a hash too, but no event yet.
    const committed = new Set(snapshot.chunks.flatMap((c) => (c.hash === null || c.computed !== CHUNK_SIZE ? [] : [c.hash])));
    expect(committed.size).toBeGreaterThan(0);

    // What the live stream missed before the subscription took (slow joiner) comes from replay.
    await until(() => stream.messages.length > 0 && chunkSetOf(stream.messages).chunks.size > 0);
    const first = stream.messages[0].seq;
    const missed = first > 0n ? (await replay(replayEndpoint, 0n)).messages.filter((m) => m.seq < first) : [];
    const all = () => [...missed, ...stream.messages];
    await until(() => {
      const { chunks } = chunkSetOf(all());
      return chunks.size === committed.size && [...committed].every((h) => chunks.has(h));
    });
    const messages = all();
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => BigInt(i)));
    expect(messages[0].events).toEqual([['AllBlocksCleared']]);
    expect(new Set(messages.map((m) => m.topic))).toEqual(new Set([`kv@10.1.2.3:8000@${model}`]));
    expect(messages.every((m) => m.rank === 0 && m.ts > 1.7e9 && m.ts < Date.now() / 1000 + 1)).toBe(true);
    expect(messages.some((m) => m.events.some((e) => e[0] === 'BlockRemoved'))).toBe(true);
    const rebuilt = chunkSetOf(messages);
    expect(rebuilt.problems).toEqual([]);
    expect([...rebuilt.chunks].sort()).toEqual([...committed].sort());

    const replayed = await replay(replayEndpoint, 0n);
    expect(replayed.messages.map((m) => [m.topic, m.seq, m.payload.toString('hex')])).toEqual(messages.map((m) => [m.topic, m.seq, m.payload.toString('hex')]));
    expect(replayed.end[1].toString('hex')).toBe('ffffffffffffffff');
    const tail = await replay(replayEndpoint, messages.at(-1)!.seq);
    expect(tail.messages.map((m) => m.seq)).toEqual([messages.at(-1)!.seq]);

    // The router's view: a prompt is a hit only under its owner's salt, never another tenant's,
    // even where both tenants registered the same text.
    const index = new RouterIndex(model);
    for (const m of messages) for (const e of m.events) index.apply(e);
    const keys = (content: string, salt?: string) => requestKeys(model, engine.encodeSystemPrefix(content), CHUNK_SIZE, salt);
    const fullChunks = (content: string) => Math.floor(engine.encodeSystemPrefix(content).length / CHUNK_SIZE);
    expect(fullChunks(acmeOnly)).toBeGreaterThan(1);
    expect(index.matchedBlocks(keys(acmeOnly, saltOf(acme.id)))).toBe(fullChunks(acmeOnly));
    expect(index.matchedBlocks(keys(acmeOnly, saltOf(globex.id)))).toBe(0);
    expect(index.matchedBlocks(keys(acmeOnly))).toBe(0);
    expect(index.matchedBlocks(keys(acmeOnly, 'a-guessed-salt'))).toBe(0);
    for (const t of [acme, globex]) expect(index.matchedBlocks(keys(shared, saltOf(t.id)))).toBe(fullChunks(shared));
    const acmeKeys = new Set(keys(shared, saltOf(acme.id)));
    expect(keys(shared, saltOf(globex.id)).some((k) => acmeKeys.has(k))).toBe(false);
  });

  it('cache_salt: the routing salt keeps the tenant namespace, a longer one isolates, and router keys follow the body salt', async () => {
    const tenant = await createTenant(api.url, 'initech');
    const stranger = await createTenant(api.url, 'umbrella');
    const system = 'Initech helpdesk. Follow the TPS report procedure step by step and attach the cover sheet.';
    const body = (extra: Record<string, unknown> = {}) => ({
      model,
      messages: [{ role: 'system', content: system }, { role: 'user', content: 'hello' }],
      max_tokens: 2,
      ...extra,
    });
    const cachedTokens = async (extra: Record<string, unknown> = {}) => {
      const res = await call(api.url, tenant.key, 'POST', '/v1/chat/completions', body(extra));
      expect(res.status).toBe(200);
      return res.body.usage.prompt_tokens_details.cached_tokens as number;
    };
    const own = saltOf(tenant.id);
    const custom = `${own}-user-7`;
    const fullChunks = Math.floor(engine.encodeSystemPrefix(system).length / CHUNK_SIZE);
    expect(fullChunks).toBeGreaterThan(0);

    await cachedTokens();
    expect(await cachedTokens({ cache_salt: own })).toBeGreaterThanOrEqual(fullChunks * CHUNK_SIZE); // the same namespace
    expect(await cachedTokens({ cache_salt: custom })).toBe(0); // a namespace of its own: nothing shared with the tenant's
    expect(await cachedTokens({ cache_salt: custom })).toBeGreaterThanOrEqual(fullChunks * CHUNK_SIZE);
    expect(await cachedTokens({ cache_salt: `${own}-user-8` })).toBe(0);
    expect(await cachedTokens({ prompt_cache_key: 'conversation-1' })).toBeGreaterThanOrEqual(fullChunks * CHUNK_SIZE); // a hint only

    for (const bad of [saltOf(stranger.id), `${saltOf(stranger.id)}-user-7`, 'guess']) {
      const res = await call(api.url, tenant.key, 'POST', '/v1/chat/completions', body({ cache_salt: bad }));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_cache_salt', param: 'cache_salt' });
    }

    // The router keys a request by the salt in its body, as the events key the chunks.
    const keys = (salt: string) => requestKeys(model, engine.encodeSystemPrefix(system), CHUNK_SIZE, salt);
    const index = new RouterIndex(model);
    await until(() => {
      for (const m of stream.messages.splice(0)) for (const e of m.events) index.apply(e);
      return index.matchedBlocks(keys(custom)) === fullChunks && index.matchedBlocks(keys(`${own}-user-8`)) === fullChunks;
    });
    expect(index.matchedBlocks(keys(own))).toBe(fullChunks);
    expect(index.matchedBlocks(keys(custom))).toBe(fullChunks);
    expect(index.matchedBlocks(keys(`${own}-user-9`))).toBe(0);
    expect(index.matchedBlocks(keys(saltOf(stranger.id)))).toBe(0);
  });
});
