// The dashboard's SQL: platform counts and usage totals, usage buckets over time, per-prompt
// figures. Rows come back as numbers; StatsService derives the rates.
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { UsageRecord } from '@chunkserve/persistence';
import type { OverviewCounts, PromptStats } from '@chunkserve/contracts';
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

/** p50, p95, p99 in ms; null without values. */
export type Percentiles = [number | null, number | null, number | null];

export interface UsageBucket extends UsageTotals {
  t: Date;
  /** Mean time to first token of the bucket's requests that produced one; null when none did. */
  ttftMs: number | null;
  ttft: Percentiles;
  /** Of each request's mean gap between tokens, (duration - TTFT) / (completion tokens - 1). */
  itl: Percentiles;
}

/** A prompt's current version and the usage it served: PromptStats before the derived figures. */
export type PromptUsage = Omit<PromptStats, 'hitRate' | 'meanTtftMs'> & { meanTtftMs: number | null };

/** A prompt version's text, to locate its chunks in the tree. */
export interface VersionText {
  tenantId: string;
  promptId: string;
  name: string;
  version: number;
  current: boolean;
  content: string;
}

export interface SeriesQuery {
  tenantId?: string;
  minutes: number;
  bucketSeconds: number;
}

const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const percentiles = (values: unknown): Percentiles => {
  const list = Array.isArray(values) ? values : [];
  return [nullableNumber(list[0]), nullableNumber(list[1]), nullableNumber(list[2])];
};

/** SQL of a request's mean inter-token gap (ms), for requests with a first token and 2+ tokens. */
const REQUEST_ITL = `(u.duration_ms - u.ttft_ms) / NULLIF(u.completion_tokens - 1, 0)`;

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
    const rows: { t: Date; requests: string; prompt: string; cached: string; completion: string; ttft: number | null; ttft_p: unknown; itl_p: unknown }[] = await this.manager.query(
      `WITH buckets AS (
         SELECT generate_series(
                  to_timestamp(floor(extract(epoch FROM now() - make_interval(mins => $1)) / $2) * $2),
                  now(), make_interval(secs => $2)) AS t)
       SELECT b.t,
              count(u.id) AS requests,
              COALESCE(sum(u.prompt_tokens), 0) AS prompt,
              COALESCE(sum(u.cached_tokens), 0) AS cached,
              COALESCE(sum(u.completion_tokens), 0) AS completion,
              avg(u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS ttft,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS ttft_p,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${REQUEST_ITL})
                FILTER (WHERE u.ttft_ms >= 0 AND u.completion_tokens >= 2) AS itl_p
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
      ttft: percentiles(r.ttft_p),
      itl: percentiles(r.itl_p),
    }));
  }

  /** The latest `perPrompt` versions of every prompt (one tenant's with `tenantId`). */
  async recentVersions(perPrompt: number, tenantId?: string): Promise<VersionText[]> {
    const rows: Record<string, unknown>[] = await this.manager.query(
      `SELECT tenant_id, prompt_id, name, version, version = current_version AS current, content FROM (
         SELECT p.tenant_id, p.id AS prompt_id, p.name, p.current_version, v.version, v.content,
                row_number() OVER (PARTITION BY p.id ORDER BY v.version DESC) AS recent
           FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id
          WHERE $2::uuid IS NULL OR p.tenant_id = $2::uuid) ranked
        WHERE recent <= $1
        ORDER BY name, version`,
      [perPrompt, tenantId ?? null],
    );
    return rows.map((r) => ({
      tenantId: String(r.tenant_id),
      promptId: String(r.prompt_id),
      name: String(r.name),
      version: Number(r.version),
      current: Boolean(r.current),
      content: String(r.content),
    }));
  }

  /** Tenants, active keys, prompts and pinned tokens: one tenant's, or (undefined) the platform's. */
  async counts(tenantId?: string): Promise<Omit<OverviewCounts, 'pinnedTokens'>> {
    const [row] = await this.manager.query(
      `SELECT (SELECT count(*) FROM tenants WHERE $1::uuid IS NULL OR id = $1::uuid)::int AS tenants,
              (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL AND ($1::uuid IS NULL OR tenant_id = $1::uuid))::int AS api_keys,
              (SELECT count(*) FROM prompts WHERE $1::uuid IS NULL OR tenant_id = $1::uuid)::int AS prompts`,
      [tenantId ?? null],
    );
    return { tenants: row.tenants, apiKeys: row.api_keys, prompts: row.prompts };
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
