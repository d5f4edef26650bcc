import { automock, configOf } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import type { EngineStats } from '../engine/engine.types';
import { PromptRepository } from '../prompts/prompt.repository';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

const gpu = { backend: 'cuda' as const, simd: 'avx512', cudaCompiled: true, gpuName: 'NVIDIA H200', deviceMemory: { totalBytes: 150e9, usedBytes: 20e9 } };
const engineStats = { hitTokens: 3, missedTokens: 1, bytesInUse: 1, bytesPinned: 2, bytesCached: 3, bytesFree: 4 } as EngineStats;

describe('StatsService', () => {
  const stats = automock(StatsRepository);
  const prompts = automock(PromptRepository);
  const engine = automock(EngineService, { chunkSize: 16 });
  let service: StatsService;

  beforeEach(() => {
    engine.stats.mockReturnValue(engineStats);
    engine.engineStatus.mockReturnValue(gpu);
    service = new StatsService(stats, prompts, engine, configOf({ STATS_INTERVAL_MS: 60_000 }));
  });

  it("platform: the database's counts, the pinned tokens of current warm versions, the hit rate and the engine", async () => {
    stats.platformCounts.mockResolvedValue({ tenants: 2, apiKeys: 3, prompts: 4, requests: 5, promptTokens: 200, cachedTokens: 150, completionTokens: 50 });
    prompts.pinnedTokens.mockResolvedValue(1234);
    const platform = await service.platform();
    expect(prompts.pinnedTokens).toHaveBeenCalledWith();
    expect(platform).toEqual({
      tenants: 2,
      apiKeys: 3,
      prompts: 4,
      pinnedTokens: 1234,
      requests: 5,
      promptTokens: 200,
      cachedTokens: 150,
      completionTokens: 50,
      hitRate: 0.75,
      engine: expect.objectContaining({ lookupTokens: 4, bytes: { inUse: 1, pinned: 2, cached: 3, free: 4 } }),
      device: gpu,
    });
  });

  it('series: rates per bucket; an empty bucket has rate 0 and TTFT 0', async () => {
    const t = new Date('2026-01-01T00:00:00Z');
    stats.usageBuckets.mockResolvedValue([
      { t, requests: 2, promptTokens: 100, cachedTokens: 25, completionTokens: 120, ttftMs: 12.5, ttft: [10, 14, 15], itl: [1, 2, 3] },
      { t, requests: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, ttftMs: null, ttft: [null, null, null], itl: [null, null, null] },
    ]);
    const q = { tenantId: 't1', minutes: 5, bucketSeconds: 60 };
    const series = await service.series(q);
    expect(stats.usageBuckets).toHaveBeenCalledWith(q);
    expect(series).toEqual([
      {
        ...{ t: '2026-01-01T00:00:00.000Z', requests: 2, promptTokens: 100, cachedTokens: 25, completionTokens: 120, hitRate: 0.25, tokensPerSecond: 2, ttftMs: 12.5 },
        ...{ ttftP50Ms: 10, ttftP95Ms: 14, ttftP99Ms: 15, itlP50Ms: 1, itlP95Ms: 2, itlP99Ms: 3 },
      },
      {
        ...{ t: '2026-01-01T00:00:00.000Z', requests: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, hitRate: 0, tokensPerSecond: 0, ttftMs: 0 },
        ...{ ttftP50Ms: null, ttftP95Ms: null, ttftP99Ms: null, itlP50Ms: null, itlP95Ms: null, itlP99Ms: null },
      },
    ]);
  });

  it('live usage: the last two buckets of the subscription and its counts', async () => {
    const bucket = (t: string) => ({ t: new Date(t), requests: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, ttftMs: null, ttft: [null, null, null], itl: [null, null, null] }) as const;
    stats.usageBuckets.mockResolvedValue([bucket('2026-01-01T00:00:00Z'), bucket('2026-01-01T00:01:00Z'), bucket('2026-01-01T00:02:00Z')].map((b) => ({ ...b, ttft: [...b.ttft], itl: [...b.itl] })));
    stats.counts.mockResolvedValue({ tenants: 1, apiKeys: 2, prompts: 3 });
    prompts.pinnedTokens.mockResolvedValue(40);
    const usage = await service.liveUsage('t1', 90);
    expect(stats.usageBuckets).toHaveBeenCalledWith({ tenantId: 't1', minutes: 3, bucketSeconds: 90 });
    expect(prompts.pinnedTokens).toHaveBeenCalledWith('t1');
    expect(usage.buckets.map((b) => b.t)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(usage).toMatchObject({ type: 'usage', counts: { tenants: 1, apiKeys: 2, prompts: 3, pinnedTokens: 40 } });
  });

  it("prompts: each prompt's served hit rate and mean TTFT", async () => {
    const figures = { promptId: 'p1', tenantId: 't1', name: 'n', version: 2, tokens: 40, cachedTokens: 32, chunks: 3, status: 'warm', requests: 2 };
    stats.promptUsage.mockResolvedValue([
      { ...figures, promptTokensServed: 80, cachedTokensServed: 64, meanTtftMs: 7 },
      { ...figures, promptTokensServed: 0, cachedTokensServed: 0, meanTtftMs: null },
    ]);
    const result = await service.prompts('t1');
    expect(stats.promptUsage).toHaveBeenCalledWith('t1');
    expect(result).toEqual([
      { ...figures, promptTokensServed: 80, cachedTokensServed: 64, hitRate: 0.8, meanTtftMs: 7 },
      { ...figures, promptTokensServed: 0, cachedTokensServed: 0, hitRate: 0, meanTtftMs: 0 },
    ]);
  });

  it("tree: the engine's (awaited) chunk tree with tenant ids for namespaces", async () => {
    const chunk = { id: 1, parent: null, tokens: [1, 2], refCount: 0, pinCount: 1, lastUse: 9 };
    engine.snapshot.mockResolvedValue({ chunks: [{ ...chunk, namespace: 'tenant:t1' }, { ...chunk, id: 2, pinCount: 0, namespace: 'other' }] } as never);
    const tree = await service.tree('t1');
    expect(engine.snapshot).toHaveBeenCalledWith('t1');
    expect(tree).toEqual({
      chunkSize: 16,
      chunks: [
        { id: 1, parent: null, tenantId: 't1', tokens: [1, 2], refs: 0, pinned: true, lastUse: 9 },
        { id: 2, parent: null, tenantId: null, tokens: [1, 2], refs: 0, pinned: false, lastUse: 9 },
      ],
    });
  });

  it("tenantTree: only the tenant's chunks, renumbered in tree order, with recency ranks instead of the engine's clock", async () => {
    const chunk = { tokens: 16, refCount: 0, pinCount: 1, namespace: 'tenant:t1' };
    engine.snapshot.mockResolvedValue({
      chunks: [
        { ...chunk, id: 907, parent: null, lastUse: 5000 },
        { ...chunk, id: 12, parent: 907, lastUse: 4100 },
        { ...chunk, id: 55, parent: 907, lastUse: 9999 },
      ],
    } as never);
    const tree = await service.tenantTree('t1');
    expect(engine.snapshot).toHaveBeenCalledWith('t1');
    expect(tree.chunks.map(({ id, parent, lastUse }) => ({ id, parent, lastUse }))).toEqual([
      { id: 1, parent: null, lastUse: 1 },
      { id: 2, parent: 1, lastUse: 0 },
      { id: 3, parent: 1, lastUse: 2 },
    ]);
  });

  it('pushes a live sample to subscribers until they unsubscribe', () => {
    engine.isLoaded.mockReturnValue(true);
    const seen: unknown[] = [];
    const unsubscribe = service.subscribe((s) => seen.push(s));
    service.onApplicationBootstrap();
    unsubscribe();
    (service as unknown as { sample(): void }).sample();
    service.onApplicationShutdown();
    expect(seen).toHaveLength(1);
    expect(service.recentLive()).toHaveLength(2);
  });
});
