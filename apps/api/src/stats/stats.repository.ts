// The dashboard's SQL: platform counts and usage totals, usage buckets over time, per-prompt
// figures. Rows come back as numbers; StatsService derives the rates.
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { UsageRecord } from '@chunkserve/persistence';
import type { PromptStats } from '@chunkserve/contracts';
import type { EntityManager } from 'typeorm';

import { promptsWithCurrentVersion } from '../prompts/prompt.repository';

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

export interface PlatformCounts extends UsageTotals {
  tenants: number;
  apiKeys: number;
  prompts: number;
}

export interface UsageBucket extends UsageTotals {
  t: Date;
  /** Mean time to first token of the bucket's requests that produced one; null when none did. */
  ttftMs: number | null;
}

/** A prompt's current version and the usage it served: PromptStats before the derived figures. */
export type PromptUsage = Omit<PromptStats, 'hitRate' | 'meanTtftMs'> & { meanTtftMs: number | null };

export interface SeriesQuery {
  tenantId?: string;
  minutes: number;
  bucketSeconds: number;
}

const nullableNumber = (value: unknown) => (value === null ? null : Number(value));

@Injectable()
export class StatsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async platformCounts(): Promise<PlatformCounts> {
    const [row] = await this.manager.query(`
      SELECT (SELECT count(*) FROM tenants)::int AS tenants,
             (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)::int AS api_keys,
             (SELECT count(*) FROM prompts)::int AS prompts,
             count(u.*)::bigint AS requests,
             COALESCE(sum(u.prompt_tokens), 0)::bigint AS prompt_tokens,
             COALESCE(sum(u.cached_tokens), 0)::bigint AS cached_tokens,
             COALESCE(sum(u.completion_tokens), 0)::bigint AS completion_tokens
        FROM usage_records u`);
    return {
      tenants: row.tenants,
      apiKeys: row.api_keys,
      prompts: row.prompts,
      requests: Number(row.requests),
      promptTokens: Number(row.prompt_tokens),
      cachedTokens: Number(row.cached_tokens),
      completionTokens: Number(row.completion_tokens),
    };
  }

  /** Buckets of the last `minutes`, empty buckets included, oldest first. */
  async usageBuckets(q: SeriesQuery): Promise<UsageBucket[]> {
    const rows: { t: Date; requests: string; prompt: string; cached: string; completion: string; ttft: number | null }[] = await this.manager.query(
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
    return rows.map((r) => ({
      t: new Date(r.t),
      requests: Number(r.requests),
      promptTokens: Number(r.prompt),
      cachedTokens: Number(r.cached),
      completionTokens: Number(r.completion),
      ttftMs: nullableNumber(r.ttft),
    }));
  }

  /** Each prompt's current version with the usage it served, oldest prompt first. */
  async promptUsage(tenantId?: string): Promise<PromptUsage[]> {
    const q = promptsWithCurrentVersion(this.manager)
      .select('p.id', 'id')
      .addSelect('p.tenant_id', 'tenant_id')
      .addSelect('p.name', 'name')
      .addSelect('v.version', 'version')
      .addSelect('v.tokens', 'tokens')
      .addSelect('v.cached_tokens', 'cached_tokens')
      .addSelect('v.chunks', 'chunks')
      .addSelect('v.status', 'status')
      .addSelect('count(u.id)', 'requests')
      .addSelect('COALESCE(sum(u.prompt_tokens), 0)', 'served')
      .addSelect('COALESCE(sum(u.cached_tokens), 0)', 'cached_served')
      .addSelect('avg(u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0)', 'ttft')
      .leftJoin(UsageRecord, 'u', 'u.prompt_id = p.id')
      .groupBy('p.id')
      .addGroupBy('v.id')
      .orderBy('p.created_at');
    if (tenantId !== undefined) q.where('p.tenant_id = :tenantId', { tenantId });
    const rows: Record<string, unknown>[] = await q.getRawMany();
    return rows.map((r) => ({
      promptId: String(r.id),
      tenantId: String(r.tenant_id),
      name: String(r.name),
      version: Number(r.version),
      tokens: Number(r.tokens),
      cachedTokens: Number(r.cached_tokens),
      chunks: Number(r.chunks),
      status: String(r.status),
      requests: Number(r.requests),
      promptTokensServed: Number(r.served),
      cachedTokensServed: Number(r.cached_served),
      meanTtftMs: nullableNumber(r.ttft),
    }));
  }
}
