// Cancellation, limits, stop conditions, choices, sampling controls and pre-warming.
import { LlmEngine } from '../src/llm-engine';
import { collect, makeTinyModel, someTokens, tmpDir } from './helpers';

const model = makeTinyModel({ seed: 21 });
let engine: LlmEngine;

beforeAll(async () => {
  engine = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 16 << 20 });
});
afterAll(() => engine.close());

async function waitFor(cond: () => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('runtime controls', () => {
  it('cancelling through an AbortSignal ends the stream and frees the sequence chunks', async () => {
    const ac = new AbortController();
    const events: string[] = [];
    let referencedWhileRunning = 0;
    for await (const e of engine.generate({ namespace: 'c', promptTokens: someTokens(70, 1), maxTokens: 100000, stopAtEos: false }, ac.signal)) {
      events.push(e.type);
      if (e.type === 'token' && events.length === 3) {
        referencedWhileRunning = engine.stats().referencedChunks;
        ac.abort();
      }
      if (e.type === 'done') expect(e.finishReason).toBe('cancelled');
    }
    expect(referencedWhileRunning).toBeGreaterThan(0);
    expect(events[events.length - 1]).toBe('done');
    await waitFor(() => engine.stats().running === 0);
    const s = engine.stats();
    expect(s.liveSequences).toBe(0);
    expect(s.referencedChunks).toBe(0);
    expect((await engine.snapshot()).chunks.every((c) => c.refCount === 0)).toBe(true);
  });

  it('breaking out of the stream cancels too', async () => {
    let n = 0;
    for await (const e of engine.generate({ namespace: 'c', promptTokens: someTokens(20, 2), maxTokens: 100000, stopAtEos: false })) {
      if (e.type === 'token' && ++n === 2) break;
    }
    await waitFor(() => engine.stats().liveSequences === 0);
  });

  it('a long prompt is prefilled in pieces while a running decode keeps producing tokens', async () => {
    const e2 = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 16 << 20, prefillChunk: 32 });
    try {
      const log: string[] = [];
      const a = (async () => {
        for await (const e of e2.generate({ namespace: 'a', promptTokens: someTokens(10, 7), maxTokens: 60, temperature: 0, stopAtEos: false }))
          if (e.type === 'token') log.push('a');
      })();
      await waitFor(() => log.length >= 2);
      const stepsBefore = e2.stats().steps;
      const b = (async () => {
        for await (const e of e2.generate({ namespace: 'b', promptTokens: someTokens(600, 8), maxTokens: 1, temperature: 0, stopAtEos: false }))
          if (e.type === 'token') log.push('b');
      })();
      await Promise.all([a, b]);
      // 600 prompt tokens in pieces of <= 32: at least 19 steps, and A produced tokens during them.
      expect(e2.stats().steps - stepsBefore).toBeGreaterThanOrEqual(19);
      const bAt = log.indexOf('b');
      expect(log.slice(2, bAt).filter((x) => x === 'a').length).toBeGreaterThanOrEqual(10);
    } finally {
      await e2.close();
    }
  });

  it('max_tokens ends with length and counts usage', async () => {
    const r = await collect(engine.generate({ namespace: 'c', promptTokens: someTokens(30, 3), maxTokens: 7, temperature: 0, stopAtEos: false }));
    expect(r.tokens[0]).toHaveLength(7);
    expect(r.done[0].finishReason).toBe('length');
    expect(r.done[0].usage).toEqual({ promptTokens: 30, cachedTokens: expect.any(Number), completionTokens: 7 });
    expect(r.done[0].timings.ttftMs).toBeGreaterThan(0);
    expect(r.done[0].timings.tokensPerSecond).toBeGreaterThan(0);
  });

  it('a stop token ends the choice with stop and is not emitted', async () => {
    const free = await collect(engine.generate({ namespace: 'c', promptTokens: someTokens(30, 4), maxTokens: 8, temperature: 0, stopAtEos: false }));
    const stopAt = free.tokens[0][3];
    const r = await collect(engine.generate({ namespace: 'c', promptTokens: someTokens(30, 4), maxTokens: 8, temperature: 0, stopTokenIds: [stopAt], stopAtEos: false }));
    const firstIdx = free.tokens[0].indexOf(stopAt);
    expect(r.tokens[0]).toEqual(free.tokens[0].slice(0, firstIdx));
    expect(r.done[0].finishReason).toBe('stop');
  });

  it('a stop string cuts the text and stops', async () => {
    const free = await collect(engine.generate({ namespace: 'c', promptTokens: [72, 105], maxTokens: 30, temperature: 0, stopAtEos: false }));
    const text = free.text[0];
    // Pick a stop string from the middle of the free-running text (ASCII bytes only).
    const m = /[ -~]{2}/.exec(text.slice(3));
    if (!m) return; // random weights produced no two printable ASCII characters in a row
    const stop = m[0];
    const r = await collect(engine.generate({ namespace: 'c', promptTokens: [72, 105], maxTokens: 30, temperature: 0, stop: [stop], stopAtEos: false }));
    expect(r.text[0]).toBe(text.slice(0, text.indexOf(stop)));
    expect(r.done[0].finishReason).toBe('stop');
  });

  it('n choices fork the prompt: greedy choices agree, seeded sampling reproduces', async () => {
    const g = await collect(engine.generate({ namespace: 'c', promptTokens: someTokens(40, 5), maxTokens: 6, n: 3, temperature: 0, stopAtEos: false }));
    expect(g.done).toHaveLength(3);
    expect(g.tokens[1]).toEqual(g.tokens[0]);
    expect(g.tokens[2]).toEqual(g.tokens[0]);
    const req = { namespace: 'c', promptTokens: someTokens(40, 5), maxTokens: 10, n: 2, temperature: 1.5, topP: 0.95, topK: 50, seed: 1234, stopAtEos: false };
    const a = await collect(engine.generate(req));
    const b = await collect(engine.generate(req));
    expect(b.tokens).toEqual(a.tokens);
    expect(a.tokens[0]).not.toEqual(a.tokens[1]); // different seeds per choice
  });

  it('penalties change greedy output; logprobs come with the chosen and top tokens', async () => {
    const base = { namespace: 'c', promptTokens: someTokens(12, 6), maxTokens: 20, temperature: 0, stopAtEos: false };
    const plain = await collect(engine.generate({ ...base, logprobs: true, topLogprobs: 3 }));
    const pen = await collect(engine.generate({ ...base, frequencyPenalty: 2, presencePenalty: 1, repetitionPenalty: 1.5 }));
    expect(pen.tokens[0]).not.toEqual(plain.tokens[0]);
    for (const e of plain.events) {
      if (e.type !== 'token') continue;
      expect(e.logprob).toBeLessThanOrEqual(0);
      expect(e.topLogprobs).toHaveLength(3);
      expect(e.topLogprobs![0].tokenId).toBe(e.tokenId); // greedy picks the most likely
      expect(typeof e.topLogprobs![0].token).toBe('string');
    }
  });

  it('prewarm computes, pins and reports the chunks; later prompts find them cached; unpin', async () => {
    const system = someTokens(100, 9);
    const r = await engine.prewarm('tenant-p', system);
    expect(r).toMatchObject({ tokens: 100, cachedTokens: 0, chunks: 7 });
    expect(r.chunkIds).toHaveLength(7);
    const pinned = (await engine.snapshot('tenant-p')).chunks.filter((c) => c.pinCount > 0).map((c) => c.id);
    expect(pinned.sort()).toEqual([...r.chunkIds].sort());
    const g = await collect(engine.generate({ namespace: 'tenant-p', promptTokens: [...system, 1, 2, 3], maxTokens: 2 }));
    expect(g.done[0].usage.cachedTokens).toBe(100);
    const other = await collect(engine.generate({ namespace: 'tenant-q', promptTokens: [...system, 1, 2, 3], maxTokens: 2 }));
    expect(other.done[0].usage.cachedTokens).toBe(0); // namespaces do not share
    const again = await engine.prewarm('tenant-p', system);
    expect(again.cachedTokens).toBe(100);
    await engine.unpin('tenant-p', system);
    await engine.unpin('tenant-p', system);
    expect((await engine.snapshot('tenant-p')).chunks.every((c) => c.pinCount === 0)).toBe(true);
  });

  it('bad requests are clear errors', () => {
    expect(() => engine.generate({ namespace: 'c', promptTokens: [], maxTokens: 1 })).toThrow(/promptTokens must not be empty/);
    expect(() => engine.generate({ namespace: 'c', promptTokens: [999999], maxTokens: 1 })).toThrow(/outside the vocabulary/);
    expect(() => engine.generate({ namespace: 'c', promptTokens: [1], maxTokens: 0 })).toThrow(/maxTokens must be at least 1/);
    expect(() => engine.generate({ namespace: 'c', promptTokens: [1], maxTokens: 1, topP: 0 })).toThrow(/topP/);
    expect(() => engine.generate({ namespace: '', promptTokens: [1], maxTokens: 1 })).toThrow(/namespace/);
  });
});
