// KV events: replaying the engine's 'stored' / 'removed' changes rebuilds exactly the set of
// shareable chunks its snapshot shows, after a mixed workload that evicts.
import type { CacheChange } from '../src/types';
import { LlmEngine } from '../src/llm-engine';
import { collect, makeTinyModel, someTokens, tmpDir } from './helpers';

const model = makeTinyModel({ seed: 44 });

describe('kv events', () => {
  it('replay to the snapshot after a workload with evictions, prewarms and namespaces', async () => {
    const replayed = new Set<string>();
    const problems: string[] = [];
    const apply = (changes: CacheChange[]) => {
      for (const c of changes) {
        if (c.type === 'stored') {
          if (c.parentHash !== null && !replayed.has(c.parentHash)) problems.push(`parent of ${c.hash} unknown`);
          if (c.tokens.length !== 16) problems.push(`stored chunk of ${c.tokens.length} tokens`);
          replayed.add(c.hash);
        } else if (!replayed.delete(c.hash)) {
          problems.push(`removed unknown ${c.hash}`);
        }
      }
    };
    const probe = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 1 << 20 });
    const chunkBytes = probe.stats().chunkBytes;
    await probe.close();
    const engine = await LlmEngine.load({
      dataDir: tmpDir('data'),
      modelPath: model.dir,
      chunkSize: 16,
      kvCacheBytes: chunkBytes * 40, // small: the workload evicts
      onKvEvents: apply,
    });
    try {
      await engine.prewarm('t1', someTokens(70, 1));
      const runs = [];
      for (let i = 0; i < 24; i++) {
        const ns = i % 3 === 0 ? 't2' : 't1';
        const prompt = [...someTokens(40 + (i % 4) * 16, i % 5), ...someTokens(i % 7, 100 + i)];
        runs.push(collect(engine.generate({ namespace: ns, promptTokens: prompt, maxTokens: 20, stopAtEos: false })));
        if (i % 6 === 5) await Promise.all(runs.splice(0));
      }
      await Promise.all(runs);
      const snap = await engine.snapshot();
      const committed = new Set(snap.chunks.filter((c) => c.computed === 16).map((c) => c.hash as string));
      expect(problems).toEqual([]);
      expect(snap.counters.evictions).toBeGreaterThan(0);
      expect([...replayed].sort()).toEqual([...committed].sort());
    } finally {
      await engine.close();
    }
  });

  it("prefixChunkHashes finds a prewarmed prompt's chunks in the snapshot, its partial tail included", async () => {
    const engine = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 1 << 20 });
    try {
      const prompt = someTokens(53, 7); // 3 full chunks and 5 tokens
      await engine.prewarm('t1', prompt);
      const hashes = engine.prefixChunkHashes('t1', prompt);
      expect(hashes).toHaveLength(4);
      const snap = await engine.snapshot('t1');
      const byHash = new Map(snap.chunks.map((c) => [c.hash, c]));
      expect(hashes.map((h) => byHash.get(h)?.tokens)).toEqual([16, 16, 16, 5]);
      expect(hashes.every((h) => byHash.get(h)!.pinCount === 1)).toBe(true);
      expect(engine.prefixChunkHashes('t2', prompt).some((h) => byHash.has(h))).toBe(false);
      expect(() => engine.prefixChunkHashes('t1', [1.5])).toThrow(/must be an integer/);
    } finally {
      await engine.close();
    }
  });
});
