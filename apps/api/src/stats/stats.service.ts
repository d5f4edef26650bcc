// The dashboard's figures: platform totals, hit-rate and throughput series from the usage history,
// per-prompt figures, the engine's chunk tree, and live engine samples pushed to subscribers.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CacheTree, LiveStats, PlatformStats, PromptStats, SeriesPoint } from '@chunkserve/contracts';
import { DataSource } from 'typeorm';

import type { Environment } from '../config/environment';
import { EngineService, tenantOf } from '../engine/engine.service';
import { engineFigures, LiveSampler } from './live-sampler';

export interface SeriesQuery {
  tenantId?: string;
  minutes: number;
  bucketSeconds: number;
}

@Injectable()
export class StatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sampler = new LiveSampler(720);
  private readonly listeners = new Set<(s: LiveStats) => void>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
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
    const [row] = await this.db.query(`
      SELECT (SELECT count(*) FROM tenants)::int AS tenants,
             (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)::int AS api_keys,
             (SELECT count(*) FROM prompts)::int AS prompts,
             (SELECT COALESCE(sum(v.tokens), 0) FROM prompts p
                JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.current_version
               WHERE v.status = 'warm')::bigint AS pinned_tokens,
             count(u.*)::bigint AS requests,
             COALESCE(sum(u.prompt_tokens), 0)::bigint AS prompt_tokens,
             COALESCE(sum(u.cached_tokens), 0)::bigint AS cached_tokens,
             COALESCE(sum(u.completion_tokens), 0)::bigint AS completion_tokens
        FROM usage_records u`);
    const promptTokens = Number(row.prompt_tokens);
    const cachedTokens = Number(row.cached_tokens);
    return {
      tenants: row.tenants,
      apiKeys: row.api_keys,
      prompts: row.prompts,
      pinnedTokens: Number(row.pinned_tokens),
      requests: Number(row.requests),
      promptTokens,
      cachedTokens,
      completionTokens: Number(row.completion_tokens),
      hitRate: promptTokens > 0 ? cachedTokens / promptTokens : 0,
      engine: engineFigures(this.engine.stats()),
    };
  }

  /** Buckets of the last `minutes`, empty buckets included, oldest first. */
  async series(q: SeriesQuery): Promise<SeriesPoint[]> {
    const rows: { t: Date; requests: string; prompt: string; cached: string; completion: string; ttft: number | null }[] = await this.db.query(
      `WITH buckets AS (
         SELECT generate_series(
                  to_timestamp(floor(extract(epoch FROM now() - make_interval(mins => $1)) / $2) * $2),
                  now(), make_interval(secs => $2)) AS t)
       SELECT b.t,
              count(u.id) AS requests,
              COALESCE(sum(u.prompt_tokens), 0) AS prompt,
              COALESCE(sum(u.cached_tokens), 0) AS cached,
              COALESCE(sum(u.completion_tokens), 0) AS completion,
              avg(u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS ttft
         FROM buckets b
         LEFT JOIN usage_records u
           ON u.created_at >= b.t AND u.created_at < b.t + make_interval(secs => $2)
          AND ($3::uuid IS NULL OR u.tenant_id = $3::uuid)
        GROUP BY b.t ORDER BY b.t`,
      [q.minutes, q.bucketSeconds, q.tenantId ?? null],
    );
    return rows.map((r) => {
      const prompt = Number(r.prompt);
      const cached = Number(r.cached);
      return {
        t: new Date(r.t).toISOString(),
        requests: Number(r.requests),
        promptTokens: prompt,
        cachedTokens: cached,
        completionTokens: Number(r.completion),
        hitRate: prompt > 0 ? cached / prompt : 0,
        tokensPerSecond: Number(r.completion) / q.bucketSeconds,
        ttftMs: r.ttft === null ? 0 : Number(r.ttft),
      };
    });
  }

  async prompts(tenantId?: string): Promise<PromptStats[]> {
    const rows = await this.db.query(
      `SELECT p.id, p.tenant_id, p.name, v.version, v.tokens, v.cached_tokens, v.chunks, v.status,
              count(u.id) AS requests,
              COALESCE(sum(u.prompt_tokens), 0) AS served,
              COALESCE(sum(u.cached_tokens), 0) AS cached_served,
              avg(u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS ttft
         FROM prompts p
         JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.current_version
         LEFT JOIN usage_records u ON u.prompt_id = p.id
        WHERE $1::uuid IS NULL OR p.tenant_id = $1::uuid
        GROUP BY p.id, v.id
        ORDER BY p.created_at`,
      [tenantId ?? null],
    );
    return rows.map((r: Record<string, unknown>) => {
      const served = Number(r.served);
      const cachedServed = Number(r.cached_served);
      return {
        promptId: String(r.id),
        tenantId: String(r.tenant_id),
        name: String(r.name),
        version: Number(r.version),
        tokens: Number(r.tokens),
        cachedTokens: Number(r.cached_tokens),
        chunks: Number(r.chunks),
        status: String(r.status),
        requests: Number(r.requests),
        promptTokensServed: served,
        cachedTokensServed: cachedServed,
        hitRate: served > 0 ? cachedServed / served : 0,
        meanTtftMs: r.ttft === null ? 0 : Number(r.ttft),
      };
    });
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

  private sample(): void {
    if (!this.engine.isLoaded()) return;
    const sample = this.sampler.add(Date.now(), this.engine.stats());
    for (const listener of this.listeners) listener(sample);
  }
}
