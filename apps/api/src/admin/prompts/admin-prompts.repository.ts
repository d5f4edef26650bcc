// The admin's SQL over prompts of any tenant: who owns a prompt, every prompt with its tenant's
// name, and the usage each version served.
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface PromptOwner {
  tenantId: string;
  tenantName: string;
}

/** Usage attributed to a version: requests between its creation and the next version's. */
export interface VersionUsage {
  version: number;
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  meanTtftMs: number | null;
  p95TtftMs: number | null;
}

@Injectable()
export class AdminPromptsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async ownerOf(promptId: string): Promise<PromptOwner | null> {
    const [row] = await this.manager.query(`SELECT t.id, t.name FROM prompts p JOIN tenants t ON t.id = p.tenant_id WHERE p.id = $1`, [promptId]);
    return row ? { tenantId: row.id, tenantName: row.name } : null;
  }

  /** Tenant names by id. */
  async tenantNames(): Promise<Map<string, string>> {
    const rows: { id: string; name: string }[] = await this.manager.query(`SELECT id, name FROM tenants`);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Requests and latency per version: each request counts for the version it was served with
   * (usage_records.prompt_version); rows from before that column by the window in which the
   * version was current.
   */
  async versionUsage(promptId: string): Promise<VersionUsage[]> {
    const rows: Record<string, unknown>[] = await this.manager.query(
      `WITH windows AS (
         SELECT version, created_at AS starts, lead(created_at) OVER (ORDER BY version) AS ends
           FROM prompt_versions WHERE prompt_id = $1)
       SELECT w.version,
              count(u.id)::int AS requests,
              COALESCE(sum(u.prompt_tokens), 0)::bigint AS prompt_tokens,
              COALESCE(sum(u.cached_tokens), 0)::bigint AS cached_tokens,
              avg(u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS mean_ttft,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY u.ttft_ms) FILTER (WHERE u.ttft_ms >= 0) AS p95_ttft
         FROM windows w
         LEFT JOIN usage_records u
           ON u.prompt_id = $1
          AND (u.prompt_version = w.version
               OR (u.prompt_version IS NULL AND u.created_at >= w.starts AND (w.ends IS NULL OR u.created_at < w.ends)))
        GROUP BY w.version ORDER BY w.version`,
      [promptId],
    );
    const num = (v: unknown) => (v === null ? null : Number(v));
    return rows.map((r) => ({
      version: Number(r.version),
      requests: Number(r.requests),
      promptTokens: Number(r.prompt_tokens),
      cachedTokens: Number(r.cached_tokens),
      meanTtftMs: num(r.mean_ttft),
      p95TtftMs: num(r.p95_ttft),
    }));
  }
}
