// Greedy output does not depend on how the prefix got into the cache: shared or private,
// found cached or computed from scratch, alone or in a batch of 8.
import { LlmEngine } from '../src/llm-engine';
import type { EngineOptions } from '../src/types';
import { collect, makeTinyModel, someTokens, tmpDir } from './helpers';

const model = makeTinyModel({ hidden: 128, layers: 2, heads: 2, kvHeads: 1, seed: 11 });
const SYSTEM = someTokens(150, 5); // 150 tokens: 9 full chunks of 16 and a partial one
const prompts = Array.from({ length: 8 }, (_, i) => [...SYSTEM, ...someTokens(5 + i, 100 + i)]);

async function greedy(engine: LlmEngine, batch: number[][]): Promise<{ tokens: number[][]; cached: number[] }> {
  const results = await Promise.all(
    batch.map((p) => collect(engine.generate({ namespace: 'tenant', promptTokens: p, maxTokens: 12, temperature: 0, stopAtEos: false }))),
  );
  return { tokens: results.map((r) => r.tokens[0]), cached: results.map((r) => r.done[0].usage.cachedTokens) };
}

async function withEngine<T>(opts: Partial<EngineOptions>, fn: (e: LlmEngine) => Promise<T>): Promise<T> {
  const e = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 32 << 20, prefillChunk: 64, ...opts });
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

describe('greedy output is independent of prefix sharing', () => {
  let expected: number[][];

  beforeAll(async () => {
    // Reference: sharing off, one request at a time (every prompt computed from scratch).
    expected = await withEngine({ sharing: false }, async (e) => {
      const out: number[][] = [];
      for (const p of prompts) out.push((await greedy(e, [p])).tokens[0]);
      return out;
    });
    expect(new Set(expected.map((t) => t.join(','))).size).toBeGreaterThan(1); // distinct prompts, distinct outputs
  });

  it('sharing off, batch 8', async () => {
    const r = await withEngine({ sharing: false }, (e) => greedy(e, prompts));
    expect(r.tokens).toEqual(expected);
    expect(r.cached.every((c) => c === 0)).toBe(true);
  });

  it.each([['tpp'], ['baseline']] as const)('sharing on (%s), batch 1 and batch 8, prefix computed and then cached', async (method) => {
    await withEngine({ sharing: true, decodeMethod: method }, async (e) => {
      const first = await greedy(e, [prompts[0]]); // computes the system prompt
      expect(first.cached[0]).toBe(0);
      expect(first.tokens[0]).toEqual(expected[0]);
      const computedBefore = e.stats().computedPromptTokens;
      const batch = await greedy(e, prompts); // prefix from the cache, decoded together
      expect(batch.tokens).toEqual(expected);
      expect(batch.cached.every((c) => c >= 144)).toBe(true);
      // Only the tokens not found in the cache were computed.
      const uncached = prompts.reduce((sum, p, i) => sum + p.length - batch.cached[i], 0);
      expect(e.stats().computedPromptTokens - computedBefore).toBe(uncached);
      const again = await greedy(e, [prompts[3]]);
      expect(again.tokens[0]).toEqual(expected[3]);
      const s = e.stats();
      expect(s.hitTokens).toBeGreaterThan(0);
      expect(s.liveSequences).toBe(0);
    });
  });

  it('sharing on, batch 8 arriving together on a cold cache', async () => {
    const r = await withEngine({ sharing: true }, (e) => greedy(e, prompts));
    expect(r.tokens).toEqual(expected);
  });

  it('with fp16 KV storage too: sharing on equals sharing off', async () => {
    const off = await withEngine({ sharing: false, kvDtype: 'fp16' }, (e) => greedy(e, prompts));
    const on = await withEngine({ sharing: true, kvDtype: 'fp16' }, async (e) => {
      await greedy(e, [prompts[0]]);
      return greedy(e, prompts);
    });
    expect(on.tokens).toEqual(off.tokens);
  });

  it('under memory pressure: preemption and recompute give the same tokens', async () => {
    // A pool of 40 chunks cannot hold 8 private copies of a 10-chunk prompt: sequences are
    // preempted and recomputed.
    const chunkBytes = 2 * 2 * 1 * 16 * 64 * 4; // layers * K/V * kv heads * chunk * head_dim * fp32
    const r = await withEngine({ sharing: false, kvCacheBytes: 40 * chunkBytes, maxBatch: 8 }, async (e) => {
      const out = await greedy(e, prompts);
      expect(e.stats().preemptions + e.stats().evictions).toBeGreaterThan(0);
      return out;
    });
    expect(r.tokens).toEqual(expected);
  });
});
