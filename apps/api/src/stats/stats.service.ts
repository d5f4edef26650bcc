// The dashboard's figures: platform totals, hit-rate and throughput series from the usage history,
// per-prompt figures, the engine's chunk tree, and live engine samples pushed to subscribers.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CacheTree, LiveStats, LiveUsage, OverviewCounts, PlatformStats, PromptStats, SeriesPoint } from '@chunkserve/contracts';

import type { Environment } from '../config/environment';
import { tenantOf } from '../engine/cache-namespace';
import { EngineService } from '../engine/engine.service';
import { PromptRepository } from '../prompts/prompt.repository';
import { engineFigures, LiveSampler } from './live-sampler';
import { StatsRepository, type SeriesQuery } from './stats.repository';

@Injectable()
export class StatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sampler = new LiveSampler(720);
  private readonly listeners = new Set<(s: LiveStats) => void>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: StatsRepository,
    private readonly promptRepository: PromptRepository,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.get('STATS_INTERVAL_MS', { infer: true });
    this.timer = setInterval(() => this.sample(), interval);
    this.timer.unref();
    this.sample();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Calls `listener` with each new live sample; returns the unsubscribe function. */
  subscribe(listener: (s: LiveStats) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentLive(): LiveStats[] {
    return this.sampler.recent();
  }

  async platform(): Promise<PlatformStats> {
    const [counts, pinnedTokens] = await Promise.all([this.repository.platformCounts(), this.promptRepository.pinnedTokens()]);
    return {
      tenants: counts.tenants,
      apiKeys: counts.apiKeys,
      prompts: counts.prompts,
      pinnedTokens,
      requests: counts.requests,
      promptTokens: counts.promptTokens,
      cachedTokens: counts.cachedTokens,
      completionTokens: counts.completionTokens,
      hitRate: ratio(counts.cachedTokens, counts.promptTokens),
      engine: engineFigures(this.engine.stats()),
      device: this.engine.engineStatus(),
    };
  }

  /** Buckets of the last `minutes`, empty buckets included, oldest first. */
  async series(q: SeriesQuery): Promise<SeriesPoint[]> {
    return (await this.repository.usageBuckets(q)).map((b) => ({
      t: b.t.toISOString(),
      requests: b.requests,
      promptTokens: b.promptTokens,
      cachedTokens: b.cachedTokens,
      completionTokens: b.completionTokens,
      hitRate: ratio(b.cachedTokens, b.promptTokens),
      tokensPerSecond: b.completionTokens / q.bucketSeconds,
      ttftMs: b.ttftMs ?? 0,
      ttftP50Ms: b.ttft[0],
      ttftP95Ms: b.ttft[1],
      ttftP99Ms: b.ttft[2],
      itlP50Ms: b.itl[0],
      itlP95Ms: b.itl[1],
      itlP99Ms: b.itl[2],
    }));
  }

  /** Inventory figures of one tenant or (undefined) the platform. */
  async counts(tenantId?: string): Promise<OverviewCounts> {
    const [counts, pinnedTokens] = await Promise.all([this.repository.counts(tenantId), this.promptRepository.pinnedTokens(tenantId)]);
    return { ...counts, pinnedTokens };
  }

  /** What the live socket pushes to a subscription: its last two usage buckets and the counts. */
  async liveUsage(tenantId: string | undefined, bucketSeconds: number): Promise<LiveUsage> {
    const minutes = Math.ceil((2 * bucketSeconds) / 60);
    const [series, counts] = await Promise.all([this.series({ tenantId, minutes, bucketSeconds }), this.counts(tenantId)]);
    return { type: 'usage', at: new Date().toISOString(), buckets: series.slice(-2), counts };
  }

  async prompts(tenantId?: string): Promise<PromptStats[]> {
    return (await this.repository.promptUsage(tenantId)).map(({ meanTtftMs, ...p }) => ({
      ...p,
      hitRate: ratio(p.cachedTokensServed, p.promptTokensServed),
      meanTtftMs: meanTtftMs ?? 0,
    }));
  }

  /** The engine's chunk tree, all of it or one tenant's namespace. */
  async tree(tenantId?: string): Promise<CacheTree> {
    const snapshot = await this.engine.snapshot(tenantId);
    return {
      chunkSize: this.engine.chunkSize,
      chunks: snapshot.chunks.map((c) => ({
        id: c.id,
        parent: c.parent,
        tenantId: tenantOf(c.namespace),
        tokens: c.tokens,
        refs: c.refCount,
        pinned: c.pinCount > 0,
        lastUse: c.lastUse,
      })),
    };
  }

  /**
   * A tenant's own view of its chunks: ids renumbered 1..n in tree order and `lastUse` as the rank
   * among its own chunks (0: least recently used), so that neither the pool-wide chunk ids nor the
   * engine's global clock leak how busy other tenants are.
   */
  async tenantTree(tenantId: string): Promise<CacheTree> {
    const tree = await this.tree(tenantId);
    const own = tree.chunks.filter((c) => c.tenantId === tenantId);
    const ids = new Map(own.map((c, i) => [c.id, i + 1]));
    const recency = new Map([...own].sort((a, b) => a.lastUse - b.lastUse).map((c, rank) => [c.id, rank]));
    return {
      chunkSize: tree.chunkSize,
      chunks: own.map((c) => ({ ...c, id: ids.get(c.id)!, parent: c.parent === null ? null : (ids.get(c.parent) ?? null), lastUse: recency.get(c.id)! })),
    };
  }

  private sample(): void {
    if (!this.engine.isLoaded()) return;
    const sample = this.sampler.add(Date.now(), this.engine.stats());
    for (const listener of this.listeners) listener(sample);
  }
}

/** part / whole, 0 when there is no whole. */
function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
